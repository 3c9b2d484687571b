"""AWS sessions: one per account, clients cached per (region, service), read-only guard."""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import hashlib
import json
import logging
import re
import threading
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    RefreshableCredentials,
)
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ProfileNotFound,
)
from botocore.parsers import RpcV2CBORParser

from scanner.aws import cheap_clients, exchange, lean
from scanner.aws.calls import note_call
from scanner.aws.client_pool import (
    NOT_POOLED,
    Binding,
    ClientPool,
    Pooled,
    check_owner,
    note_owner,
)
from scanner.aws.iam import is_read_only
from scanner.aws.model_loader import PrunedLoader
from scanner.aws.refusals import MutatingCallBlocked as MutatingCallBlocked
from scanner.aws.refusals import missing_operation
from scanner.aws.surface import kept_operations
from scanner.core.errors import CredentialsError
from scanner.core.workers import Slots

log = logging.getLogger(__name__)

_ACCOUNT_PREFIX = re.compile(r"//\d{12}\.")


class CallLog:
    """Counts every API call made (after retries), per (account, region, service, operation),
    and the calls that repeated an earlier one exactly.

    The collection threads only append to deques (atomic, no lock); the counts are folded in
    under a lock when read. With one lock taken twice per call, its contention (a thread
    blocked on it gives up the GIL, then waits for it again) was ~12% of a worker's GIL time.
    """

    def __init__(self) -> None:
        self._calls: Counter[tuple[str, str, str, str]] = Counter()
        self._signatures: Counter[bytes] = Counter()
        self._repeats: list[str] = []
        self._retries = 0
        self._total = 0
        self._made: deque[tuple[tuple[str, str, str, str], int]] = deque()
        self._signed: deque[tuple[bytes, str]] = deque()
        self._lock = threading.Lock()
        self.repeated_elsewhere = 0
        """Repeated calls counted by worker processes (see `absorb`)."""

    def sign(self, signature: str) -> None:
        """A call is about to be made: `signature` names (account, region, service, operation,
        parameters)."""
        digest = hashlib.blake2b(signature.encode(), digest_size=16).digest()
        self._signed.append((digest, signature))

    def add(self, key: tuple[str, str, str, str], attempts: int) -> None:
        """A call was made, in `attempts` attempts."""
        self._made.append((key, attempts))

    def _fold(self) -> None:
        with self._lock:
            made, signed = self._made.popleft, self._signed.popleft
            while self._made:
                key, attempts = made()
                self._calls[key] += 1
                self._total += 1
                self._retries += attempts - 1 if attempts > 1 else 0
            while self._signed:
                digest, signature = signed()
                self._signatures[digest] += 1
                if self._signatures[digest] == 2:
                    self._repeats.append(signature)

    @property
    def calls(self) -> Counter[tuple[str, str, str, str]]:
        """The calls made, per (account, region, service, operation)."""
        self._fold()
        return self._calls

    @property
    def signatures(self) -> Counter[bytes]:
        """A 16-byte digest of each (account, region, service, operation, parameters) called."""
        self._fold()
        return self._signatures

    @property
    def repeats(self) -> list[str]:
        """The calls made more than once, readable (the first repeat of each)."""
        self._fold()
        return self._repeats

    @property
    def retries(self) -> int:
        self._fold()
        return self._retries

    @property
    def repeated(self) -> int:
        """Calls that repeated an earlier (account, region, operation, parameters) exactly."""
        self._fold()
        return self.repeated_elsewhere + sum(n - 1 for n in self._signatures.values() if n > 1)

    @property
    def total(self) -> int:
        """Every call counted (kept as they are folded in: read after each account)."""
        self._fold()
        return self._total

    def absorb(
        self, calls: Counter[tuple[str, str, str, str]], retries: int, repeated: int
    ) -> None:
        """Add the calls a worker process made (its own repeated calls counted there: each
        account is collected by one process, so no call can repeat one of another process)."""
        with self._lock:
            self._calls.update(calls)
            self._total += sum(calls.values())
            self._retries += retries
            self.repeated_elsewhere += repeated


PER_SERVICE_CALLS = 4
"""At most this many API calls in flight per (account, region, service), as AWS's own request
rates are per account, Region and API; the engine caps an account's calls as a whole besides."""


@dataclass(frozen=True)
class ClientSettings:
    """How every client is built."""

    endpoint_url: str | None = None
    max_attempts: int = 8
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_pool_connections: int = 64
    """Pooled connections kept per endpoint host, shared by the clients of every account."""
    allow_writes: frozenset[tuple[str, str]] = frozenset()
    client_hook: Callable[[Any, str, str, str], None] | None = None
    """Called with (client, service, region, account_id) for each new client (tests)."""
    lean_calls: bool = True
    """Calls take scanner.aws.lean's path where it applies (botocore's own path otherwise)."""
    whole_models: bool = False
    """Clients get botocore's whole service models, not those pruned to the operations the
    scanner calls and `allow_writes` (scanner.aws.model_loader; comparisons and benchmarks)."""


def _strip_account_prefix(request: Any, **_: Any) -> None:
    request.url = _ACCOUNT_PREFIX.sub("//", request.url, count=1)


# --- unreadable responses are retried, never parsed as data ------------------------------------
# botocore reads bodies without enforcing Content-Length, parses a 2xx JSON or CBOR body that is
# not a document as an empty result, and raises (without retrying) on XML it cannot parse. A
# body cut short or garbled on the way would then become "no trails" or a lost dataset. Such a
# response is instead raised as a transient HTTP client error, which the retry policy retries.

#: Operations whose whole body is a JSON document although the protocol is XML.
_JSON_PAYLOADS = frozenset({("s3", "GetBucketPolicy")})


@functools.cache
def unreadable_response_error() -> Any:

    class UnreadableResponse(HTTPClientError):  # type: ignore[misc]
        """A response cut short, or whose body is not a well-formed document of its protocol."""

        fmt = "unreadable response: {error}"

    return UnreadableResponse


def _send_checked(
    client_ref: Any, binding: Binding, service: str, region: str, request: Any,
    event_name: str, **_: Any,
) -> Any:  # fmt: skip
    """before-send (last, after the rate limiter): send, then check the body before parsing.

    The send takes one of the PER_SERVICE_CALLS slots of the client's (account, region,
    service); retries wait for their backoff (botocore's adaptive rate limiter, one per client)
    outside of it. A request built for another account than the one the client is lent to is
    refused (scanner.aws.client_pool).
    """
    client = client_ref()  # a weak reference: the client's own handlers must not keep it alive
    check_owner(binding, request)
    owner = binding.current()
    with owner.slots(service, region), owner.in_flight:
        response = exchange.send(client._endpoint.http_session, request)
    if getattr(request, "stream_output", False):
        return response
    model = client.meta.service_model
    problem = response_problem(
        model.service_name,
        getattr(model, "resolved_protocol", None) or model.protocol,
        model.operation_model(event_name.rsplit(".", 1)[-1]),
        request.method,
        response.status_code,
        response.headers,
        response.content,
    )
    if problem:
        raise unreadable_response_error()(error=problem)
    return response


def _before_call(binding: Binding, service: str, model: Any, context: Any = None, **_: Any) -> None:
    note_owner(binding, context).guard(service, model)


def _before_parameter_build(
    binding: Binding, service: str, region: str, params: Any, model: Any, **_: Any
) -> None:
    binding.current().sign(service, region, params, model)


def _after_call(
    binding: Binding, service: str, region: str, parsed: Any, model: Any, **_: Any
) -> None:
    binding.current().count(service, region, parsed, model)


def response_problem(
    service: str,
    protocol: str,
    operation: Any,
    method: str,
    status: int,
    headers: Any,
    body: bytes,
) -> str | None:
    """Why botocore could not read this response faithfully (None when it can)."""
    declared = headers.get("content-length")
    cut = declared is not None and declared.isdigit() and int(declared) != len(body)
    if cut and method != "HEAD":
        return f"{operation.name}: body cut short ({len(body)} of {declared} bytes)"
    if headers.get("content-encoding") or method == "HEAD":
        return None
    ok = status < 300
    stripped = body.strip()
    try:
        if protocol in ("json", "rest-json"):
            text = body.decode("utf-8")
            document = ok and stripped and not _raw_payload(operation)
            if document and not isinstance(json.loads(text), dict):
                raise ValueError("not a JSON object")
        elif protocol == "smithy-rpc-v2-cbor":
            if stripped:
                _check_cbor(body)
        elif ok and (service, operation.name) in _JSON_PAYLOADS:
            json.loads(body.decode("utf-8"))
        elif ok and _raw_payload(operation):
            return None
        elif not stripped:
            if protocol != "rest-xml" and status < 500:
                raise ValueError("empty body")
        elif not (status >= 500 and stripped.startswith(b"<html>")):
            ElementTree.fromstring(body)  # noqa: S314 - well-formedness only, as botocore parses
    except Exception as exc:
        return f"{operation.name}: HTTP {status} body is not well-formed {protocol}: {exc}"[:300]
    return None


def _raw_payload(operation: Any) -> bool:
    shape = operation.output_shape
    payload = shape.serialization.get("payload") if shape is not None else None
    return bool(payload) and shape.members[payload].type_name in ("blob", "string")


def _check_cbor(body: bytes) -> None:
    """One complete CBOR map and nothing after it (botocore's parser stops at the first item)."""

    parser = RpcV2CBORParser()
    stream = parser.get_peekable_stream_from_bytes(body)
    item = parser.parse_data_item(stream)
    if not isinstance(item, dict) or stream.read(1):
        raise ValueError("not one complete CBOR map")


_SIGNATURE = json.JSONEncoder(sort_keys=True, default=str)
"""json.dumps(params, sort_keys=True, default=str) without building an encoder per call."""


def _utc_now() -> datetime:
    """Now, in UTC: what credentials compare their expiry with (botocore's default builds a
    dateutil tzlocal object on every call, for each API call's signature)."""
    return datetime.now(UTC)


class InFlight:
    """The cap on API calls in flight in this process, over all accounts (`--max-workers`): a
    context manager around each send; no cap until `limit` is called."""

    def __init__(self) -> None:
        self._slots: Slots | None = None

    def limit(self, calls: int) -> None:
        self._slots = Slots(max(1, calls))

    def __enter__(self) -> None:
        if self._slots is not None:
            self._slots.__enter__()

    def __exit__(self, *_: object) -> None:
        if self._slots is not None:
            self._slots.__exit__()


class AccountSession:
    """Credentials for one account; builds (or borrows from the scan's ClientPool) and caches
    clients per (region, service)."""

    def __init__(
        self,
        account_id: str,
        botocore_session: Any,
        settings: ClientSettings,
        call_log: CallLog,
        pool: ClientPool | None = None,
        in_flight: InFlight | None = None,
    ) -> None:
        self.account_id = account_id
        self._session = botocore_session
        self._settings = settings
        self._calls = call_log
        self._pool = pool
        self.in_flight = in_flight or InFlight()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lent: dict[tuple[str, str], Pooled] = {}
        self._slots: dict[tuple[str, str], Slots] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        cached = self._clients.get(key)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._clients.get(key)
            if cached is None:
                cached = self._create(service, region)
                self._clients[key] = cached
            return cached

    def release_clients(self, reuse: bool = False) -> None:
        """Drop cached clients (each holds ~0.4 MB); STS is kept for credential refresh.

        With `reuse` (only when no call of this account can still be running), the borrowed
        clients go back to the scan's pool for the next account."""
        with self._lock:
            self._clients = {k: v for k, v in self._clients.items() if k[0] == "sts"}
            lent, self._lent = self._lent, {}
        if reuse and self._pool is not None:
            for (service, region), pooled in lent.items():
                self._pool.give(service, region, pooled)

    def slots(self, service: str, region: str) -> Slots:
        """The PER_SERVICE_CALLS cap of this account's (region, service)."""
        slots = self._slots.get((service, region))
        if slots is None:  # kept when the clients are released: the cap outlives them
            fresh = Slots(PER_SERVICE_CALLS)
            slots = self._slots.setdefault((service, region), fresh)
        return slots

    def _create(self, service: str, region: str) -> Any:
        pooled = None
        if self._pool is not None and service not in NOT_POOLED:
            pooled = self._pool.take(service, region) or Pooled.wrap(*self._build(service, region))
            pooled.lend(self, self._session.get_credentials())
            self._lent[(service, region)] = pooled
            client = pooled.client
        else:
            client, binding = self._build(service, region)
            binding.owner = self
        s = self._settings
        if s.client_hook is not None:
            s.client_hook(client, service, region, self.account_id)
        return client

    def _build(self, service: str, region: str) -> tuple[Any, Binding]:
        s = self._settings
        config = Config(
            retries={"mode": "adaptive", "max_attempts": s.max_attempts},
            max_pool_connections=s.max_pool_connections,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            user_agent_extra="trailwatch",
            s3={"addressing_style": "path"} if s.endpoint_url else None,
        )
        client = self._session.create_client(
            service, region_name=region, endpoint_url=s.endpoint_url, config=config
        )
        if s.lean_calls:
            lean.enable(client)
        binding = Binding()
        events = client.meta.events
        events.register("before-call.*.*", functools.partial(_before_call, binding, service))
        events.register(
            "before-parameter-build.*.*",
            functools.partial(_before_parameter_build, binding, service, region),
        )
        events.register("after-call.*.*", functools.partial(_after_call, binding, service, region))
        events.register_last(
            "before-send",
            functools.partial(_send_checked, weakref.ref(client), binding, service, region),
        )
        if s.endpoint_url and service == "s3control":
            events.register("before-sign.s3-control.*", _strip_account_prefix)
        return client, binding

    def guard(self, service: str, model: Any) -> None:
        op = model.name
        note_call(model.service_model.service_name, op)  # names the call if it fails
        if not is_read_only(service, op) and (service, op) not in self._settings.allow_writes:
            raise MutatingCallBlocked(f"refusing non-read call {service}:{op} during a scan")

    def sign(self, service: str, region: str, params: Any, model: Any) -> None:
        """Record (account, region, operation, parameters) to detect repeated calls."""
        args = _SIGNATURE.encode(params)
        self._calls.sign("\x1f".join((self.account_id, region, service, model.name, args)))

    def count(self, service: str, region: str, parsed: Any, model: Any) -> None:
        attempts = 1
        if isinstance(parsed, dict):
            meta = parsed.get("ResponseMetadata", {})
            attempts = int(meta.get("RetryAttempts", 0)) + 1
        self._calls.add((self.account_id, region, service, model.name), attempts)


#: gc thresholds during a scan: a young-generation pass every 50,000 net allocations rather
#: than 700, a full pass after 20 x 100 of those (cyclic garbage waits at most ~10 MB).
GC_THRESHOLDS = (50_000, 20, 100)


def _tune_gc() -> None:
    """Make the cyclic garbage collector cheap for a scan (called once, after the models load).

    A scan allocates containers fast (a handler-trie copy per client, parsed responses,
    records) and keeps few cycles: with the default thresholds the collector ran every 700
    allocations and walked the loaded service models (millions of objects) at each full pass;
    it took about a third of the scanner's CPU. What is alive now is frozen out of its passes
    (still freed by reference counting: only a cycle among those objects would outlive its
    use), and the thresholds are raised.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class Sessions:
    """Builds account sessions from the caller's credentials (and AssumeRole for other accounts)."""

    def __init__(
        self,
        profile: str | None = None,
        settings: ClientSettings | None = None,
        call_log: CallLog | None = None,
    ) -> None:

        cheap_clients.install()
        lean.install()
        self.settings = settings or ClientSettings()
        self.calls = call_log or CallLog()
        try:
            self._base = botocore.session.Session(profile=profile)
            self._base.get_scoped_config()
        except ProfileNotFound:
            raise CredentialsError(f"AWS profile not found: {profile}") from None
        except Exception as exc:  # malformed shared config files
            raise CredentialsError(f"cannot read AWS configuration: {exc}") from None
        loader = self._base.get_component("data_loader")
        template = botocore.session.Session()
        if not self.settings.whole_models:
            loader = PrunedLoader(loader, kept_operations(self.settings.allow_writes))
            self._base.register_component("data_loader", loader)
            for events in (self._base, template):  # every client's handlers start from these
                events.register("getattr", missing_operation)
        self._loader = loader
        self._template_events = template._original_handler
        self._exceptions = template._get_internal_component("exceptions_factory")
        self.pool = ClientPool()
        """Clients a finished account returns for the next one (scanner.aws.client_pool)."""
        self.in_flight = InFlight()
        """The cap on calls in flight over all accounts (set by collection: --max-workers)."""
        self._accounts: dict[str, AccountSession] = {}
        self._lock = threading.Lock()
        self._frozen = False
        self.caller_account = ""
        self.caller_arn = ""
        self.partition = "aws"

    def identify(self, region: str) -> None:
        """GetCallerIdentity with the base credentials; one clear error when it cannot work."""

        if self._base.get_credentials() is None:
            raise CredentialsError(
                "no AWS credentials found (set AWS_PROFILE, --profile, or AWS_ACCESS_KEY_ID)"
            )
        base = AccountSession("caller", self._base, self.settings, self.calls)
        sts = base.client("sts", region)
        try:
            ident = sts.get_caller_identity()
        except NoCredentialsError:
            raise CredentialsError("no AWS credentials found") from None
        except EndpointConnectionError as exc:
            raise CredentialsError(f"cannot reach the AWS endpoint: {exc}") from None
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise CredentialsError(
                f"AWS rejected the credentials: {err.get('Code')}: {err.get('Message')}"
            ) from None
        except BotoCoreError as exc:
            raise CredentialsError(f"cannot call AWS: {exc}") from None
        self.caller_account = str(ident["Account"])
        self.caller_arn = str(ident["Arn"])
        self.partition = self.caller_arn.split(":")[1] if self.caller_arn.count(":") > 2 else "aws"
        with self._lock:
            self._accounts[self.caller_account] = AccountSession(
                self.caller_account, self._base, self.settings, self.calls, None, self.in_flight
            )  # not lending: its clients serve the scan itself (discovery, AssumeRole) too

    def adopt_identity(self, account: str, arn: str, partition: str) -> None:
        """The identity another process found with GetCallerIdentity (worker processes: the
        call is not made again)."""
        self.caller_account, self.caller_arn, self.partition = account, arn, partition
        with self._lock:
            self._accounts[account] = AccountSession(
                account, self._base, self.settings, self.calls, None, self.in_flight
            )  # not lending, as in identify

    def forget(self, account_id: str) -> None:
        """Drop an account's session once it is collected (the caller's own is kept), so that
        memory does not grow with the number of accounts."""
        if account_id == self.caller_account:
            return
        with self._lock:
            self._accounts.pop(account_id, None)

    def warm(self, services: Iterable[str]) -> None:
        """Load service models once, before worker threads start.

        botocore's loader cache is not guarded: threads that miss it together each parse the
        same multi-megabyte model (EC2: about 60 MB of objects each), which multiplies memory.
        """
        for service in sorted(set(services)):
            for kind in ("service-2", "endpoint-rule-set-1", "paginators-1"):
                with contextlib.suppress(Exception):  # not every service has paginators
                    self._loader.load_service_model(service, kind)
        if not self._frozen:
            self._frozen = True
            _tune_gc()

    def _member_session(self) -> botocore.session.Session:
        """A botocore session for a member account, sharing what does not depend on it.

        botocore registers its ~190 builtin handlers in every new session, and each session's
        exception factory builds every service's error classes again. Here a session starts
        from a copy of a template's handlers (copied on write: scanner.aws.cheap_clients) and
        shares its exception factory (the classes depend on the service model alone), its
        data loader too.
        """
        events = copy.copy(self._template_events)
        events._lookup_cache = {}
        session = botocore.session.Session(event_hooks=events, include_builtin_handlers=False)
        session.register_component("data_loader", self._loader)
        session._internal_components.register_component("exceptions_factory", self._exceptions)
        return session

    def caller(self) -> AccountSession:
        return self._accounts[self.caller_account]

    def assume(
        self,
        account_id: str,
        role_name: str,
        region: str,
        external_id: str | None = None,
        session_name: str = "trailwatch",
    ) -> AccountSession:
        """A session in another account through AssumeRole, refreshed before it expires.

        Raises botocore errors when the role cannot be assumed; the caller records them.
        """

        with self._lock:
            existing = self._accounts.get(account_id)
        if existing is not None:
            return existing
        role_arn = f"arn:{self.partition}:iam::{account_id}:role/{role_name}"
        extra: dict[str, Any] = {"RoleSessionName": session_name}
        if external_id:
            extra["ExternalId"] = external_id
        caller = self.caller()
        sts_client = caller.client("sts", region)

        def create_sts(service: str, **kwargs: Any) -> Any:
            # The fetcher passes the source credentials; our cached client already has them.
            return sts_client

        fetcher = AssumeRoleCredentialFetcher(
            client_creator=create_sts,
            source_credentials=self._base.get_credentials(),
            role_arn=role_arn,
            extra_args=extra,
            expiry_window_seconds=15 * 60,
        )
        # Assume now, so that a failure is known (and recorded) before collection starts;
        # afterwards botocore refreshes the credentials before they expire.
        first = fetcher.fetch_credentials()
        creds = RefreshableCredentials.create_from_metadata(
            metadata=first, refresh_using=fetcher.fetch_credentials, method="assume-role"
        )
        creds._time_fetcher = _utc_now  # the same instant, an aware datetime in UTC
        session = self._member_session()
        session._credentials = creds
        acct = AccountSession(
            account_id, session, self.settings, self.calls, self.pool, self.in_flight
        )
        with self._lock:
            self._accounts[account_id] = acct
        return acct
