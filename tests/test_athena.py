"""Athena plugin against the real embedded emulator: DDL forms AWS documents, a table of queries
with expected rows, results in S3, paging, errors as Athena words them, per-account reset.

One account holds CloudTrail-shaped log files (tests/cloudtrail_sample.py) and the tables; the
queries read them through the emulator's S3.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from grader.aws import athena_run
from sandbox import accounts
from tests import cloudtrail_sample

DATA = Path(__file__).parent / "data"
REGION = "ap-northeast-1"
CONSOLE_TABLE = "cloudtrail_logs_aws_cloudtrail_logs_370560102364_44d0a6db"
_numbers = itertools.count(1)


class Lab:
    def __init__(self, emulator):
        self.account_id = f"{(os.getpid() % 100000):05d}8{next(_numbers):06d}"
        self.account = accounts.Account(account_id=self.account_id, region=REGION, endpoint=emulator.endpoint)
        self.s3 = self.account.client("s3")
        self.athena = self.account.client("athena")
        self.logs = f"{self.account_id}-cloudtrail-logs"
        self.out = f"{self.account_id}-athena-results"
        for bucket in (self.logs, self.out):
            self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        self.output = f"s3://{self.out}/results/"

    def run(self, sql, database="default"):
        return athena_run(self.athena, sql, self.output, database)

    def ok(self, sql, database="default"):
        result = self.run(sql, database)
        assert result["state"] == "SUCCEEDED", (sql, result["reason"])
        return result

    def ddl(self, name):
        text = (DATA / name).read_text()
        return text.replace("{bucket}", self.logs).replace("{account}", self.account_id).replace("{region}", REGION)


@pytest.fixture(scope="module")
def lab(emulator):
    lab = Lab(emulator)
    files = cloudtrail_sample.log_files(lab.account_id, REGION, lab.logs, 40, per_file=10)
    for key, body in files.items():
        lab.s3.put_object(Bucket=lab.logs, Key=key, Body=body)
    # the blog's upload: PutObject of hane.jpg by the IAM user the scenario creates
    from datetime import datetime, timezone

    hane = cloudtrail_sample.record(lab.account_id, REGION, 99, "20220810-test-bucket",
                                    datetime(2022, 8, 10, 9, 0, tzinfo=timezone.utc),
                                    user="athena-learner", event="PutObject", key="hane.jpg")
    lab.s3.put_object(Bucket=lab.logs,
                      Key=f"AWSLogs/{lab.account_id}/CloudTrail/{REGION}/2022/08/10/hane.json.gz",
                      Body=gzip.compress(json.dumps({"Records": [hane]}).encode()))
    # a digest file next to the logs must be ignored
    lab.s3.put_object(Bucket=lab.logs, Key=f"AWSLogs/{lab.account_id}/CloudTrail-Digest/{REGION}/2022/08/10/d.json.gz",
                      Body=gzip.compress(b'{"digestStartTime": "x"}'))
    ddl = cloudtrail_sample.console_ddl(CONSOLE_TABLE, lab.logs, lab.account_id)
    lab.ok(ddl.replace(f"AWSLogs/{lab.account_id}/CloudTrail/", "AWSLogs/"))
    return lab


BLOG_QUERY_1 = f'''select eventTime as "イベント時間",
       userIdentity.userName as "ユーザー名",
       eventName as "イベント名",
       eventSource as "イベントソース"
  from "default"."{CONSOLE_TABLE}"
 limit 10;'''

BLOG_QUERY_2 = f'''select eventTime as "イベント時間",
       userIdentity.userName as "ユーザー名",
       eventName as "イベント名",
       eventSource as "イベントソース"
  from "default"."{CONSOLE_TABLE}"
 where requestparameters like '%hane.jpg%' -- 検索対象のファイル名
 limit 10;'''


def test_console_ddl_and_blog_queries_run_unchanged(lab):
    first = lab.ok(BLOG_QUERY_1)
    assert first["columns"] == ["イベント時間", "ユーザー名", "イベント名", "イベントソース"]
    assert len(first["rows"]) == 10
    second = lab.ok(BLOG_QUERY_2)
    assert second["rows"] == [["2022-08-10T09:00:00Z", "athena-learner", "PutObject", "s3.amazonaws.com"]]


T = CONSOLE_TABLE
QUERIES = [
    # case-insensitive keys: sourceIPAddress / requestID / eventID / resources[].ARN in the JSON
    (f"select sourceipaddress, requestid, eventid from {T} where eventtime = '2022-08-10T00:01:00Z'",
     [["192.0.2.1", "REQ0000000000001", "00000000-0000-0000-0000-000000000001"]]),
    # struct fields, any case
    (f"select useridentity.username, userIdentity.Arn from {T} where eventid = '00000000-0000-0000-0000-000000000002'",
     [["carol", "arn:aws:iam::{account}:user/carol"]]),
    # objects in string columns come back as their JSON text; booleans as true/false
    (f"select json_extract_scalar(requestparameters, '$.key'), readonly from {T} where requestid = 'REQ0000000000001'",
     [["data/file-1.txt", "true"]]),
    # UNNEST of an array of rows, into one column or into the row's fields
    (f"select r.type from {T} cross join unnest(resources) as u(r) where requestid = 'REQ0000000000003' order by 1",
     [["AWS::S3::Bucket"], ["AWS::S3::Object"]]),
    (f"select arn, type from {T} cross join unnest(resources) as u(arn, accountid, type) "
     "where requestid = 'REQ0000000000003' and type = 'AWS::S3::Bucket'",
     [["arn:aws:s3:::20220810-test-bucket", "AWS::S3::Bucket"]]),
    # aggregates, GROUP BY ordinal, ORDER BY, count(*) named _col0
    (f"select count(*), eventname from {T} group by 2 order by 2", [["8", "DeleteObject"], ["8", "GetObject"], ["8", "HeadObject"], ["8", "ListObjects"], ["9", "PutObject"]]),
    # date functions over the string eventtime
    (f"select date_format(from_iso8601_timestamp(eventtime), '%Y/%m/%d %H:%i'), "
     f"date_trunc('hour', from_iso8601_timestamp(eventtime)) from {T} where requestid = 'REQ0000000000039'",
     [["2022/08/10 00:39", "2022-08-10 00:00:00.000 UTC"]]),
    (f"select count(*) from {T} where from_iso8601_timestamp(eventtime) between timestamp '2022-08-10 00:10:00 UTC' "
     "and timestamp '2022-08-10 00:19:59 UTC'", [["10"]]),
    (f"select count(*) from {T} where date_parse(eventtime, '%Y-%m-%dT%H:%i:%sZ') < timestamp '2022-08-10 00:05:00'",
     [["5"]]),
    # LIKE, Japanese aliases, nested JSON
    (f'select eventname as "イベント名", json_extract_scalar(additionaleventdata, \'$.bytesTransferredIn\') as "バイト" '
     f"from {T} where useragent like '%aws-cli%' and requestid = 'REQ0000000000007'", [["ListObjects", "7"]]),
    # functions sqlglot does not map, added as macros
    (f"select url_extract_host('https://' || json_extract_scalar(requestparameters, '$.Host') || '/x') "
     f"from {T} where requestid = 'REQ0000000000000'", [["20220810-test-bucket.s3.ap-northeast-1.amazonaws.com"]]),
    # WITH, arrays, rows rendered as Trino does
    (f"with u as (select distinct useridentity.username as name from {T}) select array_agg(name order by name) from u",
     [["[alice, athena-learner, bob, carol]"]]),
    (f"select useridentity from {T} where requestid = 'REQ0000000000000'",
     [["{type=IAMUser, principalid=AIDAALICE00000000000, arn=arn:aws:iam::{account}:user/alice, "
       "accountid={account}, invokedby=null, accesskeyid=AKIAIOSFODNN7EXAMPLE, username=alice, sessioncontext=null}"]]),
    # $path names the object a row came from
    (f'select count(distinct "$path") from {T}', [["5"]]),
]


@pytest.mark.parametrize("sql, expected", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_query_table(lab, sql, expected):
    result = lab.ok(sql)
    rows = [[v.replace("{account}", lab.account_id) if v else v for v in row] for row in expected]
    assert result["rows"] == rows, sql


def test_results_csv_metadata_and_paging(lab):
    result = lab.ok(f"select requestid, errorcode from {T} order by requestid")
    body = lab.s3.get_object(Bucket=lab.out, Key=f"results/{result['id']}.csv")["Body"].read().decode()
    lines = body.splitlines()
    assert lines[0] == '"requestid","errorcode"'
    assert lines[1] == '"REQ0000000000000",'  # NULL is an empty, unquoted field
    assert list(csv.reader(io.StringIO(body)))[1:] == [[r[0], ""] for r in result["rows"]]
    meta = json.loads(lab.s3.get_object(Bucket=lab.out, Key=f"results/{result['id']}.csv.metadata")["Body"].read())
    assert [c["Name"] for c in meta["ColumnInfo"]] == ["requestid", "errorcode"]
    page1 = lab.athena.get_query_results(QueryExecutionId=result["id"], MaxResults=10)
    assert [d["VarCharValue"] for d in page1["ResultSet"]["Rows"][0]["Data"]] == ["requestid", "errorcode"]
    assert page1["ResultSet"]["Rows"][1]["Data"][1] == {}
    info = page1["ResultSet"]["ResultSetMetadata"]["ColumnInfo"][0]
    assert info == {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": "requestid",
                    "Label": "requestid", "Type": "varchar", "Precision": 2147483647, "Scale": 0,
                    "Nullable": "UNKNOWN", "CaseSensitive": True}
    page2 = lab.athena.get_query_results(QueryExecutionId=result["id"], MaxResults=10, NextToken=page1["NextToken"])
    assert page2["ResultSet"]["Rows"][0]["Data"][0]["VarCharValue"] == result["rows"][9][0]
    execution = lab.athena.get_query_execution(QueryExecutionId=result["id"])["QueryExecution"]
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{lab.output}{result['id']}.csv"
    assert execution["StatementType"] == "DML" and execution["Statistics"]["DataScannedInBytes"] > 0


def test_new_log_file_is_read_by_the_next_query(lab):
    before = int(lab.ok(f"select count(*) from {T}")["rows"][0][0])
    key = f"AWSLogs/{lab.account_id}/CloudTrail/{REGION}/2022/08/11/extra.json.gz"
    files = cloudtrail_sample.log_files(lab.account_id, REGION, lab.logs, 3, per_file=3)
    lab.s3.put_object(Bucket=lab.logs, Key=key, Body=next(iter(files.values())))
    assert int(lab.ok(f"select count(*) from {T}")["rows"][0][0]) == before + 3
    lab.s3.delete_object(Bucket=lab.logs, Key=key)
    assert int(lab.ok(f"select count(*) from {T}")["rows"][0][0]) == before


def test_partition_projection_ddl(lab):
    lab.ok(lab.ddl("cloudtrail_projection_ddl.sql"))
    result = lab.ok("select timestamp, count(*) from cloudtrail_logs_pp where timestamp = '2022/08/10' group by 1")
    assert result["rows"] == [["2022/08/10", "41"]]
    tls = lab.ok("select tlsdetails.tlsversion from cloudtrail_logs_pp where requestid = 'REQ0000000000000'")
    assert tls["rows"] == [["TLSv1.2"]]


def test_partitions_added_and_repaired(lab):
    lines = {"region=us-east-1/day=01/a.json": '{"Name": "x", "N": 1}\n{"name": "y", "n": 2}\n',
             "region=eu-west-1/day=02/b.json": '{"NAME": "z", "n": 3}\n',
             "region=eu-west-1/day=02/_SUCCESS": ""}
    for key, body in lines.items():
        lab.s3.put_object(Bucket=lab.logs, Key=f"parts/{key}", Body=body.encode())
    lab.ok("CREATE DATABASE IF NOT EXISTS labdb")
    lab.ok(f"CREATE EXTERNAL TABLE labdb.events (name string, n int) PARTITIONED BY (region string, day string) "
           f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{lab.logs}/parts/'")
    assert lab.ok("select count(*) from labdb.events")["rows"] == [["0"]]  # no partitions yet
    lab.ok("ALTER TABLE labdb.events ADD PARTITION (region='us-east-1', day='01')")
    assert lab.ok("select name, n, region from labdb.events order by n")["rows"] == [
        ["x", "1", "us-east-1"], ["y", "2", "us-east-1"]]
    repaired = lab.ok("MSCK REPAIR TABLE labdb.events")
    assert repaired["rows"][-1] == ["Repair: Added partition to metastore events:region=eu-west-1/day=02"]
    assert lab.ok("SHOW PARTITIONS labdb.events")["rows"] == [["region=eu-west-1/day=02"], ["region=us-east-1/day=01"]]
    assert lab.ok("select sum(n) from labdb.events")["rows"] == [["6"]]
    assert lab.ok("SHOW TABLES IN labdb")["rows"] == [["events"]]
    describe = lab.ok("DESCRIBE labdb.events")["rows"]
    assert describe[0][0].split("\t")[:2] == ["name                ", "string              "]
    meta = lab.athena.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="labdb", TableName="events")
    assert [c["Name"] for c in meta["TableMetadata"]["PartitionKeys"]] == ["region", "day"]
    assert meta["TableMetadata"]["Parameters"]["location"] == f"s3://{lab.logs}/parts/"
    lab.ok("DROP TABLE labdb.events")
    assert lab.run("select * from labdb.events")["reason"].startswith("TABLE_NOT_FOUND: line 1:15:")


def test_csv_and_parquet_tables(lab):
    import duckdb

    lab.s3.put_object(Bucket=lab.logs, Key="csv/a.csv", Body=b"id,name,score\n1,alice,2.5\n2,bob,x\n")
    lab.ok(f"CREATE EXTERNAL TABLE scores (id int, name string, score double) ROW FORMAT DELIMITED "
           f"FIELDS TERMINATED BY ',' LOCATION 's3://{lab.logs}/csv/' TBLPROPERTIES ('skip.header.line.count'='1')")
    assert lab.ok("select id, name, score from scores order by id")["rows"] == [["1", "alice", "2.5"], ["2", "bob", None]]
    con = duckdb.connect()
    path = f"/tmp/awslab-test-{lab.account_id}.parquet"
    con.execute(f"COPY (SELECT 1 AS Id, 'p' AS Label) TO '{path}' (FORMAT parquet)")
    lab.s3.put_object(Bucket=lab.logs, Key="pq/x.parquet", Body=Path(path).read_bytes())
    os.unlink(path)
    lab.ok(f"CREATE EXTERNAL TABLE pq (id bigint, label string, missing string) STORED AS PARQUET LOCATION 's3://{lab.logs}/pq/'")
    assert lab.ok("select * from pq")["rows"] == [["1", "p", None]]


ERRORS = [
    ("select nope from {T}", "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved or requester is not authorized to access requested resources"),
    ("select * from missing_table", "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.default.missing_table' does not exist"),
    ("select * from nodb.t", "SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb' does not exist"),
    ("select no_such_function(1)", "FUNCTION_NOT_FOUND: line 1:8: Function 'no_such_function' not registered"),
    ("DROP TABLE missing_table", "FAILED: SemanticException [Error 10001]: Table not found default.missing_table"),
    ("CREATE DATABASE default", "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. AlreadyExistsException(message:Database default already exists)"),
]


@pytest.mark.parametrize("sql, reason", ERRORS, ids=[r.split(":")[0] for _, r in ERRORS])
def test_failed_states_with_reasons(lab, sql, reason):
    result = lab.run(sql.replace("{T}", T))
    assert (result["state"], result["reason"]) == ("FAILED", reason)
    error = lab.athena.get_query_execution(QueryExecutionId=result["id"])["QueryExecution"]["Status"]["AthenaError"]
    assert error["ErrorCategory"] == 2 and error["ErrorMessage"] == reason


def test_refused_requests(lab):
    with pytest.raises(ClientError) as syntax:
        lab.athena.start_query_execution(QueryString="select * from", ResultConfiguration={"OutputLocation": lab.output})
    assert syntax.value.response["Error"]["Code"] == "InvalidRequestException"
    assert syntax.value.response["Error"]["Message"].startswith("line 1:")
    with pytest.raises(ClientError) as no_output:
        lab.athena.start_query_execution(QueryString="select 1")
    assert "No output location provided" in no_output.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as unknown:
        lab.athena.get_query_results(QueryExecutionId="00000000-0000-0000-0000-000000000000")
    assert unknown.value.response["Error"]["Code"] == "InvalidRequestException"
    missing_bucket = athena_run(lab.athena, "select 1", f"s3://{lab.account_id}-no-such-bucket/")
    assert missing_bucket["reason"] == f"Unable to verify/create output bucket {lab.account_id}-no-such-bucket"


def test_workgroups_and_named_queries(lab):
    athena = lab.athena
    athena.create_work_group(Name="lab", Configuration={"ResultConfiguration": {"OutputLocation": lab.output}})
    with pytest.raises(ClientError):
        athena.create_work_group(Name="lab")
    qid = athena.start_query_execution(QueryString="select 1", WorkGroup="lab")["QueryExecutionId"]
    assert qid in athena.list_query_executions(WorkGroup="lab")["QueryExecutionIds"]
    named = athena.create_named_query(Name="hane", Database="default", QueryString=BLOG_QUERY_2, WorkGroup="lab")
    assert athena.list_named_queries(WorkGroup="lab")["NamedQueryIds"] == [named["NamedQueryId"]]
    assert athena.list_named_queries()["NamedQueryIds"] == []  # primary work group
    got = athena.get_named_query(NamedQueryId=named["NamedQueryId"])["NamedQuery"]
    assert (got["Name"], got["WorkGroup"], got["QueryString"]) == ("hane", "lab", BLOG_QUERY_2)
    athena.delete_named_query(NamedQueryId=named["NamedQueryId"])
    with pytest.raises(ClientError):
        athena.get_named_query(NamedQueryId=named["NamedQueryId"])
    names = [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]
    assert names == ["lab", "primary"]
    athena.delete_work_group(WorkGroup="lab", RecursiveDeleteOption=True)


def test_stop_query_execution(lab):
    qid = lab.athena.start_query_execution(
        QueryString="select count(*) from range(2000000000) a, range(100) b",
        ResultConfiguration={"OutputLocation": lab.output})["QueryExecutionId"]
    lab.athena.stop_query_execution(QueryExecutionId=qid)
    result = lab.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
    assert result["State"] == "CANCELLED"


def test_reset_clears_the_accounts_athena(emulator):
    other = Lab(emulator)
    other.ok(f"CREATE EXTERNAL TABLE t (a string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{other.logs}/x/'")
    other.athena.create_named_query(Name="n", Database="default", QueryString="select 1")
    from sandbox.emulator import EmulatorClient

    EmulatorClient(emulator.endpoint).reset_account(other.account_id)
    assert other.athena.list_named_queries()["NamedQueryIds"] == []
    assert other.athena.list_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="default")["TableMetadataList"] == []
