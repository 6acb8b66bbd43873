"""The class registry: learners, their accounts and secret keys, grades and hints, in SQLite.

One file, $AWSLAB_HOME/classroom.db, shared by the CLI, the awslab server and the emulator's
SigV4 plugin (which only reads the secrets). SQLite keeps it durable across restarts of any of them
and safe for concurrent writers (each operation is one short transaction on its own connection, so
threads of `awslab class grade` may record grades at the same time).

The access key id of a learner is the 12-digit account id: LocalStack maps such a key to that
account (DESIGN.md section 3), so no mapping table is needed.
"""

from __future__ import annotations

import json
import secrets as _random
import sqlite3
import string
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox import config
from sandbox.errors import AwslabError
from sandbox.i18n import t
from sandbox.statefiles import create_private

FILE_NAME = "classroom.db"
SCHEMA_VERSION = 1
SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 40  # as long as an AWS secret access key
MAX_NAME_LENGTH = 100
KINDS = ("learner", "submission")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS learners (
    account_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    secret     TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'learner',
    seq        INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS grades (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    scenario   TEXT NOT NULL,
    score      INTEGER NOT NULL,
    max_score  INTEGER NOT NULL,
    passed     INTEGER NOT NULL,
    gradable   INTEGER NOT NULL,
    hints_used INTEGER NOT NULL,
    graded_at  REAL NOT NULL,
    result     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grades_by_learner ON grades (account_id, scenario);
CREATE TABLE IF NOT EXISTS hints (
    account_id TEXT NOT NULL,
    scenario   TEXT NOT NULL,
    used       INTEGER NOT NULL,
    PRIMARY KEY (account_id, scenario)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Learner:
    account_id: str
    name: str
    secret: str
    kind: str = "learner"
    seq: int = 0


def path(home: Path | None = None) -> Path:
    return (home or config.home()) / FILE_NAME


def exists(home: Path | None = None) -> bool:
    return path(home).is_file()


class Registry:
    def __init__(self, file: Path | None = None):
        self.file = Path(file) if file else path()

    # ---- connections --------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # Every secret of the class is in this file: created 0600 before sqlite opens it (sqlite
        # would create it 0644 under the usual umask; its journal files take the file's mode).
        create_private(self.file)
        try:
            conn = sqlite3.connect(self.file, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                conn.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
        except sqlite3.DatabaseError as exc:
            raise AwslabError(t("err-registry", path=self.file, problem=exc)) from None
        return conn

    def _run(self, fn):
        """fn(conn) inside one IMMEDIATE transaction (writers queue up instead of failing)."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                value = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return value
        except sqlite3.DatabaseError as exc:
            raise AwslabError(t("err-registry", path=self.file, problem=exc)) from None
        finally:
            conn.close()

    def _read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        if not self.file.is_file():
            return []
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise AwslabError(t("err-registry", path=self.file, problem=exc)) from None
        finally:
            conn.close()

    # ---- the class ----------------------------------------------------------------------------

    def create_class(self, names: list[str], endpoint: str, region: str, replace: bool = False) -> list[Learner]:
        """Register one learner per name (new 12-digit account, new secret). Nothing is written
        unless all of them are: a bad roster leaves the registry as it was."""
        names = [n.strip() for n in names]
        if not names:
            raise AwslabError(t("err-class-empty"))
        for n in names:
            if not n or len(n) > MAX_NAME_LENGTH or any(c in n for c in "\r\n\t"):
                raise AwslabError(t("err-class-bad-name", name=repr(n[:40]), max=MAX_NAME_LENGTH))
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise AwslabError(t("err-class-duplicate-name", name=duplicates[0]))

        def create(conn):
            existing = conn.execute("SELECT COUNT(*) FROM learners WHERE kind = 'learner'").fetchone()[0]
            if existing and not replace:
                raise AwslabError(t("err-class-exists", count=existing, path=self.file))
            if replace:
                for table in ("learners", "grades", "hints", "meta"):
                    conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            taken = {r[0] for r in conn.execute("SELECT account_id FROM learners")}
            learners = []
            for seq, name in enumerate(names, 1):
                learner = Learner(_new_account_id(taken), name, new_secret(), "learner", seq)
                taken.add(learner.account_id)
                learners.append(learner)
            conn.executemany(
                "INSERT INTO learners (account_id, name, secret, kind, seq, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(x.account_id, x.name, x.secret, x.kind, x.seq, time.time()) for x in learners],
            )
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             [("endpoint", endpoint), ("region", region), ("created_at", str(time.time()))])
            # The instructor's token for the server's gradebook route (sandbox/classroom/server.py).
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('admin_token', ?)", (new_secret(),))
            return learners

        return self._run(create)

    def add_account(self, name: str, kind: str = "submission") -> Learner:
        """A fresh account outside the class list (grade-submission runs each submission in one)."""
        assert kind in KINDS

        def add(conn):
            taken = {r[0] for r in conn.execute("SELECT account_id FROM learners")}
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM learners WHERE kind = ?", (kind,)).fetchone()[0]
            learner = Learner(_new_account_id(taken), name[:MAX_NAME_LENGTH], new_secret(), kind, seq)
            conn.execute(
                "INSERT INTO learners (account_id, name, secret, kind, seq, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (learner.account_id, learner.name, learner.secret, kind, seq, time.time()))
            return learner

        return self._run(add)

    def learners(self, kind: str = "learner") -> list[Learner]:
        rows = self._read("SELECT account_id, name, secret, kind, seq FROM learners WHERE kind = ? ORDER BY seq",
                          (kind,))
        return [Learner(**dict(r)) for r in rows]

    def learner(self, account_id: str) -> Learner | None:
        rows = self._read("SELECT account_id, name, secret, kind, seq FROM learners WHERE account_id = ?",
                          (account_id,))
        return Learner(**dict(rows[0])) if rows else None

    def secrets(self) -> dict[str, str]:
        """{access key id: secret} of every registered account (the SigV4 plugin's view)."""
        return {r[0]: r[1] for r in self._read("SELECT account_id, secret FROM learners")}

    def meta(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self._read("SELECT key, value FROM meta")}

    # ---- grades and hints ---------------------------------------------------------------------

    def record_grade(self, result: dict) -> None:
        """Store one grading run (the JSON object of DESIGN.md section 4)."""
        self._run(lambda conn: conn.execute(
            "INSERT INTO grades (account_id, scenario, score, max_score, passed, gradable, hints_used, graded_at,"
            " result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (result["account"], result["scenario"], result["score"], result["max_score"], int(result["passed"]),
             int(result["gradable"]), result.get("hints_used", 0), time.time(),
             json.dumps(result, ensure_ascii=False))))

    def latest_grades(self) -> dict[str, dict[str, dict]]:
        """{account: {scenario: the newest recorded result}}."""
        rows = self._read(
            "SELECT g.account_id, g.scenario, g.result FROM grades g JOIN"
            " (SELECT account_id, scenario, MAX(id) AS id FROM grades GROUP BY account_id, scenario) newest"
            " ON g.id = newest.id")
        out: dict[str, dict[str, dict]] = {}
        for r in rows:
            out.setdefault(r[0], {})[r[1]] = json.loads(r[2])
        return out

    def hints_used(self, account_id: str, scenario: str) -> int:
        rows = self._read("SELECT used FROM hints WHERE account_id = ? AND scenario = ?", (account_id, scenario))
        return rows[0][0] if rows else 0

    def record_hint(self, account_id: str, scenario: str, total: int) -> int:
        """One more hint used (never more than `total`); returns its 1-based number."""

        def record(conn):
            row = conn.execute("SELECT used FROM hints WHERE account_id = ? AND scenario = ?",
                               (account_id, scenario)).fetchone()
            used = min(total, (row[0] if row else 0) + 1)
            conn.execute("INSERT OR REPLACE INTO hints (account_id, scenario, used) VALUES (?, ?, ?)",
                         (account_id, scenario, used))
            return used

        return self._run(record)


def new_secret() -> str:
    return "".join(_random.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def _new_account_id(taken: set[str]) -> str:
    # Random, so two classes (or a class and the tests) on one emulator do not collide; never the
    # single-learner default account 000000000000 (leading digit 1-9).
    while True:
        candidate = str(100000000000 + _random.randbelow(900000000000))
        if candidate not in taken:
            return candidate


def secret_for(account_id: str) -> str | None:
    """The registered secret of an account in this AWSLAB_HOME's class, if there is a class."""
    if not exists():
        return None
    learner = Registry().learner(account_id)
    return learner.secret if learner else None


def read_roster(file: Path) -> list[str]:
    """Learner names from a roster CSV: the `name` column if the first row has one (any case),
    else the first column of every row. Blank rows are skipped."""
    import csv

    try:
        with open(file, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(cell.strip() for cell in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AwslabError(t("err-roster", path=file, problem=getattr(exc, "strerror", None) or exc)) from None
    if not rows:
        raise AwslabError(t("err-class-empty"))
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("name") if "name" in header else None
    if column is None:
        return [r[0] for r in rows]
    return [r[column] if column < len(r) else "" for r in rows[1:]]
