"""Athena API of awslab (LocalStack community answers 501 for Athena).

Operations follow the Amazon Athena API Reference: work groups, named queries, query executions
(asynchronous: QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED), GetQueryResults with paging,
the AwsDataCatalog's databases and tables, tags. State is kept per account and region and cleared
by the per-account reset (sandbox.plugins.ACCOUNT_RESET_HOOKS), DuckDB data included.

Community LocalStack ships no generated API class for Athena, so the dispatch table is built from
botocore's service model (sandbox/plugins/spec_dispatch.py): each operation maps to the method of the
same name in snake case.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from localstack.aws.api import CommonServiceException, RequestContext
from sqlglot import exp

from ..journal import store as journal
from ..spec_dispatch import spec_dispatch_table
from . import errors, results, s3io
from .catalog import DEFAULT_DATABASE, split_s3
from .engine import Engine, Result, parse, statement_type

LOG = logging.getLogger(__name__)

CATALOG = "AwsDataCatalog"
ENGINE_VERSION = {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,128}$")


def query_timeout_s() -> float:
    """The query time limit: Athena's "DML query timeout" quota is 30 minutes (Athena User Guide,
    "Service Quotas"); a class on one machine needs a small one, so 60 s unless
    AWSLAB_ATHENA_QUERY_TIMEOUT_SECONDS (the emulator's environment) says otherwise."""
    import os

    try:
        return max(0.1, float(os.environ.get("AWSLAB_ATHENA_QUERY_TIMEOUT_SECONDS", "60")))
    except ValueError:
        return 60.0


def invalid(message: str) -> CommonServiceException:
    return CommonServiceException("InvalidRequestException", message, status_code=400)


@dataclass
class Execution:
    id: str
    query: str
    database: str
    workgroup: str
    output: str
    stmt: exp.Expression
    statement_type: str
    submitted: float = field(default_factory=time.time)
    started: float = 0.0
    completed: float = 0.0
    state: str = "QUEUED"
    reason: str = ""
    error: dict | None = None
    result: Result | None = None
    engine_ms: int = 0
    finished: threading.Event = field(default_factory=threading.Event)
    timed_out: bool = False

    def describe(self) -> dict:
        status = {"State": self.state, "SubmissionDateTime": self.submitted}
        if self.completed:
            status["CompletionDateTime"] = self.completed
        if self.reason:
            status["StateChangeReason"] = self.reason
        if self.error:
            status["AthenaError"] = self.error
        out = {
            "QueryExecutionId": self.id,
            "Query": self.query,
            "StatementType": self.statement_type,
            "ResultConfiguration": {"OutputLocation": self.output_file()},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
            "QueryExecutionContext": {"Database": self.database, "Catalog": CATALOG.lower()},
            "Status": status,
            "WorkGroup": self.workgroup,
            "EngineVersion": ENGINE_VERSION,
        }
        if self.result is not None and self.result.substatement:
            out["SubstatementType"] = self.result.substatement
        if self.completed:
            total = int((self.completed - self.submitted) * 1000)
            queued = int(((self.started or self.completed) - self.submitted) * 1000)
            out["Statistics"] = {
                "EngineExecutionTimeInMillis": self.engine_ms,
                "DataScannedInBytes": self.result.scanned_bytes if self.result else 0,
                "TotalExecutionTimeInMillis": total,
                "QueryQueueTimeInMillis": queued,
                "ServicePreProcessingTimeInMillis": 0,
                "QueryPlanningTimeInMillis": 0,
                "ServiceProcessingTimeInMillis": max(0, total - queued - self.engine_ms),
                "ResultReuseInformation": {"ReusedPreviousResult": False},
            }
        return out

    def output_file(self) -> str:
        suffix = ".csv" if self.statement_type == "DML" else ".txt"
        return f"{self.output}{self.id}{suffix}"


@dataclass
class RegionState:
    account: str
    region: str
    workgroups: dict[str, dict] = field(default_factory=dict)
    named_queries: dict[str, dict] = field(default_factory=dict)
    executions: dict[str, Execution] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    engine: Engine | None = None
    # Each account and region runs its queries on its own worker (its DuckDB connection runs one
    # statement at a time anyway): a heavy query queues only its own account's next queries.
    runner: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "awslab-athena"))

    def __post_init__(self):
        self.workgroups["primary"] = {
            "Name": "primary",
            "State": "ENABLED",
            "Configuration": {
                "EnforceWorkGroupConfiguration": False,
                "PublishCloudWatchMetricsEnabled": False,
                "RequesterPaysEnabled": False,
                "EngineVersion": ENGINE_VERSION,
            },
            "Description": "",
            "CreationTime": time.time(),
        }

    def get_engine(self) -> Engine:
        if self.engine is None:
            self.engine = Engine(self.account, self.region)
        return self.engine


_states: dict[tuple[str, str], RegionState] = {}
_states_lock = threading.Lock()


def state_of(account: str, region: str) -> RegionState:
    with _states_lock:
        found = _states.get((account, region))
        if found is None:
            found = _states[(account, region)] = RegionState(account, region)
        return found


def reset_account(account: str) -> None:
    """ACCOUNT_RESET_HOOKS: forget the account's work groups, queries, tables and their data."""
    with _states_lock:
        gone = [k for k in _states if k[0] == account]
        removed = [_states.pop(k) for k in gone]
    for state in removed:
        running = [e for e in state.executions.values() if e.state == "RUNNING"]
        for execution in state.executions.values():
            if execution.state in ("QUEUED", "RUNNING"):
                execution.state = "CANCELLED"
        if state.engine is not None:
            for execution in running:
                _interrupt_until_done(state.engine, execution)
            state.engine.close()
        state.runner.shutdown(wait=False, cancel_futures=True)


def _interrupt_until_done(engine: Engine, execution: Execution, limit_s: float = 10.0) -> None:
    """DuckDB drops an interrupt that arrives before the statement starts: repeat it until the
    stopped query's thread has let go."""
    deadline = time.monotonic() + limit_s
    while not execution.finished.is_set() and time.monotonic() < deadline:
        engine.interrupt()
        execution.finished.wait(0.05)


def _token(execution_id: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{execution_id}:{offset}".encode()).decode()


def _offset(token: str | None, execution_id: str) -> int:
    if not token:
        return 0
    try:
        ident, _, offset = base64.urlsafe_b64decode(token.encode()).decode().rpartition(":")
        if ident == execution_id:
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise invalid("The NextToken is not valid.")


def _page(items: list, token: str | None, max_results: int | None, scope: str) -> tuple[list, str | None]:
    start = _offset(token, scope)
    size = max_results or 50
    page = items[start:start + size]
    return page, (_token(scope, start + size) if start + size < len(items) else None)


def _substitute(stmt: exp.Expression, parameters: list[str] | None) -> exp.Expression:
    """ExecutionParameters replace the `?` placeholders in order (Athena User Guide,
    "Use parameterized queries")."""
    placeholders = list(stmt.find_all(exp.Placeholder))
    parameters = parameters or []
    if len(placeholders) != len(parameters):
        raise invalid(
            f"Query has {len(placeholders)} parameter placeholders but {len(parameters)} execution parameters were given"
        )
    for node, value in zip(placeholders, parameters):
        node.replace(parse(f"SELECT {value}").expressions[0])
    return stmt


def _lookup(items: dict, ident: str, kind: str):
    found = items.get(ident)
    if found is None:
        raise invalid(f"{kind} {ident} was not found")
    return found


def _batch(items: dict, idents: list[str], kind: str, describe) -> tuple[list, list]:
    """BatchGet*: the items found, and an Unprocessed entry for each id that is not."""
    found, missing = [], []
    for ident in idents:
        if ident in items:
            found.append(describe(items[ident]))
        else:
            missing.append({f"{kind}Id": ident, "ErrorCode": "INVALID_INPUT",
                            "ErrorMessage": f"{kind} {ident} was not found"})
    return found, missing


class AthenaProvider:
    service = "athena"

    # ---- work groups --------------------------------------------------------------------------

    @staticmethod
    def _workgroup(state: RegionState, name: str | None) -> dict:
        name = name or "primary"
        found = state.workgroups.get(name)
        if found is None:
            raise invalid(f"WorkGroup {name} is not found.")
        return found

    def create_work_group(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        name = request["Name"]
        if not _NAME.match(name):
            raise invalid(f"WorkGroup name {name} is not valid.")
        if name in state.workgroups:
            raise invalid("WorkGroup is already created")
        config = dict(request.get("Configuration") or {})
        config.setdefault("EnforceWorkGroupConfiguration", True)
        config.setdefault("PublishCloudWatchMetricsEnabled", True)
        config.setdefault("RequesterPaysEnabled", False)
        config["EngineVersion"] = ENGINE_VERSION
        self._check_output(config.get("ResultConfiguration", {}).get("OutputLocation"))
        state.workgroups[name] = {
            "Name": name,
            "State": "ENABLED",
            "Configuration": config,
            "Description": request.get("Description", ""),
            "CreationTime": time.time(),
        }
        if request.get("Tags"):
            state.tags[self._workgroup_arn(context, name)] = {t["Key"]: t["Value"] for t in request["Tags"]}
        return {}

    @staticmethod
    def _workgroup_arn(context: RequestContext, name: str) -> str:
        return f"arn:aws:athena:{context.region}:{context.account_id}:workgroup/{name}"

    @staticmethod
    def _check_output(location: str | None) -> None:
        if location is not None and not location.startswith("s3://"):
            raise invalid(f"The S3 location provided to save your query results is invalid. Please check your S3 location is correct: {location}")

    def get_work_group(self, context: RequestContext, request: dict) -> dict:
        return {"WorkGroup": self._workgroup(state_of(context.account_id, context.region), request["WorkGroup"])}

    def list_work_groups(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        summaries = [
            {"Name": w["Name"], "State": w["State"], "Description": w["Description"],
             "CreationTime": w["CreationTime"], "EngineVersion": ENGINE_VERSION}
            for w in sorted(state.workgroups.values(), key=lambda w: w["Name"])
        ]
        page, token = _page(summaries, request.get("NextToken"), request.get("MaxResults"), "workgroups")
        return {"WorkGroups": page, **({"NextToken": token} if token else {})}

    def update_work_group(self, context: RequestContext, request: dict) -> dict:
        workgroup = self._workgroup(state_of(context.account_id, context.region), request["WorkGroup"])
        if "Description" in request:
            workgroup["Description"] = request["Description"]
        if "State" in request:
            workgroup["State"] = request["State"]
        updates = request.get("ConfigurationUpdates") or {}
        config = workgroup["Configuration"]
        for key in ("EnforceWorkGroupConfiguration", "PublishCloudWatchMetricsEnabled", "RequesterPaysEnabled",
                    "BytesScannedCutoffPerQuery"):
            if key in updates:
                config[key] = updates[key]
        result_updates = updates.get("ResultConfigurationUpdates") or {}
        result_config = config.setdefault("ResultConfiguration", {})
        if "OutputLocation" in result_updates:
            self._check_output(result_updates["OutputLocation"])
            result_config["OutputLocation"] = result_updates["OutputLocation"]
        if result_updates.get("RemoveOutputLocation"):
            result_config.pop("OutputLocation", None)
        return {}

    def delete_work_group(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        name = request["WorkGroup"]
        self._workgroup(state, name)
        if name == "primary":
            raise invalid("Primary workGroup could not be deleted.")
        in_use = [q for q in state.named_queries.values() if q["WorkGroup"] == name]
        if in_use and not request.get("RecursiveDeleteOption"):
            raise invalid("WorkGroup is not empty")
        for query in in_use:
            state.named_queries.pop(query["NamedQueryId"], None)
        del state.workgroups[name]
        return {}

    # ---- named queries ------------------------------------------------------------------------

    def create_named_query(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        workgroup = self._workgroup(state, request.get("WorkGroup"))
        token = request.get("ClientRequestToken")
        if token and f"nq:{token}" in state.tokens:
            return {"NamedQueryId": state.tokens[f"nq:{token}"]}
        query_id = str(uuid.uuid4())
        state.named_queries[query_id] = {
            "Name": request["Name"],
            "Description": request.get("Description", ""),
            "Database": request["Database"],
            "QueryString": request["QueryString"],
            "NamedQueryId": query_id,
            "WorkGroup": workgroup["Name"],
        }
        if token:
            state.tokens[f"nq:{token}"] = query_id
        return {"NamedQueryId": query_id}

    @staticmethod
    def _named(state: RegionState, query_id: str) -> dict:
        return _lookup(state.named_queries, query_id, "NamedQuery")

    def get_named_query(self, context: RequestContext, request: dict) -> dict:
        return {"NamedQuery": self._named(state_of(context.account_id, context.region), request["NamedQueryId"])}

    def batch_get_named_query(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        found, missing = _batch(state.named_queries, request["NamedQueryIds"], "NamedQuery", dict)
        return {"NamedQueries": found, "UnprocessedNamedQueryIds": missing}

    def list_named_queries(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        workgroup = self._workgroup(state, request.get("WorkGroup"))["Name"]
        ids = [q["NamedQueryId"] for q in state.named_queries.values() if q["WorkGroup"] == workgroup]
        page, token = _page(ids, request.get("NextToken"), request.get("MaxResults"), f"nq:{workgroup}")
        return {"NamedQueryIds": page, **({"NextToken": token} if token else {})}

    def update_named_query(self, context: RequestContext, request: dict) -> dict:
        query = self._named(state_of(context.account_id, context.region), request["NamedQueryId"])
        query["Name"] = request["Name"]
        query["QueryString"] = request["QueryString"]
        if "Description" in request:
            query["Description"] = request["Description"]
        return {}

    def delete_named_query(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        self._named(state, request["NamedQueryId"])
        del state.named_queries[request["NamedQueryId"]]
        return {}

    # ---- query executions ---------------------------------------------------------------------

    def start_query_execution(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        workgroup = self._workgroup(state, request.get("WorkGroup"))
        if workgroup["State"] != "ENABLED":
            raise invalid(f"WorkGroup {workgroup['Name']} is disabled.")
        token = request.get("ClientRequestToken")
        if token and f"qe:{token}" in state.tokens:
            return {"QueryExecutionId": state.tokens[f"qe:{token}"]}
        config = workgroup["Configuration"]
        output = (request.get("ResultConfiguration") or {}).get("OutputLocation")
        if config.get("EnforceWorkGroupConfiguration") or not output:
            output = (config.get("ResultConfiguration") or {}).get("OutputLocation") or output
        if not output:
            raise invalid(
                "No output location provided. An output location is required either through the Workgroup "
                "result configuration setting or as an API input."
            )
        self._check_output(output)
        context_db = (request.get("QueryExecutionContext") or {}).get("Database") or DEFAULT_DATABASE
        query = request["QueryString"]
        try:
            stmt = _substitute(parse(query), request.get("ExecutionParameters"))
        except errors.SyntaxFailure as e:
            raise invalid(str(e)) from None
        execution = Execution(
            id=str(uuid.uuid4()),
            query=query,
            database=context_db,
            workgroup=workgroup["Name"],
            output=output if output.endswith("/") else output + "/",
            stmt=stmt,
            statement_type=statement_type(stmt),
        )
        state.executions[execution.id] = execution
        if token:
            state.tokens[f"qe:{token}"] = execution.id
        state.runner.submit(self._run, state, execution)
        return {"QueryExecutionId": execution.id}

    def _run(self, state: RegionState, execution: Execution) -> None:
        if execution.state != "QUEUED":
            execution.finished.set()
            return
        execution.state = "RUNNING"
        execution.started = time.time()
        limit = query_timeout_s()
        timer = threading.Timer(limit, self._time_out, args=(state, execution))
        timer.daemon = True
        try:
            bucket, _ = split_s3(execution.output)
            if not s3io.bucket_exists(bucket):
                raise errors.QueryFailed(f"Unable to verify/create output bucket {bucket}", 401)
            engine = state.get_engine()
            timer.start()
            try:
                result = engine.execute(execution.query, execution.database, execution.stmt)
            finally:
                timer.cancel()
            if execution.timed_out:
                raise errors.time_limit(limit)
            execution.engine_ms = int((time.time() - execution.started) * 1000)
            if execution.state == "CANCELLED":
                return
            execution.result = result
            self._write_output(state, execution, result)
            execution.state = "SUCCEEDED"
        except errors.QueryFailed as e:
            if execution.timed_out:
                e = errors.time_limit(limit)
            if execution.state != "CANCELLED":
                execution.state = "FAILED"
                execution.reason = e.reason
                execution.error = e.athena_error()
        except Exception as e:  # an awslab bug: say so instead of hanging in RUNNING
            LOG.exception("awslab athena: query %s failed", execution.id)
            execution.state = "FAILED"
            execution.reason = f"GENERIC_INTERNAL_ERROR: {e}"
            execution.error = errors.QueryFailed(execution.reason, errors.INTERNAL, errors.SYSTEM).athena_error()
        finally:
            execution.completed = execution.completed or time.time()
            execution.finished.set()
            journal.record(state.account, state.region, "athena-query", query_execution_id=execution.id,
                           state=execution.state, reason=execution.reason, query=execution.query[:500])

    @staticmethod
    def _time_out(state: RegionState, execution: Execution) -> None:
        if execution.state == "RUNNING" and state.engine is not None:
            execution.timed_out = True
            _interrupt_until_done(state.engine, execution)

    @staticmethod
    def _write_output(state: RegionState, execution: Execution, result: Result) -> None:
        bucket, prefix = split_s3(execution.output)
        key = f"{prefix}{execution.id}"
        if execution.statement_type == "DML":
            s3io.put_object(state.account, state.region, bucket, key + ".csv",
                            results.csv_bytes(result.names, result.rows), "text/csv")
            metadata = json.dumps({"ColumnInfo": result.column_infos()}).encode()
            s3io.put_object(state.account, state.region, bucket, key + ".csv.metadata", metadata,
                            "application/octet-stream")
        else:
            s3io.put_object(state.account, state.region, bucket, key + ".txt", results.txt_bytes(result.rows),
                            "text/plain")

    @staticmethod
    def _execution(state: RegionState, execution_id: str) -> Execution:
        return _lookup(state.executions, execution_id, "QueryExecution")

    def get_query_execution(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        return {"QueryExecution": self._execution(state, request["QueryExecutionId"]).describe()}

    def batch_get_query_execution(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        found, missing = _batch(state.executions, request["QueryExecutionIds"], "QueryExecution",
                                Execution.describe)
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def list_query_executions(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        workgroup = self._workgroup(state, request.get("WorkGroup"))["Name"]
        ids = [e.id for e in sorted(state.executions.values(), key=lambda e: e.submitted, reverse=True)
               if e.workgroup == workgroup]
        page, token = _page(ids, request.get("NextToken"), request.get("MaxResults"), f"qe:{workgroup}")
        return {"QueryExecutionIds": page, **({"NextToken": token} if token else {})}

    def stop_query_execution(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        execution = self._execution(state, request["QueryExecutionId"])
        if execution.state in ("QUEUED", "RUNNING"):
            was_running = execution.state == "RUNNING"
            execution.state = "CANCELLED"
            execution.completed = time.time()
            if was_running and state.engine is not None:
                threading.Thread(target=_interrupt_until_done, args=(state.engine, execution), daemon=True).start()
        return {}

    def get_query_results(self, context: RequestContext, request: dict) -> dict:
        state = state_of(context.account_id, context.region)
        execution = self._execution(state, request["QueryExecutionId"])
        if execution.state in ("QUEUED", "RUNNING"):
            raise invalid(f"Query has not yet finished. Current state: {execution.state}")
        if execution.state != "SUCCEEDED" or execution.result is None:
            raise invalid(f"Query did not finish successfully. Final query state: {execution.state}"
                          + (f"\n{execution.reason}" if execution.reason else ""))
        max_results = request.get("MaxResults")
        if max_results is not None and not 1 <= max_results <= 1000:
            raise invalid("MaxResults must be between 1 and 1000")
        result = execution.result
        rows = [[n for n in result.names]] if result.header and result.names else []
        rows += result.rows
        page, token = _page(rows, request.get("NextToken"), max_results or 1000, execution.id)
        out = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [{"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in page],
                "ResultSetMetadata": {"ColumnInfo": result.column_infos()},
            },
        }
        if token:
            out["NextToken"] = token
        return out

    # ---- data catalog -------------------------------------------------------------------------

    @staticmethod
    def _catalog(name: str | None) -> None:
        if name and name.lower() != CATALOG.lower():
            raise CommonServiceException("MetadataException", f"Catalog {name} does not exist", status_code=400)

    def list_data_catalogs(self, context: RequestContext, request: dict) -> dict:
        return {"DataCatalogsSummary": [{"CatalogName": CATALOG, "Type": "GLUE"}]}

    def get_data_catalog(self, context: RequestContext, request: dict) -> dict:
        self._catalog(request["Name"])
        return {"DataCatalog": {"Name": CATALOG, "Type": "GLUE", "Parameters": {"catalog-id": context.account_id}}}

    def list_databases(self, context: RequestContext, request: dict) -> dict:
        self._catalog(request["CatalogName"])
        engine = state_of(context.account_id, context.region).get_engine()
        listed = [{"Name": d.name, "Description": d.description, "Parameters": d.parameters}
                  for d in sorted(engine.databases.values(), key=lambda d: d.name)]
        page, token = _page(listed, request.get("NextToken"), request.get("MaxResults"), "databases")
        return {"DatabaseList": page, **({"NextToken": token} if token else {})}

    def get_database(self, context: RequestContext, request: dict) -> dict:
        self._catalog(request["CatalogName"])
        engine = state_of(context.account_id, context.region).get_engine()
        db = engine.databases.get(request["DatabaseName"].lower())
        if db is None:
            raise CommonServiceException("MetadataException", f"Database {request['DatabaseName']} not found",
                                         status_code=400)
        return {"Database": {"Name": db.name, "Description": db.description, "Parameters": db.parameters}}

    @staticmethod
    def _table_metadata(table) -> dict:
        params = {"EXTERNAL": "TRUE", "transient_lastDdlTime": str(int(table.created))}
        if table.table_type != "VIRTUAL_VIEW":
            params.update({
                "location": table.location,
                "inputformat": table.input_format,
                "outputformat": table.output_format,
                "serde.serialization.lib": table.serde,
                **{f"serde.param.{k}": v for k, v in table.serde_properties.items()},
                **table.properties,
            })
            if table.comment:
                params["comment"] = table.comment
        return {
            "Name": table.name,
            "CreateTime": table.created,
            "TableType": table.table_type,
            "Columns": [{"Name": n, "Type": t.hive()} for n, t in table.columns],
            "PartitionKeys": [{"Name": n, "Type": t.hive()} for n, t in table.partition_keys],
            "Parameters": params,
        }

    def list_table_metadata(self, context: RequestContext, request: dict) -> dict:
        self._catalog(request["CatalogName"])
        engine = state_of(context.account_id, context.region).get_engine()
        db = request["DatabaseName"].lower()
        if db not in engine.databases:
            raise CommonServiceException("MetadataException", f"Database {request['DatabaseName']} not found",
                                         status_code=400)
        expression = request.get("Expression")
        pattern = re.compile("^" + re.escape(expression).replace(r"\*", ".*") + "$", re.I) if expression else None
        tables = [self._table_metadata(t) for t in engine.list_tables(db) if pattern is None or pattern.match(t.name)]
        page, token = _page(tables, request.get("NextToken"), request.get("MaxResults"), f"tables:{db}")
        return {"TableMetadataList": page, **({"NextToken": token} if token else {})}

    def get_table_metadata(self, context: RequestContext, request: dict) -> dict:
        self._catalog(request["CatalogName"])
        engine = state_of(context.account_id, context.region).get_engine()
        table = engine.table(request["DatabaseName"], request["TableName"])
        if table is None:
            raise CommonServiceException(
                "MetadataException",
                f"Table {request['TableName']} not found in database {request['DatabaseName']}",
                status_code=400,
            )
        return {"TableMetadata": self._table_metadata(table)}

    # ---- tags and engine versions -------------------------------------------------------------

    def tag_resource(self, context: RequestContext, request: dict) -> dict:
        tags = state_of(context.account_id, context.region).tags.setdefault(request["ResourceARN"], {})
        tags.update({t["Key"]: t["Value"] for t in request["Tags"]})
        return {}

    def untag_resource(self, context: RequestContext, request: dict) -> dict:
        tags = state_of(context.account_id, context.region).tags.get(request["ResourceARN"], {})
        for key in request["TagKeys"]:
            tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, context: RequestContext, request: dict) -> dict:
        tags = state_of(context.account_id, context.region).tags.get(request["ResourceARN"], {})
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def list_engine_versions(self, context: RequestContext, request: dict) -> dict:
        return {"EngineVersions": [ENGINE_VERSION, {"SelectedEngineVersion": "Athena engine version 3",
                                                    "EffectiveEngineVersion": "Athena engine version 3"}]}


def dispatch_table(provider: AthenaProvider) -> dict:
    """Operation name -> handler, for every Athena operation the provider implements."""
    return spec_dispatch_table(provider, "athena")
