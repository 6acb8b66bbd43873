"""Run LocalStack 4.14 from this virtual environment WITHOUT awslab's plugins (bench/bench_authz.py's
"bare" peer): the plux entry-point index is filtered before LocalStack loads any plugin, so every
entry point of the awslab distribution (values under `sandbox.`) is left out. Same settings
otherwise (sandbox/emulator.env, given by the caller's environment)."""

from __future__ import annotations

import runpy


def _without_awslab() -> None:
    from plux.runtime.cache import EntryPointsCache

    original = EntryPointsCache.get_entry_points

    def filtered(self):
        return {group: [ep for ep in eps if not ep.value.startswith("sandbox.")]
                for group, eps in original(self).items()}

    EntryPointsCache.get_entry_points = filtered


if __name__ == "__main__":
    _without_awslab()
    runpy.run_module("localstack.runtime.main", run_name="__main__")
