"""Classroom figures (issue 8 targets in brackets):

- solutions: 30 learners each run the s3-sqs-notification reference solution at the same time
  (30 processes, each with its own registered credentials, SigV4 checked by the emulator)
- class grade: `awslab class grade s3-sqs-notification` for all 30, CLI start-up included  [< 30 s]
- total: both phases
- emulator RSS: peak resident memory of the emulator process group while they run            [< 2 GiB]
- emulator CPU: CPU seconds the emulator itself spent in each phase (the rest is the 30 clients')

Runs in a private AWSLAB_HOME on a free port with the emulator in classroom mode.
Usage: python bench/bench_classroom.py [--learners 30] [--workers 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCENARIO = "s3-sqs-notification"


class PeakRss:
    """Samples the resident memory of a process and its children every 0.2 s."""

    def __init__(self, pid: int):
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            try:
                total = self.process.memory_info().rss + sum(
                    c.memory_info().rss for c in self.process.children(recursive=True))
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def cpu_s(self) -> float:
        """CPU seconds the emulator (and its children) used so far."""
        t = self.process.cpu_times()
        return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="awslab-bench-classroom-"))
    os.environ.update(AWSLAB_HOME=str(home), AWSLAB_LANG="en")
    sys.path.insert(0, str(REPO))
    from grader import scenario as scenarios
    from sandbox import runtime
    from sandbox.classroom.registry import Registry

    sc = scenarios.get(SCENARIO)
    learners = Registry().create_class([f"learner-{i:02d}" for i in range(1, args.learners + 1)],
                                       "http://127.0.0.1:0", "ap-northeast-1")
    info, _ = runtime.start(port=0, extra={"AWSLAB_CLASSROOM": "1"})
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        with PeakRss(info.pid) as rss:
            cpu_start = rss.cpu_s()
            began = time.perf_counter()
            procs = []
            for x in learners:
                env = {**base, "AWS_ACCESS_KEY_ID": x.account_id, "AWS_SECRET_ACCESS_KEY": x.secret,
                       "AWS_ENDPOINT_URL": info.endpoint, "AWS_DEFAULT_REGION": "ap-northeast-1"}
                procs.append(subprocess.Popen(
                    [sys.executable, str(sc.solution_path), "--bucket", sc.render_names(x.account_id)["bucket"]],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            failed = [p.stderr.read().decode()[-300:] for p in procs if p.wait() != 0]
            solutions_s = time.perf_counter() - began
            if failed:
                raise SystemExit(f"{len(failed)} solutions failed, e.g.: {failed[0]}")
            rss_before = rss.peak
            cpu_solutions = rss.cpu_s() - cpu_start

            began = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "sandbox.cli", "class", "grade", SCENARIO,
                                  "--out", str(home / "gradebook"), "--workers", str(args.workers),
                                  "--endpoint", info.endpoint], cwd=REPO, capture_output=True, text=True)
            grade_s = time.perf_counter() - began
            cpu_grade = rss.cpu_s() - cpu_start - cpu_solutions
        if out.returncode != 0:
            raise SystemExit(f"class grade exited {out.returncode}: {out.stdout.strip()} {out.stderr.strip()[-400:]}")
        print(f"learners                         {args.learners}")
        print(f"solutions, all at once           {solutions_s:7.2f} s   (emulator CPU {cpu_solutions:5.1f} s)")
        print(f"class grade (CLI, {args.workers} workers)      {grade_s:7.2f} s   (emulator CPU {cpu_grade:5.1f} s)"
              "   [target < 30 s]")
        print(f"total                            {solutions_s + grade_s:7.2f} s")
        print(f"emulator RSS peak (solutions)    {rss_before / 2**20:7.0f} MiB")
        print(f"emulator RSS peak (all)          {rss.peak / 2**20:7.0f} MiB   [target < 2048 MiB]")
        print(f"graded: {out.stdout.strip().splitlines()[-1]}")
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        runtime.stop()


if __name__ == "__main__":
    main()
