"""A sparkline: a row's trend drawn as a tiny inline SVG in a table cell (the Models table's per-model trend).

Drawn on the server from the numbers alone, so it needs no script and shows the same in every browser; the
chart panels draw the full-size charts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 96, 22, 2


@dataclass(frozen=True)
class Sparkline:
    values: tuple[float, ...]
    label: str  # what the values are ("requests per hour"): the SVG's accessible name

    def __str__(self) -> str:
        # How the cell reads in CSV: the numbers, oldest first.
        return " ".join(f"{value:g}" for value in self.values)

    @property
    def svg(self) -> SafeString:
        values = self.values or (0.0,)
        top = max(values) or 1.0
        step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
        points = " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD):.1f}"
            for i, value in enumerate(values)
        )
        return mark_safe(
            f'<svg class="dash-spark" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(self.label)}"><polyline fill="none" stroke="#417690" stroke-width="1.5" '
            f'points="{points}"/></svg>'
        )
