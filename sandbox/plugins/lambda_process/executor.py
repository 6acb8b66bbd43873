"""LocalStack runtime executor that runs each Lambda execution environment as a local child process.

LocalStack's only executor needs Docker. This one keeps LocalStack's model (one executor per
execution environment; ExecutionEnvironment, AssignmentService and the version manager handle
reservation, warm reuse, keep-alive retirement and concurrency) and its runtime-init protocol (see
bootstrap.py), and replaces the container with a process:

- `python -P bootstrap.py` on the emulator's own interpreter, in its own session and process group,
  working directory and LAMBDA_TASK_ROOT = the function's unzipped code;
- port handshake without races: the child binds port 0 itself and reports the port in its
  /status/<id>/ready call (ProcessEndpoint);
- it dies with the emulator however the emulator ends: it holds the read end of a pipe whose only
  write end is in the emulator ("lifeline") and kills its process group on EOF;
- timeouts: the child reports "Task timed out" itself and ends; if it cannot (stuck in C code), the
  executor kills the process group a little later and answers the same error;
- an environment whose process ended (timeout, sys.exit, crash) is started again on its next invoke,
  as AWS starts a new environment (a cold start with Init Duration);
- a spare process with boto3 already imported is kept ready (processes.py), so cold starts of
  typical handlers do not pay boto3's import.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import threading
import time
from concurrent.futures import CancelledError, Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from http import HTTPStatus
from pathlib import Path

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.http import Response
from localstack.services.lambda_.invocation.executor_endpoint import (
    ExecutorEndpoint,
    InvokeSendError,
    StatusErrorException,
)
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor

from . import invocations
from .bootstrap import end_lines, error_body, timeout_error
from .confinement import DEFAULT_TMP_MB
from .processes import Child, EnvironmentExited, SparePool, base_environment, launch

LOG = logging.getLogger(__name__)

# Which interpreter runs which runtime: every supported Python runtime runs on the emulator's own
# interpreter (the virtual environment's Python, 3.12 or newer), which also provides boto3 as the
# Lambda Python runtimes do.
SUPPORTED_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")
# The child reports its own timeout; this much later the executor stops waiting and kills it.
TIMEOUT_GRACE_S = 2.0
STARTUP_TIMEOUT_S = 15.0


class StartFailure:
    """Why an execution environment did not start: the bootstrap's own error body, its exit code, or
    a reason (startup timeout, no process)."""

    def __init__(self, reason: str, payload: bytes | None = None, exit_code: int | None = None) -> None:
        self.reason, self.payload, self.exit_code = reason, payload, exit_code


class UnsupportedFunction(Exception):
    """The function cannot run here; the message becomes the function's StateReason."""


def check_supported(function_version: FunctionVersion) -> None:
    cfg = function_version.config
    if cfg.package_type != PackageType.Zip or not cfg.runtime:
        raise UnsupportedFunction(
            "awslab runs .zip functions with a Python runtime only; container images are not supported"
        )
    if cfg.runtime not in SUPPORTED_RUNTIMES:
        raise UnsupportedFunction(
            f"awslab runs Python functions only ({', '.join(SUPPORTED_RUNTIMES)}); "
            f"runtime {cfg.runtime} is not supported here"
        )
    if cfg.layers:
        raise UnsupportedFunction("awslab does not support Lambda layers")


def gateway_host() -> str:
    """The gateway address as seen from a child process on the same host."""
    host = config.GATEWAY_LISTEN[0].host
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class ProcessEndpoint(ExecutorEndpoint):
    """LocalStack's executor endpoint, plus the port the child reports when it is ready, and safe
    against results that arrive after the executor has given up on an invocation."""

    def status_ready(self, request, executor_id: str) -> Response:
        try:
            port = int(json.loads(request.data)["port"])
        except (ValueError, KeyError, TypeError):
            return Response("ready needs a JSON body with the invoke port", status=HTTPStatus.BAD_REQUEST)
        self.container_address = "127.0.0.1"
        self.container_port = port
        _resolve(self.startup_future, True)
        return Response(status=HTTPStatus.ACCEPTED)

    def invocation_response(self, request, req_id: str) -> Response:
        from sandbox.plugins.lambda_urls.limits import response_too_large

        # A response over Lambda's 6 MB quota fails the invoke, as on AWS.
        too_large = response_too_large(request.data)
        _resolve(self.invocation_future, InvocationResult(req_id, too_large or request.data,
                                                          is_error=too_large is not None, logs=self.logs))
        return Response(status=HTTPStatus.ACCEPTED)

    def invocation_error(self, request, req_id: str) -> Response:
        _resolve(self.invocation_future, InvocationResult(req_id, request.data, is_error=True, logs=self.logs))
        return Response(status=HTTPStatus.ACCEPTED)


def _resolve(future: Future | None, result=None, error: BaseException | None = None) -> None:
    if future is None:
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass  # already answered, cancelled, or given up on


def _folder() -> Path:
    return Path(config.dirs.tmp) / "awslab-lambda"


SPARES = SparePool(_folder)


class ProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.executor_endpoint = ProcessEndpoint(self.id)
        self.env_vars: dict[str, str] = {}
        self.child: Child | None = None
        self.workdir = _folder() / self.id
        self._lock = threading.Lock()
        self._stopped = False
        # Why the environment could not start, answered to the invoke LocalStack sends next.
        self._start_failure: StartFailure | None = None

    # --- RuntimeExecutor interface --------------------------------------------------------------

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        check_supported(function_version)
        function_version.config.code.prepare_for_execution()
        SPARES.fill()  # so that the function's first invoke finds a process ready

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # nothing prepared beyond LocalStack's own unzipped code

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return gateway_host()

    def get_runtime_endpoint(self) -> str:
        return (f"http://{gateway_host()}:{config.GATEWAY_LISTEN[0].port}"
                f"{self.executor_endpoint.get_endpoint_prefix()}")

    def start(self, env_vars: dict[str, str]) -> None:
        # A start that fails does not raise: LocalStack would turn that into an internal error (or,
        # for asynchronous invocations, a silent retry) with no result and no journal hop. As on AWS,
        # where an Init phase failure is reported by the invoke that needed it, the next invoke
        # answers the failure in AWS's error shape and journals it.
        self.env_vars = self._child_environment(env_vars)
        with self._lock:
            self._start_failure = self._try_spawn()

    def stop(self) -> None:
        self._stopped = True
        # A start in progress holds the lock while it waits for ready: end that wait now rather than
        # after STARTUP_TIMEOUT_S (LocalStack stops environments of a replaced version at any time).
        _resolve(self.executor_endpoint.startup_future,
                 error=EnvironmentExited("the execution environment was stopped during start"))
        with self._lock:
            child, self.child = self.child, None
        if child is not None:
            child.kill()
            child.exited.wait(2)
        try:
            self.executor_endpoint.shutdown()
        except Exception as e:  # noqa: BLE001 (never registered, or already gone)
            LOG.debug("awslab: executor endpoint %s already shut down: %s", self.id, e)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def get_logs(self) -> str:
        # The tail only: the log file is the handler's output, of any size.
        return _read_tail(self.child.log_path, 64 * 1024) if self.child else ""

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        with self._lock:
            if self._stopped:
                raise InvokeSendError(f"execution environment {self.id} was stopped")
            started = time.monotonic()
            failure, self._start_failure = self._start_failure, None
            if failure is None and (self.child is None or self.child.exited.is_set()):
                failure = self._try_spawn()  # the last process ended (timeout, exit, crash): a new one, as on AWS
            if failure is not None:
                result = self._start_failure_result(request_id, failure, started)
            else:
                result = self._invoke(self.child, payload)
            duration_ms = (time.monotonic() - started) * 1000
        # A new spare starts after the cold invoke, not during it: on two cores its imports would
        # slow down the invoke the spare was meant to speed up.
        SPARES.fill()
        self._record(request_id, result, duration_ms)
        return result

    # --- processes ------------------------------------------------------------------------------

    def _child_environment(self, env_vars: dict) -> dict[str, str]:
        cfg = self.function_version.config
        defaults = {**base_environment(), "TMPDIR": str(self.workdir / "tmp")}
        env = {**defaults, **{k: str(v) for k, v in env_vars.items() if v is not None}}
        env.update({
            # Reserved variables (AWS Lambda Developer Guide, "Defined runtime environment
            # variables"), with this host's paths instead of /var/task and /var/runtime.
            "LAMBDA_TASK_ROOT": str(cfg.code.get_unzipped_code_location()),
            "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{cfg.runtime}",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(cfg.timeout),
            # For the bootstrap's limits (RLIMIT_FSIZE); the sandbox's /tmp has this size too.
            "AWSLAB_EPHEMERAL_MB": str(_ephemeral_mb(cfg)),
        })
        return env

    def _try_spawn(self) -> StartFailure | None:
        """_spawn(), with its failure kept for the invoke instead of raised."""
        try:
            self._spawn()
            return None
        except StatusErrorException as e:  # the bootstrap reported it (AWS-shaped body)
            return StartFailure(str(e), payload=e.payload)
        except EnvironmentExited as e:
            return StartFailure(str(e), exit_code=e.code)
        except (CancelledError, OSError) as e:  # stopped meanwhile, or no process could be started
            return StartFailure(f"the execution environment could not be started: {type(e).__name__}: {e}")

    def _spawn(self) -> None:
        """Give a bootstrap process this environment and wait until it reports ready (or fails)."""
        endpoint = self.executor_endpoint
        endpoint.start()  # registers the routes, new startup future
        startup = endpoint.startup_future
        (self.workdir / "tmp").mkdir(parents=True, exist_ok=True)
        task_root = Path(self.env_vars["LAMBDA_TASK_ROOT"])
        # A spare has the emulator's boto3 imported; a function that ships its own must import that.
        bundles_sdk = (task_root / "boto3").exists() or (task_root / "botocore").exists()
        tmp_mb = _ephemeral_mb(self.function_version.config)
        child = None if bundles_sdk else SPARES.take(tmp_mb)
        try:
            if child is None:
                raise EnvironmentExited("no spare")
            child.assign(self.env_vars, startup, self._child_exited)
        except (EnvironmentExited, OSError):
            if child is not None:
                child.kill()  # a spare that could not take this environment is of no use any more
            child = launch(self.workdir / "environment.log", preload=False, tmp_mb=tmp_mb)
            child.assign(self.env_vars, startup, self._child_exited)
        previous, self.child = self.child, child
        if previous is not None and previous.log_path != child.log_path:
            previous.log_path.unlink(missing_ok=True)  # the log of a replaced (ended) process
        try:
            startup.result(timeout=STARTUP_TIMEOUT_S)
        except FutureTimeout:
            child.kill()
            raise EnvironmentExited(
                f"the execution environment did not start within {STARTUP_TIMEOUT_S:g} s") from None

    def _child_exited(self, child: Child, code: int) -> None:
        """Called by the reaper when the process of this environment has ended."""
        _resolve(child.startup, error=EnvironmentExited(
            f"the execution environment exited during start ({_exit_reason(code)}): "
            f"{_read_tail(child.log_path)}", code=code))
        invocation = child.invocation
        if invocation is not None:
            request_id, future, started = invocation
            _resolve(future, self._exit_result(request_id, code, started))
        if self._stopped:
            child.log_path.unlink(missing_ok=True)

    def _invoke(self, child: Child, payload: dict) -> InvocationResult:
        endpoint = self.executor_endpoint
        request_id = payload["invoke-id"]
        future: Future = Future()
        endpoint.invocation_future = future
        endpoint.logs = None
        started = time.monotonic()
        child.invocation = (request_id, future, started)
        child.read_peak_memory()  # for the REPORT line should the process die during the invoke
        try:
            response = endpoint._perform_invoke(
                invocation_url=f"http://{endpoint.container_address}:{endpoint.container_port}/invoke",
                proxies={"http": "", "https": ""}, payload=payload)
            if not response.ok:
                raise InvokeSendError(f"invoke of {request_id} refused: HTTP {response.status_code}")
            timeout = int(self.function_version.config.timeout)
            try:
                return future.result(timeout=timeout + TIMEOUT_GRACE_S)
            except FutureTimeout:
                # Stuck where the child's own timer could not act (C code holding the GIL).
                child.read_peak_memory()
                child.kill()
                return self._timeout_result(request_id, timeout, started)
        finally:
            child.invocation = None

    # --- results the child could not send itself ---------------------------------------------------

    def _made_up_result(self, request_id: str, started: float, body: dict, lines: list[str]) -> InvocationResult:
        """A result, with START/END/REPORT logs, for when the process could not send its own."""
        duration = (time.monotonic() - started) * 1000
        used = self.child.peak_mb if self.child is not None else 0
        logs = "".join([
            f"START RequestId: {request_id} Version: {self.function_version.id.qualifier}\n",
            *(line + "\n" for line in lines),
            end_lines(request_id, duration, self.function_version.config.memory_size, used),
        ])
        return InvocationResult(request_id, json.dumps(body).encode(), is_error=True, logs=logs)

    def _timeout_result(self, request_id: str, timeout: int, started: float) -> InvocationResult:
        body, line = timeout_error(request_id, timeout)
        return self._made_up_result(request_id, started, body, [line])

    def _start_failure_result(self, request_id: str, failure: StartFailure, started: float) -> InvocationResult:
        LOG.warning("awslab: execution environment %s of %s did not start: %s",
                    self.id, self.function_version.qualified_arn, failure.reason)
        if failure.exit_code is not None:
            return self._exit_result(request_id, failure.exit_code, started, [f"awslab: {failure.reason}"])
        if failure.payload:
            result = self._made_up_result(request_id, started, {}, [f"awslab: {failure.reason}"])
            result.payload = failure.payload
            return result
        message = f"RequestId: {request_id} Error: {failure.reason}"
        body = error_body("Runtime.Unknown", message, request_id, [])
        return self._made_up_result(request_id, started, body, [message, "Runtime.Unknown"])

    def _exit_result(self, request_id: str, code: int, started: float,
                     lines: list[str] | None = None) -> InvocationResult:
        message = f"RequestId: {request_id} Error: Runtime exited with error: {_exit_reason(code)}"
        body = error_body("Runtime.ExitError", message, request_id, [])
        return self._made_up_result(request_id, started, body, [*(lines or []), message, "Runtime.ExitError"])

    # --- event journal -------------------------------------------------------------------------------

    def _record(self, request_id: str, result: InvocationResult, duration_ms: float) -> None:
        try:
            # The environment's role-session key: the function's own calls carry it, so the journal
            # can tell them from anyone else's (grader.flows.expect_hop links them to this run).
            key = (getattr(self, "env_vars", None) or {}).get("AWS_ACCESS_KEY_ID")
            invocations.record_result(self.function_version, request_id, result, duration_ms, access_key=key)
        except Exception:  # noqa: BLE001 (the journal must never break an invocation)
            LOG.exception("awslab: could not journal the result of %s", request_id)


def _ephemeral_mb(cfg) -> int:
    storage = getattr(cfg, "ephemeral_storage", None)
    return int(getattr(storage, "size", None) or DEFAULT_TMP_MB)


def _read_tail(path: Path, size: int = 2000) -> str:
    try:
        with open(path, "rb") as log:
            log.seek(max(0, log.seek(0, 2) - size))
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def _exit_reason(code: int) -> str:
    """How Go's os/exec (AWS's and LocalStack's init) words a process end."""
    if code < 0:
        try:
            return f"signal: {signal.strsignal(-code).lower()}"
        except (ValueError, AttributeError):
            return f"signal: {-code}"
    return f"exit status {code}"
