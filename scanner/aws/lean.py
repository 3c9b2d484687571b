"""Lean API calls: botocore's request pipeline for a scan's read calls, planned once per client
and operation instead of re-derived for every request.

botocore's `_make_api_call` resolves the endpoint rule set, dispatches about a dozen events
through its emitter, builds the request as email.message header objects, rebuilds the user
agent and derives a SigV4 signing key, all for every request: for a scan's small read calls
that was most of the CPU of a call outside of the HTTP exchange. Here a `Plan` keeps what does
not change between calls of one client and operation (the endpoint and the signing scope it
resolves to, the user agent, and the handlers registered for each event), and each call runs:

* every handler botocore would call, in botocore's order and with botocore's arguments, called
  directly: the scanner's own (read-only guard, call log, checked send), botocore's parameter
  and header handlers, the retry policy and the adaptive rate limiter;
* botocore's serializer, parser and error classes, and the HTTP session's connections (the
  exchange itself is scanner.aws.exchange's, through the checked send);
* in place of the `request-created` handlers (the signer, the user agent, the retry headers):
  the same headers, signed by scanner.aws.sigv4.

An operation takes this path only when its plan finds nothing it does not do exactly as botocore
would (`plan`): a handler it does not know on `request-created` or `choose-signer`, another
signature version, streaming, checksums, compression, a host prefix, endpoint parameters taken
from the call's own parameters, or a service whose clients botocore customizes (S3, S3 Control,
STS). Those calls, and every call of a client `enable` was not called for, go through botocore's
own `_make_api_call`. Handlers registered after a plan was made (a client lent to another
account, a test's hook) make the plan stale: it is made again at the next call.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from botocore.awsrequest import (
    AWSPreparedRequest,
    AWSRequestPreparer,
    create_request_object,
    prepare_request_dict,
)
from botocore.client import BaseClient
from botocore.endpoint import convert_to_response_dict
from botocore.exceptions import NoCredentialsError
from botocore.utils import determine_content_length

from scanner.aws import sigv4

#: Services whose clients botocore customizes beyond what a plan checks (bucket addressing,
#: account-id host prefixes, credential fetching): always botocore's own path.
NOT_LEAN = frozenset({"s3", "s3control", "sts"})

#: The `request-created` handlers a lean call does itself, by qualified name.
_REQUEST_CREATED = frozenset(
    {
        "RequestSigner.handler",
        "MaxAttemptsSeeder.seed_max_attempts",
        "UserAgentString.rebuild_and_replace_user_agent_handler",
        "add_retry_headers",
    }
)
_STATE = "_trailwatch_lean"
_ORIGINAL: Any = BaseClient._make_api_call
#: botocore's own body preparation (a form dict url-encoded as UTF-8, an empty body as None).
_PREPARER = AWSRequestPreparer()


class _Unplanned:
    """A plan's answer for an operation that goes through botocore's own path."""


UNPLANNED = _Unplanned()


@dataclass(frozen=True)
class Plan:
    """What every call of one (client, operation) shares until a handler is registered."""

    operation: Any
    context: dict[str, Any]
    endpoint_url: str
    headers: dict[str, str]
    user_agent: str | None
    region: str
    signing_name: str
    events: dict[str, tuple[Any, ...]]
    """Handlers per event stage ("before-call", ...), in the order botocore calls them."""
    names: dict[str, str]
    """The full event name of each stage (handlers receive it as `event_name`)."""
    max_attempts: int
    """The `max` of the amz-sdk-request header (botocore's MaxAttemptsSeeder)."""


class LeanState:
    """A client's plans, valid while its emitter's handler lookup cache is the same object
    (botocore replaces it on every register and unregister, and client_pool on every lend)."""

    __slots__ = ("lent", "lookup", "plans")

    def __init__(self) -> None:
        self.lookup: object = None
        self.lent: object = None
        self.plans: dict[str, Plan | _Unplanned] = {}

    def plan_for(self, client: Any, operation_name: str) -> Plan | _Unplanned:
        lookup = client.meta.events._emitter._lookup_cache
        if lookup is not self.lookup:
            self.plans = {}
            self.lookup = lookup
        found = self.plans.get(operation_name)
        if found is None:
            found = self.plans[operation_name] = plan(client, operation_name)
            # planning may have filled botocore's lookup cache, never replaced it
        return found


def rebind(client: Any) -> None:
    """Keep `client`'s plans when it is lent to another account (scanner.aws.client_pool):
    lending copies its handlers without changing them, and replaces the lookup cache the plans
    are checked against. A service whose endpoint rule set reads the account id plans again."""
    state = client.__dict__.get(_STATE)
    if state is None:
        return
    resolver = getattr(client, "_ruleset_resolver", None)
    provider = getattr(resolver, "_provider", None)
    parameters = getattr(getattr(provider, "ruleset", None), "parameters", None)
    if parameters is None or any(name.startswith("AccountId") for name in parameters):
        state.plans = {}
    state.lookup = state.lent = client.meta.events._emitter._lookup_cache


def give_back(client: Any) -> None:
    """Before `client`'s handlers are restored (scanner.aws.client_pool): plans made with
    handlers registered while it was lent are dropped with those handlers."""
    state = client.__dict__.get(_STATE)
    if state is not None and client.meta.events._emitter._lookup_cache is not state.lent:
        state.plans = {}


def install() -> None:
    """Route every client's calls through `_dispatch` (idempotent); only clients `enable`
    was called for take the lean path."""
    if BaseClient._make_api_call is not _dispatch:
        BaseClient._make_api_call = _dispatch


def enable(client: Any) -> None:
    """Let `client`'s eligible operations take the lean path."""
    client.__dict__[_STATE] = LeanState()


def enabled(client: Any) -> bool:
    return _STATE in client.__dict__


def _dispatch(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
    state = self.__dict__.get(_STATE)
    if state is not None:
        found = state.plan_for(self, operation_name)
        if isinstance(found, Plan):
            return call(self, found, api_params)
    return _ORIGINAL(self, operation_name, api_params)


_STAGES = (
    "provide-client-params",
    "before-parameter-build",
    "before-call",
    "request-created",
    "choose-signer",
    "before-sign",
    "before-send",
    "response-received",
    "before-parse",
    "needs-retry",
    "after-call",
    "after-call-error",
)


def _name(handler: Any) -> str:
    target = handler
    while hasattr(target, "func"):  # functools.partial
        target = target.func
    return str(getattr(target, "__qualname__", ""))


def plan(client: Any, operation_name: str) -> Plan | _Unplanned:
    """The plan of `client`'s `operation_name`, or UNPLANNED when botocore must make it."""
    model = client.meta.service_model
    if model.service_name in NOT_LEAN:
        return UNPLANNED
    op = model.operation_model(operation_name)
    config = client.meta.config
    signer = client._request_signer
    unsupported = (
        op.has_streaming_input
        or op.has_streaming_output
        or op.has_event_stream_input
        or op.has_event_stream_output
        or op.endpoint  # a host prefix
        or op.http_checksum
        or op.http_checksum_required
        or op.request_compression
        or op.context_parameters
        or op.static_context_parameters
        or getattr(op, "operation_context_parameters", None)
        or op.idempotent_members
        or (op.auth and config.auth_scheme_preference)
        or op.resolved_auth_type not in (None, "v4")
        or signer.signature_version != "v4"
        or model.resolved_protocol not in ("query", "ec2", "json", "rest-json", "rest-xml")
    )
    if unsupported:
        return UNPLANNED
    context: dict[str, Any] = {
        "client_region": client.meta.region_name,
        "client_config": config,
        "has_streaming_input": op.has_streaming_input,
        "auth_type": op.resolved_auth_type,
        "unsigned_payload": op.unsigned_payload,
        "auth_options": model.metadata.get("auth"),
    }
    events = client.meta.events
    emitter = events._emitter
    service_id = model.service_id.hyphenize()
    names = {
        stage: events._alias_event_name(f"{stage}.{service_id}.{op.name}") for stage in _STAGES
    }
    handlers = {stage: tuple(emitter._handlers.prefix_search(names[stage])) for stage in _STAGES}
    if {_name(h) for h in handlers["request-created"]} != _REQUEST_CREATED:
        return UNPLANNED
    seeder = next(
        h.__self__ for h in handlers["request-created"] if _name(h).startswith("MaxAttemptsSeeder")
    )
    if handlers["before-sign"] or handlers["provide-client-params"]:
        return UNPLANNED
    endpoint_url, headers, properties = client._resolve_endpoint_ruleset(op, {}, context)
    if properties:
        context["endpoint_properties"] = properties
    if context.get("auth_type") not in (None, "v4"):
        return UNPLANNED
    signing = context.get("signing", {})
    if set(signing) - {"region", "signing_name"}:
        return UNPLANNED
    region = signing.get("region") or signer._region_name
    signing_name = signing.get("signing_name") or signer._signing_name
    for handler in handlers["choose-signer"]:
        chosen = handler(
            signing_name=signing_name,
            region_name=region,
            signature_version="v4",
            context=context,
            event_name=names["choose-signer"],
        )
        if chosen is not None and chosen != "v4":
            return UNPLANNED
    return Plan(
        operation=op,
        context=context,
        endpoint_url=endpoint_url,
        headers=dict(headers),
        user_agent=client._user_agent_creator.to_string(),
        region=region,
        signing_name=signing_name,
        events=handlers,
        names=names,
        max_attempts=seeder._max_attempts,
    )


def _first(plan_: Plan, stage: str, stop: bool, **kwargs: Any) -> Any:
    """Call a stage's handlers as botocore's emitter does; the first non-None answer."""
    kwargs["event_name"] = plan_.names[stage]
    found = None
    for handler in plan_.events[stage]:
        answer = handler(**kwargs)
        if answer is not None and found is None:
            found = answer
            if stop:
                break
    return found


def call(client: Any, plan_: Plan, api_params: dict[str, Any]) -> Any:
    """One API call as botocore's `_make_api_call` makes it, with `plan_`'s shared parts."""
    op = plan_.operation
    context = dict(plan_.context)
    if "signing" in context:
        context["signing"] = dict(context["signing"])
    _first(plan_, "before-parameter-build", False, params=api_params, model=op, context=context)
    request_dict = client._serializer.serialize_to_request(api_params, op)
    request_dict.pop("host_prefix", None)
    request_dict["headers"].update(plan_.headers)
    prepare_request_dict(
        request_dict,
        endpoint_url=plan_.endpoint_url,
        user_agent=plan_.user_agent,
        context=context,
    )
    answer = _first(
        plan_,
        "before-call",
        True,
        model=op,
        params=request_dict,
        request_signer=client._request_signer,
        context=context,
    )
    if answer is not None:
        http, parsed = answer
    else:
        try:
            http, parsed = _send(client, plan_, request_dict, context)
        except Exception as exc:
            _first(plan_, "after-call-error", False, exception=exc, context=context)
            raise
    _first(plan_, "after-call", False, http_response=http, parsed=parsed, model=op, context=context)
    if http.status_code >= 300:
        code = context.get("error_code_override") or parsed.get("Error", {}).get("Code")
        raise client.exceptions.from_code(code)(parsed, op.name)
    return parsed


def _send(
    client: Any, plan_: Plan, request_dict: dict[str, Any], context: dict[str, Any]
) -> tuple[Any, Any]:
    """botocore's Endpoint._send_request: send, parse, and retry as the retry handlers say."""
    endpoint = client._endpoint
    op = plan_.operation
    attempts = 1
    # botocore's uuid4() reads os.urandom, a system call that gives up the GIL (with dozens of
    # threads, a hand-over each time); the id only tells one call's attempts apart in logs.
    context.setdefault("retries", {}).setdefault("invocation-id", invocation_id())
    endpoint._update_retries_context(context, attempts)
    response, exception = _attempt(client, plan_, request_dict, context)
    while True:
        delay = _first(
            plan_,
            "needs-retry",
            False,
            response=response,
            endpoint=endpoint,
            operation=op,
            attempts=attempts,
            caught_exception=exception,
            request_dict=request_dict,
        )
        if delay is None or delay is False:
            break
        time.sleep(delay)
        attempts += 1
        endpoint._update_retries_context(context, attempts, response)
        response, exception = _attempt(client, plan_, request_dict, context)
    if exception is not None:
        raise exception
    assert response is not None
    metadata = response[1].get("ResponseMetadata")
    if metadata is not None:
        metadata["RetryAttempts"] = attempts - 1
    return response


def invocation_id() -> str:
    """A random (version 4) UUID as text, from the process's pseudo-random generator: the
    amz-sdk-invocation-id header of one call (its attempts share it)."""
    bits = random.getrandbits(128) & ~(0xC000 << 48) | 0x8000 << 48  # RFC 4122 variant
    bits = bits & ~(0xF000 << 64) | 0x4000 << 64  # version 4
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _request(client: Any, plan_: Plan, request_dict: dict[str, Any]) -> AWSPreparedRequest:
    """The signed request of one attempt (botocore: create_request_object, the
    request-created handlers, then prepare_request)."""
    context = request_dict["context"]
    headers = dict(request_dict["headers"])
    retries = context.get("retries")
    if retries is not None:
        retries["max"] = plan_.max_attempts
    if any(name.lower() in sigv4.OWN_HEADERS for name in headers):
        return _botocore_signed(client, plan_, request_dict)
    body = _PREPARER._prepare_body(SimpleNamespace(data=request_dict["body"]))
    payload = body.encode("utf-8") if isinstance(body, str) else body
    method = request_dict["method"]
    url = request_dict["url"]
    credentials = client._request_signer._credentials
    if credentials is None:
        raise NoCredentialsError()
    frozen = credentials.get_frozen_credentials()
    sigv4.sign(
        method,
        url,
        headers,
        payload,
        (frozen.access_key, frozen.secret_key, frozen.token),
        plan_.region,
        plan_.signing_name,
        sigv4.timestamp(),
    )
    if retries is not None:
        _retry_headers(headers, retries)
    if method not in ("GET", "HEAD", "OPTIONS"):
        headers["Content-Length"] = str(determine_content_length(body))
    encoded = {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in headers.items()}
    return AWSPreparedRequest(method, url, encoded, body, False, context)


def _retry_headers(headers: Any, retries: dict[str, Any]) -> None:
    """botocore's add_retry_headers."""
    headers["amz-sdk-invocation-id"] = retries["invocation-id"]
    headers["amz-sdk-request"] = "; ".join(
        f"{key}={retries[key]}" for key in ("ttl", "attempt", "max") if key in retries
    )


def _botocore_signed(client: Any, plan_: Plan, request_dict: dict[str, Any]) -> Any:
    """A request that already carries a header the signer sets, signed by botocore's own
    signer (which knows what to replace)."""
    request = create_request_object(request_dict)
    request.headers["User-Agent"] = plan_.user_agent or ""
    client._request_signer.sign(plan_.operation.name, request)
    retries = request.context.get("retries")
    if retries is not None:
        _retry_headers(request.headers, retries)
    return client._endpoint.prepare_request(request)


def _attempt(
    client: Any, plan_: Plan, request_dict: dict[str, Any], context: dict[str, Any]
) -> tuple[tuple[Any, Any] | None, Exception | None]:
    """botocore's Endpoint._get_response: one send and its parsed answer, or the exception."""
    op = plan_.operation
    endpoint = client._endpoint
    request = _request(client, plan_, request_dict)
    try:
        http = _first(plan_, "before-send", False, request=request)
        if http is None:
            http = endpoint.http_session.send(request)
    except Exception as exc:
        _first(
            plan_,
            "response-received",
            False,
            response_dict=None,
            parsed_response=None,
            context=context,
            exception=exc,
        )
        return None, exc
    response_dict = convert_to_response_dict(http, op)
    customized: dict[str, Any] = {}
    _first(
        plan_,
        "before-parse",
        False,
        operation_model=op,
        response_dict=response_dict,
        customized_response_dict=customized,
    )
    parser = endpoint._response_parser_factory.create_parser(op.service_model.resolved_protocol)
    parsed = parser.parse(response_dict, op.output_shape)
    parsed.update(customized)
    if http.status_code >= 300:
        endpoint._add_modeled_error_fields(response_dict, parsed, op, parser)
    if plan_.events["response-received"]:
        _first(
            plan_,
            "response-received",
            False,
            response_dict=convert_to_response_dict(http, op),
            parsed_response=parsed,
            context=context,
            exception=None,
        )
    return (http, parsed), None
