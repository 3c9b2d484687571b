"""Small text helpers shared by the report writers: truncation, evidence JSON, safe links."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

ELLIPSIS = "…"
#: Whitespace (as str.isspace) or a control character: never in a link.
_UNSAFE = re.compile(r"[\s\x00-\x1f]")


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def evidence_json(evidence: dict[str, Any], indent: int | None = None) -> str:
    """Evidence as JSON text (keys sorted when they can be; anything unusual as its str)."""
    separators = (",", ": ") if indent else (",", ":")
    try:
        return json.dumps(
            evidence,
            sort_keys=True,
            indent=indent,
            ensure_ascii=False,
            separators=separators,
            default=str,
        )
    except TypeError:  # keys of mixed types cannot be sorted
        return json.dumps(
            evidence, indent=indent, ensure_ascii=False, separators=separators, default=str
        )


def safe_url(url: str | None) -> str | None:
    """`url` when it is a plain http(s) link (never javascript:, data:, ...), else None."""
    if not url:
        return None
    url = url.strip()
    if _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
