"""botocore's legacy endpoint table with each service's entry held as JSON text until used.

botocore reads `endpoints.json` (every service in every partition: about 6.7 MB of objects once
parsed) for the region and signing defaults of each client it builds; a scanning process builds
clients of about 30 services. Here each partition's `services` is a read-only mapping that keeps
each entry as its compact JSON text and parses it, once, when a client of that service asks:
what botocore reads is equal to the whole table's, entry for entry.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any


class LazyServices(Mapping[str, Any]):
    """A partition's services: each entry parsed from its JSON text at its first use."""

    def __init__(self, services: Mapping[str, Any]) -> None:
        self._text = {
            name: json.dumps(entry, separators=(",", ":")) for name, entry in services.items()
        }
        self._parsed: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Any:
        found = self._parsed.get(name)
        if found is None:
            text = self._text[name]
            with self._lock:
                found = self._parsed.setdefault(name, json.loads(text))
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._text

    def __iter__(self) -> Iterator[str]:
        return iter(self._text)

    def __len__(self) -> int:
        return len(self._text)


def lazy_endpoints(data: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint table `data` with every partition's services held as text until used."""
    out = dict(data)
    out["partitions"] = [
        {**partition, "services": LazyServices(partition.get("services", {}))}
        for partition in data["partitions"]
    ]
    return out
