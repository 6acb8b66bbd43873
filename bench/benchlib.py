"""What every bench script does first: its options and a private sandbox.

Each bench runs in its own AWSLAB_HOME (on a free port when it starts an emulator), so it can run
beside a learner's sandbox or the tests, with English output and the repository importable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def start(doc: str, default_runs: int, options=None) -> argparse.Namespace:
    """Parse --runs (and what `options(parser)` adds) and point AWSLAB_HOME at a fresh temporary folder."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=default_runs)
    if options:
        options(parser)
    args = parser.parse_args()
    os.environ["AWSLAB_HOME"] = tempfile.mkdtemp(prefix="awslab-bench-")
    os.environ["AWSLAB_LANG"] = "en"
    sys.path.insert(0, str(REPO))
    return args


def timed(call) -> float:
    """Seconds one call takes."""
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def line(name: str, samples: list[float], target: str = "", unit: str = "s", width: int = 28) -> None:
    """Print one figure: median, min and max of `samples` (seconds) in `unit` ("s" or "ms")."""
    scale, digits = (1000, 1) if unit == "ms" else (1, 3)
    values = [s * scale for s in samples]
    print(f"{name:<{width}} median {statistics.median(values):8.{digits}f} {unit}   min {min(values):8.{digits}f}   "
          f"max {max(values):8.{digits}f}   n={len(values)}  {target}", flush=True)


def rate(name: str, work, seconds: float = 1.0, unit: str = "/s", width: int = 34) -> None:
    """Print how often `work()` runs per second: the median of five slices of `seconds`/5."""
    import time

    rates = []
    for _ in range(5):
        n, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds / 5:
            work()
            n += 1
        rates.append(n / (time.perf_counter() - began))
    print(f"{name:<{width}} {statistics.median(rates):>10,.0f} {unit}", flush=True)
