"""Reading the event journal in flow checks: what happened after the grader drove a flow, hop by
hop, so a failing check can name the hop that broke (DESIGN.md section 5).

Entries are those of EmulatorClient.journal() (fields: sandbox/plugins/journal/flows.py, and the
Lambda executor's `lambda-result`: function_name, function_arn, request_id, invocation_type,
duration_ms, status ok|error|timeout, error_type, error_message, log_tail, access_key).

Every effect a flow check credits goes through expect_hop: the hop must be the architecture's (the
right principal, made by the function run the rule or trigger invoked), never only an end state.
"""

from __future__ import annotations

from sandbox.timeline import error_text as _error_text
from sandbox.timeline import log_tail_lines, render

from .check import CheckContext


class Journal:
    """The account's hops from a starting point on (taken before the grader drives the flow)."""

    def __init__(self, ctx: CheckContext, from_start: bool = False):
        self.ctx = ctx
        # from_start: every hop the emulator keeps for the account (since its last reset), for
        # effects the learner's build caused before the grade (e.g. S3's s3:TestEvent message)
        self.since = 0 if from_start else ctx.emulator.journal_position(ctx.account_id)
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


# ---- who caused an effect ----------------------------------------------------------------------
# An end state can be faked by hand (the learner starts the instance, writes the copy, sends the
# message themselves); the journal knows who made each hop. A flow check credits an effect only
# through expect_hop, which keeps the hops the learner's architecture made and names the others.

def author(entry: dict) -> str:
    """Who made a hop, in short: the service principal (s3.amazonaws.com), "grader", or the
    caller's ARN after the account (root, user/athena-learner, assumed-role/<role>/<session>)."""
    if entry.get("principal"):
        return entry["principal"]
    if entry.get("grader"):
        return "grader"
    caller = entry.get("caller") or ""
    return caller.split(":", 5)[-1] if caller.count(":") >= 5 else (caller or entry.get("access_key") or "-")


def failed_hop(entry: dict) -> bool:
    """The call was refused or failed: it caused nothing."""
    status = entry.get("status")
    return bool(entry.get("error_code")) or status in ("denied", "error") or (isinstance(status, int) and status >= 400)


class Expected:
    """What expect_hop found: `entries`, the hops the architecture made (truthy when there is one),
    and `others`, the same hops made by someone else; `by` names those authors for a message."""

    def __init__(self, entries: list[dict], others: list[dict]):
        self.entries, self.others = entries, others

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def by(self) -> str:
        return ", ".join(dict.fromkeys(author(e) for e in self.others)) or "-"


def _matches(entry: dict, fields: dict) -> bool:
    # a field's expected value, or a predicate on it (e.g. instance_ids=lambda ids: iid in ids)
    return all(want(entry.get(k)) if callable(want) else entry.get(k) == want for k, want in fields.items())


def caused_by(entry: dict, runs: list[dict]) -> bool:
    """The hop is a call the function made during one of these runs (`lambda-result` hops): it
    carries the run's execution-environment key and was recorded before the run's result."""
    return any(r.get("access_key") and entry.get("access_key") == r["access_key"] and entry["seq"] < r["seq"]
               for r in runs)


def expect_hop(journal: Journal | list[dict], hop: str | tuple[str, ...], since: dict | int | None = None, *,
               principal: str | tuple[str, ...] | None = None, via: list[dict] | None = None,
               **fields) -> Expected:
    """The hops of kind `hop` after `since` (an entry or a seq) whose fields match `fields`, split
    into those made by the architecture and the others. A hop is the architecture's when its author
    is `principal` (a service principal such as "s3.amazonaws.com" or a caller ARN) and, with `via`,
    when a run of the function in `via` (its `lambda-result` hops, e.g. those the rule invoked) made
    it. `hop` may name several kinds (("sqs-delivery", "api-call"): a message S3 delivered, or
    one the learner sent). Failed calls count for neither: they caused nothing."""
    hops = journal.hops if isinstance(journal, Journal) else journal
    start = since["seq"] if isinstance(since, dict) else (since or 0)
    principals = (principal,) if isinstance(principal, str) else principal
    kinds = (hop,) if isinstance(hop, str) else hop
    found = [e for e in hops if e["hop"] in kinds and e["seq"] > start and not failed_hop(e) and _matches(e, fields)]
    ours, others = [], []
    for e in found:
        genuine = ((principals is None or e.get("principal") in principals or e.get("caller") in principals)
                   and (via is None or caused_by(e, via)))
        (ours if genuine else others).append(e)
    return Expected(ours, others)
