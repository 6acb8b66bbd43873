"""DynamoDB and DynamoDB Streams offline (sandbox/plugins/dynamodb, on moto's backend), against the
real embedded emulator: the operations a learner uses, AWS's error codes and messages (DynamoDB API
Reference, "Common Errors" and each operation's Errors; messages as DynamoDB answers them), stream
records (DynamoDB Streams API Reference, "Record"/"StreamRecord"), the per-account reset, and the
DynamoDB stream -> Lambda event (Lambda Developer Guide, "Using AWS Lambda with Amazon DynamoDB",
example event)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from sandbox.emulator import EmulatorClient

from .lambda_functions import create_function, lambda_results

pytestmark = pytest.mark.emulator


def _error(call) -> tuple[str, str, int, dict]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"], response


def _orders_table(ddb, name: str = "Orders", stream: str | None = None) -> dict:
    spec = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": stream}} if stream else {}
    return ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "status", "created")],
        GlobalSecondaryIndexes=[{"IndexName": "by-status", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        LocalSecondaryIndexes=[{"IndexName": "by-created", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "created", "KeyType": "RANGE"}]}],
        **spec,
    )["TableDescription"]


def _order(pk: str, sk: str, status: str = "NEW", created: str = "2026-12-01") -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}, "status": {"S": status}, "created": {"S": created}}


def test_tables_items_queries_and_indexes(account):
    ddb = account.client("dynamodb")
    table = _orders_table(ddb)
    assert table["TableStatus"] == "ACTIVE"
    assert table["TableArn"] == f"arn:aws:dynamodb:ap-northeast-1:{account.account_id}:table/Orders"
    ddb.put_item(TableName="Orders", Item=_order("c1", "o1"))
    ddb.put_item(TableName="Orders", Item=_order("c1", "o2", "SHIPPED", "2026-12-02"))
    ddb.put_item(TableName="Orders", Item=_order("c2", "o3"))
    assert ddb.get_item(TableName="Orders", Key={"pk": {"S": "c1"}, "sk": {"S": "o2"}})["Item"]["status"] == {"S": "SHIPPED"}
    query = ddb.query(TableName="Orders", KeyConditionExpression="pk = :c", ExpressionAttributeValues={":c": {"S": "c1"}})
    assert [i["sk"]["S"] for i in query["Items"]] == ["o1", "o2"]
    by_status = ddb.query(TableName="Orders", IndexName="by-status", KeyConditionExpression="#s = :s",
                          ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "NEW"}})
    assert sorted(i["sk"]["S"] for i in by_status["Items"]) == ["o1", "o3"]
    by_created = ddb.query(TableName="Orders", IndexName="by-created", KeyConditionExpression="pk = :c AND created > :d",
                           ExpressionAttributeValues={":c": {"S": "c1"}, ":d": {"S": "2026-12-01"}})
    assert [i["sk"]["S"] for i in by_created["Items"]] == ["o2"]
    assert ddb.scan(TableName="Orders", FilterExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": {"S": "SHIPPED"}})["Count"] == 1
    updated = ddb.update_item(TableName="Orders", Key={"pk": {"S": "c2"}, "sk": {"S": "o3"}},
                              UpdateExpression="SET qty = if_not_exists(qty, :zero) + :one",
                              ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
    assert updated["Attributes"] == {"qty": {"N": "1"}}
    ddb.delete_item(TableName="Orders", Key={"pk": {"S": "c2"}, "sk": {"S": "o3"}})
    assert "Item" not in ddb.get_item(TableName="Orders", Key={"pk": {"S": "c2"}, "sk": {"S": "o3"}})
    assert "Orders" in ddb.list_tables()["TableNames"]


def test_error_codes_and_messages_are_dynamodbs(account):
    ddb = account.client("dynamodb")
    _orders_table(ddb)
    ddb.put_item(TableName="Orders", Item=_order("c1", "o1"))
    assert _error(lambda: ddb.put_item(TableName="Orders", Item=_order("c1", "o1"),
                                       ConditionExpression="attribute_not_exists(pk)"))[:3] == (
        "ConditionalCheckFailedException", "The conditional request failed", 400)
    assert _error(lambda: ddb.get_item(TableName="Missing", Key={"pk": {"S": "x"}}))[:3] == (
        "ResourceNotFoundException", "Requested resource not found", 400)
    assert _error(lambda: ddb.put_item(TableName="Orders", Item={"pk": {"N": "1"}, "sk": {"S": "x"}}))[:3] == (
        "ValidationException", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N", 400)
    assert _error(lambda: ddb.put_item(TableName="Orders", Item={"pk": {"S": "1"}}))[:2] == (
        "ValidationException", "One or more parameter values were invalid: Missing the key sk in the item")
    assert _error(lambda: ddb.query(TableName="Orders", KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                                    ExpressionAttributeValues={":s": {"S": "NEW"}}))[:2] == (
        "ValidationException", "Query condition missed key schema element: pk")
    assert _error(lambda: _orders_table(ddb))[:2] == ("ResourceInUseException", "Table already exists: Orders")


def test_transactions_partiql_and_ttl(account):
    ddb = account.client("dynamodb")
    _orders_table(ddb)
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "Orders", "Item": _order("c1", "o1")}},
                                            {"Put": {"TableName": "Orders", "Item": _order("c1", "o2")}}])
    code, message, status, response = _error(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "Orders", "Item": _order("c1", "o1"), "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": "Orders", "Item": _order("c1", "o3")}}]))
    assert (code, status) == ("TransactionCanceledException", 400)
    assert message == "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]"
    assert [r["Code"] for r in response["CancellationReasons"]] == ["ConditionalCheckFailed", "None"]
    assert "Item" not in ddb.get_item(TableName="Orders", Key={"pk": {"S": "c1"}, "sk": {"S": "o3"}})  # all or nothing
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "Orders", "Key": {"pk": {"S": "c1"}, "sk": {"S": "o2"}}}}])
    assert got["Responses"][0]["Item"]["sk"] == {"S": "o2"}
    # PartiQL as learners write it: no blanks around '=' (py-partiql-parser alone fails on that).
    assert len(ddb.execute_statement(Statement="SELECT * FROM Orders WHERE pk='c1'")["Items"]) == 2
    assert ddb.execute_statement(Statement='SELECT sk FROM "Orders" WHERE pk=? AND sk=?',
                                 Parameters=[{"S": "c1"}, {"S": "o2"}])["Items"] == [{"sk": {"S": "o2"}}]
    ddb.execute_statement(Statement="INSERT INTO Orders VALUE {'pk': 'c9', 'sk': 'o9', 'status': 'NEW'}")
    assert ddb.get_item(TableName="Orders", Key={"pk": {"S": "c9"}, "sk": {"S": "o9"}})["Item"]["status"] == {"S": "NEW"}
    ttl = ddb.update_time_to_live(TableName="Orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    assert ttl["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    assert ddb.describe_time_to_live(TableName="Orders")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}


def _stream_records(account, stream_arn: str) -> list[dict]:
    streams = account.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return streams.get_records(ShardIterator=iterator)["Records"]


def test_stream_records_have_awss_shape(account):
    ddb = account.client("dynamodb")
    stream_arn = _orders_table(ddb, stream="NEW_AND_OLD_IMAGES")["LatestStreamArn"]
    assert stream_arn.startswith(f"arn:aws:dynamodb:ap-northeast-1:{account.account_id}:table/Orders/stream/")
    assert account.client("dynamodbstreams").list_streams(TableName="Orders")["Streams"][0]["StreamArn"] == stream_arn
    ddb.put_item(TableName="Orders", Item=_order("c1", "o1"))
    ddb.put_item(TableName="Orders", Item=_order("c1", "o1", "SHIPPED"))
    ddb.delete_item(TableName="Orders", Key={"pk": {"S": "c1"}, "sk": {"S": "o1"}})
    records = _stream_records(account, stream_arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for r in records:
        assert (r["eventSource"], r["eventVersion"], r["awsRegion"]) == ("aws:dynamodb", "1.1", "ap-northeast-1")
        assert r["dynamodb"]["Keys"] == {"pk": {"S": "c1"}, "sk": {"S": "o1"}}
        assert r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert "OldImage" not in insert and insert["NewImage"]["status"] == {"S": "NEW"}
    assert modify["OldImage"]["status"] == {"S": "NEW"} and modify["NewImage"]["status"] == {"S": "SHIPPED"}
    assert "NewImage" not in remove and remove["OldImage"]["status"] == {"S": "SHIPPED"}
    assert int(insert["SequenceNumber"]) < int(modify["SequenceNumber"]) < int(remove["SequenceNumber"])


def test_reset_clears_dynamodb_of_one_account_only(emulator, account):
    from sandbox import accounts

    other = accounts.Account(account_id=f"9{account.account_id[1:]}", region="ap-northeast-1", endpoint=emulator.endpoint)
    for acc in (account, other):
        _orders_table(acc.client("dynamodb"), stream="NEW_IMAGE")
        acc.client("dynamodb").put_item(TableName="Orders", Item=_order("c1", "o1"))
    result = EmulatorClient(emulator.endpoint).reset_account(account.account_id)
    assert "dynamodb" in result["services"]
    assert account.client("dynamodb").list_tables()["TableNames"] == []
    assert account.client("dynamodbstreams").list_streams()["Streams"] == []
    assert other.client("dynamodb").get_item(TableName="Orders", Key={"pk": {"S": "c1"}, "sk": {"S": "o1"}})["Item"]
    # The name is free again in the reset account.
    _orders_table(account.client("dynamodb"))


PRINT_EVENT = "import json\n\ndef lambda_handler(event, context):\n    print(json.dumps(event))\n"


def test_stream_trigger_delivers_awss_event_shape(account):
    ddb, lam = account.client("dynamodb"), account.client("lambda")
    stream_arn = _orders_table(ddb, stream="NEW_AND_OLD_IMAGES")["LatestStreamArn"]
    create_function(account, "on-orders", PRINT_EVENT)
    mapping = lam.create_event_source_mapping(FunctionName="on-orders", EventSourceArn=stream_arn,
                                              StartingPosition="TRIM_HORIZON", BatchSize=10)
    assert mapping["EventSourceArn"] == stream_arn
    ddb.put_item(TableName="Orders", Item=_order("c1", "o1"))
    results = lambda_results(account, "on-orders", timeout=30)
    assert results and results[0]["status"] == "ok", results
    event = json.loads(next(line for line in results[0]["log_tail"] if line.startswith("{")))
    record = event["Records"][0]
    assert {k: record[k] for k in ("eventName", "eventVersion", "eventSource", "eventSourceARN", "awsRegion")} == {
        "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "eventSourceARN": stream_arn, "awsRegion": "ap-northeast-1"}
    assert record["eventID"]
    image = record["dynamodb"]
    assert image["Keys"] == {"pk": {"S": "c1"}, "sk": {"S": "o1"}}
    assert image["NewImage"] == _order("c1", "o1") and "OldImage" not in image
    assert image["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(image["ApproximateCreationDateTime"], (int, float))  # epoch seconds, as in AWS's example
    assert image["SequenceNumber"] and image["SizeBytes"] > 0


def test_service_that_would_download_fails_at_once_with_the_reason(account):
    # Kinesis: LocalStack installs kinesis-local from npm at first use; awslab does not download
    # at run time. 501 is not retried by botocore, so the caller reads the reason on the first answer.
    code, message, status, response = _error(lambda: account.client("kinesis").create_stream(StreamName="s", ShardCount=1))
    assert (code, status) == ("NotImplemented", 501)
    assert message.startswith("awslab: kinesis-local ") and "does not download at run time" in message
    assert "\n" not in message
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
