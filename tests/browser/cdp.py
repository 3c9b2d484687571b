"""A minimal Chrome DevTools Protocol driver for Debian's headless Chromium (websocket-client).

Chromium is started with a throw-away profile and `--remote-debugging-port=0`; the port is read
from the profile's DevToolsActivePort file. One page target is attached (flat sessions), and the
driver records what the page logs: console errors, uncaught exceptions, Log.entryAdded errors
(CSP violations, failed loads) and every network request the page makes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

CHROMIUM = Path(os.environ.get("TRAILWATCH_CHROMIUM", "/usr/bin/chromium"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)
START_TIMEOUT = 30.0


class BrowserError(AssertionError):
    """Chromium is missing, did not start, or a DevTools command failed."""


@dataclass
class PageLog:
    """What the page reported while the driver watched it."""

    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.console_errors, *self.exceptions, *self.log_errors]


class Page:
    """One attached page target: navigate, evaluate JavaScript, collect errors."""

    def __init__(self, ws: websocket.WebSocket, session_id: str) -> None:
        self._ws = ws
        self._session = session_id
        self._next = 0
        self._events: list[dict[str, Any]] = []
        self.log = PageLog()

    # -- protocol ---------------------------------------------------------------------------
    def _record(self, message: dict[str, Any]) -> None:
        method = message.get("method", "")
        params = message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = params.get("args", [])
            self.log.console_errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in args)
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exc = details.get("exception", {})
            self.log.exceptions.append(str(exc.get("description") or details.get("text")))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                self.log.log_errors.append(f"{entry.get('source')}: {entry.get('text')}")
        elif method == "Network.requestWillBeSent":
            self.log.requests.append(params.get("request", {}).get("url", ""))
        self._events.append(message)

    def _receive(self, timeout: float) -> dict[str, Any]:
        self._ws.settimeout(max(timeout, 0.01))
        try:
            raw = self._ws.recv()
        except websocket.WebSocketTimeoutException:
            raise BrowserError("timed out waiting for Chromium") from None
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        payload = {"id": ident, "method": method, "params": params, "sessionId": self._session}
        self._ws.send(json.dumps(payload))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline - time.monotonic())
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if message.get("sessionId") == self._session:
                self._record(message)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        for i, message in enumerate(self._events):
            if message.get("method") == method:
                del self._events[: i + 1]
                return message
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline - time.monotonic())
            if message.get("sessionId") != self._session:
                continue
            self._record(message)
            if message.get("method") == method:
                self._events.clear()
                return message

    # -- helpers ----------------------------------------------------------------------------
    def goto(self, url: str, timeout: float = 60.0) -> float:
        """Navigate and wait for the load event; returns the seconds it took."""
        self._events.clear()
        start = time.monotonic()
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"navigation to {url} failed: {result['errorText']}")
        self.wait_for("Page.loadEventFired", timeout)
        return time.monotonic() - start

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        result = self.send(
            "Runtime.evaluate",
            timeout,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"evaluation failed: {text}")
        return result.get("result", {}).get("value")


def _port(profile: Path, proc: subprocess.Popen[bytes]) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrowserError(f"{CHROMIUM} exited at start (code {proc.returncode})")
        try:
            first = marker.read_text().splitlines()[0]
            return int(first)
        except (OSError, IndexError, ValueError):
            time.sleep(0.05)
    raise BrowserError(f"{CHROMIUM} did not open its DevTools port in {START_TIMEOUT:.0f}s")


@contextmanager
def chromium() -> Iterator[Page]:
    """A headless Chromium with one attached page; fails clearly when Chromium is missing."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        raise BrowserError(
            f"Chromium not found at {CHROMIUM}: install the Debian package `chromium` "
            "(the browser tests need it and are never skipped)"
        )
    profile = Path(tempfile.mkdtemp(prefix="tw-chromium-"))
    proc = subprocess.Popen(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    ws: websocket.WebSocket | None = None
    try:
        port = _port(profile, proc)
        path = (profile / "DevToolsActivePort").read_text().splitlines()[1]
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=START_TIMEOUT, suppress_origin=True
        )
        ws.send(json.dumps({"id": 1, "method": "Target.createTarget", "params": {"url": ""}}))
        target = _reply(ws, 1)["targetId"]
        ws.send(
            json.dumps(
                {
                    "id": 2,
                    "method": "Target.attachToTarget",
                    "params": {"targetId": target, "flatten": True},
                }
            )
        )
        page = Page(ws, _reply(ws, 2)["sessionId"])
        page._next = 10
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        yield page
    finally:
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.send(json.dumps({"id": 3, "method": "Browser.close"}))
            ws.close()
        _stop(proc)
        shutil.rmtree(profile, ignore_errors=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the Chromium this driver started: its own process group (renderers included)."""
    try:
        proc.wait(timeout=5)  # Browser.close was sent
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group, if any
    proc.wait(timeout=10)


def _reply(ws: websocket.WebSocket, ident: int) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        ws.settimeout(max(deadline - time.monotonic(), 0.01))
        message = json.loads(ws.recv())
        if message.get("id") == ident:
            if "error" in message:
                raise BrowserError(str(message["error"]))
            result: dict[str, Any] = message["result"]
            return result
    raise BrowserError("timed out waiting for Chromium")
