"""Grading results, serialised exactly as the JSON contract of DESIGN.md section 4."""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = ("pass", "fail", "error", "skipped")


@dataclass
class CheckResult:
    id: str
    title: str
    status: str
    points: int
    earned: int
    message: str
    hint: str
    debug: str | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "points": self.points,
            "earned": self.earned,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class GradeResult:
    scenario: str
    account: str
    region: str
    lang: str
    duration_s: float
    checks: list[CheckResult] = field(default_factory=list)
    hints_used: int = 0
    hint_penalty: int = 0
    cleanup_problems: list[str] = field(default_factory=list)

    @property
    def earned(self) -> int:
        return sum(c.earned for c in self.checks)

    @property
    def score(self) -> int:
        return max(0, self.earned - self.hint_penalty)

    @property
    def max_score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def passed(self) -> bool:
        """Every check passed (hint penalties lower the score, not completion)."""
        return all(c.status == "pass" for c in self.checks)

    @property
    def gradable(self) -> bool:
        return not any(c.status == "error" for c in self.checks)

    def to_json(self, debug: bool = False) -> dict:
        body = {
            "scenario": self.scenario,
            "account": self.account,
            "region": self.region,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "gradable": self.gradable,
            "duration_s": round(self.duration_s, 3),
            "hints_used": self.hints_used,
            "checks": [c.to_json() for c in self.checks],
        }
        if debug:
            for entry, check in zip(body["checks"], self.checks, strict=True):
                entry["debug"] = check.debug
        return body
