"""LocalStack plugins of awslab, loaded by the emulator through Python entry points (pyproject.toml).

Each sub-package is one plugin. Code here runs inside the LocalStack process and may import
LocalStack internals; nothing outside sandbox/plugins does (the grader talks HTTP only).
"""

# Names of the plugins whose hooks ran in this process; /_awslab/info reports them.
LOADED: list[str] = []
