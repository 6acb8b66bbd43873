"""The program of one Lambda execution environment: runs a Python handler in this process.

Started by processes.py (one child process per execution environment, in its own process group)
as `python -P bootstrap.py`. Standard library only and nothing from awslab or LocalStack, so that
the handler sees a clean interpreter. It first waits for the environment's variables on its
lifeline pipe (a spare has imported boto3 meanwhile), then speaks LocalStack's runtime-init
protocol, the one LocalStack's Go init (localstack/lambda-runtime-init,
cmd/localstack/custom_interop.go) speaks inside Docker:

- it binds its own invoke server on 127.0.0.1 port 0 and reports the port it got in the body of
  POST <LOCALSTACK_RUNTIME_ENDPOINT>/status/<runtime id>/ready (no port is chosen by the parent, so
  no other process can take it in between);
- LocalStack POSTs {"invoke-id", "invoked-function-arn", "payload", "trace-id"} to /invoke; the
  handler runs in the main thread; the bootstrap posts the captured output to
  /invocations/<id>/logs and then the result to /invocations/<id>/response or /error.

What the handler sees follows the AWS Lambda Python runtime (AWS Lambda Developer Guide, "Building
Lambda functions with Python": handler, context object, logging; the error shapes follow
aws-lambda-python-runtime-interface-client's bootstrap.py): errors are {"errorMessage",
"errorType", "requestId", "stackTrace"}, import problems are Runtime.ImportModuleError, syntax errors
Runtime.UserCodeSyntaxError, and a handler running past the function timeout ends with
"Task timed out after N.00 seconds" (the environment is then discarded, as on AWS).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import resource
import signal
import struct
import sys
import threading
import time
import traceback
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from queue import Queue
from urllib.parse import urlsplit

# Environment variables meant for this bootstrap only; removed before user code runs.
LIFELINE_FD_VAR = "AWSLAB_LIFELINE_FD"
PRIVATE_VARS = ("LOCALSTACK_RUNTIME_ENDPOINT", "LOCALSTACK_RUNTIME_ID")
MARKER = b"\0awslab-log-mark-%d\0"
# AWS Lambda quotas ("Lambda quotas", Developer Guide): 1,024 processes/threads and 1,024 file
# descriptors per execution environment.
MAX_PROCESSES = 1024
MAX_FILES = 1024
# Slack over MemorySize in the address-space limit: thread stacks (8 MB each, mostly untouched) and
# allocator reservations count in RLIMIT_AS, not in resident memory.
ADDRESS_SLACK_MB = 64
# Output kept per invocation and written to the environment's log file: the emulator's memory must
# not grow with what a handler prints. AWS returns only the last 4 KB in LogResult anyway.
KEEP_OUTPUT = 1024 * 1024
LOG_FILE_CAP = 8 * 1024 * 1024


# --- confinement (see confinement.py) --------------------------------------------------------------

def drop_privileges() -> None:
    """In a sandbox started by root: become the environment's own uid before anything else runs
    (the capabilities bwrap left for this, CAP_SETUID and CAP_SETGID, go with setresuid)."""
    uid = os.environ.pop("AWSLAB_SANDBOX_UID", None)
    if uid:
        os.setgroups([])
        os.setresgid(int(uid), int(uid), int(uid))
        os.setresuid(int(uid), int(uid), int(uid))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def apply_limits(env: dict[str, str], sandboxed: bool) -> None:
    """Limits of the environment, set (soft and hard) before the handler is loaded; the handler
    cannot raise them again (no CAP_SYS_RESOURCE). Memory: an address-space limit of what this
    process has now plus MemorySize less what is already resident, plus ADDRESS_SLACK_MB; an
    allocation beyond it fails (MemoryError, answered as Runtime.OutOfMemory)."""

    def limit(which: int, value: int) -> None:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))

    memory_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 128)
    limit(resource.RLIMIT_NOFILE, MAX_FILES)
    limit(resource.RLIMIT_FSIZE, int(env.get("AWSLAB_EPHEMERAL_MB") or 512) * 1024 * 1024)
    if sandboxed:
        # Counted per uid (or per user namespace): unconfined, that would be the teacher's user.
        limit(resource.RLIMIT_NPROC, MAX_PROCESSES)
    size_kb, resident_kb = _status_kb("VmSize"), _status_kb("VmRSS")
    limit(resource.RLIMIT_AS, (size_kb + max(0, memory_mb * 1024 - resident_kb)) * 1024
          + ADDRESS_SLACK_MB * 1024 * 1024)


# --- parent watch -------------------------------------------------------------------------------

SANDBOXED = False  # set by main(): this process runs in a bwrap sandbox of its own


def end_environment() -> None:
    """Kill this execution environment: every process the handler started, then this one. In a
    sandbox the bootstrap shares its process group with bwrap's init, and killpg would fail there;
    kill(-1) reaches every process of the sandbox's PID namespace this uid may signal (all of the
    handler's, none outside). Unconfined, the process group is all there is to reach."""
    if SANDBOXED:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGKILL)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def watch_parent(fd: int) -> None:
    """Die with the emulator: the emulator holds the only write end of this pipe, so EOF means it is
    gone (however it died). Killing our own process group also ends what the handler started."""

    def wait() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        end_environment()

    threading.Thread(target=wait, name="lifeline", daemon=True).start()


# --- output capture ------------------------------------------------------------------------------

class OutputCapture:
    """Everything written to file descriptors 1 and 2 (print, logging, child processes) is collected
    here, per invocation, and copied to the environment's own log file.

    A marker written through the same pipe tells when everything written before it has been read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._kept = 0  # bytes in _chunks
        self._dropped = 0  # bytes left out of this invocation's output (only its tail is kept)
        self._logged = 0  # bytes written to the log file
        self._pending = b""
        self._marks: dict[bytes, threading.Event] = {}
        self._counter = 0
        self._log_fd = os.dup(1)  # the environment's log file, for get_logs()
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._read_fd = read_fd
        threading.Thread(target=self._read, name="output", daemon=True).start()

    def _read(self) -> None:
        while True:
            data = os.read(self._read_fd, 65536)
            if not data:
                return
            with self._lock:
                data = self._pending + data
                self._pending = b""
                for mark, event in list(self._marks.items()):
                    if mark in data:
                        before, _, data = data.partition(mark)
                        self._keep(before)
                        del self._marks[mark]
                        event.set()
                # A marker may be cut between two reads: hold back a possible beginning of one.
                cut = data.rfind(b"\0")
                if cut != -1 and self._marks:
                    data, self._pending = data[:cut], data[cut:]
                self._keep(data)

    def _keep(self, data: bytes) -> None:
        if not data:
            return
        self._chunks.append(data)
        self._kept += len(data)
        while self._kept > KEEP_OUTPUT and len(self._chunks) > 1:
            self._kept -= len(self._chunks[0])
            self._dropped += len(self._chunks.pop(0))
        if self._kept > KEEP_OUTPUT:  # one chunk: keep its tail
            cut = self._kept - KEEP_OUTPUT
            self._chunks[0] = self._chunks[0][cut:]
            self._kept, self._dropped = KEEP_OUTPUT, self._dropped + cut
        if self._logged < LOG_FILE_CAP:
            data = data[:LOG_FILE_CAP - self._logged]
            self._logged += len(data)
            if self._logged >= LOG_FILE_CAP:
                data += b"\n[awslab] log file full: further output goes to the function's log stream only\n"
            try:
                os.write(self._log_fd, data)
            except OSError:
                pass

    def take(self, timeout: float = 1.0) -> str:
        """All output written so far (waits until the reader has seen it), and start afresh."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        with self._lock:
            self._counter += 1
            mark = MARKER % self._counter
            event = self._marks[mark] = threading.Event()
        os.write(1, mark)
        event.wait(timeout)
        with self._lock:
            self._marks.pop(mark, None)
            data, self._chunks, self._kept = b"".join(self._chunks), [], 0
            dropped, self._dropped = self._dropped, 0
        text = data.decode("utf-8", errors="replace")
        if dropped:
            text = (f"[awslab] {dropped} bytes of output left out: the emulator keeps the last "
                    f"{KEEP_OUTPUT // 1024} KB of an invocation's output\n") + text
        return text


# --- talking to LocalStack ------------------------------------------------------------------------

class Upstream:
    """POSTs to LocalStack's executor endpoint over one kept-alive connection."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        self._host, self._port = parts.hostname, parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def post(self, path: str, body: bytes) -> None:
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None:
                        self._conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
                    self._conn.request("POST", self._prefix + path, body=body,
                                       headers={"Content-Type": "application/json"})
                    self._conn.getresponse().read()
                    return
                except (OSError, http.client.HTTPException):
                    self._conn = None  # the server closed a kept-alive connection: retry once
                    if attempt == 2:
                        raise


# --- the Lambda context object ---------------------------------------------------------------------

class CognitoIdentity:
    cognito_identity_id = None
    cognito_identity_pool_id = None


class LambdaContext:
    """The `context` argument (AWS Lambda Developer Guide, "Using the Lambda context object to
    retrieve Python function information")."""

    def __init__(self, request_id: str, invoked_arn: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        # A string, as in AWS's Python runtime interface client.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = CognitoIdentity()
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))

    def log(self, message) -> None:
        sys.stdout.write(str(message))

    def __repr__(self) -> str:
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context=None,identity=None])")


# --- errors in AWS's shape --------------------------------------------------------------------------

class Fault(Exception):
    """An error of the runtime (not raised by the handler) with AWS's errorType."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type, self.message, self.stack = error_type, message, stack or []


def error_body(error_type: str, message: str, request_id: str, stack: list[str]) -> dict:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def user_stack(tb) -> list[str]:
    """Stack lines of the user's code only: frames of this bootstrap are left out, as on AWS."""
    frames = [f for f in traceback.extract_tb(tb)
              if f.filename != __file__ and not f.filename.startswith("<frozen ")]
    return traceback.format_list(frames)


def from_exception(exc: BaseException, request_id: str) -> dict:
    if isinstance(exc, Fault):
        return error_body(exc.error_type, exc.message, request_id, exc.stack)
    return error_body(type(exc).__name__, str(exc), request_id, user_stack(exc.__traceback__))


def log_error(body: dict) -> None:
    """The [ERROR] line the Python runtime writes for an error, followed by its traceback."""
    lines = [f"[ERROR] {body['errorType']}: {body['errorMessage']}"]
    if body["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in body["stackTrace"])
    sys.stdout.write("\n".join(lines) + "\n")


# --- loading the handler (the Init phase) ------------------------------------------------------------

def load_handler(spec: str):
    """Import `module.function` from the task root, with the Python runtime's error types."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError:
        raise Fault("Runtime.MalformedHandlerName",
                    f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)") from None
    module_name = module_name.replace("/", ".")
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault("Runtime.BuiltInModuleConflict",
                        f"Cannot use built-in module {module_name} as a handler module")
        import importlib

        module = importlib.import_module(module_name)
    except Fault:
        raise
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}") from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {(e.text or "").rstrip()}\n']
        raise Fault("Runtime.UserCodeSyntaxError",
                    f"Syntax error in module '{module_name}': {e}", trace) from None
    except Exception as e:
        # Any other error while importing is reported under its own type, as the Python runtime does.
        raise Fault(type(e).__name__, str(e), user_stack(e.__traceback__)) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


class RequestIdFilter(logging.Filter):
    """Adds the current request id to log records, for the runtime's log format."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = RequestIdFilter.request_id
        return True


def setup_logging() -> None:
    """The root logger of AWS's Python runtime: level WARNING, format
    "[LEVEL]\\t<UTC time>Z\\t<request id>\\t<message>" (AWS Lambda Developer Guide, "Log and monitor
    Python Lambda functions")."""
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(RequestIdFilter())
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                                  "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


# --- the invoke server ---------------------------------------------------------------------------

def serve(invocations: Queue) -> int:
    """Start the HTTP server LocalStack sends invocations to; returns the port the system gave it."""

    class InvokeHandler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no idle client can hold this one-thread server.
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/invoke":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            invocations.put((time.time(), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args) -> None:
            pass  # requests are not part of the function's logs

    server = HTTPServer(("127.0.0.1", 0), InvokeHandler)
    threading.Thread(target=server.serve_forever, name="invoke-server", daemon=True).start()
    return server.server_address[1]


# --- one invocation ----------------------------------------------------------------------------------

def timestamp() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def peak_memory_mb() -> int:
    # VmHWM starts afresh at exec; ru_maxrss would still count the emulator's size before exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def end_lines(request_id: str, duration_ms: float, memory_mb, used_mb: int, init_ms: float | None = None) -> str:
    """END and REPORT lines (AWS Lambda Developer Guide, "Sending Lambda function logs to
    CloudWatch Logs"). Also used by the executor for results it has to make up itself."""
    line = (f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, int(duration_ms + 0.999))} ms\tMemory Size: {memory_mb} MB\t"
            f"Max Memory Used: {used_mb} MB\t")
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line + "\n"


def timeout_error(request_id: str, seconds: int) -> tuple[dict, str]:
    """The error body and the log line of an invocation that ran past the function's timeout."""
    message = f"Task timed out after {seconds}.00 seconds"
    body = error_body("Sandbox.Timedout", f"RequestId: {request_id} Error: {message}", request_id, [])
    return body, f"{timestamp()} {request_id} {message}"


class Runtime:
    def __init__(self, upstream: Upstream, capture: OutputCapture, timeout_s: int) -> None:
        self.upstream = upstream
        self.capture = capture
        self.timeout_s = timeout_s
        self.handler = None
        self.init_error: dict | None = None
        self.init_ms: float | None = None
        self.init_logs = ""
        self._finish_lock = threading.Lock()
        self._finished: set[str] = set()

    def init(self, spec: str) -> None:
        started = time.perf_counter()
        try:
            self.handler = load_handler(spec)
        except BaseException as e:  # noqa: BLE001 (user code may raise anything, even SystemExit)
            self.init_error = from_exception(e, "")
            log_error(self.init_error)
        self.init_ms = (time.perf_counter() - started) * 1000
        self.init_logs = self.capture.take()

    def finish(self, request_id: str, started: float, body: bytes, is_error: bool, extra_log: str = "",
               used_mb: int | None = None) -> bool:
        """Send logs then result, once per request (the handler and the timeout race for it)."""
        with self._finish_lock:
            if request_id in self._finished:
                return False
            self._finished.add(request_id)
        duration_ms = (time.perf_counter() - started) * 1000
        init_ms, self.init_ms = self.init_ms, None
        logs = self.init_logs + f"START RequestId: {request_id} Version: " \
            f"{os.environ.get('AWS_LAMBDA_FUNCTION_VERSION', '$LATEST')}\n"
        self.init_logs = ""
        logs += self.capture.take() + extra_log + end_lines(
            request_id, duration_ms, os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            peak_memory_mb() if used_mb is None else used_mb, init_ms)
        self.upstream.post(f"/invocations/{request_id}/logs", json.dumps({"logs": logs}).encode())
        self.upstream.post(f"/invocations/{request_id}/{'error' if is_error else 'response'}", body)
        return True

    def time_out(self, request_id: str, started: float) -> None:
        """The function ran past its timeout: report it and end this environment (AWS discards it)."""
        body, line = timeout_error(request_id, self.timeout_s)
        if self.finish(request_id, started, json.dumps(body).encode(), True, extra_log=line + "\n"):
            end_environment()

    def out_of_memory(self, request_id: str, started: float) -> None:
        """The handler needed more than MemorySize: AWS's answer when the kernel kills the runtime
        for it (errorType Runtime.OutOfMemory, "signal: killed", Max Memory Used = Memory Size), and
        the environment ends, as on AWS."""
        memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 128)
        message = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
        body = error_body("Runtime.OutOfMemory", message, request_id, [])
        if self.finish(request_id, started, json.dumps(body).encode(), True,
                       extra_log=f"{message}\nRuntime.OutOfMemory\n", used_mb=memory_mb):
            end_environment()

    def invoke(self, received: float, request: dict) -> None:
        request_id = request["invoke-id"]
        out_of_memory = False
        started = time.perf_counter()
        deadline = received + self.timeout_s
        timer = threading.Timer(max(0.0, deadline - time.time()), self.time_out, (request_id, started))
        timer.daemon = True
        timer.start()
        RequestIdFilter.request_id = request_id
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace-id") or ""
        try:
            if self.init_error is not None:
                error = dict(self.init_error, requestId=request_id)
                body, is_error = json.dumps(error).encode(), True
            else:
                try:
                    event = json.loads(request.get("payload") or "{}")
                except ValueError as e:
                    raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {e}") from None
                result = self.handler(event, LambdaContext(request_id, request["invoked-function-arn"], deadline))
                try:
                    body, is_error = json.dumps(result).encode(), False
                except (TypeError, ValueError) as e:
                    raise Fault("Runtime.MarshalError", f"Unable to marshal response: {e}") from None
        except SystemExit as e:
            # The handler ended the runtime process: AWS answers Runtime.ExitError and starts a new
            # environment for the next invocation.
            timer.cancel()
            self.exit(request_id, started, e.code)
        except MemoryError:
            out_of_memory = True  # handled below, once the exception has let go of its frames
        except BaseException as e:  # noqa: BLE001 (KeyboardInterrupt and the like are user errors too)
            error = from_exception(e, request_id)
            log_error(error)
            body, is_error = json.dumps(error).encode(), True
        finally:
            timer.cancel()
        memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 128)
        if out_of_memory or peak_memory_mb() > memory_mb:  # (within ADDRESS_SLACK_MB of the limit)
            self.out_of_memory(request_id, started)
            return
        self.finish(request_id, started, body, is_error)

    def exit(self, request_id: str, started: float, code) -> None:
        if code is None or code == 0:
            status, reason = 0, "Runtime exited without providing a reason"
        else:
            if not isinstance(code, int):
                print(code, file=sys.stderr)  # what Python does with sys.exit("message")
                code = 1
            status, reason = code, f"Runtime exited with error: exit status {code}"
        body = error_body("Runtime.ExitError", f"RequestId: {request_id} Error: {reason}", request_id, [])
        self.finish(request_id, started, json.dumps(body).encode(), True)
        os._exit(status)


def receive_environment(fd: int) -> dict[str, str]:
    """Wait for the execution environment's variables: a 4-byte length, then JSON (processes.py)."""

    def read(size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = os.read(fd, size - len(data))
            if not chunk:
                os._exit(0)  # the emulator went away before this spare was used
            data += chunk
        return data

    (length,) = struct.unpack(">I", read(4))
    return json.loads(read(length))


def main() -> None:
    global SANDBOXED
    drop_privileges()
    sandboxed = SANDBOXED = os.environ.pop("AWSLAB_SANDBOXED", "") == "1"
    lifeline = int(os.environ.pop(LIFELINE_FD_VAR))
    os.set_inheritable(lifeline, False)
    ready_fd = os.environ.pop("AWSLAB_PRELOAD_FD", None)
    if ready_fd:
        import boto3  # noqa: F401 (a spare imports it while it waits; handlers almost all do)

        os.write(int(ready_fd), b"R")
        os.close(int(ready_fd))
    env = receive_environment(lifeline)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None  # TMPDIR changed since a preload may have asked
    watch_parent(lifeline)

    endpoint, runtime_id = env["LOCALSTACK_RUNTIME_ENDPOINT"], env["LOCALSTACK_RUNTIME_ID"]
    for key in PRIVATE_VARS:
        os.environ.pop(key, None)
    os.environ.pop("AWSLAB_EPHEMERAL_MB", None)
    upstream = Upstream(endpoint)
    capture = OutputCapture()
    task_root = env["LAMBDA_TASK_ROOT"]
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:0] = [task_root, *extra]
    os.chdir(task_root)
    setup_logging()

    try:
        runtime = Runtime(upstream, capture, int(env.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3))
        invocations: Queue = Queue()
        port = serve(invocations)
        apply_limits(env, sandboxed)
        runtime.init(env.get("_HANDLER", ""))
    except Exception as e:
        # The runtime itself could not start (the handler's own errors are answered per invoke):
        # LocalStack answers the invoke with this error.
        body = error_body("Runtime.Unknown", f"awslab bootstrap failed: {type(e).__name__}: {e}", "", [])
        upstream.post(f"/status/{runtime_id}/error", json.dumps(body).encode())
        raise
    upstream.post(f"/status/{runtime_id}/ready", json.dumps({"port": port}).encode())
    while True:
        received, request = invocations.get()
        runtime.invoke(received, request)


if __name__ == "__main__":
    main()
