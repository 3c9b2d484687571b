"""An embedded moto server on 127.0.0.1 (random port), with an environment that cannot reach AWS."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner.core.errors import UsageError

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}
CLEARED = ("AWS_PROFILE", "MOTO_ACCOUNT_ID", "AWS_ENDPOINT_URL")


@contextmanager
def fake_aws_env() -> Iterator[None]:
    """Fake credentials and no profile, restored afterwards."""
    saved = {k: os.environ.get(k) for k in (*FAKE_ENV, *CLEARED)}
    os.environ.update(FAKE_ENV)
    for key in CLEARED:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def moto_server() -> Iterator[str]:
    """Start ThreadedMotoServer on 127.0.0.1:0 and yield its endpoint URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise UsageError(
            "the demo needs moto: install this project with its demo extra "
            "(pip install '.[demo]' from a checkout)"
        ) from None
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server: Any = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
