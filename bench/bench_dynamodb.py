"""DynamoDB on awslab's moto-based provider: per-call latency at the client (boto3 round trip through
the gateway), medians of --runs calls:

- first call (loads the service into the emulator; LocalStack's own provider instead downloaded
  Java 21 and DynamoDB Local, and offline failed after ~51 s)
- CreateTable (with a GSI and a stream), PutItem, GetItem, Query (20 items), UpdateItem with a
  condition, TransactWriteItems (2 puts), ExecuteStatement (PartiQL SELECT), Scan of 200 items

Usage: python bench/bench_dynamodb.py [--runs N]
"""

from __future__ import annotations


import benchlib
from bench_core import awslab

ACCOUNT = "000000000045"


def main() -> None:
    args = benchlib.start(__doc__, default_runs=50)
    from sandbox import accounts

    awslab("up", "--port", "0")
    try:
        ddb = accounts.resolve(account=ACCOUNT).client("dynamodb")
        line = lambda name, samples: benchlib.line(name, samples, unit="ms", width=30)  # noqa: E731
        line("first call (ListTables)", [benchlib.timed(ddb.list_tables)])

        def create(i: int):
            ddb.create_table(
                TableName=f"bench-{i}", BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")],
                GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                         "Projection": {"ProjectionType": "ALL"}}],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        line("CreateTable", [benchlib.timed(lambda i=i: create(i)) for i in range(max(3, args.runs // 10))])
        item = lambda i: {"pk": {"S": f"p{i % 10}"}, "sk": {"S": f"{i:05d}"}, "g": {"S": "x"}, "n": {"N": "0"}}  # noqa: E731
        line("PutItem", [benchlib.timed(lambda i=i: ddb.put_item(TableName="bench-0", Item=item(i))) for i in range(max(args.runs, 200))])
        key = {"pk": {"S": "p1"}, "sk": {"S": "00001"}}
        line("GetItem", [benchlib.timed(lambda: ddb.get_item(TableName="bench-0", Key=key)) for _ in range(args.runs)])
        line("Query (20 items)", [benchlib.timed(lambda: ddb.query(
            TableName="bench-0", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p1"}}))
            for _ in range(args.runs)])
        line("UpdateItem, condition", [benchlib.timed(lambda: ddb.update_item(
            TableName="bench-0", Key=key, UpdateExpression="SET n = n + :one", ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":one": {"N": "1"}})) for _ in range(args.runs)])
        line("TransactWriteItems (2 puts)", [benchlib.timed(lambda i=i: ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "bench-0", "Item": item(1000 + 2 * i)}},
            {"Put": {"TableName": "bench-0", "Item": item(1001 + 2 * i)}}])) for i in range(args.runs)])
        line("ExecuteStatement (SELECT)", [benchlib.timed(lambda: ddb.execute_statement(
            Statement="SELECT * FROM \"bench-0\" WHERE pk='p1'")) for _ in range(args.runs)])
        line("Scan (200+ items)", [benchlib.timed(lambda: ddb.scan(TableName="bench-0")) for _ in range(max(3, args.runs // 5))])
    finally:
        awslab("down", check=False)


if __name__ == "__main__":
    main()
