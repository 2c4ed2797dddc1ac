"""The CI guard: fail a run whose tinkex client CPU per P1 sample is over 2x the raw loop's.

Both numbers come from the same run on the same machine, so the ratio does not depend on the
machine's speed; the limit sits well above the target (1.25x) and above the spread of the
smoke run, so it trips on a large regression, not on noise.
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks.targets import get, ratio

LIMIT = 2.0


def p1_cpu_ratio(summary: dict[str, Any]) -> float:
    """tinkex's client CPU per P1 sample over the raw loop's (NaN when either is missing)."""
    p1 = summary["scenarios"].get("P1", {})
    return ratio(
        get(p1, "tinkex", "client_cpu_us_per_sample"), get(p1, "raw", "client_cpu_us_per_sample")
    )


def check(summary: dict[str, Any]) -> tuple[bool, str]:
    """(passed, a line saying what was compared); passes when P1 was not measured for both."""
    value = p1_cpu_ratio(summary)
    if math.isnan(value):
        return True, "guard: P1 was not measured for both tinkex and the raw loop; nothing to check"
    p1 = summary["scenarios"]["P1"]
    numbers = (
        f"P1 client CPU per sample: tinkex {p1['tinkex']['client_cpu_us_per_sample']:.0f} µs, "
        f"raw aiohttp {p1['raw']['client_cpu_us_per_sample']:.0f} µs = {value:.2f}x"
    )
    if value > LIMIT:
        return False, f"guard FAILED: {numbers}, over the {LIMIT:.0f}x limit (a large regression)"
    return True, f"guard ok: {numbers} (limit {LIMIT:.0f}x)"
