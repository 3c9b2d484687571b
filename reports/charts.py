"""Inline SVG bar charts for report.html, drawn here (no chart library, no external resource).

The SVG uses presentation attributes and CSS classes only (no `style` attributes), so the page's
Content-Security-Policy needs nothing more. Every chart has a `<title>` and each bar a text label,
so it reads without colour and in a screen reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Geometry of a horizontal bar chart (SVG user units; the chart scales to its container).
WIDTH = 720
ROW = 26
LABEL = 350
BAR = 230
GAP = 6


@dataclass(frozen=True)
class Bar:
    """One bar: `value` out of `maximum`; `text` is written after it (None: no bar at all)."""

    label: str
    value: float | None
    maximum: float
    text: str
    css: str = ""


def bar_chart(
    title: str, bars: Sequence[Bar], css: str = "", label: int = LABEL, bar_width: int = BAR
) -> Markup:
    """A horizontal bar chart as one `<svg>` element; `label` and `bar_width`: the widths of the
    label column and of a full bar (the value text follows the bar)."""
    height = max(1, len(bars)) * ROW + GAP
    parts = [
        f'<svg class="chart {escape(css)}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = i * ROW + GAP
        mid = y + (ROW - GAP) / 2 + 4
        parts.append(f'<g class="bar {escape(bar.css)}">')
        text = escape(_fit(bar.label))
        parts.append(f'<text class="chart-label" x="0" y="{mid:.0f}">{text}</text>')
        parts.append(
            f'<rect class="track" x="{label}" y="{y}" width="{bar_width}" '
            f'height="{ROW - GAP}" rx="3"/>'
        )
        if bar.value is not None and bar.maximum > 0:
            width = max(0.0, min(1.0, bar.value / bar.maximum)) * bar_width
            if width > 0:
                parts.append(
                    f'<rect class="fill" x="{label}" y="{y}" width="{width:.1f}" '
                    f'height="{ROW - GAP}" rx="3"/>'
                )
        end = label + bar_width
        parts.append(
            f'<text class="chart-value" x="{end + 8}" y="{mid:.0f}">{escape(bar.text)}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above


def _fit(label: str, limit: int = 50) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
