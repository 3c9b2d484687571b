"""What an AWS request is (service, region, operation, protocol) and AWS-shaped error answers."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([^/?]+)")
_REQUEST_ID = "11111111-2222-3333-4444-555555555555"
_models_lock = threading.Lock()


@dataclass(frozen=True)
class Call:
    """One request as the proxy understands it."""

    service: str  # the SigV4 signing name (s3, sts, cloudtrail, monitoring, ...; s3control)
    region: str
    operation: str  # e.g. DescribeTrails; "Unknown" when it cannot be told
    protocol: str  # json | rest-json | query | ec2 | rest-xml | smithy-rpc-v2-cbor
    access_key: str


@cache
def _service_model(name: str) -> Any:
    """The botocore model of a REST service by its signing name (which is its name for those)."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    with _models_lock:
        try:
            return botocore.session.get_session().get_service_model(name)
        except UnknownServiceError:
            return None


def _rest_operation(model: Any, method: str, path: str, query: str) -> str:
    """The operation whose HTTP method and request URI template match (most specific wins)."""
    keys = parse_qs(query, keep_blank_values=True)
    segments = [s for s in path.split("/") if s]
    best, best_score = "Unknown", -1
    for name in model.operation_names:
        http = model.operation_model(name).http
        if http.get("method") != method:
            continue
        uri_path, _, uri_query = http["requestUri"].partition("?")
        template = [s for s in uri_path.split("/") if s]
        greedy = bool(template) and template[-1].endswith("+}")
        if len(template) != len(segments) and not (greedy and len(segments) >= len(template)):
            continue
        if not all(t.startswith("{") or t == s for t, s in zip(template, segments, strict=False)):
            continue
        score = sum(1 for t in template if not t.startswith("{"))
        literal_ok = True
        for part in filter(None, uri_query.split("&")):
            key, has_value, value = part.partition("=")
            if key not in keys or (has_value and value not in keys[key]):
                literal_ok = False
                break
            score += 10
        if literal_ok and score > best_score:
            best, best_score = name, score
    return best


def identify(method: str, target: str, headers: dict[str, str], body: bytes) -> Call:
    """Service, region, operation and protocol of a signed AWS request."""
    lower = {k.lower(): v for k, v in headers.items()}
    scope = _SCOPE.search(lower.get("authorization", ""))
    access_key, region, service = scope.groups() if scope else ("", "", "unknown")
    split = urlsplit(target)
    if "x-amz-target" in lower:
        op = lower["x-amz-target"].rsplit(".", 1)[-1]
        return Call(service, region, op, "json", access_key)
    cbor = _CBOR_PATH.match(split.path)
    if cbor or lower.get("smithy-protocol") == "rpc-v2-cbor":
        op = cbor.group(1) if cbor else "Unknown"
        return Call(service, region, op, "smithy-rpc-v2-cbor", access_key)
    ctype = lower.get("content-type", "")
    if method == "POST" and "x-www-form-urlencoded" in ctype:
        form = parse_qs(body.decode("utf-8", "replace"))
        op = form.get("Action", ["Unknown"])[0]
        return Call(service, region, op, "ec2" if service == "ec2" else "query", access_key)
    # S3 Control signs as "s3" too; its paths start with the API version.
    if service == "s3" and split.path.startswith("/v20180820/"):
        service = "s3control"
    # API Gateway v2 signs as "apigateway" too; its paths start with /v2/.
    if service == "apigateway" and split.path.startswith("/v2/"):
        service = "apigatewayv2"
    # OpenSearch Service signs as "es" like the legacy Elasticsearch API; its paths carry its own
    # API version.
    if service == "es" and split.path.startswith("/2021-01-01/"):
        service = "opensearch"
    model = _service_model(service)
    if model is None:
        return Call(service, region, "Unknown", "rest-json", access_key)
    op = _rest_operation(model, method, split.path, split.query)
    return Call(service, region, op, model.protocol, access_key)


# --- error answers, shaped as each protocol's services send them ---------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _cbor_text(text: str) -> bytes:
    raw = text.encode("utf-8")
    n = len(raw)
    if n < 24:
        head = bytes([0x60 + n])
    elif n < 256:
        head = bytes([0x78, n])
    else:
        head = bytes([0x79]) + n.to_bytes(2, "big")
    return head + raw


def _cbor_map(items: dict[str, str]) -> bytes:
    out = bytes([0xA0 + len(items)])
    for key, value in items.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


def error_answer(call: Call, status: int, code: str, message: str) -> Answer:
    """An error response as the service's protocol sends it."""
    rid = {"x-amzn-RequestId": _REQUEST_ID}
    if call.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}
        return Answer(status, headers | rid, body)
    if call.protocol == "smithy-rpc-v2-cbor":
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        return Answer(status, headers | rid, _cbor_map({"__type": code, "message": message}))
    if call.protocol == "ec2":
        xml = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            f"</Error></Errors><RequestID>{_REQUEST_ID}</RequestID></Response>"
        )
        return Answer(status, {"Content-Type": "text/xml"}, xml.encode())
    if call.protocol == "query":
        kind = "Receiver" if status >= 500 else "Sender"
        xml = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>{_REQUEST_ID}</RequestId>"
            "</ErrorResponse>"
        )
        return Answer(status, {"Content-Type": "text/xml"}, xml.encode())
    xml = (  # rest-xml (S3, S3 Control)
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>{_REQUEST_ID}</RequestId>"
        "<HostId>fault-proxy</HostId></Error>"
    )
    return Answer(status, {"Content-Type": "application/xml"}, xml.encode())


def throttling(call: Call) -> Answer:
    """What each service sends when it throttles."""
    if call.protocol == "rest-xml":
        return error_answer(call, 503, "SlowDown", "Please reduce your request rate.")
    if call.protocol == "ec2":
        return error_answer(call, 503, "RequestLimitExceeded", "Request limit exceeded.")
    if call.protocol == "query":
        return error_answer(call, 400, "Throttling", "Rate exceeded")
    return error_answer(call, 400, "ThrottlingException", "Rate exceeded")


def internal_error(call: Call) -> Answer:
    if call.protocol in ("rest-xml", "ec2"):
        return error_answer(call, 500, "InternalError", "We encountered an internal error.")
    return error_answer(call, 500, "InternalFailure", "An internal error occurred.")


def slow_down() -> Answer:
    """S3's 503 SlowDown, whatever the service (as a throttling S3-style front end sends it)."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
        "<Message>Please reduce your request rate.</Message>"
        f"<RequestId>{_REQUEST_ID}</RequestId></Error>"
    )
    return Answer(503, {"Content-Type": "application/xml"}, xml.encode())


def too_many_requests() -> Answer:
    """A bare 429 with an HTML page, as a load balancer in front of an endpoint sends it."""
    html = b"<html><body><h1>429 Too Many Requests</h1></body></html>"
    return Answer(429, {"Content-Type": "text/html"}, html)


def access_denied(call: Call, code: str | None = None, message: str | None = None) -> Answer:
    """AccessDenied (or `code`) for the call, in the service's own words and status."""
    action = f"{call.service}:{call.operation}"
    text = message or (
        f"User: arn:aws:sts::000000000000:assumed-role/scan/trailwatch is not authorized "
        f"to perform: {action} because no identity-based policy allows the {action} action"
    )
    if code is None:
        code = {
            "json": "AccessDeniedException",
            "rest-json": "AccessDeniedException",
            "smithy-rpc-v2-cbor": "AccessDeniedException",
            "ec2": "UnauthorizedOperation",
        }.get(call.protocol, "AccessDenied")
    status = 400 if call.protocol in ("json", "smithy-rpc-v2-cbor") else 403
    return error_answer(call, status, code, text)
