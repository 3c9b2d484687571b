"""`trailwatch demo`: start moto, seed the demo Organization, run the very same scan, report."""

from __future__ import annotations

import contextlib
import importlib
import io
import pkgutil
import random
import shutil
import time
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse

import scanner.demo as pkg
from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.suppressions import SuppressionRule
from scanner.demo.changes import CHANGES
from scanner.demo.server import fake_aws_env, moto_server
from scanner.demo.world import REGIONS, DemoOrg, build_org


def seeders() -> list[Any]:
    """Every scanner.demo.seed_* module, in ORDER."""

    mods = [
        importlib.import_module(f"scanner.demo.{m.name}")
        for m in pkgutil.iter_modules(pkg.__path__)
        if m.name.startswith("seed_")
    ]
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def seed_demo(endpoint_url: str) -> DemoOrg:
    org = build_org(endpoint_url)
    for mod in seeders():
        mod.seed(org)
    return org


def deny_assume_role(account_id: str) -> Callable[[Any, str, str, str], None]:
    """A client hook: AssumeRole into `account_id` is refused, as when a member's role trust was
    removed (moto does not evaluate trust policies, so the demo simulates the refusal)."""

    def hook(client: Any, service: str, region: str, caller: str) -> None:
        if service != "sts":
            return

        def before_call(model: Any, params: Any, **_: Any) -> Any:
            body = str(params.get("body"))
            if model.name != "AssumeRole" or not (
                f":{account_id}:" in body or f"%3A{account_id}%3A" in body
            ):
                return None

            error = {
                "Code": "AccessDenied",
                "Message": f"User is not authorized to perform: sts:AssumeRole on {account_id}",
            }
            return AWSResponse("http://127.0.0.1/", 403, {}, None), {"Error": error}

        client.meta.events.register("before-call.sts.AssumeRole", before_call)

    return hook


def demo_suppressions(org: DemoOrg) -> tuple[SuppressionRule, ...]:
    """An accepted risk, as a compliance officer would record it in trailwatch.yaml."""
    return (
        SuppressionRule(
            check="S3.9",
            accounts=(org.sandbox.account_id,),
            reason="Sandbox buckets hold no production data; access logging is not required "
            "(risk acceptance RA-2026-014).",
            owner="cloud-security@example.com",
            expires=date.today() + timedelta(days=180),
        ),
    )


#: moto's random generator is seeded with this before the Organization is created, so the demo's
#: account ids, organization id and resource names are the same in every run.
DEMO_SEED = 20261101
#: The demo scans three times (two earlier scans, then the report's scan), with posture changes
#: in between; the earlier outputs and the demo's own history go beside the output directory
#: (which holds one scan's report set and nothing else): `<out>-earlier-scans/1`, `.../2` and
#: `<out>-demo-history.sqlite`.
EARLIER = "-earlier-scans"
HISTORY = "-demo-history.sqlite"


def demo_paths(output_dir: Path) -> tuple[Path, Path]:
    """(the earlier scans' folder, the demo's history file) for an output directory."""
    out = Path(output_dir).resolve()
    return out.parent / f"{out.name}{EARLIER}", out.parent / f"{out.name}{HISTORY}"


def reset_moto(endpoint: str) -> None:
    """Wipe moto's state (its backends are per process: a fresh Organization every run)."""

    url = f"{endpoint}/moto-api/reset"
    req = urllib.request.Request(url, method="POST")  # noqa: S310 - the local moto server
    with urllib.request.urlopen(req, timeout=10):  # noqa: S310 - the local moto server
        pass


def pin_random(endpoint: str, seed: int | None) -> None:
    """Seed moto's id generator (None: reseed it from the system's entropy)."""

    value = seed if seed is not None else random.SystemRandom().randrange(2**62)
    url = f"{endpoint}/moto-api/seed?a={value}"
    req = urllib.request.Request(url, method="POST")  # noqa: S310 - the local moto server
    with urllib.request.urlopen(req, timeout=10):  # noqa: S310 - the local moto server
        pass


def run_demo(
    output_dir: Path,
    formats: tuple[str, ...],
    progress: Callable[[str], None] = lambda _m: None,
) -> int:

    output_dir = Path(output_dir)
    earlier, history = demo_paths(output_dir)
    history.unlink(missing_ok=True)  # the demo's trend is its own three scans, every run
    shutil.rmtree(earlier, ignore_errors=True)
    with fake_aws_env(), moto_server() as endpoint:
        progress(f"moto server on {endpoint}; seeding the demo Organization")
        t0 = time.monotonic()
        reset_moto(endpoint)
        pin_random(endpoint, DEMO_SEED)
        try:
            org = seed_demo(endpoint)
        finally:
            pin_random(endpoint, None)
        progress(f"seeded {len(org.accounts)} accounts in {time.monotonic() - t0:.1f}s; scanning")
        sessions = Sessions(
            None,
            ClientSettings(
                endpoint_url=endpoint, client_hook=deny_assume_role(org.unreachable_account_id)
            ),
        )
        options = ScanOptions(org=True, regions=REGIONS, endpoint_url=endpoint)
        t1 = time.monotonic()
        # Two earlier scans ("last months"), each followed by a small posture change; their
        # summaries go to the demo's history, and the second one is the last scan's baseline.
        baseline: Path | None = None
        for number, change in enumerate(CHANGES, start=1):
            baseline = earlier / str(number)
            with contextlib.redirect_stdout(io.StringIO()):
                run_scan(
                    ScanRequest(
                        options=options,
                        output_dir=baseline,
                        formats=("json",),
                        suppressions=demo_suppressions(org),
                        history=history,
                    ),
                    sessions=sessions,
                )
            progress(f"earlier scan {number} written to {baseline}; changing the posture")
            change(org)
        # One accepted risk shows how suppressions look in the reports.
        request = ScanRequest(
            options=options,
            output_dir=output_dir,
            formats=formats,
            suppressions=demo_suppressions(org),
            baseline=baseline,
            history=history,
        )
        outcome = run_scan(request, progress=progress, sessions=sessions)
        progress(f"three scans took {time.monotonic() - t1:.1f}s")
    report = output_dir / "report.html"
    if report.exists():
        print(f"\nOpen the report: {report.resolve()}")
    print(f"The trend of the three demo scans: trailwatch history --history {history}")
    print(f"(a real scan of this Organization would exit {outcome.exit_code}; the demo exits 0)")
    return 0
