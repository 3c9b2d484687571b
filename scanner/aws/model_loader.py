"""botocore's data loader with the scanner's service models pruned to the operations it calls.

Of the ~30 services a scan warms, the whole `service-2` and `paginators-1` documents held about
70 MB in every scanning process (EC2's alone about 16 MB) for a few operations of each. A
`PrunedLoader` hands botocore, for each service of a session's `kept` table
(scanner.aws.surface), the document pruned to the kept operations (scanner.aws.model_pruning):
its clients have a method, a paginator and shapes for those operations only. The whole
document is read once, pruned and dropped (botocore's loader cache does not keep it); pruned
documents are shared by every session of the process with the same table. Anything else
(endpoint rule sets, partitions, services outside the table) is botocore's loader's, as is.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from scanner.aws.endpoint_data import lazy_endpoints
from scanner.aws.model_pruning import prune_paginators, prune_service

#: The document kinds pruned to the kept operations.
_PRUNERS = {"service-2": prune_service, "paginators-1": prune_paginators}
#: What the loader's cache holds of a loaded document (dropped once it is pruned).
_DOCUMENT_CACHES = frozenset({"load_service_model", "load_data", "load_data_with_path"})

_Key = tuple[str, str, str, frozenset[str]]
_PRUNED: dict[_Key, Any] = {}
_ENDPOINTS: dict[str, tuple[Any, str]] = {}
_WHOLE: dict[str, frozenset[str]] = {}
_LOCK = threading.Lock()


class PrunedLoader:
    """Stands for botocore's `Loader`: `load_service_model` prunes, the rest is the loader's."""

    def __init__(self, loader: Any, kept: Mapping[str, frozenset[str]]) -> None:
        self._loader = loader
        self.kept = kept

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        """botocore's, but the endpoint table's services are parsed as used (endpoint_data)."""
        if name != "endpoints":
            return self._loader.load_data_with_path(name)  # type: ignore[no-any-return]
        with _LOCK:
            if name not in _ENDPOINTS:
                data, path = self._loader.load_data_with_path(name)
                cache: dict[Any, Any] = getattr(self._loader, "_cache", {})
                for entry in ("load_data_with_path", name), ("load_data", name):
                    cache.pop(entry, None)
                _ENDPOINTS[name] = (lazy_endpoints(data), path)
            return _ENDPOINTS[name]

    def load_data(self, name: str) -> Any:
        if name == "endpoints":
            return self.load_data_with_path(name)[0]
        return self._loader.load_data(name)

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        operations = self.kept.get(service_name)
        prune = _PRUNERS.get(type_name)
        if operations is None or prune is None:
            return self._loader.load_service_model(service_name, type_name, api_version)
        version = api_version or self._loader.determine_latest_version(service_name, type_name)
        key = (service_name, type_name, version, operations)
        with _LOCK:  # one load per document, however many threads ask for it at once
            found = _PRUNED.get(key)
            if found is None:
                found = _PRUNED[key] = self._pruned(key, prune)
        return found

    def _pruned(self, key: _Key, prune: Any) -> Any:
        """The pruned document, made of objects of its own: none of it keeps the memory of the
        whole one (freed as a whole, it goes back to the system rather than staying as holes
        in the heap)."""
        service_name, type_name, version, operations = key
        whole = self._load_once(service_name, type_name, version)
        if type_name == "service-2":
            _WHOLE[service_name] = _WHOLE.get(service_name, frozenset()).union(whole["operations"])
        return json.loads(json.dumps(prune(whole, operations)))

    def _load_once(self, service_name: str, type_name: str, version: str) -> Any:
        """The whole document, left out of the loader's cache."""
        path = f"{service_name}/{version}/{type_name}"
        cache: dict[Any, Any] = getattr(self._loader, "_cache", {})
        try:
            return self._loader.load_service_model(service_name, type_name, version)
        finally:
            for entry in list(cache):
                if entry[:3] == ("load_service_model", service_name, type_name) or (
                    entry[0] in _DOCUMENT_CACHES and str(entry[1]).startswith(path)
                ):
                    cache.pop(entry, None)


def whole_operations(service: str) -> frozenset[str]:
    """Every operation of `service`'s whole model, as far as this process has loaded it."""
    return _WHOLE.get(service, frozenset())


def pruned_documents() -> int:
    """How many pruned documents this process holds (tests)."""
    with _LOCK:
        return len(_PRUNED)
