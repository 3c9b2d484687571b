"""Hostile input files and options: each is one line on stderr and exit 2, never a traceback.

Every case runs the real command line (`scanner.app.cli.main`) in-process. The README table
"Hostile inputs tested" lists these cases.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.app import cli
from scanner.core import inputs
from tests.reports.pipeline_helpers import save_inventory, scan

DEEP = 100_000  # far past Python's recursion limit


@dataclass(frozen=True)
class Good:
    """Valid files of each kind, made once: an inventory and a scan's output directory."""

    inventory: Path
    scan_dir: Path

    @property
    def findings(self) -> Path:
        return self.scan_dir / "findings.json"

    @property
    def asff(self) -> Path:
        return self.scan_dir / "findings.asff.json"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Good:
    root = tmp_path_factory.mktemp("good")
    inventory = save_inventory(root / "inventory.json", {"good": True, "bad": False})
    scan(inventory, root / "scan", formats=("json", "asff"))
    return Good(inventory, root / "scan")


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _deep_json(n: int = DEEP) -> str:
    return "[" * n + "]" * n


def _inventory_with(good: Good, tmp: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    doc = json.loads(good.inventory.read_text())
    change(doc)
    return _write(tmp / "inventory.json", json.dumps(doc))


def _wrong_types(doc: dict[str, Any]) -> None:
    for account in doc["accounts"]:
        for record in account["records"].values():
            for trail in record["data"] or []:
                trail["is_multi_region"] = "yes please"
                trail["name"] = 5


def _baseline_dir(tmp: Path, content: bytes | str) -> Path:
    folder = tmp / "old"
    folder.mkdir()
    _write(folder / "findings.json", content)
    return folder


def _from_inventory(good: Good, tmp: Path, *extra: str) -> list[str]:
    return ["scan", "--from-inventory", str(good.inventory), "--output-dir", str(tmp / "o"), *extra]


def _events(tmp: Path, content: bytes | str) -> list[str]:
    return ["watch", "--events", str(_write(tmp / "events.jsonl", content))]


YAML_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)

Case = Callable[[Good, Path], list[str]]

#: name -> argv builder. The README table "Hostile inputs tested" lists these cases.
CASES: dict[str, Case] = {
    # --config (YAML)
    "config UTF-16": lambda g, t: [
        "scan",
        "--config",
        str(_write(t / "c.yaml", "org: true\n".encode("utf-16"))),
    ],
    "config binary": lambda g, t: [
        "scan",
        "--config",
        str(_write(t / "c.yaml", bytes(range(256)) * 4)),
    ],
    "config not UTF-8 (Latin-1)": lambda g, t: [
        "scan",
        "--config",
        str(_write(t / "c.yaml", "role_name: r\xf4le\n".encode("latin-1"))),
    ],
    "config nested 100,000 deep (flow)": lambda g, t: [
        "scan",
        "--config",
        str(_write(t / "c.yaml", "regions: " + _deep_json())),
    ],
    "config nested 1,000 deep (block)": lambda g, t: [
        "scan",
        "--config",
        str(_write(t / "c.yaml", "".join(f"{' ' * i}k{i}:\n" for i in range(1000)) + "  x")),
    ],
    "config YAML alias bomb": lambda g, t: [
        "scan",
        "--config",
        str(_write(t / "c.yaml", YAML_BOMB)),
    ],
    "config endless (/dev/zero)": lambda g, t: ["scan", "--config", "/dev/zero"],
    "config is a findings.json": lambda g, t: ["scan", "--config", str(g.findings)],
    "config is a directory": lambda g, t: ["scan", "--config", str(t)],
    # --from-inventory
    "inventory is a findings.json": lambda g, t: [
        "scan",
        "--from-inventory",
        str(g.findings),
        "--output-dir",
        str(t / "o"),
    ],
    "inventory is an ASFF file": lambda g, t: [
        "scan",
        "--from-inventory",
        str(g.asff),
        "--output-dir",
        str(t / "o"),
    ],
    "inventory records of the wrong type": lambda g, t: [
        "scan",
        "--from-inventory",
        str(_inventory_with(g, t, _wrong_types)),
        "--output-dir",
        str(t / "o"),
    ],
    "inventory record under another dataset's key": lambda g, t: [
        "scan",
        "--from-inventory",
        str(
            _inventory_with(
                g,
                t,
                lambda d: d["accounts"][0]["records"].update(
                    {"kms.keys@us-east-1": next(iter(d["accounts"][0]["records"].values()))}
                ),
            )
        ),
        "--output-dir",
        str(t / "o"),
    ],
    "inventory schema_version 99": lambda g, t: [
        "scan",
        "--from-inventory",
        str(_inventory_with(g, t, lambda d: d.update(schema_version=99))),
        "--output-dir",
        str(t / "o"),
    ],
    "inventory nested 100,000 deep": lambda g, t: [
        "scan",
        "--from-inventory",
        str(_write(t / "i.json", _deep_json())),
        "--output-dir",
        str(t / "o"),
    ],
    "inventory binary": lambda g, t: [
        "scan",
        "--from-inventory",
        str(_write(t / "i.json", b"\x00\x01\x02" * 1000)),
        "--output-dir",
        str(t / "o"),
    ],
    "inventory cut short": lambda g, t: [
        "scan",
        "--from-inventory",
        str(_write(t / "i.json", g.inventory.read_bytes()[:500])),
        "--output-dir",
        str(t / "o"),
    ],
    "watch --inventory is a findings.json": lambda g, t: [
        *_events(t, "\n"),
        "--inventory",
        str(g.findings),
    ],
    # --baseline
    "baseline nested 100,000 deep": lambda g, t: [
        *_from_inventory(g, t, "--baseline", str(_baseline_dir(t, _deep_json())))
    ],
    "baseline UTF-16": lambda g, t: [
        *_from_inventory(
            g, t, "--baseline", str(_baseline_dir(t, g.findings.read_text().encode("utf-16")))
        )
    ],
    "baseline is an inventory": lambda g, t: [
        *_from_inventory(g, t, "--baseline", str(_baseline_dir(t, g.inventory.read_bytes())))
    ],
    # import
    "import nested 100,000 deep": lambda g, t: [
        "import",
        str(_write(t / "a.json", _deep_json())),
        "--dry-run",
        "--no-verify",
    ],
    "import binary": lambda g, t: [
        "import",
        str(_write(t / "a.json", bytes(range(256)))),
        "--dry-run",
        "--no-verify",
    ],
    "import a findings.json": lambda g, t: ["import", str(g.findings), "--dry-run", "--no-verify"],
    # watch --events
    "events binary": lambda g, t: _events(t, bytes(range(256)) * 8),
    "events UTF-16": lambda g, t: _events(t, '{"a": 1}\n'.encode("utf-16")),
    "events is a pretty-printed ASFF file": lambda g, t: [
        "watch",
        "--events",
        str(g.asff),
    ],
    # endpoints
    "--endpoint-url without a closing bracket": lambda g, t: [
        *_from_inventory(g, t, "--endpoint-url", "http://[::1")
    ],
    "--endpoint-url not http(s)": lambda g, t: [
        *_from_inventory(g, t, "--endpoint-url", "ftp://example")
    ],
    "--endpoint-url port out of range": lambda g, t: [
        "import",
        str(g.asff),
        "--dry-run",
        "--endpoint-url",
        "http://127.0.0.1:99999",
    ],
    "--endpoint-url without a host": lambda g, t: [
        *_events(t, "\n"),
        "--endpoint-url",
        "http://",
    ],
}


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_is_one_line_exit_2(
    name: str, good: Good, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = CASES[name](good, tmp_path)
    code = cli.main(["-q", *argv])
    out, err = capsys.readouterr()
    assert code == 2, (name, err)
    assert "Traceback" not in out + err
    assert len(_lines(err)) == 1, err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_bad_endpoint_in_the_environment(
    good: Good, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "not a url")
    code = cli.main(["-q", *_from_inventory(good, tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and len(_lines(err)) == 1 and "AWS_ENDPOINT_URL" in err


def test_a_deeply_nested_event_line_is_a_malformed_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["-q", *_events(tmp_path, _deep_json() + "\n")])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err and _lines(err) == []
    assert "malformed" in out


@pytest.mark.parametrize(
    "limit",
    [
        "CONFIG_MAX_BYTES",
        "INVENTORY_MAX_BYTES",
        "FINDINGS_MAX_BYTES",
        "MAX_ASFF_BYTES",
        "EVENTS_MAX_BYTES",
    ],
)
def test_files_over_the_size_bound_are_refused_before_reading(
    limit: str,
    good: Good,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reports import asff_input

    monkeypatch.setattr(asff_input if limit == "MAX_ASFF_BYTES" else inputs, limit, 64)
    argv = {
        "CONFIG_MAX_BYTES": ["scan", "--config", str(_write(tmp_path / "c.yaml", "#" * 65))],
        "INVENTORY_MAX_BYTES": _from_inventory(good, tmp_path),
        "FINDINGS_MAX_BYTES": _from_inventory(good, tmp_path, "--baseline", str(good.scan_dir)),
        "MAX_ASFF_BYTES": ["import", str(good.asff), "--dry-run", "--no-verify"],
        "EVENTS_MAX_BYTES": _events(tmp_path, "\n" * 65),
    }[limit]
    code = cli.main(["-q", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and len(_lines(err)) == 1 and "limit" in err


def test_quiet_and_verbose_work_after_the_command(
    good: Good, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(_from_inventory(good, tmp_path, "--format", "json")) == 1
    assert _lines(capsys.readouterr().err)  # progress on stderr
    shutil.rmtree(tmp_path / "o")
    assert cli.main([*_from_inventory(good, tmp_path, "--format", "json"), "-q"]) == 1
    assert _lines(capsys.readouterr().err) == []
    assert cli.main(["checks", "-v"]) == 0
    assert cli.main(["checks", "--quiet"]) == 0


def test_unexpected_exception_exit_70_with_traceback_in_a_log_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def broken(args: Any) -> int:
        raise RuntimeError("sentinel-bug-7f3a")

    monkeypatch.setattr(cli, "cmd_checks", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code = cli.main(["checks"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_INTERNAL == 70
    assert "Traceback" not in out + err and "sentinel-bug-7f3a" not in err
    assert len(_lines(err)) == 1
    logs = list(tmp_path.glob("trailwatch-crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    text = logs[0].read_text()
    assert "Traceback" in text and "sentinel-bug-7f3a" in text and "broken" in text


def test_exit_codes_70_and_130_are_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["scan", "--help"])
    text = capsys.readouterr().out
    assert "\n  70 " in text and "\n  130 " in text


def test_json_depth_prescan_agrees_with_the_nesting() -> None:
    assert not inputs.json_too_deep(_deep_json(inputs.MAX_DEPTH))
    assert inputs.json_too_deep(_deep_json(inputs.MAX_DEPTH + 1))
    nested = '{"a": ' * 80 + '"[[[[\\"{{{{"' + "}" * 80  # brackets in strings do not count
    assert not inputs.json_too_deep(nested)
    assert inputs.json_too_deep('[{"k": ' * 60 + "1" + "}]" * 60)
