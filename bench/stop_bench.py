"""Stop latency: SIGTERM/SIGINT to a scan whose collection calls hang; how long until it exits.

    python bench/stop_bench.py [--accounts 10] [--runs 3] [--hold-s 120]

Seeds an Organization on an in-process moto server, puts a fault proxy in front of it that holds
the answer of every collection call for --hold-s seconds (the scanner's read timeout is 30 s,
with 8 attempts), starts a full `trailwatch scan --org` in its own process, and once calls are in
flight (and many more queued) sends the signal. Prints, per run: the time from the signal to the
"interrupted" line on stderr and to the process's exit, the exit code, and files left behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.demo.server import FAKE_ENV, moto_server  # noqa: E402
from tests.faults import Fault, FaultProxy, Rule  # noqa: E402
from tests.integration.test_stop import SLOW_OPS  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "us-west-2")


def one_run(
    endpoint: str, sig: signal.Signals, out: Path, hold_s: float, code: Path = ROOT
) -> dict[str, object]:
    with FaultProxy(endpoint, rules=[Rule(Fault.TIMEOUT, SLOW_OPS)], timeout_s=hold_s) as proxy:
        env = {**os.environ, **FAKE_ENV, "PYTHONPATH": str(code)}
        env.pop("AWS_ENDPOINT_URL", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "scanner.app.cli", "-q", "scan", "--org", "--regions",
             ",".join(REGIONS), "--endpoint-url", proxy.endpoint, "--output-dir", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=code,
        )  # fmt: skip
        held = 0
        deadline = time.monotonic() + 120
        while held < 16 and proc.poll() is None and time.monotonic() < deadline:
            held = sum(n for (_s, op), n in list(proxy.stats.requests.items()) if op in SLOW_OPS)
            time.sleep(0.05)
        time.sleep(0.5)
        in_flight = sum(n for (_s, op), n in list(proxy.stats.requests.items()) if op in SLOW_OPS)
        started = time.monotonic()
        proc.send_signal(sig)
        assert proc.stderr is not None
        line = proc.stderr.readline()
        said = time.monotonic() - started
        proc.wait(timeout=hold_s * 10)
        exited = time.monotonic() - started
        rest = proc.stderr.read()
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    return {
        "signal": sig.name,
        "calls_in_flight": in_flight,
        "to_line_s": said,
        "to_exit_s": exited,
        "exit_code": proc.returncode,
        "stderr_lines": len([x for x in (line + rest).splitlines() if x.strip()]),
        "files_left": left,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="runs per signal")
    parser.add_argument("--hold-s", type=float, default=120.0)
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="the trailwatch source tree to run (compare)"
    )
    parser.add_argument("--signals", default="SIGTERM,SIGINT")
    args = parser.parse_args()
    os.environ.update(FAKE_ENV)
    from scan_bench import seed  # this folder: the Organization the scan bench seeds

    results: list[dict[str, object]] = []
    with moto_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
        seed(endpoint, args.accounts, REGIONS)
        for sig in (signal.Signals[name] for name in args.signals.split(",")):
            for n in range(args.runs):
                out = Path(tmp) / f"{sig.name}-{n}"
                result = one_run(endpoint, sig, out, args.hold_s, args.code.resolve())
                results.append(result)
                print(
                    f"{result['signal']}: {result['calls_in_flight']} calls in flight; "
                    f"one line after {result['to_line_s']:.2f} s, exit "
                    f"{result['exit_code']} after {result['to_exit_s']:.2f} s; "
                    f"{result['stderr_lines']} stderr line(s); files left: "
                    f"{result['files_left'] or 'none'}",
                    flush=True,
                )
    exits = [float(str(r["to_exit_s"])) for r in results]
    print(
        f"stop latency over {len(exits)} runs ({args.accounts} accounts x {len(REGIONS)} "
        f"regions, calls held {args.hold_s:.0f} s): median {statistics.median(exits):.2f} s, "
        f"max {max(exits):.2f} s"
    )
    bad = [r for r in results if r["exit_code"] != 130 or r["files_left"]]
    sys.exit(1 if bad or max(exits) > 5.0 else 0)


if __name__ == "__main__":
    main()
