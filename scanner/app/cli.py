"""The `trailwatch` command line. Heavy modules (boto3, reports) are imported only when needed."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reports.history import (
    HISTORY_FILE,
    History,
    HistoryError,
    as_json,
    as_text,
    default_history_path,
)
from reports.manifest import MANIFEST, parse_sha256, sha256_file, verify_manifest
from reports.writers import ensure_writable
from scanner import __version__
from scanner.core.config import load_config
from scanner.core.errors import Interrupted, TrailwatchError, UsageError
from scanner.core.formats import DEFAULT_FORMATS, FORMATS
from scanner.core.model import Severity
from scanner.core.progress import BatchLines, StatusLine, StatusLineHandler, Tick, no_tick
from scanner.core.registry import all_checks, select_checks
from scanner.core.reporter import Reporter
from scanner.core.shard import parse_shard
from scanner.core.suppressions import validate_rules

if TYPE_CHECKING:
    from scanner.core.shard import Shard

log = logging.getLogger("trailwatch")
PREFIX = "trailwatch: "
"""What begins every line the command writes on stderr."""
_Container = argparse._ActionsContainer

EXIT_CODES = """exit codes:
  0  scan complete, no FAILED finding at or above --fail-on
  1  FAILED findings at or above --fail-on (with --fail-on-new: new or regressed ones only;
     suppressed findings never count)
  2  bad usage, bad configuration or no credentials; a report set that could not be written
     or signed (the previous set is kept); --save-inventory not written (reports written);
     a scan history (--history) that cannot be read or written (reports written first)
  3  no such failures, but some data could not be collected (ERROR findings)
  4  some finding meant for Security Hub was not delivered (AssumeRole, DescribeHub, GetFindings
     or BatchImportFindings failed, FailedFindings): listed with the reasons; a region where
     Security Hub is not enabled is skipped and is not a failure
  5  the reports were written but could not be uploaded to S3 (--upload)
  6  the other reports were written but report.pdf could not be printed (--format pdf:
     Chromium missing or failing; the line says what to install)
  7  verify: the evidence does not verify (a file, the manifest's SHA-256 or its signature
     differs; one line per problem)
  70 internal error: one line on stderr names the log file that holds the traceback
     ($TMPDIR/trailwatch-crash-<UTC time>-<random>.log; /tmp unless TMPDIR is set)
  130 interrupted (SIGINT/SIGTERM): stops within seconds; the output directory holds the
      previous or the new set
"""

#: An unexpected exception (a bug): EX_SOFTWARE from sysexits.h.
EXIT_INTERNAL = 70
#: `verify`: the files, the manifest's hash or its signature do not match (never 1, which
#: means FAILED findings and nothing else).
EXIT_NOT_VERIFIED = 7
EXIT_INTERRUPTED = 130


SCAN_EXAMPLES = """examples:
  trailwatch scan                                       # the caller's account, enabled regions
  trailwatch scan --org --regions us-east-1,eu-west-1 --output-dir out/
  trailwatch scan --checks CloudTrail.1,CloudTrail.4    # some checks (only their data is read)
  trailwatch scan --org --framework cis-5.0 --format json,html,pdf
  trailwatch scan --org --baseline reports-2026-10/ --fail-on-new --output-dir reports-2026-11/
  trailwatch scan --from-inventory inventory.json --no-history   # offline re-evaluation
  trailwatch history                                    # the trend of the recorded scans
"""


def _csv(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def _accounts(text: str | None, flag: str) -> tuple[str, ...]:
    ids = _csv(text)
    bad = [a for a in ids if not (a.isdigit() and len(a) == 12)]
    if bad:
        raise UsageError(f"{flag}: not a 12-digit account id: {', '.join(bad)}")
    return ids


def _formats(text: str) -> tuple[str, ...]:
    wanted = _csv(text)
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise UsageError(
            f"unknown format(s): {', '.join(bad) or text!r} (choose from {', '.join(FORMATS)})"
        )
    return wanted


def _single_region(text: str | None) -> str | None:
    from scanner.aws.regions import parse_regions

    regions = parse_regions(text)
    if regions is None:
        return None
    if len(regions) != 1:
        raise UsageError("--home-region takes one region")
    return regions[0]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trailwatch",
        description="Logging and monitoring posture scanner for AWS Organizations.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"trailwatch {__version__}")
    _log_flags(parser, default=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scan = sub.add_parser(
        "scan",
        help="scan accounts and write reports",
        description="Scan the logging and monitoring posture of an account or a whole "
        "Organization and write the reports (read-only: Describe/Get/List calls only).",
        epilog=SCAN_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _scan_arguments(scan)
    scan.set_defaults(func=cmd_scan)
    _merge_parser(sub)
    _history_parser(sub)
    _verify_parser(sub)
    _watch_parser(sub)

    demo = sub.add_parser(
        "demo", help="scan a built-in demo Organization on an embedded moto server"
    )
    demo.add_argument("--output-dir", default="trailwatch-out", type=Path)
    demo.add_argument(
        "--format", default=",".join(DEFAULT_FORMATS), help=f"comma list of {','.join(FORMATS)}"
    )
    demo.set_defaults(func=cmd_demo)

    imp = sub.add_parser(
        "import",
        help="import a findings.asff.json into Security Hub (stable Ids, archiving)",
        description="Import FILE only if the manifest.json beside it lists it with the same "
        "SHA-256 (--no-verify skips that check), and it is at most 512 MiB.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", type=Path, help="a findings.asff.json written by `scan`")
    imp.add_argument(
        "--no-verify",
        action="store_true",
        help="import FILE even if manifest.json beside it is missing or does not match it",
    )
    _record_argument(imp)
    imp.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send nothing"
    )
    imp.add_argument("--passed", action="store_true", help="also import PASSED findings")
    imp.add_argument("--home-region", help="region for account-level findings (default us-east-1)")
    imp.add_argument("--endpoint-url", help="AWS endpoint override (default: $AWS_ENDPOINT_URL)")
    imp.add_argument("--profile", help="AWS named profile")
    imp.add_argument("--role-name", default="OrganizationAccountAccessRole")
    imp.add_argument("--external-id")
    imp.add_argument("--role-session-name", default="trailwatch")
    imp.set_defaults(func=cmd_import)

    perms = sub.add_parser("permissions", help="print the IAM policy a scan needs")
    perms.add_argument("--checks", help="only what these checks need")
    perms.add_argument(
        "--sign-key",
        metavar="KEY",
        help="also the optional statement for `scan --sign-key KEY` (kms:GetPublicKey, kms:Sign)",
    )
    perms.set_defaults(func=cmd_permissions)

    checks = sub.add_parser("checks", help="list the checks")
    checks.add_argument("--json", action="store_true", help="machine-readable output")
    checks.set_defaults(func=cmd_checks)
    for command in sub.choices.values():  # -q/-v also after the command
        _log_flags(command, default=argparse.SUPPRESS)
    return parser


def _log_flags(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="debug logging on stderr"
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="no progress on stderr"
    )


def _endpoint(args: argparse.Namespace) -> str | None:
    """--endpoint-url (else $AWS_ENDPOINT_URL), checked: an http(s) URL with a host."""

    flag, text = "--endpoint-url", str(args.endpoint_url or "")
    if not text:
        flag, text = "AWS_ENDPOINT_URL", os.environ.get("AWS_ENDPOINT_URL", "")
    if not text:
        return None
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (
        parts is None
        or not port_ok
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in text)
    ):
        raise UsageError(f"{flag}: not an http(s) URL with a host: {text!r}")
    return text


def _scan_arguments(p: argparse.ArgumentParser) -> None:
    # Defaults are None so that trailwatch.yaml can supply them; see _merged().
    scope = p.add_argument_group("scope: which accounts and regions")
    scope.add_argument(
        "--org", action="store_true", default=None, help="scan every ACTIVE Organization account"
    )
    scope.add_argument("--accounts", metavar="IDS", help="comma list of account ids to scan")
    scope.add_argument(
        "--exclude-accounts", metavar="IDS", help="comma list of account ids to skip"
    )
    scope.add_argument(
        "--regions", metavar="LIST", help="comma list of regions (default: every enabled region)"
    )
    scope.add_argument(
        "--home-region", metavar="REGION", help="region for account-level calls and findings"
    )
    _shard_arguments(scope)
    checks = p.add_argument_group("checks: what is evaluated")
    checks.add_argument(
        "--checks", metavar="IDS", help="comma list of check ids or Security Hub control ids"
    )
    _framework_argument(checks)
    checks.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="config file (default: ./trailwatch.yaml if present)",
    )
    access = p.add_argument_group("access: credentials and member-account roles")
    access.add_argument("--profile", help="AWS named profile")
    access.add_argument("--endpoint-url", help="AWS endpoint override (default: $AWS_ENDPOINT_URL)")
    access.add_argument("--role-name", help="role to assume in member accounts")
    access.add_argument("--external-id", help="external id for AssumeRole")
    access.add_argument("--role-session-name", help="session name for AssumeRole")
    output = p.add_argument_group("output: reports, exit code, changes and history")
    output.add_argument(
        "--output-dir", type=Path, metavar="DIR", help="where reports go (default trailwatch-out)"
    )
    output.add_argument(
        "--format",
        metavar="LIST",
        help=f"comma list of {','.join(FORMATS)} (default: json,asff,html)",
    )
    output.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="lowest severity of a FAILED finding that makes the exit code 1 (default: low)",
    )
    _baseline_arguments(output)
    _log_archive_argument(output)
    _history_arguments(output)
    _upload_arguments(output)
    _sign_argument(output)
    inventory = p.add_argument_group("inventory: collect once, evaluate again offline")
    inventory.add_argument(
        "--save-inventory",
        type=Path,
        metavar="FILE",
        help="also write the collected inventory here",
    )
    inventory.add_argument(
        "--from-inventory",
        type=Path,
        metavar="FILE",
        help="evaluate a saved inventory instead of calling AWS",
    )
    hub = p.add_argument_group("Security Hub")
    hub.add_argument(
        "--securityhub",
        action="store_true",
        help="import the findings into Security Hub (each account's into its own account)",
    )
    hub.add_argument(
        "--securityhub-passed",
        action="store_true",
        help="also import PASSED findings (default: only failures, errors and warnings)",
    )
    hub.add_argument(
        "--securityhub-home-region", help="region for account-level findings (default: home)"
    )
    _record_argument(hub)
    perf = p.add_argument_group("performance")
    perf.add_argument(
        "--max-workers",
        type=int,
        metavar="N",
        help="concurrent API calls in total (default 128; at most 8 per account)",
    )
    perf.add_argument(
        "--processes",
        type=int,
        metavar="N",
        default=0,
        help="worker processes collecting accounts (default: one per CPU, at most one per 25 "
        "accounts; "
        "1: collect in this process only)",
    )
    perf.add_argument(
        "--resume",
        action="store_true",
        help="after a scan was killed: take the accounts it collected from its checkpoints "
        "(kept beside the output directory) and collect only the others",
    )


def cmd_checks(args: argparse.Namespace) -> int:

    checks = all_checks()
    if args.json:
        rows = [
            {
                "id": c.id,
                "control_id": c.control_id,
                "severity": c.severity.value,
                "resource_type": c.resource_type,
                "title": c.title,
            }
            for c in checks
        ]
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'CHECK ID':<40} {'CONTROL':<17} {'SEVERITY':<9} TITLE")
    for c in checks:
        print(f"{c.id:<40} {c.control_id or '-':<17} {c.severity.value:<9} {c.title}")
    return 0


def cmd_permissions(args: argparse.Namespace) -> int:

    from scanner.aws.permissions import scan_policy

    policy = scan_policy(select_checks(all_checks(), _csv(args.checks)))
    if args.sign_key:
        from scanner.publish.signing import SIGN_ACTIONS

        resource = args.sign_key if args.sign_key.startswith("arn:") else "*"
        policy["Statement"].append(
            {
                "Sid": "TrailwatchOptionalSignManifest",
                "Effect": "Allow",
                "Action": list(SIGN_ACTIONS),
                "Resource": resource,
            }
        )
    print(json.dumps(policy, indent=2))
    return 0


def _merged(args: argparse.Namespace) -> dict[str, Any]:
    """Command line over trailwatch.yaml over built-in defaults."""

    config, _path = load_config(args.config)
    file = config.model_dump()

    def pick(name: str, default: Any) -> Any:
        value = getattr(args, name)
        if value is not None:
            return value
        return file.get(name) if file.get(name) is not None else default

    def listed(name: str) -> str | None:
        value = getattr(args, name)
        if value is not None:
            return str(value)
        from_file = file.get(name)
        return ",".join(from_file) if from_file else None

    return {
        "regions": listed("regions"),
        "checks": listed("checks"),
        "accounts": listed("accounts"),
        "exclude_accounts": listed("exclude_accounts"),
        "format": args.format
        if args.format is not None
        else ",".join(file["formats"] or DEFAULT_FORMATS),
        "output_dir": Path(pick("output_dir", "trailwatch-out")),
        "fail_on": pick("fail_on", "low"),
        "org": bool(pick("org", False)),
        "role_name": pick("role_name", "OrganizationAccountAccessRole"),
        "external_id": pick("external_id", None),
        "role_session_name": pick("role_session_name", "trailwatch"),
        "home_region": pick("home_region", None),
        "max_workers": pick("max_workers", 128),
        "frameworks": tuple(config.frameworks or ()),
        "suppressions": tuple(config.suppressions or ()),
        "log_archive_account": config.log_archive_account,
    }


def cmd_scan(args: argparse.Namespace) -> int:
    from scanner.app.scan import ScanRequest, run_scan
    from scanner.aws.collection import ScanOptions
    from scanner.aws.regions import parse_regions

    opts = _merged(args)
    try:
        fail_on = Severity.parse(opts["fail_on"])
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    if opts["max_workers"] < 1:
        raise UsageError("--max-workers must be at least 1")
    if args.from_inventory and not args.from_inventory.is_file():
        raise UsageError(f"--from-inventory: no such file: {args.from_inventory}")
    if args.processes < 0:
        raise UsageError("--processes must be 0 (automatic) or more")
    shard = _shard(args, opts["org"])
    options = ScanOptions(
        regions=parse_regions(opts["regions"]),
        org=opts["org"],
        accounts=_accounts(opts["accounts"], "--accounts"),
        exclude_accounts=_accounts(opts["exclude_accounts"], "--exclude-accounts"),
        role_name=opts["role_name"],
        external_id=opts["external_id"],
        role_session_name=opts["role_session_name"],
        profile=args.profile,
        endpoint_url=_endpoint(args),
        home_region=_single_region(opts["home_region"]),
        max_workers=opts["max_workers"],
        shard=shard,
        processes=args.processes,
    )
    request = ScanRequest(
        options=options,
        resume=args.resume,
        checks=_csv(opts["checks"]),
        output_dir=opts["output_dir"],
        formats=_formats(opts["format"]),
        fail_on=fail_on,
        save_inventory=args.save_inventory,
        from_inventory=args.from_inventory,
        securityhub=args.securityhub,
        securityhub_passed=args.securityhub_passed,
        securityhub_home_region=_single_region(args.securityhub_home_region),
        securityhub_record=_record_path(args, args.securityhub),
        sign_key=args.sign_key,
        **_history_request(args, opts["output_dir"]),
        **_upload_request(args),
        **_report_request(args, opts),
    )
    return run_scan(request, _reporter()).exit_code


def _framework_argument(p: _Container) -> None:
    p.add_argument(
        "--framework",
        action="append",
        metavar="KEY",
        help="scan only the checks this framework maps and report only its section "
        "(repeatable; e.g. cis-5.0, fsbp, pci-4.0.1, nist-800-53-r5)",
    )


def _baseline_arguments(p: _Container) -> None:
    p.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD_DIR",
        help="mark findings new / regressed / resolved / still failing against "
        "OLD_DIR/findings.json",
    )
    p.add_argument(
        "--fail-on-new",
        action="store_true",
        help="with --baseline: exit 1 only for new failures (new or regressed)",
    )


def _log_archive_argument(p: _Container) -> None:
    p.add_argument(
        "--log-archive-account",
        metavar="ID",
        help="the account that should hold the logs, for the log-source inventory (default: "
        "trailwatch.yaml `log_archive_account`, else the owner of the organization trails' "
        "bucket when the scan can tell)",
    )


def _history_arguments(p: _Container) -> None:
    p.add_argument(
        "--history",
        metavar="PATH",
        help="append this scan's summary to this SQLite history, a file or s3://bucket/key "
        "(default: trailwatch-history.sqlite beside the output dir); the report shows the trend",
    )
    p.add_argument("--no-history", action="store_true", help="do not read or write a scan history")


def _history_request(args: argparse.Namespace, output_dir: Path) -> dict[str, Any]:
    """`history` (a local file) or `history_s3` (s3://bucket/key) for the ScanRequest."""
    if args.no_history:
        if args.history is not None:
            raise UsageError("--history and --no-history exclude each other")
        return {}
    if args.history is not None:
        if args.history.startswith("s3://"):
            from scanner.publish.remote_history import parse_history_url

            return {"history_s3": parse_history_url(args.history)}
        return {"history": Path(args.history)}

    return {"history": default_history_path(output_dir)}


def _report_request(args: argparse.Namespace, opts: dict[str, Any]) -> dict[str, Any]:
    """--framework (else trailwatch.yaml `frameworks`), suppressions, --baseline, --fail-on-new."""
    keys = tuple(k for text in args.framework or () for k in _csv(text))
    if args.framework is not None and not keys:
        raise UsageError("--framework needs a framework key (e.g. cis-5.0)")
    if args.fail_on_new and args.baseline is None:
        raise UsageError("--fail-on-new needs --baseline OLD_DIR (the scan to compare with)")
    archive = _accounts(
        args.log_archive_account or opts.get("log_archive_account"), "--log-archive-account"
    )
    if len(archive) > 1:
        raise UsageError("--log-archive-account: one account id")
    return {
        "log_archive_account": archive[0] if archive else None,
        "frameworks": keys or opts["frameworks"],
        "suppressions": opts["suppressions"],
        "baseline": args.baseline,
        "fail_on_new": args.fail_on_new,
    }


def _verify_parser(sub: Any) -> None:
    verify = sub.add_parser(
        "verify",
        help="re-check the SHA-256 of every file listed in DIR/manifest.json",
        description="Exit 0 when every file listed in DIR/manifest.json is present with its "
        "size and SHA-256 (no symbolic link, nothing outside DIR), and the manifest's own "
        "SHA-256 is the one expected; 1 with one line per problem otherwise; 2 for bad usage.",
    )
    verify.add_argument("dir", type=Path, metavar="DIR", help="a scan's output directory")
    verify.add_argument(
        "--expect",
        metavar="SHA256",
        help="the manifest's SHA-256 as kept out of band (printed by `scan`)",
    )
    verify.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="check manifest.sig offline with this exported public key (PEM or DER)",
    )
    verify.add_argument(
        "--kms",
        metavar="KEY",
        help="check manifest.sig with kms:Verify and this key (the one you expect, id or ARN)",
    )
    verify.add_argument("--endpoint-url", help="with --kms: AWS endpoint override")
    verify.add_argument("--profile", help="with --kms: AWS named profile")
    verify.set_defaults(func=cmd_verify)


def _sign_argument(p: _Container) -> None:
    p.add_argument(
        "--sign-key",
        metavar="KEY",
        help="sign the manifest's SHA-256 with this KMS asymmetric key (writes manifest.sig; "
        "needs kms:GetPublicKey and kms:Sign)",
    )


def cmd_verify(args: argparse.Namespace) -> int:

    expect = parse_sha256(args.expect) if args.expect is not None else None
    if args.public_key is not None and not args.public_key.is_file():
        raise UsageError(f"--public-key: no such file: {args.public_key}")
    problems, notes = verify_manifest(args.dir, expect=expect)
    if args.public_key is not None:
        from scanner.publish.signing import verify_offline

        problems += verify_offline(args.dir, args.public_key)
    if args.kms:
        from scanner.publish.signing import verify_with_kms

        problems += verify_with_kms(
            args.dir,
            args.kms,
            profile=args.profile,
            endpoint_url=args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None,
        )
    for line in problems:
        print(line)
    for line in notes:
        log.info("note: %s", line)
    if problems:
        log.error("verify: %d problem(s) in %s", len(problems), args.dir)
        return EXIT_NOT_VERIFIED
    digest = sha256_file(args.dir / MANIFEST)
    signed = "; manifest.sig verifies" if args.public_key is not None or args.kms else ""
    print(
        f"ok: every file listed in {args.dir / MANIFEST} matches (manifest sha256 {digest}{signed})"
    )
    return 0


def _shard_arguments(p: _Container) -> None:
    p.add_argument(
        "--shard",
        metavar="K/N",
        help="scan only shard K of N of the Organization's ACTIVE accounts (with --org; "
        "combine the N outputs with `trailwatch merge`)",
    )


def _shard(args: argparse.Namespace, org: bool) -> Shard | None:
    if args.shard is None:
        return None

    shard = parse_shard(args.shard)
    if not org:
        raise UsageError("--shard partitions an Organization: it needs --org")
    if args.from_inventory:
        raise UsageError("--shard selects accounts to collect: not with --from-inventory")
    return shard


def _upload_arguments(p: _Container) -> None:
    p.add_argument(
        "--upload",
        metavar="S3URL",
        help="after writing, upload every output file to s3://bucket/prefix/<date>/<scan-id>/",
    )
    p.add_argument(
        "--kms-key-id", metavar="KEY", help="with --upload: SSE-KMS with this KMS key (id or ARN)"
    )


def _upload_request(args: argparse.Namespace) -> dict[str, Any]:
    if not args.upload:
        if args.kms_key_id:
            raise UsageError("--kms-key-id applies to --upload")
        return {}
    from scanner.publish.s3 import parse_s3_url

    return {"upload": parse_s3_url(args.upload), "kms_key_id": args.kms_key_id or None}


def _merge_parser(sub: Any) -> None:
    merge = sub.add_parser(
        "merge",
        help="merge the outputs of `scan --shard K/N` into one set of reports",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument(
        "dirs",
        nargs="+",
        metavar="DIR",
        help="a shard's output folder, or s3://bucket/prefix/ (every shard output below it)",
    )
    merge.add_argument("--output-dir", default=Path("trailwatch-out"), type=Path)
    merge.add_argument(
        "--config", type=Path, help="suppressions from this file (default: ./trailwatch.yaml)"
    )
    merge.add_argument(
        "--format", default=",".join(DEFAULT_FORMATS), help=f"comma list of {','.join(FORMATS)}"
    )
    merge.add_argument("--fail-on", default="low", help="as for scan (default: low)")
    merge.add_argument("--endpoint-url", help="AWS endpoint override (default: $AWS_ENDPOINT_URL)")
    merge.add_argument("--profile", help="AWS named profile")
    merge.add_argument("--securityhub", action="store_true", help="import the merged findings")
    merge.add_argument("--securityhub-passed", action="store_true")
    merge.add_argument("--securityhub-home-region")
    _record_argument(merge)
    merge.add_argument("--role-name", default="OrganizationAccountAccessRole")
    merge.add_argument("--external-id")
    merge.add_argument("--role-session-name", default="trailwatch")
    _framework_argument(merge)
    _baseline_arguments(merge)
    _log_archive_argument(merge)
    _history_arguments(merge)
    _upload_arguments(merge)
    _sign_argument(merge)
    merge.set_defaults(func=cmd_merge)


def cmd_merge(args: argparse.Namespace) -> int:
    from scanner.app.merge import MergeRequest, run_merge
    from scanner.app.scan import ScanRequest
    from scanner.aws.collection import ScanOptions

    try:
        fail_on = Severity.parse(args.fail_on)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    formats = _formats(args.format)
    upload = _upload_request(args)
    endpoint = _endpoint(args)

    config, _path = load_config(args.config)
    ensure_writable(args.output_dir)
    history = _history_request(args, args.output_dir)
    options = ScanOptions(
        org=True,
        role_name=args.role_name,
        external_id=args.external_id or None,
        role_session_name=args.role_session_name,
        profile=args.profile,
        endpoint_url=endpoint,
    )
    request = ScanRequest(
        options=options,
        output_dir=args.output_dir,
        formats=formats,
        fail_on=fail_on,
        securityhub=args.securityhub,
        securityhub_passed=args.securityhub_passed,
        securityhub_home_region=_single_region(args.securityhub_home_region),
        securityhub_record=_record_path(args, args.securityhub),
        sign_key=args.sign_key,
        **history,
        **upload,
        **_report_request(
            args,
            {
                "frameworks": (),
                "suppressions": tuple(config.suppressions or ()),
                "log_archive_account": config.log_archive_account,
            },
        ),
    )
    return run_merge(MergeRequest(tuple(args.dirs), request), _reporter()).exit_code


def _history_parser(sub: Any) -> None:
    hist = sub.add_parser(
        "history",
        help="print the trend of the scans recorded in a history file",
        description="Print one line (or JSON object) per recorded scan, oldest first: counts "
        "by status, new / resolved / regressed against its baseline, and each framework's "
        "score. Exit 0; 2 when the file is missing or not a trailwatch history.",
    )
    hist.add_argument(
        "--history",
        type=Path,
        metavar="PATH",
        help="the history file (default: ./trailwatch-history.sqlite, where scans with the "
        "default --output-dir record)",
    )
    hist.add_argument("--limit", type=int, default=20, help="the last N scans (default 20)")
    hist.add_argument("--format", choices=("text", "json"), default="text")
    hist.set_defaults(func=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    path = args.history or Path(HISTORY_FILE)
    if not path.is_file():
        raise HistoryError(
            f"history: no such file: {path} (scans record beside their --output-dir; "
            "choose the file with --history PATH)"
        )
    entries = History(path).entries(limit=args.limit)
    print(as_json(entries) if args.format == "json" else as_text(entries))
    return 0


def _record_argument(p: _Container) -> None:
    p.add_argument(
        "--undelivered-json",
        type=Path,
        metavar="FILE",
        help="with a Security Hub import: write its record here as JSON (every finding not "
        "delivered, with account, region, reason and the failed call)",
    )


def _record_path(args: argparse.Namespace, importing: bool) -> Path | None:
    path: Path | None = args.undelivered_json
    if path is None:
        return None
    if not importing:
        raise UsageError("--undelivered-json applies to a Security Hub import (--securityhub)")
    if not path.parent.is_dir():
        raise UsageError(f"--undelivered-json: no such directory: {path.parent}")
    if path.is_dir():
        raise UsageError(f"--undelivered-json: {path} is a directory")
    return path


def cmd_import(args: argparse.Namespace) -> int:
    from scanner.app.import_asff import ImportRequest, run_import
    from scanner.aws.collection import ScanOptions

    access = ScanOptions(
        profile=args.profile,
        endpoint_url=_endpoint(args),
        role_name=args.role_name,
        external_id=args.external_id,
        role_session_name=args.role_session_name,
    )
    request = ImportRequest(
        args.file,
        access=access,
        home_region=_single_region(args.home_region) or "us-east-1",
        include_passed=args.passed,
        dry_run=args.dry_run,
        verify=not args.no_verify,
        record=_record_path(args, True),
    )
    return run_import(request, _reporter())


def _watch_parser(sub: Any) -> None:
    watch = sub.add_parser(
        "watch",
        help="replay CloudTrail API-call events: re-evaluate what each changed (real time)",
        description="Each event (one JSON object per line: an EventBridge 'AWS API Call via "
        "CloudTrail' event or a CloudTrail record) re-collects the data of the checks it "
        "affects, in its account, and re-evaluates them. Exit code: 2 if a line was malformed, "
        "3 if data could not be collected, 4 if the import left findings undelivered.",
    )
    watch.add_argument("--events", type=Path, required=True, help="a JSONL file of events")
    watch.add_argument(
        "--inventory", type=Path, help="saved inventory: the rest of the Organization (context)"
    )
    watch.add_argument("--securityhub", action="store_true", help="import the findings")
    watch.add_argument("--passed", action="store_true", help="also import PASSED findings")
    watch.add_argument(
        "--dry-run", action="store_true", help="with --securityhub: print the import plan only"
    )
    watch.add_argument("--regions", help="comma list of regions in scope (default: enabled)")
    watch.add_argument("--checks", help="comma list of check ids or Security Hub control ids")
    watch.add_argument(
        "--config", type=Path, help="trailwatch.yaml whose suppressions apply (default: ./)"
    )
    watch.add_argument("--home-region", help="region for account-level calls and findings")
    watch.add_argument("--endpoint-url", help="AWS endpoint override (default: $AWS_ENDPOINT_URL)")
    watch.add_argument("--profile", help="AWS named profile")
    watch.add_argument("--role-name", default="OrganizationAccountAccessRole")
    watch.add_argument("--external-id")
    watch.add_argument("--role-session-name", default="trailwatch")
    watch.set_defaults(func=cmd_watch)


def cmd_watch(args: argparse.Namespace) -> int:
    from scanner.aws.collection import ScanOptions
    from scanner.aws.regions import parse_regions
    from scanner.realtime.watch import WatchOptions, run_watch

    scan = ScanOptions(
        regions=parse_regions(args.regions),
        role_name=args.role_name,
        external_id=args.external_id,
        role_session_name=args.role_session_name,
        profile=args.profile,
        endpoint_url=_endpoint(args),
        home_region=_single_region(args.home_region),
    )

    config, _path = load_config(args.config)
    known = [ref for c in all_checks() for ref in (c.id, c.control_id) if ref]
    validate_rules(config.suppressions or (), known)
    options = WatchOptions(
        scan=scan,
        checks=_csv(args.checks),
        securityhub=args.securityhub,
        securityhub_passed=args.passed,
        dry_run=args.dry_run,
        suppressions=tuple(config.suppressions or ()),
    )
    return run_watch(args.events, options, inventory=args.inventory, reporter=_reporter())


def cmd_demo(args: argparse.Namespace) -> int:
    from scanner.app.demo import run_demo

    return run_demo(args.output_dir, _formats(args.format), _reporter())


class _Stderr:
    """How collection progress reaches stderr in this run (set by _configure_logging)."""

    tick: Tick = no_tick
    status: StatusLine | None = None
    """The terminal's status line (None: stderr is not a terminal, or -q)."""

    @classmethod
    def end_line(cls) -> None:
        """Before a last line printed outside logging: the status line, if any, is ended (and
        stays so: ticks from calls abandoned in flight are not drawn)."""
        if cls.status is not None:
            cls.status.close()

    @classmethod
    def result(cls, line: str) -> None:
        if cls.status is None:
            print(line)
            return
        with cls.status.aside():
            print(line, flush=True)


def _reporter() -> Reporter:
    """Progress through logging (stderr, hidden by -q) and, while collecting, a status line (a
    terminal) or a line per batch of accounts (not a terminal); results on stdout."""
    return Reporter(progress=log.info, result=_Stderr.result, tick=_Stderr.tick)


def _is_terminal(stream: Any) -> bool:
    """A terminal that understands carriage return and erase-in-line (not TERM=dumb)."""
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def _columns(stream: Any) -> Callable[[], int]:
    def columns() -> int:
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return 0

    return columns


def _writer(stream: Any) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    stream = sys.stderr
    _Stderr.status = None
    _Stderr.tick = no_tick
    handler: logging.Handler
    if not quiet and _is_terminal(stream):
        _Stderr.status = StatusLine(_writer(stream), columns=_columns(stream), prefix=PREFIX)
        _Stderr.tick = _Stderr.status
        handler = StatusLineHandler(stream, _Stderr.status)
    else:
        if not quiet:
            _Stderr.tick = BatchLines(log.info)
        handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(f"{PREFIX}%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("trailwatch").setLevel(level)
    logging.getLogger("scanner").setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


_stopping = threading.Event()


def _terminate(signum: int, frame: object) -> None:
    """SIGINT/SIGTERM: stop once (KeyboardInterrupt); a second signal while stopping is ignored."""
    if _stopping.is_set():
        return
    _stopping.set()
    raise KeyboardInterrupt


def _abandon_calls_in_flight() -> None:
    """Calls in flight stay on daemon threads (core.workers) that exit never waits for; but the
    interpreter's final garbage collection would still walk and finalise their clients and
    connections (seconds, measured by bench/stop_bench.py): keep them out of it."""
    if threading.active_count() > 1:
        gc.freeze()


def _crash_log(exc: BaseException) -> Path | None:
    """Write the traceback to $TMPDIR/trailwatch-crash-<UTC time>-<random>.log; None if it can't."""

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        fd, name = tempfile.mkstemp(prefix=f"trailwatch-crash-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"trailwatch {__version__}, Python {sys.version.split()[0]}\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return Path(name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    # SIGTERM (CodeBuild timeouts, kill) stops a scan like Ctrl-C: queued work is cancelled, calls
    # in flight are abandoned (scanner.core.workers), and the report set is switched in whole, so an
    # interrupted scan leaves the previous set (or none), never a mixed one.
    _stopping.clear()
    previous = {s: signal.signal(s, _terminate) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code: int = args.func(args)
        return code
    except TrailwatchError as exc:
        _Stderr.end_line()
        print(f"trailwatch: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        # Interrupted says what the output directory holds; a bare Ctrl-C came before any output.
        detail = str(exc) if isinstance(exc, Interrupted) else "no report written"
        _Stderr.end_line()
        print(f"trailwatch: interrupted: {detail}", file=sys.stderr)
        _abandon_calls_in_flight()
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: one line, the traceback in a file, a code of its own
        log_file = _crash_log(exc)
        where = f"traceback in {log_file}" if log_file else "could not write a crash log"
        _Stderr.end_line()
        print(
            f"trailwatch: internal error ({type(exc).__name__}); {where}; please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        _Stderr.end_line()  # the shell's prompt never lands on a status line
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
