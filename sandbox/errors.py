"""Errors that reach the user as one line and exit code 2 (usage or environment problems)."""


class AwslabError(Exception):
    """A problem the user can fix: bad input, emulator down, port taken. Printed as one line."""

    exit_code = 2

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.message = message
        # Extra lines (for example the tail of the emulator log) shown below the one-line reason.
        self.detail = detail


class EmulatorUnavailable(AwslabError):
    """The emulator does not answer at the configured endpoint."""


class IdpRefused(AwslabError):
    """The built-in IdP refused a request (unknown user, malformed Role value ...); `code` and
    `params` select the ja/en text (sandbox/messages/idp.yaml, key idp-error-<code>)."""

    def __init__(self, code: str, message: str, params: dict):
        super().__init__(message)
        self.code, self.params = code, params
