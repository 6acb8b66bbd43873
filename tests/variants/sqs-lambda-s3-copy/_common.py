"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""


def queue(learner) -> tuple[str, str]:
    sqs = learner.client("sqs")
    url = sqs.get_queue_url(QueueName=learner.names["queue"])["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def sqs_statement(queue_arn: str) -> dict:
    return {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": queue_arn}
