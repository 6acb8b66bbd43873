"""What a check function returns, and the context it runs in.

A check is `def <check_id>(ctx: CheckContext) -> Outcome`. It returns `passed()` or
`failed("<message key>", **params)`; the learner-facing text comes from the check's `messages` in
scenario.yaml, filled with the params (so the message names the resource). `debug` is for scenario
authors only and shown with `awslab grade --debug`. Anything a check raises becomes status `error`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from sandbox.accounts import GRADER_USER_AGENT, Account
from sandbox.emulator import EmulatorClient


@dataclass
class Outcome:
    passed: bool
    key: str
    params: dict = field(default_factory=dict)
    debug: str | None = None


def passed(key: str = "pass", /, debug: str | None = None, **params) -> Outcome:
    return Outcome(True, key, params, debug)


def failed(key: str, /, debug: str | None = None, **params) -> Outcome:
    return Outcome(False, key, params, debug)


class Env:
    """One learner account seen from outside the emulator: names, boto3 clients, awslab routes.

    Used by scenario setup, checks and the CLI. Clients are built lazily, never at import time.
    """

    def __init__(self, account: Account, names: dict[str, str]):
        self.account = account
        self.names = names
        self.emulator = EmulatorClient.for_account(account)
        self._session = account.session()
        self._clients: dict[str, object] = {}
        self.memo: dict[str, object] = {}

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def region(self) -> str:
        return self.account.region

    def memoised(self, key: str, compute: Callable[[], object]):
        """`compute()` once per Env (one grading run): checks share look-ups such as a queue's attributes."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def client(self, service: str):
        """A client for inspecting the learner's account; its calls stay out of the learner's
        CloudTrail (User-Agent marked with sandbox.accounts.GRADER_USER_AGENT)."""
        if service not in self._clients:
            self._clients[service] = self.account.client(service, self._session, GRADER_USER_AGENT)
        return self._clients[service]

    def probe_client(self, service: str):
        """A client for flow probes that the learner's pipeline must see like any other call,
        CloudTrail included (no grader marker)."""
        key = f"probe:{service}"
        if key not in self._clients:
            self._clients[key] = self.account.client(service, self._session)
        return self._clients[key]


class CheckContext(Env):
    """Env plus the clean-up actions of flow checks during one grading run, and what the learner
    handed to the grader (`awslab grade --input NAME=VALUE`, e.g. the path of a private key)."""

    def __init__(self, account: Account, names: dict[str, str], inputs: dict[str, str] | None = None):
        super().__init__(account, names)
        self.inputs = dict(inputs or {})
        self._cleanups: list[Callable[[], None]] = []

    def on_cleanup(self, fn: Callable[[], None]) -> None:
        """Register an action that undoes what a flow check did (run after all checks, last first)."""
        self._cleanups.append(fn)

    def run_cleanups(self) -> list[str]:
        problems = []
        while self._cleanups:
            fn = self._cleanups.pop()
            try:
                fn()
            except Exception as exc:  # reported to the caller, never silently dropped
                problems.append(f"{getattr(fn, '__name__', fn)}: {type(exc).__name__}: {exc}")
        return problems

    @staticmethod
    def wait_for(probe: Callable[[], object], timeout: float, interval: float = 0.1,
                 pause: Callable[[float], None] = time.sleep):
        """Call `probe` until it returns something truthy or `timeout` seconds pass; return the
        last value (falsy on timeout). Between calls `pause(interval)`: a sleep, or a wait that
        ends early when something happened (grader.flows.Journal.wait)."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value or time.monotonic() >= deadline:
                return value
            pause(min(interval, max(0.0, deadline - time.monotonic())))
