"""LocalStack plugins of awslab, loaded by the emulator through Python entry points (pyproject.toml).

Each sub-package is one plugin. Code here runs inside the LocalStack process and may import
LocalStack internals; nothing outside sandbox/plugins does (the grader talks HTTP only).
"""

from __future__ import annotations

from typing import Callable

# Names of the plugins whose hooks ran in this process; /_awslab/info reports them.
LOADED: list[str] = []

# Plugins that keep per-account state outside LocalStack's stores (journal, trails, IdP users ...)
# append a function here; the per-account reset (admin plugin) calls each with the account id.
ACCOUNT_RESET_HOOKS: list[Callable[[str], None]] = []
