"""Small server-rendered SVG charts (no script: the console's CSP allows none).

Each chart has a ``<title>`` and a text summary for screen readers, and the
numbers themselves are in a table under the charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 560, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 14, 24


def chart(
    title: str,
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    unit: str = "",
    bars: bool = False,
    percent: bool = False,
) -> Markup:
    """A bar chart (first series) or line chart of daily values."""
    n = max(len(days), 1)
    values = [v for _, vs, _ in series for v in vs]
    top = max(values, default=0.0)
    if percent:
        top = max(top, 0.05)
    top = top or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / n

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    def fmt(v: float) -> str:
        return f"{v * 100:.0f} %" if percent else f"{v:.0f}{unit}"

    last = ", ".join(f"{label} {fmt(vs[-1])}" for label, vs, _ in series if vs)
    parts = [
        f'<svg class="st-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" aria-label="{escape(title)}">',
        f"<title>{escape(title)} (dernier jour : {escape(last)})</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#666"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end" font-size="10">{escape(fmt(top))}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" font-size="10">0</text>',
    ]
    for i, day in enumerate(days):
        if i % max(1, n // 6) == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="10">'
                f"{day.strftime('%d/%m')}</text>"
            )
    for index, (label, vs, colour) in enumerate(series):
        if bars and index == 0:
            for i, v in enumerate(vs):
                h = plot_h * v / top
                parts.append(
                    f'<rect x="{x(i) - step * 0.35:.1f}" y="{TOP + plot_h - h:.1f}" '
                    f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{day_label(days[i])} : {escape(fmt(v))}</title></rect>"
                )
            continue
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(label)}</title></polyline>"
        )
    legend_x = LEFT + 6
    for label, _, colour in series:
        parts.append(
            f'<rect x="{legend_x}" y="{TOP}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{TOP + 9}" font-size="11">{escape(label)}</text>'
        )
        legend_x += 20 + 7 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))


def day_label(day: date) -> str:
    return day.strftime("%d/%m/%Y")
