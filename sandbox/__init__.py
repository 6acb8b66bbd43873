"""awslab's environment: the embedded emulator, learner accounts, reset, and emulator plugins."""

__version__ = "0.1.0"
