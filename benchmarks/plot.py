"""The results plot: grouped bar charts as a hand-written SVG (no plotting dependency).

Two rows of panels, one column per scenario (P1, P1b, P6): throughput on top (higher is
better), the client's CPU per operation below (lower is better), one bar per client in the
same colour everywhere. Each panel has its own scale (units differ), and every bar carries
its value, so nothing has to be read off an axis.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

CLIENTS = (
    ("tinkex", "tinkex", "#2b6cb0"),
    ("official", "official tinker 0.38", "#dd6b20"),
    ("raw", "raw aiohttp", "#718096"),
)

# scenario -> (panel title, (throughput key, unit), (CPU key, unit))
PANELS: tuple[tuple[str, str, tuple[str, str], tuple[str, str]], ...] = (
    (
        "P1",
        "P1 sampling fan-out",
        ("samples_per_s", "samples/s"),
        ("client_cpu_us_per_sample", "µs/sample"),
    ),
    (
        "P1b",
        "P1b fan-out, batch polling",
        ("samples_per_s", "samples/s"),
        ("client_cpu_us_per_sample", "µs/sample"),
    ),
    ("P6", "P6 train loop", ("steps_per_s", "steps/s"), ("client_cpu_ms_per_step", "ms/step")),
)

WIDTH = 840
PANEL_W = 250
PANEL_GAP = 25
PANEL_H = 190
TOP = 78
ROW_GAP = 80
LEFT = 20
BAR_W = 46
BAR_GAP = 22
FONT = 'font-family="Helvetica, Arial, sans-serif"'


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _text(
    x: float, y: float, text: str, *, size: int = 12, anchor: str = "middle", extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" text-anchor="{anchor}"'
        f"{extra}>{escape(text)}</text>"
    )


def _panel(x0: float, y0: float, title: str, unit: str, values: dict[str, float]) -> list[str]:
    """One panel: title, baseline, a labelled bar per client (scaled to the panel's largest)."""
    out = [
        _text(x0 + PANEL_W / 2, y0, title, size=13, extra=' font-weight="bold"'),
        _text(x0 + PANEL_W / 2, y0 + 16, unit, size=12, extra=' fill="#4a5568"'),
    ]
    base = y0 + PANEL_H
    out.append(
        f'<line x1="{x0:.1f}" y1="{base:.1f}" x2="{x0 + PANEL_W:.1f}" y2="{base:.1f}" '
        'stroke="#a0aec0" stroke-width="1"/>'
    )
    known = [v for v in values.values() if not math.isnan(v) and v > 0]
    top = max(known) * 1.15 if known else 1.0
    span = len(CLIENTS) * BAR_W + (len(CLIENTS) - 1) * BAR_GAP
    x = x0 + (PANEL_W - span) / 2
    usable = PANEL_H - 48  # room for the title, the unit and the value label
    for key, name, colour in CLIENTS:
        value = values.get(key, math.nan)
        centre = x + BAR_W / 2
        if math.isnan(value):
            out.append(_text(centre, base - 6, "not run", size=11, extra=' fill="#a0aec0"'))
        else:
            height = max(value / top * usable, 1.0)
            out.append(
                f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{BAR_W}" '
                f'height="{height:.1f}" fill="{colour}"><title>{escape(name)}: '
                f"{escape(_number(value))} {escape(unit)}</title></rect>"
            )
            out.append(_text(centre, base - height - 5, _number(value), size=11))
        out.append(_text(centre, base + 15, name.split()[0], size=11, extra=' fill="#4a5568"'))
        x += BAR_W + BAR_GAP
    return out


def render(scenarios: dict[str, Any], caption: str) -> str:
    """The SVG document for the summarized scenarios (missing clients show as "not run").

    Args:
        scenarios: ``summary["scenarios"]`` of a run.
        caption: A line under the title (when and where the run was).
    """
    height = TOP + 2 * PANEL_H + ROW_GAP + 50
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-label="Throughput and client CPU per operation by client">',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        _text(
            LEFT,
            24,
            "tinkex vs the official SDK vs a raw aiohttp loop",
            size=16,
            anchor="start",
            extra=' font-weight="bold"',
        ),
        _text(LEFT, 44, caption, size=12, anchor="start", extra=' fill="#4a5568"'),
    ]
    lx = WIDTH - 20.0
    for _, name, colour in reversed(CLIENTS):
        width = 14 + 7 * len(name)
        lx -= width + 14
        out.append(f'<rect x="{lx:.1f}" y="{14}" width="12" height="12" fill="{colour}"/>')
        out.append(_text(lx + 17, 24, name, size=12, anchor="start"))
    rows = ("throughput (higher is better)", "client CPU per operation (lower is better)")
    for index, label in enumerate(rows):
        y0 = TOP + index * (PANEL_H + ROW_GAP)
        out.append(_text(LEFT, y0 - 8, label, size=12, anchor="start", extra=' fill="#4a5568"'))
        for column, (scenario, title, speed, cpu) in enumerate(PANELS):
            key, unit = cpu if index else speed
            data = scenarios.get(scenario, {})
            values = {c: float(data.get(c, {}).get(key, math.nan)) for c, _, _ in CLIENTS}
            x0 = LEFT + column * (PANEL_W + PANEL_GAP)
            out += _panel(x0, y0 + 14, title, unit, values)
    out.append("</svg>")
    return "\n".join(out) + "\n"
