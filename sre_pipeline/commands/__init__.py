"""One module per ``sre-pipeline`` sub-command; imported lazily so each starts fast."""


class UsageError(Exception):
    """A flag value that cannot be used; the message says what was expected (exit code 2)."""
