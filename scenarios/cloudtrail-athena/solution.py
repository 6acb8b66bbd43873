"""Reference solution of cloudtrail-athena, written as a learner would with boto3.

Runs against whatever AWS_ENDPOINT_URL and credentials the environment holds
(eval "$(awslab env)"): those are the account's own; it creates an access key for the IAM user
and does everything else as that user. Safe to run twice.

    python solution.py [--user athena-learner] [--bucket 20220810-test-bucket]
        [--log_bucket aws-cloudtrail-logs-20220810] [--results_bucket 20220810-athena-results]
        [--trail s3-events-trail] [--table cloudtrail_logs] [--named_query hane-jpg-upload]
"""

import argparse
import json
import time

import boto3
from botocore.exceptions import ClientError

# The table the CloudTrail console's "Create Athena table" generates (Athena User Guide,
# "Querying AWS CloudTrail logs"), with this task's table name and location.
TABLE_DDL = """CREATE EXTERNAL TABLE {table} (
    eventVersion STRING,
    userIdentity STRUCT<
        type: STRING,
        principalId: STRING,
        arn: STRING,
        accountId: STRING,
        invokedBy: STRING,
        accessKeyId: STRING,
        userName: STRING,
        sessionContext: STRUCT<
            attributes: STRUCT<
                mfaAuthenticated: STRING,
                creationDate: STRING>,
            sessionIssuer: STRUCT<
                type: STRING,
                principalId: STRING,
                arn: STRING,
                accountId: STRING,
                userName: STRING>>>,
    eventTime STRING,
    eventSource STRING,
    eventName STRING,
    awsRegion STRING,
    sourceIpAddress STRING,
    userAgent STRING,
    errorCode STRING,
    errorMessage STRING,
    requestParameters STRING,
    responseElements STRING,
    additionalEventData STRING,
    requestId STRING,
    eventId STRING,
    resources ARRAY<STRUCT<
        arn: STRING,
        accountId: STRING,
        type: STRING>>,
    eventType STRING,
    apiVersion STRING,
    readOnly STRING,
    recipientAccountId STRING,
    serviceEventDetails STRING,
    sharedEventID STRING,
    vpcEndpointId STRING
)
COMMENT 'CloudTrail table for {bucket} bucket'
ROW FORMAT SERDE 'com.amazon.emr.hive.serde.CloudTrailSerde'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://{bucket}/AWSLogs/{account}/CloudTrail/'
TBLPROPERTIES ('classification'='cloudtrail');"""

# The blog's second query.
NAMED_QUERY = """select eventTime as "イベント時間",
       userIdentity.userName as "ユーザー名",
       eventName as "イベント名",
       eventSource as "イベントソース"
  from "default"."{table}"
 where requestparameters like '%hane.jpg%' -- 検索対象のファイル名
 limit 10;"""


def make_bucket(s3, name, region):
    try:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise


def run_query(athena, sql, output):
    qid = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": "default"},
        ResultConfiguration={"OutputLocation": output})["QueryExecutionId"]
    while True:
        status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
        if status["State"] not in ("QUEUED", "RUNNING"):
            break
        time.sleep(0.2)
    if status["State"] != "SUCCEEDED":
        raise SystemExit(f"query failed: {status.get('StateChangeReason')}\n{sql}")
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    return [[d.get("VarCharValue") for d in row["Data"]] for row in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="athena-learner")
    parser.add_argument("--bucket", default="20220810-test-bucket")
    parser.add_argument("--log_bucket", default="aws-cloudtrail-logs-20220810")
    parser.add_argument("--results_bucket", default="20220810-athena-results")
    parser.add_argument("--trail", default="s3-events-trail")
    parser.add_argument("--table", default="cloudtrail_logs")
    parser.add_argument("--named_query", default="hane-jpg-upload")
    args = parser.parse_args()

    admin = boto3.session.Session()
    region = admin.region_name or "ap-northeast-1"
    account = admin.client("sts").get_caller_identity()["Account"]

    # 0. An access key for the IAM user (a user may hold two; replace the old ones).
    iam = admin.client("iam")
    for key in iam.list_access_keys(UserName=args.user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=args.user, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=args.user)["AccessKey"]
    user = boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                 aws_secret_access_key=key["SecretAccessKey"], region_name=region)
    s3, cloudtrail, athena = user.client("s3"), user.client("cloudtrail"), user.client("athena")
    print(f"working as {user.client('sts').get_caller_identity()['Arn']}")

    # 1. The log bucket and the policy CloudTrail needs (CloudTrail User Guide,
    #    "Amazon S3 bucket policy for CloudTrail").
    make_bucket(s3, args.log_bucket, region)
    trail_arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{args.trail}"
    s3.put_bucket_policy(Bucket=args.log_bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": f"arn:aws:s3:::{args.log_bucket}",
             "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
            {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{args.log_bucket}/AWSLogs/{account}/*",
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": trail_arn}}},
        ],
    }))

    # 2. The trail: management events and the data events of every S3 bucket, then logging.
    try:
        cloudtrail.create_trail(Name=args.trail, S3BucketName=args.log_bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TrailAlreadyExistsException":
            raise
        cloudtrail.update_trail(Name=args.trail, S3BucketName=args.log_bucket)
    cloudtrail.put_event_selectors(TrailName=args.trail, EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
    }])
    cloudtrail.start_logging(Name=args.trail)
    print(f"trail {args.trail} logging to s3://{args.log_bucket}/")

    # 3. The blog's upload.
    make_bucket(s3, args.bucket, region)
    s3.put_object(Bucket=args.bucket, Key="hane.jpg", Body=b"\xff\xd8\xff\xe0 hane")
    print(f"uploaded s3://{args.bucket}/hane.jpg")

    # 5. The Athena table over the trail's logs (replaced when the script runs again).
    make_bucket(s3, args.results_bucket, region)
    output = f"s3://{args.results_bucket}/"
    run_query(athena, f"DROP TABLE IF EXISTS {args.table}", output)
    run_query(athena, TABLE_DDL.format(table=args.table, bucket=args.log_bucket, account=account), output)

    # 6. The saved query, replacing one of the same name.
    query = NAMED_QUERY.format(table=args.table)
    for query_id in athena.list_named_queries()["NamedQueryIds"]:
        if athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]["Name"] == args.named_query:
            athena.delete_named_query(NamedQueryId=query_id)
    athena.create_named_query(Name=args.named_query, Database="default", QueryString=query)

    # 4 and 6: the log files arrive within seconds; run the query until it shows the upload.
    deadline = time.monotonic() + 60
    while True:
        rows = run_query(athena, query, output)
        if any("PutObject" in row for row in rows[1:]) or time.monotonic() > deadline:
            break
        time.sleep(1)
    for row in rows:
        print("\t".join(v or "" for v in row))


if __name__ == "__main__":
    main()
