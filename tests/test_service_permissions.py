"""Service-to-service deliveries need the target's resource-based policy (service_permissions plugin):
EventBridge, S3 and SNS invoking Lambda, S3 publishing to SNS. Real emulator, real functions."""

import json
import time

import botocore.exceptions
import pytest

from sandbox import timeline
from sandbox.emulator import EmulatorClient
from tests.lambda_functions import create_function, lambda_results

REGION = "ap-northeast-1"
HANDLER = "def lambda_handler(event, context):\n    return 'ok'\n"


def _entries(account, hop, since=0, count=1, timeout=10.0):
    client = EmulatorClient.for_account(account)
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in client.journal(account.account_id, since) if e["hop"] == hop]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _rule_to(account, function_arn, name="every-ping"):
    events = account.client("events")
    rule_arn = events.put_rule(Name=name, EventPattern=json.dumps({"source": ["awslab.test"]}))["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": function_arn}])
    return rule_arn


def _ping(account):
    account.client("events").put_events(Entries=[{"Source": "awslab.test", "DetailType": "ping", "Detail": "{}"}])


def test_eventbridge_needs_the_function_policy(account):
    lam = account.client("lambda")
    arn = create_function(account, "MyFunctionEC2", HANDLER)
    rule_arn = _rule_to(account, arn)
    since = EmulatorClient.for_account(account).journal_position(account.account_id)
    _ping(account)
    [denied] = _entries(account, "service-denied", since)
    assert denied["principal"] == "events.amazonaws.com" and denied["source_arn"] == rule_arn
    assert timeline.describe(denied, "en") == \
        "EventBridge could not invoke MyFunctionEC2: no resource-based policy allows events.amazonaws.com"
    assert "EventBridge" in timeline.describe(denied, "ja")
    [failed] = _entries(account, "target-failed", since)
    assert "AccessDeniedException" in failed["error"]
    assert lambda_results(account, "MyFunctionEC2", timeout=1.0) == []

    # A permission for another rule does not help; one for this rule does.
    lam.add_permission(FunctionName="MyFunctionEC2", StatementId="other", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn + "-other")
    _ping(account)
    assert len(_entries(account, "service-denied", since, count=2)) == 2
    lam.add_permission(FunctionName="MyFunctionEC2", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    _ping(account)
    assert len(lambda_results(account, "MyFunctionEC2")) == 1


def test_a_permission_on_the_function_does_not_cover_an_alias(account):
    lam = account.client("lambda")
    create_function(account, "aliased", HANDLER)
    version = lam.publish_version(FunctionName="aliased")["Version"]
    alias_arn = lam.create_alias(FunctionName="aliased", Name="live", FunctionVersion=version)["AliasArn"]
    rule_arn = _rule_to(account, alias_arn, "to-alias")
    lam.add_permission(FunctionName="aliased", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    since = EmulatorClient.for_account(account).journal_position(account.account_id)
    _ping(account)
    [denied] = _entries(account, "service-denied", since)
    assert denied["resource"] == alias_arn and "aliased:live" in timeline.describe(denied, "en")
    lam.add_permission(FunctionName="aliased", Qualifier="live", StatementId="events-live",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule_arn)
    _ping(account)
    assert len(lambda_results(account, "aliased")) == 1


def test_s3_notification_to_a_function_needs_its_permission(account):
    s3, lam = account.client("s3"), account.client("lambda")
    bucket = f"{account.account_id}-to-lambda"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    arn = create_function(account, "on-upload", HANDLER)
    config = {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    assert err.value.response["Error"]["Message"] == "Unable to validate the following destination configurations"
    # The wrong account in aws:SourceAccount is refused too.
    lam.add_permission(FunctionName="on-upload", StatementId="s3-wrong", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}", SourceAccount="111122223333")
    with pytest.raises(botocore.exceptions.ClientError):
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    lam.add_permission(FunctionName="on-upload", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}",
                       SourceAccount=account.account_id)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_object(Bucket=bucket, Key="hane.jpg", Body=b"x")
    assert len(lambda_results(account, "on-upload")) == 1


def test_sns_subscription_needs_the_function_permission(account):
    sns, lam = account.client("sns"), account.client("lambda")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    arn = create_function(account, "on-alert", HANDLER)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    since = EmulatorClient.for_account(account).journal_position(account.account_id)
    sns.publish(TopicArn=topic, Message="hello")
    [denied] = _entries(account, "service-denied", since)
    assert denied["principal"] == "sns.amazonaws.com" and denied["source_arn"] == topic
    assert lambda_results(account, "on-alert", timeout=1.0) == []
    lam.add_permission(FunctionName="on-alert", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    sns.publish(TopicArn=topic, Message="hello again")
    assert len(lambda_results(account, "on-alert")) == 1


def test_s3_notification_to_a_topic_needs_the_topic_policy(account):
    s3, sns = account.client("s3"), account.client("sns")
    bucket = f"{account.account_id}-to-topic"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    topic = sns.create_topic(Name="uploads")["TopicArn"]
    config = {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert err.value.response["Error"]["Code"] == "InvalidArgument"  # the default topic policy does not admit S3
    [denied] = _entries(account, "service-denied")
    assert timeline.describe(denied, "en") == "S3 could not publish to uploads: no resource-based policy allows s3.amazonaws.com"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "SNS:Publish", "Resource": topic,
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}))
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)


SQS_READ = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]


def _role_with(account, name, actions):
    iam = account.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    if actions:
        iam.put_role_policy(RoleName=name, PolicyName="sqs", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    return arn


def _queue(account, name, **attributes):
    sqs = account.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _mapping_error(account, queue_arn, function):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        account.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_mapping_needs_the_roles_sqs_permissions(account):
    _, queue_arn = _queue(account, "jobs")
    create_function(account, "no-sqs", HANDLER, role=_role_with(account, "no-sqs", []))
    assert _mapping_error(account, queue_arn, "no-sqs") == (
        "InvalidParameterValueException", "The provided execution role does not have permissions to call ReceiveMessage on SQS")
    create_function(account, "receive-only", HANDLER, role=_role_with(account, "receive-only", ["sqs:ReceiveMessage"]))
    assert _mapping_error(account, queue_arn, "receive-only")[1] == \
        "The provided execution role does not have permissions to call DeleteMessage on SQS"
    assert account.client("lambda").list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"] == []


def test_mapping_needs_a_visibility_timeout_of_at_least_the_function_timeout(account):
    _, queue_arn = _queue(account, "slow-jobs")
    create_function(account, "slow", HANDLER, timeout=60, role=_role_with(account, "slow", SQS_READ))
    assert _mapping_error(account, queue_arn, "slow") == (
        "InvalidParameterValueException", "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds")
    _, long_arn = _queue(account, "long-jobs", VisibilityTimeout=60)
    account.client("lambda").create_event_source_mapping(EventSourceArn=long_arn, FunctionName="slow")


def test_a_role_that_loses_its_permission_stops_the_trigger(account):
    url, queue_arn = _queue(account, "work")
    create_function(account, "worker", HANDLER, role=_role_with(account, "worker", SQS_READ))
    lam, sqs = account.client("lambda"), account.client("sqs")
    lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="worker", BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="one")
    assert len(lambda_results(account, "worker", timeout=30)) == 1
    account.client("iam").delete_role_policy(RoleName="worker", PolicyName="sqs")
    since = EmulatorClient.for_account(account).journal_position(account.account_id)
    sqs.send_message(QueueUrl=url, MessageBody="two")
    [denied] = _entries(account, "trigger-denied", since, timeout=15)
    assert denied["action"] == "sqs:ReceiveMessage" and denied["queue_arn"] == queue_arn
    assert timeline.describe(denied, "en") == ("the SQS trigger of worker cannot call sqs:ReceiveMessage on work: "
                                               "its execution role worker does not allow it")
    time.sleep(2)
    assert len(lambda_results(account, "worker", timeout=0.5)) == 1  # "two" waits in the queue
    assert [m["Body"] for m in EmulatorClient.for_account(account).peek_messages(account.account_id, REGION, "work")] == ["two"]


def _s3_to_queue(account, bucket, queue, **attributes):
    s3, sqs = account.client("s3"), account.client("sqs")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    url, arn = _queue(account, queue, **attributes)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": arn}]})})
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    return url, lambda: s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)


def test_s3_cannot_deliver_to_a_queue_encrypted_with_the_aws_managed_key(account):
    _, save = _s3_to_queue(account, f"{account.account_id}-to-sse", "sse-managed", KmsMasterKeyId="alias/aws/sqs")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        save()
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    [denied] = _entries(account, "service-denied")
    assert denied["action"] == "kms:GenerateDataKey" and denied["queue"].endswith(":sse-managed")
    assert timeline.describe(denied, "en").startswith("S3 could not deliver to the encrypted queue sse-managed")


def test_a_customer_key_needs_a_key_policy_statement_for_s3(account):
    kms = account.client("kms")
    key = kms.create_key()["KeyMetadata"]
    url, save = _s3_to_queue(account, f"{account.account_id}-to-cmk", "sse-cmk", KmsMasterKeyId=key["KeyId"])
    with pytest.raises(botocore.exceptions.ClientError):
        save()  # the default key policy admits only the account's own principals
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account.account_id}:root"}, "Action": "kms:*",
             "Resource": "*"},
            {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
             "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}]}))
    save()
    account.client("s3").put_object(Bucket=f"{account.account_id}-to-cmk", Key="hane.jpg", Body=b"x")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        bodies = [m["Body"] for m in EmulatorClient.for_account(account).peek_messages(account.account_id, REGION, "sse-cmk")]
        if any("hane.jpg" in b for b in bodies):
            break
        time.sleep(0.2)
    assert any("hane.jpg" in b for b in bodies)


def test_eventbridge_to_a_topic_needs_the_topic_policy(account):
    sns, sqs = account.client("sns"), account.client("sqs")
    topic = sns.create_topic(Name="from-rules")["TopicArn"]
    url, queue_arn = _queue(account, "topic-inbox")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": queue_arn}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    rule_arn = _rule_to(account, topic, "to-topic")
    since = EmulatorClient.for_account(account).journal_position(account.account_id)
    _ping(account)
    [denied] = _entries(account, "service-denied", since)
    assert timeline.describe(denied, "en") == \
        "EventBridge could not publish to from-rules: no resource-based policy allows events.amazonaws.com"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
            "Resource": topic, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]}))
    _ping(account)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not EmulatorClient.for_account(account).peek_messages(
            account.account_id, REGION, "topic-inbox"):
        time.sleep(0.2)
    [message] = EmulatorClient.for_account(account).peek_messages(account.account_id, REGION, "topic-inbox")
    assert json.loads(message["Body"])["source"] == "awslab.test"
    assert len(_entries(account, "service-denied", since, timeout=0)) == 1


def test_a_queue_of_another_account_needs_its_queue_policy_too(account):
    from sandbox import accounts

    other = accounts.Account(str((int(account.account_id) + 500_000) % 10**12).zfill(12), REGION, account.endpoint)
    url, queue_arn = _queue(other, "shared-jobs")
    role_arn = _role_with(account, "cross-reader", SQS_READ)
    create_function(account, "cross", HANDLER, role=role_arn)
    assert _mapping_error(account, queue_arn, "cross")[1] == \
        "The provided execution role does not have permissions to call ReceiveMessage on SQS"
    other.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": role_arn},
                                                "Action": SQS_READ, "Resource": queue_arn}]})})
    account.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="cross")
