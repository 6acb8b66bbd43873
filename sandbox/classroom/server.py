"""`awslab serve`: the class registry and grading API over HTTP (the `awslab` service of
docker-compose.yml; the web dashboard of a later issue will sit on it).

It reaches the emulator at AWSLAB_ENDPOINT (http://localstack:4566 in docker compose) like every other
awslab client, over HTTP only. Learners authenticate with HTTP Basic auth: their access key id and
secret key from the credentials sheet. The instructor uses `Authorization: Bearer <token>` with the
token `awslab class create` printed (stored in the registry).

  GET  /api/health                  emulator reachable? (no auth)
  GET  /api/scenarios               ids, titles, points (no auth)
  GET  /api/me                      the learner's account and latest grades
  POST /api/grade/<scenario>?lang=  grade the caller's account now; the JSON of DESIGN.md section 4
  POST /api/hint/<scenario>?lang=   the caller's next hint (recorded: it counts in the gradebook)
  GET  /api/gradebook.csv           instructor: latest grade of every learner and scenario
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from grader import engine
from grader import scenario as scenarios
from grader.result import CheckResult, GradeResult
from sandbox.emulator import EmulatorClient
from sandbox.errors import AwslabError
from sandbox.i18n import LANGS

from . import exports
from .batch import account_of
from .registry import Learner, Registry


# The routes take no body; a small one (a client sending `{}`) is read and ignored.
MAX_BODY = 64 * 1024


class ClassServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, endpoint: str, registry: Registry):
        super().__init__(address, _Handler)
        self.endpoint = endpoint
        self.registry = registry
        self.scenarios = {sc.id: sc for sc in scenarios.load_all()}
        self.grading = threading.Semaphore(8)  # at most this many gradings at once


class _Handler(BaseHTTPRequestHandler):
    server: ClassServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # one line per request on stderr, as http.server does
        super().log_message(fmt, *args)

    # ---- plumbing ------------------------------------------------------------------------------

    def _send(self, status: int, body, content_type: str = "application/json", close: bool = False) -> None:
        data = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"error": {"code": code, "message": message}})

    def _refuse_unread(self, status: int, code: str, message: str) -> None:
        """Answer without reading the request body, and close the connection: its unread bytes must
        not be taken for the next request."""
        self.close_connection = True
        self._send(status, {"error": {"code": code, "message": message}}, close=True)

    def _learner(self) -> Learner | None:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return None
            learner = self.server.registry.learner(key)
            if learner and hmac.compare_digest(learner.secret, secret):
                return learner
        return None

    def _is_instructor(self) -> bool:
        token = self.server.registry.meta().get("admin_token", "")
        given = self.headers.get("Authorization", "").removeprefix("Bearer ")
        return bool(token) and hmac.compare_digest(token, given)

    def _route(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        lang = (query.get("lang") or ["en"])[0]
        return url.path.rstrip("/").split("/")[1:], lang if lang in LANGS else "en"

    # ---- routes --------------------------------------------------------------------------------

    def do_GET(self):  # noqa: N802 - http.server's naming
        parts, _ = self._route()
        if parts == ["api", "health"]:
            try:
                info = EmulatorClient(self.server.endpoint, timeout=3).info()
            except AwslabError as exc:
                return self._send(503, {"ok": False, "endpoint": self.server.endpoint, "problem": exc.message})
            return self._send(200, {"ok": True, "endpoint": self.server.endpoint, "awslab": info})
        if parts == ["api", "scenarios"]:
            return self._send(200, [{"id": sc.id, "title": sc.title, "max_score": sc.max_score}
                                    for sc in self.server.scenarios.values()])
        if parts == ["api", "gradebook.csv"]:
            if not self._is_instructor():
                return self._error(401, "Unauthorized", "instructor token required (Authorization: Bearer ...)")
            return self._send(200, self._gradebook(), "text/csv")
        learner = self._learner()
        if parts == ["api", "me"]:
            if not learner:
                return self._error(401, "Unauthorized", "use your access key id and secret key (HTTP Basic)")
            grades = self.server.registry.latest_grades().get(learner.account_id, {})
            return self._send(200, {"account": learner.account_id, "name": learner.name, "grades": grades})
        return self._error(404, "NotFound", f"no route {self.path}")

    def do_POST(self):  # noqa: N802
        # Route and credentials first, from the headers alone: nobody makes the server read a body
        # (a 50 GB Content-Length was a MemoryError before); then the body is bounded.
        parts, lang = self._route()
        if len(parts) != 3 or parts[:2] not in (["api", "grade"], ["api", "hint"]):
            return self._refuse_unread(404, "NotFound", f"no route {self.path}")
        learner = self._learner()
        if not learner:
            return self._refuse_unread(401, "Unauthorized", "use your access key id and secret key (HTTP Basic)")
        if self.headers.get("Transfer-Encoding"):
            return self._refuse_unread(411, "LengthRequired", "send the body with a Content-Length, not chunked")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._refuse_unread(400, "BadRequest", "Content-Length must be a number")
        if length > MAX_BODY or length < 0:
            return self._refuse_unread(413, "PayloadTooLarge",
                                       f"request body of {length} bytes refused: at most {MAX_BODY} bytes")
        self.rfile.read(length)  # unused (the routes take no body), read to keep the connection usable
        sc = self.server.scenarios.get(parts[2])
        if sc is None:
            return self._error(404, "UnknownScenario", f"unknown scenario {parts[2]}")
        registry = self.server.registry
        if parts[1] == "hint":
            if registry.hints_used(learner.account_id, sc.id) >= len(sc.hints):
                return self._send(200, {"scenario": sc.id, "hint": None, "used": len(sc.hints)})
            n = registry.record_hint(learner.account_id, sc.id, len(sc.hints))
            text = scenarios.fill(sc.hints[n - 1].text, lang, sc.render_names(learner.account_id))
            return self._send(200, {"scenario": sc.id, "number": n, "total": len(sc.hints),
                                    "cost": sc.hints[n - 1].cost, "hint": text})
        region = registry.meta().get("region") or "ap-northeast-1"
        with self.server.grading:
            result = engine.grade(sc, account_of(learner, self.server.endpoint, region), lang,
                                  hints_used=registry.hints_used(learner.account_id, sc.id))
        if result.gradable:
            registry.record_grade(result.to_json())
        return self._send(200, result.to_json())

    def _gradebook(self) -> str:
        """The latest recorded grade of every learner, through the same CSV export as `class grade`."""
        latest = self.server.registry.latest_grades()
        ids = list(self.server.scenarios)
        rows = []
        for learner in self.server.registry.learners():
            row = exports.LearnerGrades(learner)
            for sid, body in latest.get(learner.account_id, {}).items():
                row.results[sid] = _result_from_json(body)
            for sid in ids:
                if sid not in row.results:
                    row.errors[sid] = "not graded yet"
            rows.append(row)
        return exports.gradebook_csv(rows, ids)


def _result_from_json(body: dict) -> GradeResult:
    result = GradeResult(scenario=body["scenario"], account=body["account"], region=body["region"], lang="en",
                         duration_s=body.get("duration_s", 0.0), hints_used=body.get("hints_used", 0))
    result.checks = [CheckResult(**{k: c[k] for k in ("id", "title", "status", "points", "earned", "message", "hint")})
                     for c in body["checks"]]
    result.hint_penalty = max(0, result.earned - body["score"])
    return result


def serve(host: str, port: int, endpoint: str, registry: Registry) -> ClassServer:
    return ClassServer((host, port), endpoint, registry)
