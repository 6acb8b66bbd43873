"""Wrong: the role may read hane.jpg but not write objects: on AWS the function's write is
refused."""

from _common import queue, sqs_statement

EXPECT = {"role-can-copy-objects": "s3:PutObject"}

HANDLER = '''def lambda_handler(event, context):
    return None
'''


def build(learner):
    _, queue_arn = queue(learner)
    bucket = learner.names["bucket"]
    role = learner.role(learner.names["role"], [
        sqs_statement(queue_arn),
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}])
    learner.function(learner.names["function"], role, HANDLER)
    learner.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=learner.names["function"])
