"""Why a query failed, in Athena's words.

A query that fails while running ends in state FAILED with `StateChangeReason` and `AthenaError`
(Athena API Reference, "AthenaError"; categories 1 SYSTEM, 2 USER, 3 OTHER and types from the
"Athena error catalog" page: 1000 user error, 1003 DDL task failed, 100 internal service error).
Engine v3 (Trino) prefixes the error name: `TABLE_NOT_FOUND: line 1:15: Table
'awsdatacatalog.default.x' does not exist`; DDL runs on Hive and says `FAILED: SemanticException ...`.

A statement that does not parse is refused at once with InvalidRequestException
(`line 1:8: mismatched input 'from'...`), as Athena does.
"""

from __future__ import annotations

USER = 2
SYSTEM = 1

USER_ERROR = 1000
DDL_FAILED = 1003
INTERNAL = 100


class QueryFailed(Exception):
    """The query runs and fails: state FAILED with this reason."""

    def __init__(self, reason: str, error_type: int = USER_ERROR, category: int = USER):
        super().__init__(reason)
        self.reason = reason
        self.error_type = error_type
        self.category = category

    def athena_error(self) -> dict:
        return {
            "ErrorCategory": self.category,
            "ErrorType": self.error_type,
            "Retryable": False,
            "ErrorMessage": self.reason,
        }


class SyntaxFailure(Exception):
    """The statement does not parse: StartQueryExecution answers InvalidRequestException."""


def trino(code: str, message: str, line: int | None = None, col: int | None = None) -> QueryFailed:
    where = f"line {line}:{col}: " if line else ""
    return QueryFailed(f"{code}: {where}{message}")


def hive_semantic(message: str, number: int = 10001) -> QueryFailed:
    return QueryFailed(f"FAILED: SemanticException [Error {number}]: {message}", DDL_FAILED)


def hive_ddl(message: str) -> QueryFailed:
    return QueryFailed(
        "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. " + message,
        DDL_FAILED,
    )


QUERY_TIMED_OUT = 206


def time_limit(limit_s: float) -> QueryFailed:
    """A query stopped at the time limit: Trino's EXCEEDED_TIME_LIMIT error name with its message
    (Trino's QueryTracker, "Query exceeded the maximum execution time limit of 30.00m") and Athena's
    error type 206 "Query timed out" (Athena error catalog)."""
    return QueryFailed(f"EXCEEDED_TIME_LIMIT: Query exceeded the maximum execution time limit of {limit_s / 60:.2f}m",
                       QUERY_TIMED_OUT, SYSTEM)
