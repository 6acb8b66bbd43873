"""Feature command groups of `awslab` (one module per feature, each with `register(cli)`).

sandbox/cli.py lists the modules in COMMAND_MODULES; shared options and helpers come from
sandbox/cliutil.py.
"""
