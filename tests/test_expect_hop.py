"""grader.flows.expect_hop: an effect is credited only when the journal shows the architecture made
it. Pure logic on fake journals (entries shaped as sandbox/plugins/journal records them): genuine
ones pass, forged ones (the learner's own credentials, the function's role used by someone else,
a look-alike message) are named. The end-to-end cases on the real emulator are in
tests/test_variants.py."""

from grader.flows import author, caused_by, expect_hop

ACCOUNT = "000000000000"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/lambda-role/MyFunctionEC2"
RULE = f"arn:aws:events:ap-northeast-1:{ACCOUNT}:rule/ec2-stopped"


def _journal(*entries):
    return [{"seq": i + 1, "account": ACCOUNT, "region": "ap-northeast-1", **e} for i, e in enumerate(entries)]


def _start(key, caller, status=200, **extra):
    return {"hop": "api-call", "service": "ec2", "operation": "StartInstances", "instance_ids": ["i-1"],
            "access_key": key, "caller": caller, "status": status, **extra}


def _run(key, **extra):
    return {"hop": "lambda-result", "function_name": "MyFunctionEC2", "status": "ok", "access_key": key,
            "invoked_by": "events", "source_arn": RULE, **extra}


def _expect_start(journal, runs):
    return expect_hop(journal, "api-call", via=runs, service="ec2", operation="StartInstances",
                      instance_ids=lambda ids: "i-1" in (ids or []))


def test_the_functions_own_start_is_credited():
    journal = _journal({"hop": "target-invoked", "rule": "ec2-stopped"}, _start("ASIAFN", SESSION), _run("ASIAFN"))
    found = _expect_start(journal, [journal[2]])
    assert found and [e["seq"] for e in found.entries] == [2] and not found.others


def test_a_start_by_the_learner_is_named_not_credited():
    # a background loop with the account's own key starts the instance; the function never ran
    journal = _journal({"hop": "target-invoked"}, _start("000000000000", ROOT))
    found = _expect_start(journal, [])
    assert not found and found.by == "root"


def test_the_role_used_outside_the_function_is_not_the_function():
    # the learner assumed the function's role with the same session name: same caller ARN, other key
    journal = _journal(_start("ASIALEARNER", SESSION), _run("ASIAFN"))
    found = _expect_start(journal, [journal[1]])
    assert not found and found.by == "assumed-role/lambda-role/MyFunctionEC2"


def test_a_call_after_the_run_returned_is_not_the_runs():
    journal = _journal(_run("ASIAFN"), _start("ASIAFN", SESSION))
    assert not caused_by(journal[1], [journal[0]])
    assert not _expect_start(journal, [journal[0]])


def test_failed_calls_count_for_nobody():
    journal = _journal(_start("ASIAFN", SESSION, status=403, error_code="UnauthorizedOperation"), _run("ASIAFN"))
    found = _expect_start(journal, [journal[1]])
    assert not found and not found.others and found.by == "-"


def test_since_leaves_out_earlier_hops():
    journal = _journal(_start("ASIAFN", SESSION), _run("ASIAFN"), {"hop": "event-put"})
    assert not _expect_start(journal[2:], journal[1:2])
    assert not expect_hop(journal, "api-call", since=journal[2])
    assert expect_hop(journal, "api-call", since=0)


def test_messages_by_the_service_principal_and_by_the_learner():
    bucket = "arn:aws:s3:::20220807-sqs-test"
    journal = _journal(
        {"hop": "sqs-delivery", "principal": "s3.amazonaws.com", "source_arn": bucket, "status": "ok",
         "about": "s3:TestEvent", "message_ids": ["m-s3"]},
        {"hop": "api-call", "service": "sqs", "operation": "SendMessage", "status": 200, "caller": ROOT,
         "access_key": ACCOUNT, "message_ids": ["m-forged"]},
    )
    genuine = expect_hop(journal, ("sqs-delivery", "api-call"), principal="s3.amazonaws.com",
                         message_ids=lambda ids: "m-s3" in ids)
    assert [e["seq"] for e in genuine.entries] == [1]
    forged = expect_hop(journal, ("sqs-delivery", "api-call"), principal="s3.amazonaws.com",
                        message_ids=lambda ids: "m-forged" in ids)
    assert not forged and forged.by == "root"


def test_a_delivery_the_queue_policy_refused_caused_nothing():
    journal = _journal({"hop": "sqs-delivery", "principal": "s3.amazonaws.com", "status": "denied", "message_ids": []})
    assert not expect_hop(journal, "sqs-delivery", principal="s3.amazonaws.com")


def test_author_names():
    assert author({"principal": "s3.amazonaws.com", "caller": ROOT}) == "s3.amazonaws.com"
    assert author({"caller": ROOT, "grader": True}) == "grader"
    assert author({"caller": f"arn:aws:iam::{ACCOUNT}:user/athena-learner"}) == "user/athena-learner"
    assert author({"caller": SESSION}) == "assumed-role/lambda-role/MyFunctionEC2"
    assert author({"access_key": "AKIAUNKNOWN"}) == "AKIAUNKNOWN"


# ---- on the real emulator: the journal holds the facts expect_hop relies on ---------------------

FN_WRITES = """
import boto3

def lambda_handler(event, context):
    boto3.client("s3").put_object(Bucket=event["bucket"], Key="by-function.txt", Body=b"x")
"""


def test_the_journal_links_a_functions_write_to_its_run_and_not_the_learners(account):
    import json

    from sandbox.emulator import EmulatorClient

    from .lambda_functions import create_function, lambda_results

    bucket = f"expect-hop-{account.account_id}"
    s3, lam, sqs = account.client("s3"), account.client("lambda"), account.client("sqs")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    role = account.client("iam").create_role(RoleName="writer", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    account.client("iam").put_role_policy(RoleName="writer", PolicyName="s3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}))
    create_function(account, "writer-fn", FN_WRITES, role=role, timeout=10)
    lam.invoke(FunctionName="writer-fn", Payload=json.dumps({"bucket": bucket}))
    s3.put_object(Bucket=bucket, Key="by-function.txt", Body=b"forged")  # the learner, afterwards
    url = sqs.create_queue(QueueName="expect-hop")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")["MessageId"]

    runs = lambda_results(account, "writer-fn")
    journal = EmulatorClient.for_account(account).journal(account.account_id)
    assert runs and runs[0]["status"] == "ok" and runs[0]["access_key"], runs
    written = expect_hop(journal, "s3-delivery", via=runs, bucket=bucket, key="by-function.txt")
    assert len(written.entries) == 1 and written.entries[0]["caller"].endswith(":assumed-role/writer/writer-fn")
    assert written.by == "root"
    message = expect_hop(journal, "api-call", service="sqs", message_ids=lambda ids: sent in (ids or []))
    assert len(message.entries) == 1 and author(message.entries[0]) == "root"
