"""What every bench script does first: its options and a private sandbox.

Each bench runs in its own AWSLAB_HOME (on a free port when it starts an emulator), so it can run
beside a learner's sandbox or the tests, with English output and the repository importable.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
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
