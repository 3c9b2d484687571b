"""The `trailwatch` command line. Heavy modules (boto3, reports) are imported only when needed."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scanner import __version__
from scanner.errors import TrailwatchError, UsageError

log = logging.getLogger("trailwatch")

FORMATS = ("json", "asff", "html")
EXIT_CODES = """exit codes:
  0  scan complete, no FAILED finding at or above --fail-on
  1  FAILED findings at or above --fail-on
  2  bad usage, bad configuration or no credentials
  3  no such failures, but some data could not be collected (ERROR findings)
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
    from scanner.regions import parse_regions

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
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scan = sub.add_parser(
        "scan",
        help="scan accounts and write reports",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _scan_arguments(scan)
    scan.set_defaults(func=cmd_scan)

    demo = sub.add_parser(
        "demo", help="scan a built-in demo Organization on an embedded moto server"
    )
    demo.add_argument("--output-dir", default="trailwatch-out", type=Path)
    demo.add_argument("--format", default=",".join(FORMATS), help="comma list of json,asff,html")
    demo.set_defaults(func=cmd_demo)

    perms = sub.add_parser("permissions", help="print the IAM policy a scan needs")
    perms.add_argument("--checks", help="only what these checks need")
    perms.set_defaults(func=cmd_permissions)

    checks = sub.add_parser("checks", help="list the checks")
    checks.add_argument("--json", action="store_true", help="machine-readable output")
    checks.set_defaults(func=cmd_checks)
    return parser


def _scan_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--regions", help="comma list of regions (default: every enabled region)")
    p.add_argument("--checks", help="comma list of check ids or Security Hub control ids")
    p.add_argument("--output-dir", default="trailwatch-out", type=Path)
    p.add_argument("--format", default=",".join(FORMATS), help="comma list of json,asff,html")
    p.add_argument("--endpoint-url", help="AWS endpoint override (default: $AWS_ENDPOINT_URL)")
    p.add_argument("--profile", help="AWS named profile")
    p.add_argument(
        "--fail-on",
        default="low",
        help="lowest severity of a FAILED finding that makes the exit code 1 (default: low)",
    )
    p.add_argument(
        "--org", action="store_true", help="scan every ACTIVE account of the Organization"
    )
    p.add_argument("--accounts", help="comma list of account ids to scan")
    p.add_argument("--exclude-accounts", help="comma list of account ids to skip")
    p.add_argument("--role-name", default="OrganizationAccountAccessRole")
    p.add_argument("--external-id")
    p.add_argument("--role-session-name", default="trailwatch")
    p.add_argument("--home-region", help="region for account-level calls and findings")
    p.add_argument("--max-workers", type=int, default=16, help="concurrent API calls (default 16)")
    p.add_argument("--save-inventory", type=Path, help="also write the collected inventory here")
    p.add_argument(
        "--from-inventory", type=Path, help="evaluate a saved inventory instead of calling AWS"
    )


def cmd_checks(args: argparse.Namespace) -> int:
    from scanner.registry import all_checks

    checks = all_checks()
    if args.json:
        import json

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
    print(f"{'CHECK ID':<40} {'CONTROL':<14} {'SEVERITY':<9} TITLE")
    for c in checks:
        print(f"{c.id:<40} {c.control_id or '-':<14} {c.severity.value:<9} {c.title}")
    return 0


def cmd_permissions(args: argparse.Namespace) -> int:
    import json

    from scanner.permissions import scan_policy
    from scanner.registry import all_checks, select_checks

    print(json.dumps(scan_policy(select_checks(all_checks(), _csv(args.checks))), indent=2))
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from scanner.model import Severity
    from scanner.pipeline import ScanRequest, run_scan
    from scanner.regions import parse_regions
    from scanner.scan import ScanOptions

    try:
        fail_on = Severity.parse(args.fail_on)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    if args.max_workers < 1:
        raise UsageError("--max-workers must be at least 1")
    if args.from_inventory and not args.from_inventory.is_file():
        raise UsageError(f"--from-inventory: no such file: {args.from_inventory}")
    options = ScanOptions(
        regions=parse_regions(args.regions),
        org=args.org,
        accounts=_accounts(args.accounts, "--accounts"),
        exclude_accounts=_accounts(args.exclude_accounts, "--exclude-accounts"),
        role_name=args.role_name,
        external_id=args.external_id,
        role_session_name=args.role_session_name,
        profile=args.profile,
        endpoint_url=args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None,
        home_region=_single_region(args.home_region),
        max_workers=args.max_workers,
    )
    request = ScanRequest(
        options=options,
        checks=_csv(args.checks),
        output_dir=args.output_dir,
        formats=_formats(args.format),
        fail_on=fail_on,
        save_inventory=args.save_inventory,
        from_inventory=args.from_inventory,
    )
    return run_scan(request, progress=log.info).exit_code


def cmd_demo(args: argparse.Namespace) -> int:
    from scanner.demo.run import run_demo

    return run_demo(args.output_dir, _formats(args.format), progress=log.info)


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("trailwatch: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("trailwatch").setLevel(level)
    logging.getLogger("scanner").setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        code: int = args.func(args)
        return code
    except TrailwatchError as exc:
        print(f"trailwatch: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("trailwatch: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
