"""Wrong: the function's timeout (60 s) exceeds the queue's visibility timeout (30 s, the
default): AWS refuses to create such a trigger. If the emulator refuses it too, the mapping is
missing; either way the trigger check fails."""

from _common import queue, sqs_statement
from botocore.exceptions import ClientError

EXPECT = {"trigger-configured": ""}

HANDLER = '''def lambda_handler(event, context):
    return None
'''


def build(learner):
    _, queue_arn = queue(learner)
    bucket = learner.names["bucket"]
    role = learner.role(learner.names["role"], [
        sqs_statement(queue_arn),
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{bucket}/*"}])
    learner.function(learner.names["function"], role, HANDLER, timeout=60,
                     variables={"SOURCE_KEY": learner.names["source_key"], "COPY_KEY": learner.names["copy_key"]})
    try:
        learner.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=learner.names["function"])
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InvalidParameterValueException", exc
