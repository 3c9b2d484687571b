"""The report's trend chart (inline SVG geometry, no library) and "since last scan" deltas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.history import HistoryEntry
from scanner.core.model import Status

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
#: (status, CSS class, legend) of the lines drawn.
SERIES: tuple[tuple[Status, str, str], ...] = (
    (Status.FAIL, "fail", "Failed"),
    (Status.ERROR, "error", "Error (not evaluated)"),
    (Status.WARNING, "warning", "Warning"),
)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int


@dataclass(frozen=True)
class Line:
    css: str
    label: str
    points: tuple[Point, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Delta:
    label: str
    before: str
    now: str
    change: str
    worse: bool | None
    """True: the change is for the worse; False: for the better; None: no change."""


@dataclass(frozen=True)
class TrendView:
    """What the template draws: the chart, the scans it covers, and the deltas."""

    scans: tuple[HistoryEntry, ...]
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    previous: HistoryEntry | None
    deltas: tuple[Delta, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM


def _nice_max(value: int) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return ((value // 10000) + 1) * 10000


def build_trend(previous: Sequence[HistoryEntry], current: HistoryEntry) -> TrendView:
    """`previous` scans (oldest first, as read from the history) and this scan."""
    earlier = [e for e in previous if e.scan_id != current.scan_id]
    scans = (*earlier, current)
    top = _nice_max(max((e.count(s) for e in scans for s, _c, _l in SERIES), default=0))
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def x_of(i: int) -> float:
        return LEFT + (span_x * i / (len(scans) - 1) if len(scans) > 1 else span_x / 2)

    def y_of(v: int) -> float:
        return TOP + span_y * (1 - v / top)

    lines = tuple(
        Line(
            css,
            label,
            tuple(Point(x_of(i), y_of(e.count(st)), e.count(st)) for i, e in enumerate(scans)),
        )
        for st, css, label in SERIES
    )
    every = max(1, len(scans) // 6)
    last_i = len(scans) - 1

    def anchor(i: int) -> str:
        if last_i == 0:
            return "middle"
        return "start" if i == 0 else "end" if i == last_i else "middle"

    x_ticks = tuple(
        Tick(x_of(i), f"{e.finished_at:%m-%d %H:%M}", anchor(i))
        for i, e in enumerate(scans)
        if i % every == 0 or i == last_i
    )
    y_ticks = tuple(Tick(y_of(v), str(v)) for v in (0, top // 2, top))
    last = earlier[-1] if earlier else None
    return TrendView(
        scans=scans,
        lines=lines,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        previous=last,
        deltas=_deltas(last, current) if last is not None else (),
    )


def _signed(n: float, unit: str = "") -> str:
    if n == 0:
        return "no change"
    return f"{n:+.1f}{unit}" if unit else f"{n:+d}"


def _deltas(before: HistoryEntry, now: HistoryEntry) -> tuple[Delta, ...]:
    rows: list[Delta] = []
    worse: bool | None
    up_is_bad: bool | None
    for status, label, up_is_bad in (
        (Status.FAIL, "Failed findings", True),
        (Status.ERROR, "Error findings (not evaluated)", True),
        (Status.WARNING, "Warnings", True),
        (Status.SUPPRESSED, "Suppressed (accepted risks)", None),
        (Status.PASS, "Passed findings", False),
    ):
        a, b = before.count(status), now.count(status)
        worse = None if a == b or up_is_bad is None else (b > a) == up_is_bad
        rows.append(Delta(label, str(a), str(b), _signed(b - a), worse))
    rows.append(
        Delta(
            "Accounts scanned",
            str(len(before.accounts)),
            str(len(now.accounts)),
            _signed(len(now.accounts) - len(before.accounts)),
            None,
        )
    )
    old = {fw.key: fw for fw in before.frameworks}
    for fw in now.frameworks:
        prev = old.get(fw.key)
        was = prev.percent if prev is not None else None
        now_pct = fw.percent
        change = "-"
        worse = None
        if was is not None and now_pct is not None:
            change = _signed(round(now_pct - was, 1), " pts")
            worse = None if was == now_pct else now_pct < was
        rows.append(
            Delta(
                f"{fw.name} score",
                "n/a" if was is None else f"{was:.1f}%",
                "n/a" if now_pct is None else f"{now_pct:.1f}%",
                change,
                worse,
            )
        )
    return tuple(rows)
