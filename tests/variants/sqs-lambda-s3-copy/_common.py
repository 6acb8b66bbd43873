"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""


def queue(learner) -> tuple[str, str]:
    sqs = learner.client("sqs")
    url = sqs.get_queue_url(QueueName=learner.names["queue"])["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def sqs_statement(queue_arn: str) -> dict:
    return {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": queue_arn}


NOOP_HANDLER = '''def lambda_handler(event, context):
    return None
'''


def build_with(learner, s3_actions: list[str], handler: str, timeout: int = 10, **mapping) -> None:
    """Role (the trigger's SQS actions and `s3_actions` on the bucket's objects), function, trigger."""
    _, queue_arn = queue(learner)
    role = learner.role(learner.names["role"], [
        sqs_statement(queue_arn),
        {"Effect": "Allow", "Action": s3_actions, "Resource": f"arn:aws:s3:::{learner.names['bucket']}/*"}])
    learner.function(learner.names["function"], role, handler, timeout=timeout,
                     variables={"SOURCE_KEY": learner.names["source_key"], "COPY_KEY": learner.names["copy_key"]})
    learner.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=learner.names["function"], **mapping)
