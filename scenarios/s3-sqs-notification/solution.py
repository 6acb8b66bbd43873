"""Reference solution of s3-sqs-notification, written as a learner would with boto3.

Runs against whatever AWS_ENDPOINT_URL and credentials the environment holds
(eval "$(awslab env)"), and is safe to run twice.

    python solution.py [--bucket 20220807-sqs-test] [--queue TestQueue] [--notification SQS-Event]
"""

import argparse
import json

import boto3
from botocore.exceptions import ClientError


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", default="20220807-sqs-test")
    parser.add_argument("--queue", default="TestQueue")
    parser.add_argument("--notification", default="SQS-Event")
    args = parser.parse_args()

    session = boto3.session.Session()
    region = session.region_name or "ap-northeast-1"
    s3 = session.client("s3", region_name=region)
    sqs = session.client("sqs", region_name=region)

    # 1. The bucket (CreateBucket outside us-east-1 needs the location constraint).
    try:
        s3.create_bucket(
            Bucket=args.bucket,
            CreateBucketConfiguration={"LocationConstraint": region},
        )
        print(f"created bucket {args.bucket}")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
        print(f"bucket {args.bucket} already exists")

    # 2. The queue (CreateQueue returns the existing queue when the attributes match).
    queue_url = sqs.create_queue(QueueName=args.queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    print(f"queue {queue_arn}")

    # 3. The access policy from the blog: anyone may use the queue, but only on behalf of the bucket.
    policy = {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__owner_statement",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "SQS:*",
                "Resource": queue_arn,
                "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:*:*:{args.bucket}"}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    print("queue policy set")

    # 4. The event notification.
    s3.put_bucket_notification_configuration(
        Bucket=args.bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": args.notification,
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                }
            ]
        },
    )
    print(f"notification {args.notification} -> {args.queue}")


if __name__ == "__main__":
    main()
