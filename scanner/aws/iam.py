"""Mapping from API operations to the IAM actions that authorise them."""

from __future__ import annotations

# botocore service name -> IAM service prefix, where they differ.
_SERVICE_PREFIX = {
    "s3control": "s3",
    "cloudwatch": "cloudwatch",
    "logs": "logs",
    "apigatewayv2": "apigateway",
    "stepfunctions": "states",
    "elb": "elasticloadbalancing",
    "elbv2": "elasticloadbalancing",
    "opensearch": "es",
}

# (IAM prefix, operation) -> IAM action name, where the action is not named after the operation.
_ACTION_OVERRIDES = {
    ("s3", "ListBuckets"): "ListAllMyBuckets",
    ("s3", "GetPublicAccessBlock"): "GetBucketPublicAccessBlock",
    ("s3", "GetObjectLockConfiguration"): "GetBucketObjectLockConfiguration",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "GetLifecycleConfiguration",
    # API Gateway authorises by HTTP verb on the resource path (REST and v2 alike).
    ("apigateway", "GetRestApis"): "GET",
    ("apigateway", "GetStages"): "GET",
    ("apigateway", "GetApis"): "GET",
}
_S3CONTROL_OVERRIDES = {
    "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
}


#: IAM prefix -> the botocore services the scanner calls under it, where not the prefix alone.
_PREFIX_SERVICES = {
    "s3": ("s3", "s3control"),
    "apigateway": ("apigateway", "apigatewayv2"),
    "elasticloadbalancing": ("elb", "elbv2"),
    "states": ("stepfunctions",),
    "es": ("opensearch",),
}


def botocore_services(action: str) -> tuple[str, ...]:
    """The botocore services whose operations an IAM action (`prefix:Name`) may authorise."""
    prefix = action.split(":", 1)[0]
    return _PREFIX_SERVICES.get(prefix, (prefix,))


def operations_of(service: str, action: str) -> tuple[str, ...]:
    """The operations of botocore `service` that IAM `action` authorises (the inverse of
    `iam_action`; operations the service does not have are left to the caller)."""
    prefix, _, name = action.partition(":")
    candidates = {op for (p, op), a in _ACTION_OVERRIDES.items() if (p, a) == (prefix, name)}
    if service == "s3control":
        candidates.update(op for op, a in _S3CONTROL_OVERRIDES.items() if a == name)
    if not candidates:  # an action named after its operation
        candidates.add(name)
    return tuple(sorted(op for op in candidates if iam_action(service, op) == action))


def iam_action(service: str, operation: str) -> str:
    """The IAM action for a botocore (service, operation) pair, e.g. ('s3', 'ListBuckets')."""
    prefix = _SERVICE_PREFIX.get(service, service)
    if service == "s3control" and operation in _S3CONTROL_OVERRIDES:
        return f"s3:{_S3CONTROL_OVERRIDES[operation]}"
    return f"{prefix}:{_ACTION_OVERRIDES.get((prefix, operation), operation)}"


READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Lookup", "Head", "BatchGet")
# Operations a scan may make that are not reads: credentials only.
ALLOWED_NON_READ = frozenset({("sts", "AssumeRole")})


def is_read_only(service: str, operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES) or (service, operation) in ALLOWED_NON_READ
