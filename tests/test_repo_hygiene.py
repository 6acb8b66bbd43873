"""The repository itself: no leftover merge-conflict markers in tracked files."""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_no_conflict_markers_in_tracked_files():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert len(tracked) > 50
    found = []
    for name in tracked:
        path = REPO / name
        if not path.is_file() or path.suffix in {".gz", ".jpg", ".png", ".pem"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")):
                found.append(f"{name}:{number}")
    assert not found, found
