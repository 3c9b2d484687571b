"""Resource-policy analysis for S3 bucket policies: parsing, wildcard matching, public grants.

"Public" follows Amazon S3's definition: an Allow to everyone (Principal "*", {"AWS": "*"}, or
any NotPrincipal) is public unless a condition pins it to fixed values of one of the keys in
RESTRICTING_KEYS (aws:SourceIp only with a range narrower than the whole internet). A value
with a wildcard or a policy variable does not pin anything (Security Hub: only fixed-value
conditions produce PASSED). Negated operators, ...IfExists and ForAllValues: on an Allow do not
restrict (a request without the key still matches). A Deny to everyone that is unconditional,
or whose every condition is a negated fixed-value restriction (StringNotEquals aws:SourceVpc
...), removes the public grant where it covers the granted actions and resources.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any


class PolicyError(ValueError):
    """The policy document is not valid JSON or not a policy."""


# --- model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """One principal; kind is "*" (bare wildcard), AWS, Service, CanonicalUser or Federated."""

    kind: str
    value: str

    @property
    def everyone(self) -> bool:
        """Anyone, including anonymous callers (a wildcard anywhere in an AWS principal)."""
        return self.kind == "*" or (self.kind == "AWS" and "*" in self.value)

    @property
    def account(self) -> str | None:
        """The 12-digit account of an AWS (or Federated ARN) principal, when it names one."""
        if self.kind not in ("AWS", "Federated"):
            return None
        if re.fullmatch(r"\d{12}", self.value):
            return self.value
        parts = self.value.split(":")
        if len(parts) >= 6 and parts[0] == "arn" and re.fullmatch(r"\d{12}", parts[4]):
            return parts[4]
        return None

    def describe(self) -> str:
        return "*" if self.kind == "*" else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Condition:
    """One (operator, key, values) entry of a Condition block, values as strings."""

    operator: str
    key: str
    values: tuple[str, ...]

    @property
    def qualifier(self) -> str:
        """ "foranyvalue", "forallvalues" or ""."""
        head, sep, _ = self.operator.partition(":")
        return head.lower() if sep else ""

    @property
    def if_exists(self) -> bool:
        return self.operator.lower().endswith("ifexists")

    @property
    def base(self) -> str:
        """The operator without set qualifier or IfExists, lower case (e.g. "stringequals")."""
        op = self.operator.rpartition(":")[2].lower()
        return op[: -len("ifexists")] if op.endswith("ifexists") else op


@dataclass(frozen=True)
class Statement:
    """One statement. Exactly one of each pair (principals/not_principals, ...) is set."""

    index: int
    sid: str | None
    effect: str
    principals: tuple[Principal, ...] | None
    not_principals: tuple[Principal, ...] | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...] = ()

    @property
    def label(self) -> str:
        return f"statement {self.index}" + (f" ({self.sid})" if self.sid else "")

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def describe(self) -> dict[str, Any]:
        """The statement in the policy language's field names (for evidence)."""
        out: dict[str, Any] = {"Sid": self.sid, "Effect": self.effect}
        if self.principals is not None:
            out["Principal"] = [p.describe() for p in self.principals]
        if self.not_principals is not None:
            out["NotPrincipal"] = [p.describe() for p in self.not_principals]
        for name, value in (
            ("Action", self.actions),
            ("NotAction", self.not_actions),
            ("Resource", self.resources),
            ("NotResource", self.not_resources),
        ):
            if value is not None:
                out[name] = list(value)
        if self.conditions:
            out["Condition"] = [
                {"operator": c.operator, "key": c.key, "values": list(c.values)}
                for c in self.conditions
            ]
        return out


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]


# --- parsing -------------------------------------------------------------------------------


def _strings(value: Any, what: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise PolicyError(f"{what} must be a string or a list of strings, got {item!r}")
        out.append(item)
    if not out:
        raise PolicyError(f"{what} is empty")
    return tuple(out)


def _principals(value: Any, what: str) -> tuple[Principal, ...]:
    if value == "*":
        return (Principal("*", "*"),)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f'{what} must be "*" or an object, got {value!r}')
    out: list[Principal] = []
    for kind, ids in value.items():
        for ident in _strings(ids, f"{what}.{kind}"):
            out.append(Principal(str(kind), ident.strip()))
    return tuple(out)


def _condition_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise PolicyError(f"condition value must be a scalar, got {value!r}")


def _conditions(value: Any) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise PolicyError(f"Condition must be an object, got {value!r}")
    out: list[Condition] = []
    for op, block in value.items():
        if not isinstance(block, dict):
            raise PolicyError(f"Condition {op} must be an object, got {block!r}")
        for key, raw in block.items():
            items = raw if isinstance(raw, list) else [raw]
            out.append(Condition(str(op), str(key), tuple(_condition_value(v) for v in items)))
    return tuple(out)


def _pair(raw: dict[str, Any], name: str, index: int) -> tuple[Any, Any]:
    yes, no = raw.get(name), raw.get(f"Not{name}")
    if (yes is None) == (no is None):
        raise PolicyError(f"statement {index} needs exactly one of {name} and Not{name}")
    return yes, no


def _statement(raw: Any, index: int) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(f"statement {index} is not an object")
    effect = str(raw.get("Effect", "")).capitalize()
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"statement {index} has Effect {raw.get('Effect')!r}")
    principal, not_principal = _pair(raw, "Principal", index)
    action, not_action = _pair(raw, "Action", index)
    resource, not_resource = _pair(raw, "Resource", index)
    sid = raw.get("Sid")
    return Statement(
        index=index,
        sid=str(sid) if sid not in (None, "") else None,
        effect=effect,
        principals=None if principal is None else _principals(principal, "Principal"),
        not_principals=None
        if not_principal is None
        else _principals(not_principal, "NotPrincipal"),
        actions=None if action is None else _strings(action, "Action"),
        not_actions=None if not_action is None else _strings(not_action, "NotAction"),
        resources=None if resource is None else _strings(resource, "Resource"),
        not_resources=None if not_resource is None else _strings(not_resource, "NotResource"),
        conditions=_conditions(raw.get("Condition")),
    )


def parse_policy(document: str | dict[str, Any]) -> Policy:
    """Parse a policy (JSON text or object); raises PolicyError when it is malformed.

    Tolerates a single statement object instead of a list, and a string instead of a list for
    Action, Resource, principal ids and condition values.
    """
    if isinstance(document, str):
        try:
            data = json.loads(document)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"not valid JSON: {exc}") from None
    else:
        data = document
    if not isinstance(data, dict):
        raise PolicyError("a policy must be a JSON object")
    raw = data.get("Statement")
    if raw is None:
        raise PolicyError("the policy has no Statement")
    items = raw if isinstance(raw, list) else [raw]
    return Policy(tuple(_statement(item, i) for i, item in enumerate(items)))


# --- wildcard matching (* and ?) -----------------------------------------------------------


def _flags(fold: bool) -> int:
    return re.IGNORECASE | re.DOTALL if fold else re.DOTALL


@lru_cache(maxsize=4096)
def _match_re(pattern: str, fold: bool) -> re.Pattern[str]:
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), _flags(fold))


def glob_match(pattern: str, value: str, *, fold: bool = True) -> bool:
    """`value` (a concrete name) matches `pattern` (* any run, ? one character)."""
    return _match_re(pattern, fold).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _cover_re(pattern: str, fold: bool) -> re.Pattern[str]:
    # A "?" of the general pattern stands for one character, never for a "*" of the specific one.
    parts = [".*" if c == "*" else "[^*]" if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), _flags(fold))


def glob_covers(general: str, specific: str, *, fold: bool = True) -> bool:
    """Every name `specific` matches is matched by `general` (sound; may miss exotic cases)."""
    return _cover_re(general, fold).fullmatch(specific) is not None


def glob_overlaps(a: str, b: str, *, fold: bool = True) -> bool:
    """Some name is matched by both patterns."""
    if fold:
        a, b = a.lower(), b.lower()

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return go(i + 1, j) or (j < len(b) and go(i, j + 1))
        if j < len(b) and b[j] == "*":
            return go(i, j + 1) or (i < len(a) and go(i + 1, j))
        if i == len(a) or j == len(b):
            return False
        return (a[i] == "?" or b[j] == "?" or a[i] == b[j]) and go(i + 1, j + 1)

    return go(0, 0)


# --- statement predicates ------------------------------------------------------------------


def includes_action(stmt: Statement, action: str) -> bool:
    """The statement applies to the concrete action (Action match, or not excluded by NotAction)."""
    if stmt.actions is not None:
        return any(glob_match(p, action) for p in stmt.actions)
    return not any(glob_match(p, action) for p in stmt.not_actions or ())


def touches_actions(stmt: Statement, pattern: str) -> bool:
    """The statement applies to at least one action that `pattern` matches."""
    if stmt.actions is not None:
        return any(glob_overlaps(p, pattern) for p in stmt.actions)
    return not any(glob_covers(p, pattern) for p in stmt.not_actions or ())


def covers_actions(stmt: Statement, pattern: str) -> bool:
    """The statement applies to every action that `pattern` matches."""
    if stmt.actions is not None:
        return any(glob_covers(p, pattern) for p in stmt.actions)
    return not any(glob_overlaps(p, pattern) for p in stmt.not_actions or ())


def covers_resource(stmt: Statement, pattern: str) -> bool:
    """The statement applies to every resource `pattern` matches (ARNs are case-sensitive)."""
    if stmt.resources is not None:
        return any(glob_covers(p, pattern, fold=False) for p in stmt.resources)
    return not any(glob_overlaps(p, pattern, fold=False) for p in stmt.not_resources or ())


# --- conditions ----------------------------------------------------------------------------

RESTRICTING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:userid",
        "aws:username",
        "aws:principalorgpaths",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
_POSITIVE = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_NEGATED = frozenset(
    {
        "stringnotequals",
        "stringnotequalsignorecase",
        "stringnotlike",
        "arnnotequals",
        "arnnotlike",
        "notipaddress",
    }
)


def fixed_value(value: str) -> bool:
    """No wildcard and no policy variable."""
    return not any(ch in value for ch in "*?") and "${" not in value


def _narrow_ip(value: str) -> bool:
    try:
        return ipaddress.ip_network(value.strip(), strict=False).prefixlen > 0
    except ValueError:
        return False


def _fixed_restriction(cond: Condition, ip_operator: str) -> bool:
    key = cond.key.lower()
    if key not in RESTRICTING_KEYS or not cond.values:
        return False
    if not all(fixed_value(v) for v in cond.values):
        return False
    if key == "aws:sourceip":
        return cond.base == ip_operator and all(_narrow_ip(v) for v in cond.values)
    return True


def restricts_allow(cond: Condition) -> bool:
    """On an Allow: the condition pins the grant to fixed values of a restricting key."""
    if cond.if_exists or cond.qualifier == "forallvalues" or cond.base not in _POSITIVE:
        return False
    return _fixed_restriction(cond, "ipaddress")


def restricts_deny(cond: Condition) -> bool:
    """On a Deny: the condition denies everyone outside fixed values of a restricting key."""
    if cond.qualifier == "foranyvalue" or cond.base not in _NEGATED:
        return False
    return _fixed_restriction(cond, "notipaddress")


# --- public access -------------------------------------------------------------------------


def _everyone(principals: Iterable[Principal]) -> bool:
    return any(p.everyone for p in principals)


def public_principal(stmt: Statement) -> bool:
    """Principal is everyone, or NotPrincipal (everyone but the listed) is used."""
    if stmt.not_principals is not None:
        return not _everyone(stmt.not_principals)
    return _everyone(stmt.principals or ())


def is_public_allow(stmt: Statement) -> bool:
    """An Allow to everyone that no fixed-value condition restricts."""
    return (
        stmt.allows
        and public_principal(stmt)
        and not any(restricts_allow(c) for c in stmt.conditions)
    )


def _denies_everyone(stmt: Statement) -> bool:
    """A Deny whose remaining access (after it) is limited to fixed principals or values."""
    if stmt.allows:
        return False
    if stmt.not_principals is not None:
        # everyone except fixed principals is denied
        if not all(p.kind != "*" and fixed_value(p.value) for p in stmt.not_principals):
            return False
    elif not _everyone(stmt.principals or ()):
        return False
    return all(restricts_deny(c) for c in stmt.conditions)


@dataclass(frozen=True)
class PublicGrant:
    """A statement that grants public access to some of the actions asked about."""

    statement: Statement
    actions: tuple[str, ...]
    """The asked-about action patterns the statement grants publicly (not denied)."""


def public_grants(policy: Policy, family: Sequence[str]) -> list[PublicGrant]:
    """Public Allow statements for any action matching `family`, less what a Deny takes back."""
    denies = [s for s in policy.statements if _denies_everyone(s)]
    out: list[PublicGrant] = []
    for stmt in policy.statements:
        if not is_public_allow(stmt):
            continue
        granted = [f for f in family if touches_actions(stmt, f)]
        open_ = [f for f in granted if not _taken_back(stmt, f, denies)]
        if open_:
            out.append(PublicGrant(stmt, tuple(open_)))
    return out


def _taken_back(allow: Statement, family: str, denies: Sequence[Statement]) -> bool:
    """Every (action, resource) the Allow grants within `family` is covered by some Deny."""
    if allow.actions is not None:
        parts = [a for a in allow.actions if glob_overlaps(a, family)]
    else:
        parts = []
    resources = allow.resources if allow.resources is not None else ("*",)
    for resource in resources:
        for action in parts or [family]:
            if not any(
                (covers_actions(d, action) or covers_actions(d, family))
                and covers_resource(d, resource)
                for d in denies
            ):
                return False
    return True


# --- S3-specific questions -----------------------------------------------------------------

READ_ACTIONS = ("s3:Get*", "s3:List*")
WRITE_ACTIONS = (
    "s3:Put*",
    "s3:Delete*",
    "s3:AbortMultipartUpload",
    "s3:RestoreObject",
    "s3:Replicate*",
)
ANY_ACTION = ("*",)


def external_principals(stmt: Statement, owner_account: str) -> list[str]:
    """Principals of an Allow outside the owner's account (services are not accounts).

    Everyone, another account's id or ARN, any NotPrincipal (everyone but the listed), and
    principals that cannot be tied to the owner (CanonicalUser, Federated without an ARN of the
    owner, AWS principals without an account id) count as external (avoids a false PASS).
    """
    if stmt.not_principals is not None:
        return ["NotPrincipal: " + ", ".join(p.describe() for p in stmt.not_principals)]
    out: list[str] = []
    for p in stmt.principals or ():
        if p.kind == "Service":
            continue
        if p.everyone or p.account != owner_account:
            out.append(p.describe())
    return out


@dataclass(frozen=True)
class CrossAccountGrant:
    statement: Statement
    actions: tuple[str, ...]
    principals: tuple[str, ...]


def cross_account_grants(
    policy: Policy, owner_account: str, actions: Sequence[str]
) -> list[CrossAccountGrant]:
    """Allow statements granting any of `actions` to a principal outside the owner's account.

    Conditions are not considered (the Config rule checks only the Principal).
    """
    out: list[CrossAccountGrant] = []
    for stmt in policy.statements:
        if not stmt.allows:
            continue
        hit = tuple(a for a in actions if includes_action(stmt, a))
        if not hit:
            continue
        external = external_principals(stmt, owner_account)
        if external:
            out.append(CrossAccountGrant(stmt, hit, tuple(external)))
    return out


@dataclass(frozen=True)
class TlsVerdict:
    ok: bool
    why: str
    statements: tuple[Statement, ...] = ()


def _secure_transport(stmt: Statement) -> list[Condition]:
    return [c for c in stmt.conditions if c.key.lower() == "aws:securetransport"]


def _tls_shape(stmt: Statement) -> str | None:
    """None when the Deny has the required shape (all principals, s3:*, SecureTransport false)."""
    if stmt.allows:
        return "it is an Allow"
    if stmt.not_principals is not None or not _everyone(stmt.principals or ()):
        return "its Principal is not *"
    if not covers_actions(stmt, "s3:*"):
        return "it does not deny every action (s3:*)"
    conds = stmt.conditions
    if len(conds) != 1:
        return "other conditions narrow it"
    cond = conds[0]
    if cond.base != "bool" or cond.qualifier or cond.key.lower() != "aws:securetransport":
        return f"it uses {cond.operator} instead of Bool"
    if "false" not in [v.lower() for v in cond.values]:
        return "it does not match aws:SecureTransport false"
    return None


def tls_required(policy: Policy, bucket_arn: str) -> TlsVerdict:
    """A Deny of s3:* to everyone when aws:SecureTransport is false, on the bucket and objects."""
    candidates = [s for s in policy.statements if _secure_transport(s)]
    if not candidates:
        return TlsVerdict(False, "no statement uses aws:SecureTransport")
    problems: list[str] = []
    good: list[Statement] = []
    for stmt in candidates:
        issue = _tls_shape(stmt)
        if issue:
            problems.append(f"{stmt.label}: {issue}")
        else:
            good.append(stmt)
    targets = {"the bucket": bucket_arn, "its objects": f"{bucket_arn}/*"}
    missing = [
        what for what, arn in targets.items() if not any(covers_resource(s, arn) for s in good)
    ]
    if good and not missing:
        return TlsVerdict(True, "a Deny of s3:* for aws:SecureTransport false", tuple(good))
    if good:
        problems.append("the qualifying Deny does not cover " + " and ".join(missing))
    return TlsVerdict(False, "; ".join(problems), tuple(good))
