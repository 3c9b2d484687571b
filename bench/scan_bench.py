"""Scan benchmark: seed an Organization of N accounts x R regions on moto, scan it, print figures.

    python bench/scan_bench.py [--accounts 20] [--regions 4] [--latency-ms 0] [--max-workers 128]
        [--processes 0] [--backend moto|replay] [--templates 10] [--checks ID,ID,...]
    python bench/scan_bench.py --targets         # make bench / make bench-scale
    python bench/scan_bench.py --sizing 100,400  # two sizes -> the README's sizing table
    python bench/scan_bench.py --validate        # replay against plain moto, 20 accounts
    python bench/scan_bench.py --table A.json,B.json  # the sizing table from two saved runs

Processes: moto (bench/server.py) runs in one child process, the delaying proxy (bench/proxy.py)
in another, and the scan in a third, so the scanner's CPU time and peak RSS are its own, and the
back end's CPU is measured apart (moto's from /proc, the proxy's from its own counter).

Back ends:

* `moto`: every account is seeded in moto and every call is answered by moto. Honest, but moto is
  one Python process that spends several ms of CPU per request on the same two cores as the
  scanner: at 1,000 accounts (about 160,000 calls) moto alone would take longer than the scan
  may. AWS has no such limit.
* `replay` (the default above 200 accounts): moto + replay of K template accounts. All N
  accounts exist in moto's Organizations (in OUs, with tags); only the management account and K
  member accounts (the templates) are seeded with resources. Member i is mapped to template
  (i - 1) mod K, and seeded templates vary as the members of the plain-moto Organization do
  (member i of either back end has the same resources, OU and tags). The proxy answers from its
  replay cache (moto's answer cached per distinct request, account id rewritten both ways: see
  bench/replay.py): every call of a member (from its template's answers) and of the management
  account (its own), and the management account's lookups of each member: AssumeRole (the
  template's answer with the member's id and new credentials of moto's shapes and expiry) and
  the Organizations ListParents and ListTagsForResource (the template's answer, the member's id
  put back). The scanner sees N distinct accounts, each with its own account id in every
  response, and makes every call it would make; each call waits the added latency. moto answers
  each distinct request once. Before the measured scan, the management and K template accounts
  are scanned once, not measured (`--no-warm`: not), so moto's own CPU (2 ms per distinct
  answer at 100 accounts, 8 ms at 1,000, which AWS does not cost this machine) is not spent
  during the measured scan; the warm-up's time and moto answers are printed.

  What replay does not cover: ids other than the account id (VPC, KMS key, detector ids) are
  the same in all accounts of one template; there is no throttling; DescribeAccount (name,
  e-mail and join date differ per account) is forwarded to moto. `--validate` scans a
  20-account Organization on both back ends and compares the findings (check, account
  position, region, status, reason code, resource type, OU path, account tags) and the calls
  (account position, region, operation): they must be equal.

The scanner's options: `--processes` is passed only when this scanner's ScanOptions has a
`processes` field (older scanners have one process).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sizing import Measured, fit, machine, table  # noqa: E402 (this folder)

from scanner.demo.server import FAKE_ENV  # noqa: E402

ALL_REGIONS = (
    "us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "ap-southeast-2", "us-east-2",
    "ap-northeast-1", "eu-west-2", "ca-central-1", "sa-east-1",
)  # fmt: skip
FAKE = FAKE_ENV  # the demo's fake credentials: nothing here can reach AWS
REPLAY_ABOVE = 200
"""Default back end: plain moto up to this many accounts, replay above."""
TARGETS = {
    "wall_1000_s": 180.0,
    "rss_mb": 400.0,
    "wall_100_s": 20.0,
}


@dataclass(frozen=True)
class BenchConfig:
    accounts: int = 20
    regions: int = 4
    latency_ms: float = 0.0
    max_workers: int = 128
    processes: int = 0
    backend: str = ""
    """"moto" or "replay"; empty: replay above REPLAY_ABOVE accounts."""
    templates: int = 10
    checks: tuple[str, ...] = ()
    detail: bool = False
    """Return the findings and calls normalised per account position (--validate)."""
    warm: bool = True
    """replay: fill the replay cache with an unmeasured scan of the template accounts first."""

    def chosen_backend(self) -> str:
        if self.backend:
            return self.backend
        return "replay" if self.accounts > REPLAY_ABOVE else "moto"

    def region_names(self) -> tuple[str, ...]:
        return ALL_REGIONS[: self.regions]

    def label(self) -> str:
        return (
            f"{self.accounts:,} accounts x {self.regions} regions at "
            f"{self.latency_ms:g} ms per call ({self.backend_label()})"
        )

    def backend_label(self) -> str:
        if self.chosen_backend() == "replay":
            return f"moto + replay of {min(self.templates, self.accounts - 1)} templates"
        return "plain moto"


def _client(endpoint: str, service: str, region: str, creds: dict[str, str] | None = None) -> Any:
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint, **(creds or {}))


def seed(
    endpoint: str,
    n_accounts: int,
    regions: tuple[str, ...],
    variants: int = 10,
    seeded: int | None = None,
) -> list[str]:
    """An Organization of n_accounts (management first, then members in creation order).

    The management account and the first `seeded` members (all when None) get logging
    resources; member i gets variant (i - 1) mod `variants` of them, so that member i has the
    same resources whether it is seeded or replayed from its template. The variant also sets
    the member's tags and its OU (Root, workloads, or workloads/sandbox), so that member i has
    the same OU path and tags as its template too.
    """
    orgs = _client(endpoint, "organizations", "us-east-1")
    mgmt = orgs.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    root = orgs.list_roots()["Roots"][0]["Id"]
    workloads = orgs.create_organizational_unit(ParentId=root, Name="workloads")
    sandbox = orgs.create_organizational_unit(
        ParentId=workloads["OrganizationalUnit"]["Id"], Name="sandbox"
    )
    ous = {1: workloads, 3: sandbox}  # variant mod 5 -> OU (else the root)
    ids = [mgmt]
    for i in range(n_accounts - 1):
        v = i % variants
        status = orgs.create_account(
            Email=f"a{i}@example.com",
            AccountName=f"account-{i:04d}",
            Tags=[
                {"Key": "team", "Value": f"team-{v % 3}"},
                {"Key": "tier", "Value": "prod" if v % 2 else "dev"},
            ],
        )
        account = status["CreateAccountStatus"]["AccountId"]
        ids.append(account)
        if v % 5 in ous:
            orgs.move_account(
                AccountId=account,
                SourceParentId=root,
                DestinationParentId=ous[v % 5]["OrganizationalUnit"]["Id"],
            )
    sts = _client(endpoint, "sts", "us-east-1")
    last = n_accounts if seeded is None else min(n_accounts, seeded + 1)
    for n, account in enumerate(ids[:last]):
        creds = None
        if account != mgmt:
            c = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                RoleSessionName="seed",
            )["Credentials"]
            creds = {
                "aws_access_key_id": c["AccessKeyId"],
                "aws_secret_access_key": c["SecretAccessKey"],
                "aws_session_token": c["SessionToken"],
            }
        _seed_account(endpoint, account, regions, max(0, n - 1) % variants, creds)
    return ids


def _seed_account(
    endpoint: str, account: str, regions: tuple[str, ...], v: int, creds: dict[str, str] | None
) -> None:
    """Variant v: validation on even v, no alarm chain when v % 3 == 2, a single-region trail
    when v % 5 == 4, a trail not logging when v == 7, Config in the home region only when
    v % 4 == 3, key rotation on odd v."""
    home = regions[0]
    s3 = _client(endpoint, "s3", home, creds)
    bucket = f"trail-{account}"
    s3.create_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=f"data-{account}")
    logs = _client(endpoint, "logs", home, creds)
    logs.create_log_group(logGroupName="/trail")
    if v % 3 != 2:
        logs.put_metric_filter(
            logGroupName="/trail",
            filterName="cloudtrail-changes",
            filterPattern="{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
            "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
            "($.eventName = StopLogging) }",
            metricTransformations=[
                {"metricName": "TrailChanges", "metricNamespace": "CIS", "metricValue": "1"}
            ],
        )
        sns = _client(endpoint, "sns", home, creds)
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="sec@example.com")
        _client(endpoint, "cloudwatch", home, creds).put_metric_alarm(
            AlarmName="trail-changes", MetricName="TrailChanges", Namespace="CIS",
            Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic],
        )  # fmt: skip
    ct = _client(endpoint, "cloudtrail", home, creds)
    ct.create_trail(
        Name="main", S3BucketName=bucket, IsMultiRegionTrail=v % 5 != 4,
        EnableLogFileValidation=v % 2 == 0,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{home}:{account}:log-group:/trail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/ct",
    )  # fmt: skip
    if v != 7:
        ct.start_logging(Name="main")
    kms = _client(endpoint, "kms", home, creds)
    key = kms.create_key(Description="data")["KeyMetadata"]["KeyId"]
    if v % 2 == 1:
        kms.enable_key_rotation(KeyId=key)
    for region in regions[:1] if v % 4 == 3 else regions:
        cfg = _client(endpoint, "config", region, creds)
        cfg.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/"
                "config.amazonaws.com/AWSServiceRoleForConfig",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")


# ---------------------------------------------------------------------------- the scan child


class _PoolFullCounter(logging.Filter):
    """Counts (and silences) urllib3's "Connection pool is full, discarding connection"."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "pool is full" in record.getMessage():
            self.count += 1
            return False
        return True


def run_scan(
    endpoint: str,
    regions: tuple[str, ...],
    max_workers: int,
    checks: tuple[str, ...] = (),
    processes: int = 0,
    detail: bool = False,
    only_accounts: tuple[str, ...] = (),
) -> dict[str, Any]:
    """In the scan child: the real pipeline, measured."""
    from scanner.app.scan import ScanRequest, run_scan
    from scanner.aws.collection import ScanOptions
    from scanner.core.model import Severity
    from scanner.core.reporter import Reporter

    logging.basicConfig(level=logging.WARNING)
    pool_full = _PoolFullCounter()
    logging.getLogger("urllib3.connectionpool").addFilter(pool_full)
    out = Path(tempfile.mkdtemp(prefix="trailwatch-bench-"))
    extra: dict[str, Any] = {}
    if "processes" in {f.name for f in dataclasses.fields(ScanOptions)}:
        extra["processes"] = processes
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    ticks: list[tuple[float, int]] = []  # (seconds since start, accounts done)

    steps: list[tuple[float, str]] = []  # (seconds since start, progress line)

    def tick(t: Any) -> None:
        ticks.append((time.perf_counter() - t0, t.done))

    def step(line: str) -> None:
        steps.append((time.perf_counter() - t0, line))

    outcome = run_scan(
        ScanRequest(
            options=ScanOptions(
                org=True,
                regions=regions,
                accounts=only_accounts,
                endpoint_url=endpoint,
                max_workers=max_workers,
                **extra,
            ),
            output_dir=out,
            checks=checks,
            fail_on=Severity.CRITICAL,
        ),
        Reporter(progress=step, tick=tick),
    )
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    calls = outcome.calls
    assert calls is not None, "a collected scan has its call log"
    home = regions[0] if "us-east-1" not in regions else "us-east-1"
    per_op: Counter[str] = Counter()
    home_calls = 0
    detail_calls: Counter[str] = Counter()
    for (account, region, service, op), n in calls.calls.items():
        per_op[f"{service}:{op}"] += n
        if region == home and account != "caller":
            home_calls += n
        if detail:
            detail_calls["\x1f".join((account, region, service, op))] += n
    result: dict[str, Any] = {
        "wall_s": wall,
        "cpu_s": cpu,
        "children_cpu_s": children.ru_utime + children.ru_stime,
        "children_max_rss_mb": children.ru_maxrss / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "processes_option": extra.get("processes"),
        "calls": calls.total,
        "home_calls": home_calls,
        "repeated": calls.repeated,
        "retries": calls.retries,
        "per_operation": dict(per_op.most_common()),
        "findings": len(outcome.findings),
        "statuses": dict(Counter(f.status.value for f in outcome.findings)),
        "report_bytes": sum(p.stat().st_size for p in outcome.paths),
        "pool_full": pool_full.count,
        # when the first and the last account were collected (seconds after the scan began)
        "first_account_s": ticks[0][0] if ticks else None,
        "collected_s": ticks[-1][0] if ticks else None,
        "steps": steps,
    }
    if detail:
        found: Counter[str] = Counter(
            "\x1f".join(
                (
                    f.check_id,
                    f.account_id,
                    f.region,
                    f.status.value,
                    f.reason_code or "",
                    f.resource.type,
                    "/".join(f.ou_path),
                    ",".join(f"{k}={v}" for k, v in sorted(f.account_tags.items())),
                )
            )
            for f in outcome.findings
        )
        result["detail_findings"] = dict(found)
        result["detail_calls"] = dict(detail_calls)
    # the report set (about 600 MB at 1,000 accounts) and anything the scan left beside it
    for path in (out, *out.parent.glob(f".{out.name}*")):
        shutil.rmtree(path, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------- the parent


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """pid and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pss_mb(pid: int) -> float:
    """The process's proportional set size: its private pages, and each page it shares with
    others divided among them (the processes' sum counts every page once)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class TreeSampler(threading.Thread):
    """Samples the scan process tree every 0.2 s: peak total RSS, most processes at once, and
    the CPU of every descendant (also those that getrusage(RUSAGE_CHILDREN) cannot see, such as
    the workers of a forkserver)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_total_mb = 0.0
        self.peak_total_pss_mb = 0.0
        self.most_processes = 0
        self.peak_at = ""
        self.peak_by_processes: dict[int, float] = {}
        """The peak RSS sum seen with each number of processes (collection: the parent and its
        workers; evaluation and reports: the parent and its forked child)."""
        self.descendant_cpu: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        start = time.perf_counter()
        while not self.done.wait(0.2):
            pids = _tree(self.pid)
            self.most_processes = max(self.most_processes, len(pids))
            rss = [_rss_mb(p) for p in pids]
            total = sum(rss)
            n = len(pids)
            self.peak_by_processes[n] = max(self.peak_by_processes.get(n, 0.0), total)
            if total > self.peak_total_mb:
                self.peak_total_mb = total
                self.peak_at = (
                    f"at {time.perf_counter() - start:.1f} s: scan process {rss[0]:.0f} MB, "
                    f"children {', '.join(f'{r:.0f}' for r in sorted(rss[1:], reverse=True))} MB"
                )
            self.peak_total_pss_mb = max(self.peak_total_pss_mb, sum(_pss_mb(p) for p in pids))
            for p in pids[1:]:
                with contextlib.suppress(OSError, IndexError, ValueError):
                    self.descendant_cpu[p] = _cpu_seconds(p)

    @property
    def workers_cpu_s(self) -> float:
        return sum(self.descendant_cpu.values())


def _get_json(url: str, data: Any = None) -> Any:
    body = None if data is None else json.dumps(data).encode()
    with urllib.request.urlopen(url, data=body, timeout=60) as resp:
        return json.loads(resp.read())


def bench_run(config: BenchConfig) -> dict[str, Any]:
    """Start the back end, seed, scan in a child process; every figure of the run."""
    regions = config.region_names()
    replay = config.chosen_backend() == "replay"
    env = {**os.environ, **FAKE}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "server.py")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    proxy: subprocess.Popen[str] | None = None
    try:
        assert server.stdout is not None
        upstream, _ = server.stdout.readline().split()
        t0 = time.perf_counter()
        templates = min(config.templates, config.accounts - 1)
        ids = seed(
            upstream, config.accounts, regions, config.templates, templates if replay else None
        )
        seeded = time.perf_counter() - t0
        proxy = subprocess.Popen(
            [sys.executable, *os.environ.get("BENCH_PROXY_PYARGS", "").split(),
             str(ROOT / "bench" / "proxy.py"), "--upstream", upstream,
             "--latency-ms", str(config.latency_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert proxy.stdout is not None
        endpoint = proxy.stdout.readline().strip()
        if replay:
            members = ids[1:]
            mapping = {a: members[i % templates] for i, a in enumerate(members)}
            # The management account is its own template: its answers are cached as well, and
            # the scan's own key (the caller's) is known to be the management account's.
            mapping[ids[0]] = ids[0]
            _get_json(f"{endpoint}/__bench/templates", mapping)
            _get_json(f"{endpoint}/__bench/keys", {FAKE["AWS_ACCESS_KEY_ID"]: ids[0]})
        cmd = [
            sys.executable, __file__, "--max-workers", str(config.max_workers),
            "--processes", str(config.processes), "--checks", ",".join(config.checks),
            "--scan-child", endpoint, ",".join(regions),
        ]  # fmt: skip
        warmed: dict[str, Any] = {}
        if replay and config.warm:
            # AWS answers at no CPU cost to this machine; moto answers each distinct request
            # once, slowly (2 ms at 100 accounts, 8 ms at 1,000). The management and template
            # accounts are scanned once first, not measured, so the measured scan's requests
            # (AssumeRole and the Organizations lookups of every member too) are answered from
            # the replay cache.
            w0 = time.perf_counter()
            before = _get_json(f"{endpoint}/__bench/stats")
            subprocess.run(
                [*cmd, "--only-accounts", ",".join([ids[0], *members[:templates]])],
                stdout=subprocess.DEVNULL, env=env, check=True,
            )  # fmt: skip
            after = _get_json(f"{endpoint}/__bench/stats")
            _get_json(f"{endpoint}/__bench/forget-seen", {})
            warmed = {
                "warm_s": time.perf_counter() - w0,
                "warm_moto_answers": after.get("forwarded", 0) - before.get("forwarded", 0),
            }
        moto_cpu0 = _cpu_seconds(server.pid)
        stats0 = _get_json(f"{endpoint}/__bench/stats")
        proxy_cpu0 = float(stats0["cpu_s"])
        if config.detail:
            cmd.append("--detail")
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        sampler = TreeSampler(child.pid)
        sampler.start()
        stdout, _ = child.communicate()
        sampler.done.set()
        sampler.join()
        if child.returncode != 0:
            raise SystemExit(f"the scan child failed (exit {child.returncode})")
        result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
        stats = _get_json(f"{endpoint}/__bench/stats")
        result["moto_cpu_s"] = _cpu_seconds(server.pid) - moto_cpu0
        result["proxy_cpu_s"] = float(stats["cpu_s"]) - proxy_cpu0
        for part in ("user_s", "system_s"):
            result[f"proxy_{part}"] = float(stats[part]) - float(stats0[part])
        # the measured scan's own requests (not the warm-up's)
        for key in (
            "requests", "forwarded", "cache_hits", "repeated", "connections",
            "assume_role_replayed",
        ):  # fmt: skip
            if key in stats:
                stats[key] -= stats0.get(key, 0)
        result["backend"] = stats
        result.update(warmed)
    finally:
        for proc in (proxy, server):
            if proc is not None and proc.stdin:
                proc.stdin.close()
        for proc in (proxy, server):
            if proc is not None:
                proc.wait(timeout=60)
    result.update(
        accounts=config.accounts,
        regions=config.regions,
        latency_ms=config.latency_ms,
        max_workers=config.max_workers,
        seeding_s=seeded,
        ids=ids,
        # sampled every 0.2 s, so never below the largest single process's own peak
        peak_rss_total_mb=max(
            sampler.peak_total_mb, result["peak_rss_mb"], result["children_max_rss_mb"]
        ),
        most_processes=sampler.most_processes,
        peak_rss_at=sampler.peak_at,
        peak_rss_by_processes={str(k): v for k, v in sorted(sampler.peak_by_processes.items())},
        peak_pss_total_mb=sampler.peak_total_pss_mb,
        sampled_workers_cpu_s=sampler.workers_cpu_s,
        load_average=os.getloadavg(),
        label=config.label(),
    )
    fd, path = tempfile.mkstemp(prefix=f"trailwatch-bench-{config.accounts}x{config.regions}-")
    with os.fdopen(fd, "w") as f:
        json.dump({k: v for k, v in result.items() if not k.startswith("detail_")}, f)
    result["saved_to"] = path
    return result


def print_run(config: BenchConfig, r: dict[str, Any], per_operation: bool = False) -> None:
    n = config.accounts * config.regions
    b = r["backend"]
    requests = max(1, int(b.get("requests", 0)))
    processes = r["processes_option"]
    if processes is None:
        procs = "n/a (this scanner has no ScanOptions.processes: one process)"
    else:
        procs = f"--processes {processes}{' (auto)' if processes == 0 else ''}"
    print(
        f"trailwatch scan benchmark: {config.label()}, --max-workers {config.max_workers}, {procs}"
    )
    print(f"  back end                   {config.backend_label()}")
    if config.chosen_backend() == "replay":
        print(
            "    from the replay cache      every account's calls (the management account's too), "
            "AssumeRole and the Organizations ListParents and ListTagsForResource of each "
            "member (moto's answer for its template, the member's id put back, AssumeRole with "
            "new credentials); moto answers each distinct request once"
        )
    print(f"  seeding (not measured)     {r['seeding_s']:8.1f} s")
    if r.get("warm_s") is not None:
        print(
            f"  replay cache warm-up       {r['warm_s']:8.1f} s  (not measured: the template "
            f"accounts scanned once; moto answered {r['warm_moto_answers']} requests)"
        )
    print(f"  wall                       {r['wall_s']:8.1f} s")
    if r.get("collected_s") is not None:
        print(
            f"    first account collected  {r['first_account_s']:8.1f} s, all collected "
            f"{r['collected_s']:.1f} s, then evaluation and reports "
            f"{r['wall_s'] - r['collected_s']:.1f} s"
        )
    for at, line in r.get("steps", ()):
        print(f"    {at:6.1f} s  {line[:90]}")
    workers = max(r["children_cpu_s"], r.get("sampled_workers_cpu_s", 0.0))
    cpu = r["cpu_s"] + workers
    print(
        f"  scanner CPU                {cpu:8.1f} s  (parent {r['cpu_s']:.1f} s, worker processes "
        f"{r['children_cpu_s']:.1f} s by getrusage, "
        f"{r.get('sampled_workers_cpu_s', 0.0):.1f} s sampled from /proc)"
    )
    print(f"  scanner CPU per call       {cpu * 1000 / max(1, r['calls']):8.2f} ms")
    print(
        f"  processes seen             {r['most_processes']:8d}  "
        "(the scan process and its children, most at once)"
    )
    print(f"  peak RSS, scanner parent   {r['peak_rss_mb']:8.0f} MB")
    print(f"  peak RSS, largest worker   {r['children_max_rss_mb']:8.0f} MB")
    print(
        f"  peak RSS, all processes    {r['peak_rss_total_mb']:8.0f} MB  (their sum, sampled "
        "every 0.2 s; at least the largest one's peak)"
    )
    if r.get("peak_rss_at"):
        print(f"    the sampled peak           {r['peak_rss_at']}")
    if r.get("peak_rss_by_processes"):
        peaks = ", ".join(
            f"{n} processes {mb:.0f} MB" for n, mb in r["peak_rss_by_processes"].items()
        )
        print(f"    peak sum by process count  {peaks}")
    if r.get("peak_pss_total_mb"):
        print(
            f"  peak PSS, all processes    {r['peak_pss_total_mb']:8.0f} MB  (their sum: pages "
            "shared between them counted once; sampled every 0.2 s)"
        )
    print(f"  API calls                  {r['calls']:8d}")
    print(f"  per account-region         {r['calls'] / n:8.1f}")
    print(f"  in the home region         {r['home_calls']:8d}")
    print(f"  repeated calls             {r['repeated']:8d}")
    print(f"  throttling retries         {r['retries']:8d}")
    print(f"  findings                   {r['findings']:8d}  {r['statuses']}")
    print(f"  report bytes               {r['report_bytes']:8d}")
    print(
        f"  connections discarded      {r.get('pool_full', 0):8d}  "
        "(urllib3: connection pool full, in the scan parent)"
    )
    backend_cpu = r["moto_cpu_s"] + r["proxy_cpu_s"]
    print(
        f"  back end: requests         {b.get('requests', 0):8d}  "
        f"(moto answered {b.get('forwarded', 0)}, from the replay cache "
        f"{b.get('cache_hits', 0)} of which AssumeRole {b.get('assume_role_replayed', 0)}, "
        f"repeated requests seen {b.get('repeated', 0)})"
    )
    print(
        f"  back end: connections      {b.get('connections', 0):8d}  "
        f"(TCP connections the scanner opened: {b.get('connections', 0) / requests:.2f} per call)"
    )
    print(
        f"  back end CPU               {backend_cpu:8.1f} s  (moto {r['moto_cpu_s']:.1f} s, proxy "
        f"{r['proxy_cpu_s']:.1f} s: user {r.get('proxy_user_s', 0.0):.1f} s, system "
        f"{r.get('proxy_system_s', 0.0):.1f} s; {backend_cpu * 1000 / requests:.3f} ms per request)"
    )
    load = ", ".join(f"{x:.2f}" for x in r["load_average"])
    print(f"  load average after         {load}")
    print(f"  figures saved to           {r['saved_to']}  (--table SMALL,LARGE)")
    if per_operation:
        print("  calls per operation:")
        for op, count in r["per_operation"].items():
            print(f"    {op:<48} {count:7d}  ({count / n:.2f} per account-region)")


def _target(name: str, value: str, met: bool) -> str:
    return f"target {name}: {value} ({'met' if met else 'NOT met'})"


def validate(processes: int, max_workers: int) -> bool:
    """20 accounts x 2 regions, no added latency: plain moto vs replay of 10 templates."""
    runs = {}
    for backend in ("moto", "replay"):
        config = BenchConfig(
            accounts=20,
            regions=2,
            backend=backend,
            detail=True,
            processes=processes,
            max_workers=max_workers,
        )
        r = bench_run(config)
        position = {a: str(i) for i, a in enumerate(r["ids"])}
        for field in ("detail_findings", "detail_calls"):
            normal: Counter[str] = Counter()
            for key, count in r[field].items():
                parts = key.split("\x1f")
                parts[1 if field == "detail_findings" else 0] = position.get(
                    parts[1 if field == "detail_findings" else 0], "?"
                )
                normal["\x1f".join(parts)] += count
            r[field] = normal
        runs[backend] = r
    same_findings = runs["moto"]["detail_findings"] == runs["replay"]["detail_findings"]
    same_calls = runs["moto"]["detail_calls"] == runs["replay"]["detail_calls"]
    moto, rep = runs["moto"], runs["replay"]
    print(
        "replay check (20 accounts x 2 regions, no added latency; plain moto vs moto + replay of "
        "10 templates):"
    )
    print(
        "  findings per (check, account position, region, status, reason, resource type, OU "
        f"path, account tags): "
        f"{'equal' if same_findings else 'DIFFERENT'} ({moto['findings']} vs {rep['findings']})"
    )
    print(
        f"  calls per (account position, region, operation): "
        f"{'equal' if same_calls else 'DIFFERENT'} ({moto['calls']} vs {rep['calls']}; moto "
        f"answered {rep['backend'].get('forwarded', 0)} of the replay's "
        f"{rep['backend'].get('requests', 0)} requests)"
    )
    for field in ("detail_findings", "detail_calls"):
        diff = (moto[field] - rep[field]) + (rep[field] - moto[field])
        for key in sorted(diff)[:10]:
            print(f"    differs: {key.replace(chr(31), ' | ')}: moto {moto[field][key]}, "
                  f"replay {rep[field][key]}")  # fmt: skip
    return bool(same_findings and same_calls)


def targets(args: argparse.Namespace) -> None:
    """The issue's targets: 100 and 1,000 accounts x 4 regions at 50 ms, then the sizing table."""
    print(
        f"trailwatch scale benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, "
        f"load average before {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    valid = validate(args.processes, args.max_workers)
    print()
    results = {}
    configs = {}
    for accounts in (100, 1000):
        config = BenchConfig(
            accounts=accounts,
            regions=4,
            latency_ms=50.0,
            backend="replay",
            templates=args.templates,
            processes=args.processes,
            max_workers=args.max_workers,
        )
        results[accounts] = bench_run(config)
        configs[accounts] = config
        print_run(config, results[accounts])
        print(flush=True)
    big, small = results[1000], results[100]
    rss = max(big["peak_rss_total_mb"], small["peak_rss_total_mb"])
    lines = [
        _target("replay equals plain moto (20 accounts)", "yes" if valid else "no", valid),
        _target("1,000 x 4 at 50 ms, wall < 3 min", f"{big['wall_s']:.1f} s", big["wall_s"] < 180),
        _target(
            "peak RSS < 400 MB (all scan processes, 1,000 x 4)",
            f"{rss:.0f} MB (parent {big['peak_rss_mb']:.0f} MB, largest worker "
            f"{big['children_max_rss_mb']:.0f} MB; shared pages counted once: "
            f"{big.get('peak_pss_total_mb', 0.0):.0f} MB)",
            rss < TARGETS["rss_mb"],
        ),
        _target(
            "repeated calls = 0",
            f"{big['repeated'] + small['repeated']} (1,000 x 4: {big['repeated']}, "
            f"100 x 4: {small['repeated']})",
            big["repeated"] + small["repeated"] == 0,
        ),
        _target(
            "100 x 4 at 50 ms, wall < 20 s",
            f"{small['wall_s']:.1f} s",
            small["wall_s"] < TARGETS["wall_100_s"],
        ),
    ]
    print("\n".join(lines))
    print()
    print("sizing (README):")
    low = Measured.of(small, configs[100].label())
    high = Measured.of(big, configs[1000].label())
    print(table(fit(low, high), low, high))


def sizing(args: argparse.Namespace) -> None:
    first, second = (int(n) for n in args.sizing.split(","))
    runs = []
    for accounts in (first, second):
        config = BenchConfig(
            accounts=accounts,
            regions=args.regions,
            latency_ms=args.latency_ms or 50.0,
            backend=args.backend or "replay",
            templates=args.templates,
            processes=args.processes,
            max_workers=args.max_workers,
        )
        result = bench_run(config)
        print_run(config, result)
        print(flush=True)
        runs.append(Measured.of(result, config.label()))
    print(table(fit(runs[0], runs[1]), runs[0], runs[1]))


def startup_figures() -> tuple[float, float]:
    """(best `trailwatch --help` wall seconds of 5, the demo scan's own wall seconds)."""
    import re

    cli = [sys.executable, "-m", "scanner.app.cli"]
    best = min(_timed([*cli, "--help"]) for _ in range(5))
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [*cli, "demo", "--output-dir", out], capture_output=True, text=True, check=True
        )
    match = re.search(r"scans? took ([0-9.]+)s", proc.stderr)
    return best, float(match.group(1)) if match else float("nan")


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--max-workers", type=int, default=128)
    parser.add_argument("--processes", type=int, default=0, help="0: the scanner's own choice")
    parser.add_argument(
        "--backend", choices=("moto", "replay"), default="", help="default: replay above 200"
    )
    parser.add_argument("--templates", type=int, default=10, help="replay: seeded templates")
    parser.add_argument("--checks", default="", help="comma-separated check ids (default: all)")
    parser.add_argument("--targets", action="store_true", help="the scale targets and sizing")
    parser.add_argument("--sizing", default="", metavar="N,M", help="sizing table from 2 sizes")
    parser.add_argument("--validate", action="store_true", help="replay vs plain moto")
    parser.add_argument(
        "--table", default="", metavar="A.json,B.json", help="sizing table from two saved runs"
    )
    parser.add_argument("--detail", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only-accounts", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-warm", action="store_true", help="replay: do not warm the replay cache first"
    )
    parser.add_argument(
        "--scan-child", nargs=2, metavar=("ENDPOINT", "REGIONS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    os.environ.update(FAKE)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(key, None)
    checks = tuple(c for c in args.checks.split(",") if c)
    if args.scan_child:
        endpoint, regions = args.scan_child
        result = run_scan(
            endpoint,
            tuple(regions.split(",")),
            args.max_workers,
            checks,
            args.processes,
            args.detail,
            tuple(a for a in args.only_accounts.split(",") if a),
        )
        print(json.dumps(result))
        return
    if args.targets:
        targets(args)
        return
    if args.sizing:
        sizing(args)
        return
    if args.table:
        low, high = (json.loads(Path(p).read_text()) for p in args.table.split(","))
        small, large = Measured.of(low, low["label"]), Measured.of(high, high["label"])
        print(table(fit(small, large), small, large))
        return
    if args.validate:
        sys.exit(0 if validate(args.processes, args.max_workers) else 1)
    config = BenchConfig(
        accounts=args.accounts,
        regions=args.regions,
        latency_ms=args.latency_ms,
        max_workers=args.max_workers,
        processes=args.processes,
        backend=args.backend,
        templates=args.templates,
        checks=checks,
        warm=not args.no_warm,
    )
    result = bench_run(config)
    print_run(config, result, per_operation=True)
    help_s, demo_s = startup_figures()
    print(f"  trailwatch --help           {help_s:8.2f} s")
    print(f"  demo, three scans           {demo_s:8.2f} s  (after start-up and seeding)")


if __name__ == "__main__":
    main()
