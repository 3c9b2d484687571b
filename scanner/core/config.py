"""trailwatch.yaml: scan defaults, validated against a strict schema (unknown keys are errors)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.core import inputs
from scanner.core.errors import ConfigError
from scanner.core.inputs import CONFIG, expect_kind, parse_yaml, read_text
from scanner.core.suppressions import SuppressionRule

DEFAULT_CONFIG = Path("trailwatch.yaml")


class FileConfig(BaseModel):
    """Every key is optional; command-line options override the file."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    org: bool | None = None
    accounts: list[str] | None = None
    exclude_accounts: list[str] | None = None
    regions: list[str] | None = None
    home_region: str | None = None
    checks: list[str] | None = None
    role_name: str | None = None
    external_id: str | None = None
    role_session_name: str | None = None
    output_dir: str | None = None
    formats: list[str] | None = None
    fail_on: str | None = None
    max_workers: int | None = Field(default=None, ge=1, le=256)
    frameworks: list[str] | None = None
    suppressions: list[SuppressionRule] | None = None
    log_archive_account: str | None = Field(default=None, pattern=r"^[0-9]{12}$")


def load_config(path: Path | None) -> tuple[FileConfig, Path | None]:
    """The config at `path`, or ./trailwatch.yaml when it exists, or an empty config."""

    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return FileConfig(), None
        path = DEFAULT_CONFIG
    label = "--config"
    limit = inputs.CONFIG_MAX_BYTES  # looked up at call time: the bound can be lowered
    raw = parse_yaml(read_text(path, label, limit), label, path)
    expect_kind(raw, CONFIG, label, path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return FileConfig.model_validate(raw), path
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        if first["type"] == "extra_forbidden":
            message = f"unknown key {loc!r}"
        else:
            message = f"{loc}: {first['msg'].removeprefix('Value error, ')}"
        raise ConfigError(f"{path}: {message}") from None
