"""One exception tree for the CLI boundary; each error carries its exit code."""

from __future__ import annotations


class TrailwatchError(Exception):
    """Base class: a clear one-line message and an exit code."""

    exit_code = 2


class UsageError(TrailwatchError):
    """Bad command-line input (unknown check id, bad region, bad format)."""


class ConfigError(TrailwatchError):
    """A configuration file that cannot be read or does not match the schema."""


class CredentialsError(TrailwatchError):
    """No usable AWS credentials, or the endpoint cannot be reached."""


class OutputError(TrailwatchError):
    """An output directory or file that cannot be written."""


class Interrupted(KeyboardInterrupt):
    """SIGINT/SIGTERM stopped the run; the message says what the output directory holds."""
