"""Reading the event journal in flow checks: what happened after the grader drove a flow, hop by
hop, so a failing check can name the hop that broke (DESIGN.md section 5).

Entries are those of EmulatorClient.journal() (fields: sandbox/plugins/journal/flows.py, and the
Lambda executor's `lambda-result`: function_name, function_arn, request_id, invocation_type,
duration_ms, status ok|error|timeout, error_type, error_message, log_tail).
"""

from __future__ import annotations

from sandbox.timeline import error_text as _error_text
from sandbox.timeline import log_tail_lines, render

from .check import CheckContext


class Journal:
    """The account's hops from a starting point on (taken before the grader drives the flow)."""

    def __init__(self, ctx: CheckContext):
        self.ctx = ctx
        self.since = ctx.emulator.journal_position(ctx.account_id)
        self.hops: list[dict] = []

    def refresh(self) -> list[dict]:
        self.hops = self.ctx.emulator.journal(self.ctx.account_id, self.since)
        return self.hops

    def wait(self, seconds: float) -> None:
        """Sleep until the flow makes its next hop (or updates one), at most `seconds`: the pause of
        CheckContext.wait_for, so a check reacts to each hop at once instead of at its next poll."""
        newest = self.hops[-1]["seq"] if self.hops else self.since
        self.ctx.emulator.journal(self.ctx.account_id, newest, last=0, wait=seconds)

    def find(self, hop: str, after: dict | None = None, **fields) -> list[dict]:
        """Hops of kind `hop` whose fields equal `fields`, optionally only those after `after`."""
        start = after["seq"] if after else 0
        return [e for e in self.hops if e["hop"] == hop and e["seq"] > start
                and all(e.get(k) == v for k, v in fields.items())]

    def lambda_results(self, function_name: str, after: dict | None = None) -> list[dict]:
        return self.find("lambda-result", after, function_name=function_name)

    def timeline(self, lang: str = "en") -> str:
        """The hops as `awslab events` shows them, for the author-only debug text."""
        return "\n".join(render(self.hops, lang))


def error_text(result: dict) -> str:
    """"ErrorType: message" of a failed lambda-result, else its status."""
    return _error_text(result) or result.get("status", "error")


def log_excerpt(result: dict) -> str:
    """The last lines of the function's log, on one line."""
    return " / ".join(log_tail_lines(result, failed_only=False)) or "-"
