"""Checks of cloudtrail-athena: one function per check id in scenario.yaml.

Sources: CloudTrail User Guide ("Amazon S3 bucket policy for CloudTrail", "Logging data events",
"Finding your CloudTrail log files") and Athena User Guide ("Querying AWS CloudTrail logs"). The
bucket policy is judged with awslab's IAM evaluator as CloudTrail's delivery would be; selectors
are judged by what they record (basic or advanced), not by how they are spelled.
"""

from __future__ import annotations

import gzip
import json
import uuid

import sqlglot
from sqlglot import exp

from grader import aws
from grader.check import CheckContext, failed, passed
from sandbox import iam_policy

CLOUDTRAIL = {"Service": "cloudtrail.amazonaws.com"}
CLOUDTRAIL_FORMATS = ("cloudtrailserde", "cloudtrailinputformat")
COLUMNS = ("eventtime", "useridentity", "eventname", "eventsource", "requestparameters")


def _trail(ctx: CheckContext) -> dict | None:
    def look_up():
        trails = ctx.client("cloudtrail").describe_trails(trailNameList=[ctx.names["trail"]])["trailList"]
        return trails[0] if trails else None

    return ctx.memoised("trail", look_up)


def _log_prefix(ctx: CheckContext) -> str:
    trail = _trail(ctx) or {}
    prefix = trail.get("S3KeyPrefix")
    base = f"{prefix}/AWSLogs/" if prefix else "AWSLogs/"
    return f"{base}{ctx.account_id}/CloudTrail/"


def trail_exists(ctx: CheckContext):
    trail = _trail(ctx)
    if trail is None:
        names = [t["Name"] for t in ctx.client("cloudtrail").describe_trails()["trailList"]]
        return failed("missing", found=", ".join(names) or "-")
    if trail.get("S3BucketName") != ctx.names["log_bucket"]:
        return failed("other-bucket", found=trail.get("S3BucketName") or "-")
    return passed()


def log_bucket_policy(ctx: CheckContext):
    bucket = ctx.names["log_bucket"]
    if bucket not in aws.bucket_names(ctx):
        return failed("no-bucket")
    document = aws.bucket_policy(ctx, bucket)
    if document is None:
        return failed("no-policy")
    trail_arn = f"arn:aws:cloudtrail:{ctx.region}:{ctx.account_id}:trail/{ctx.names['trail']}"
    context = {"aws:SourceArn": trail_arn, "aws:SourceAccount": ctx.account_id}
    wanted = [
        ("s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", context),
        ("s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{ctx.account_id}/CloudTrail/{ctx.region}/x.json.gz",
         {**context, "s3:x-amz-acl": "bucket-owner-full-control"}),
    ]
    for action, resource, request_context in wanted:
        try:
            decision = iam_policy.evaluate(document, iam_policy.Request(action, resource, CLOUDTRAIL, request_context))
        except iam_policy.PolicyError as exc:
            return failed("invalid", problem=str(exc))
        if not decision.allowed:
            return failed("not-allowed", action=action, resource=resource)
    return passed()


def _records_s3_objects(ctx: CheckContext, selectors: dict) -> tuple[str, str] | None:
    """(how, read/write kind) when the trail's selectors (GetEventSelectors) record object events
    of the bucket."""
    bucket_arn = f"arn:aws:s3:::{ctx.names['bucket']}/"
    for selector in selectors.get("EventSelectors") or []:
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") != "AWS::S3::Object":
                continue
            for value in resource.get("Values") or []:
                if value in ("arn:aws:s3", "arn:aws:s3:::") or bucket_arn.startswith(value):
                    return f"DataResources {value}", selector.get("ReadWriteType", "All")
    for selector in selectors.get("AdvancedEventSelectors") or []:
        fields = {f["Field"]: f for f in selector.get("FieldSelectors") or []}
        category = fields.get("eventCategory", {}).get("Equals") or []
        kind = fields.get("resources.type", {}).get("Equals") or []
        if "Data" not in category or "AWS::S3::Object" not in kind:
            continue
        arn_field = fields.get("resources.ARN")
        if arn_field and not any(bucket_arn.startswith(p) for p in arn_field.get("StartsWith") or []) \
                and not any(p.startswith(bucket_arn) for p in arn_field.get("Equals") or []):
            continue
        read_only = (fields.get("readOnly", {}).get("Equals") or [None])[0]
        rw = {"true": "ReadOnly", "false": "WriteOnly"}.get(str(read_only).lower(), "All")
        return f"advanced selector {selector.get('Name') or ''}".strip(), rw
    return None


def trail_records_s3_data_events(ctx: CheckContext):
    selectors = ctx.client("cloudtrail").get_event_selectors(TrailName=ctx.names["trail"])
    found = _records_s3_objects(ctx, selectors)
    if found is None:
        shown = json.dumps(selectors.get("AdvancedEventSelectors") or selectors.get("EventSelectors") or [])
        return failed("no-data-events", found=shown[:300])
    how, kind = found
    if kind != "All":
        return failed("writes-only", kind=kind)
    return passed(how=how)


def trail_is_logging(ctx: CheckContext):
    status = ctx.client("cloudtrail").get_trail_status(Name=ctx.names["trail"])
    return passed() if status.get("IsLogging") else failed("stopped")


def _log_files(ctx: CheckContext) -> list[dict]:
    prefix = f"{_log_prefix(ctx)}{ctx.region}/"
    pages = ctx.client("s3").get_paginator("list_objects_v2").paginate(Bucket=ctx.names["log_bucket"], Prefix=prefix)
    return [o for page in pages for o in page.get("Contents", []) if o["Key"].endswith(".json.gz")]


def log_files_delivered(ctx: CheckContext):
    # records still waiting for the delivery interval are delivered now: the grade must not
    # depend on whether the learner graded two seconds too early
    ctx.emulator.flush_trails(ctx.account_id)
    files = _log_files(ctx)
    if not files:
        return failed("none")
    newest = max(files, key=lambda o: o["LastModified"])
    return passed(count=len(files), newest=newest["Key"].rsplit("/", 1)[-1])


TASK_FILE = "hane.jpg"


def hane_uploaded(ctx: CheckContext):
    bucket = ctx.names["bucket"]
    if bucket not in aws.bucket_names(ctx):
        return failed("no-bucket")
    keys = [o["Key"] for o in ctx.client("s3").list_objects_v2(Bucket=bucket, MaxKeys=20).get("Contents", [])]
    if "hane.jpg" not in keys:
        return failed("missing", found=", ".join(keys) or "-")
    return passed()


def table_reads_the_trail(ctx: CheckContext):
    athena = ctx.client("athena")
    tables = athena.list_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="default")["TableMetadataList"]
    table = next((t for t in tables if t["Name"] == ctx.names["table"]), None)
    if table is None:
        return failed("missing", found=", ".join(t["Name"] for t in tables) or "-")
    params = table.get("Parameters", {})
    location = params.get("location", "")
    serde, input_format = params.get("serde.serialization.lib", ""), params.get("inputformat", "")
    logs = f"s3://{ctx.names['log_bucket']}/{_log_prefix(ctx)}"
    # the table must read the trail's files: its location is the log folder or a folder above it
    if not location.startswith(f"s3://{ctx.names['log_bucket']}/") or not logs.startswith(location.rstrip("/") + "/"):
        return failed("wrong-location", location=location or "-")
    if not any(f in (serde + input_format).lower() for f in CLOUDTRAIL_FORMATS):
        return failed("not-cloudtrail", serde=serde or "-", input=input_format or "-")
    columns = {c["Name"]: c["Type"] for c in table.get("Columns", [])}
    missing = [c for c in COLUMNS if c not in columns]
    if "useridentity" in columns and "username" not in columns["useridentity"]:
        missing.append("useridentity.username")
    if missing:
        return failed("columns", missing=", ".join(missing))
    return passed(location=location, serde=serde)


def _output(ctx: CheckContext) -> str:
    return f"s3://{ctx.names['results_bucket']}/awslab-grader/"


def _query(ctx: CheckContext, sql: str, database: str = "default") -> dict:
    """Run a query for the grader, and remove its result files from the learner's bucket after."""
    result = aws.athena_run(ctx.client("athena"), sql, _output(ctx), database, timeout=30)

    def cleanup():
        s3 = ctx.client("s3")
        for suffix in (".csv", ".csv.metadata", ".txt"):
            s3.delete_object(Bucket=ctx.names["results_bucket"], Key=f"awslab-grader/{result['id']}{suffix}")

    if result["state"] != "FAILED" or "output bucket" not in result["reason"]:
        ctx.on_cleanup(cleanup)
    return result


def named_query_finds_upload(ctx: CheckContext):
    athena = ctx.client("athena")
    ids = athena.list_named_queries()["NamedQueryIds"]
    queries = athena.batch_get_named_query(NamedQueryIds=ids)["NamedQueries"] if ids else []
    query = next((q for q in queries if q["Name"] == ctx.names["named_query"]), None)
    if query is None:
        return failed("missing", found=", ".join(q["Name"] for q in queries) or "-")
    result = _query(ctx, query["QueryString"], query.get("Database") or "default")
    if result["state"] != "SUCCEEDED":
        return failed("failed", reason=result["reason"] or result["state"])
    rows = result["rows"]
    if not any(ctx.names["user"] in row and "PutObject" in row for row in rows):
        shown = "; ".join(", ".join(v or "" for v in row) for row in rows[:3]) or "-"
        return failed("no-row", count=len(rows), found=shown)
    return _query_finds_probe(ctx, query) or passed(count=len(rows))


PROBE_ROWS = "awslab_probe_rows"


def _on_files(sql: str, table: str, files: list[str]) -> str:
    """The learner's query, reading of `table` only the rows of these log files: the table is
    swapped for a WITH view of it restricted by Athena's "$path" (the query itself is unchanged)."""
    stmt = sqlglot.parse_one(sql, read="athena")
    for ref in list(stmt.find_all(exp.Table)):
        if ref.name.lower() == table.lower() and (ref.db or "default").lower() == "default":
            ref.replace(exp.to_table(PROBE_ROWS).as_(ref.alias) if ref.alias else exp.to_table(PROBE_ROWS))
    paths = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    rows = sqlglot.parse_one(f'select * from "default"."{table}" where "$path" in ({paths})', read="athena")
    return stmt.with_(PROBE_ROWS, as_=rows).sql(dialect="athena")


def _upload_and_deliver(ctx: CheckContext, key: str, body: bytes) -> list[str]:
    """Upload as the learner's tools do, deliver the trail at once: the new log files' S3 URIs."""
    ctx.probe_client("s3").put_object(Bucket=ctx.names["bucket"], Key=key, Body=body)
    delivered = ctx.emulator.flush_trails(ctx.account_id)
    return [f"s3://{e['bucket']}/{e['key']}" for e in delivered
            if e.get("bucket") == ctx.names["log_bucket"] and e.get("key")]


def _query_finds_probe(ctx: CheckContext, query: dict):
    """Judge the named query by what it returns, not by its text: the grader uploads hane.jpg again
    (same bytes) and a decoy object; run on the new log files only, the query must return the
    PutObject of hane.jpg and nothing for the decoy. None when it does."""
    bucket, table = ctx.names["bucket"], ctx.names["table"]
    database = query.get("Database") or "default"
    s3 = ctx.client("s3")
    original = s3.get_object(Bucket=bucket, Key=TASK_FILE)["Body"].read()
    hane_files = _upload_and_deliver(ctx, TASK_FILE, original)
    decoy = f"awslab-probe-{uuid.uuid4().hex[:12]}.jpg"
    ctx.on_cleanup(lambda: s3.delete_object(Bucket=bucket, Key=decoy))
    decoy_files = _upload_and_deliver(ctx, decoy, b"awslab decoy")
    if not hane_files or not decoy_files:
        return failed("probe-not-delivered", debug=f"{hane_files} {decoy_files}")
    found = _query(ctx, _on_files(query["QueryString"], table, hane_files), database)
    if found["state"] != "SUCCEEDED":
        return failed("failed", reason=found["reason"] or found["state"])
    if not any("PutObject" in row for row in found["rows"]):
        return failed("misses-probe", file=hane_files[0].rsplit("/", 1)[-1])
    other = _query(ctx, _on_files(query["QueryString"], table, decoy_files), database)
    if other["state"] == "SUCCEEDED" and other["rows"]:
        shown = ", ".join(v or "" for v in other["rows"][0])
        return failed("no-filter", decoy=decoy, found=shown)
    return None


def new_call_found_by_table(ctx: CheckContext):
    """Flow: upload a tagged object as a learner's tool would, deliver the trail now, and look
    the call up through the learner's table; else name the hop that broke."""
    probe = f"awslab-probe-{uuid.uuid4().hex[:12]}.txt"
    bucket = ctx.names["bucket"]
    ctx.probe_client("s3").put_object(Bucket=bucket, Key=probe, Body=b"awslab flow check")
    ctx.on_cleanup(lambda: ctx.client("s3").delete_object(Bucket=bucket, Key=probe))
    delivered = ctx.emulator.flush_trails(ctx.account_id)
    table = ctx.names["table"]
    result = _query(ctx, f"select eventname, \"$path\" from \"default\".\"{table}\" "
                         f"where requestparameters like '%{probe}%'")
    if result["state"] == "SUCCEEDED" and result["rows"]:
        event, path = result["rows"][0]
        return passed(probe=probe, event=event, file=path.rsplit("/", 1)[-1])
    carrier = _file_mentioning(ctx, probe, delivered)
    if carrier is None:
        return failed("not-delivered", probe=probe)
    reason = result["reason"] or "0 rows"
    return failed("not-in-table", probe=probe, file=carrier, reason=reason)


def _file_mentioning(ctx: CheckContext, probe: str, delivered: list[dict]) -> str | None:
    """The key of a freshly delivered log file of the log bucket that holds the probe call."""
    s3 = ctx.client("s3")
    for entry in delivered:
        if entry.get("bucket") != ctx.names["log_bucket"]:
            continue
        body = s3.get_object(Bucket=entry["bucket"], Key=entry["key"])["Body"].read()
        if probe.encode() in gzip.decompress(body):
            return entry["key"]
    return None
