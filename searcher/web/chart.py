"""The timeline as an SVG bar chart drawn on the server: one bar a period,
each a link narrowing the search to its dates, its count in a tooltip."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Callable, Sequence

# Past this many bars a chart is unreadable: months become years, days months.
MAX_BARS = 120
WIDTH, HEIGHT, TOP, BOTTOM = 800, 170, 14, 22


@dataclass(frozen=True)
class Bar:
    period: str  # "1987", "1987-03", "1987-03-05" or "1987-W09"
    count: int

    @property
    def dates(self) -> tuple[str, str]:
        """since/until that cover this period (until includes the whole period it names)."""
        if "-W" in self.period:
            year, week = self.period.split("-W")
            monday = date.fromisocalendar(int(year), int(week), 1)
            return monday.isoformat(), (monday + timedelta(days=6)).isoformat()
        return self.period, self.period


def bars(periods: Sequence[tuple[str, int]]) -> list[Bar]:
    """The periods to draw: as counted, or summed into months/years when too many."""
    found = [Bar(period, count) for period, count in periods]
    while len(found) > MAX_BARS and found and len(found[0].period) in (7, 10) and "-W" not in found[0].period:
        found = _coarser(found)
    return found


def _coarser(found: list[Bar]) -> list[Bar]:
    """Days summed into months, months into years; periods with none filled in (zeros are data)."""
    cut = 7 if len(found[0].period) == 10 else 4
    sums: dict[str, int] = {}
    for bar in found:
        sums[bar.period[:cut]] = sums.get(bar.period[:cut], 0) + bar.count
    keys = list(sums)
    if cut == 4 and int(keys[-1]) - int(keys[0]) < 2000:
        keys = [f"{year:04d}" for year in range(int(keys[0]), int(keys[-1]) + 1)]
    return [Bar(key, sums.get(key, 0)) for key in keys]


def timeline_svg(periods: Sequence[tuple[str, int]], link: Callable[[Bar], str], noun: str = "articles") -> str:
    """SVG markup; every text and link in it is escaped here."""
    found = bars(periods)
    if not found:
        return ""
    peak = max(bar.count for bar in found) or 1
    step = WIDTH / len(found)
    plot = HEIGHT - TOP - BOTTOM
    parts = [f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(noun)} by period" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="0" y="10" class="axis">{peak:,}</text>']
    for i, bar in enumerate(found):
        height = plot * bar.count / peak
        label = f"{bar.period}: {bar.count:,} {noun}"
        parts.append(f'<a href="{escape(link(bar))}" class="bar" data-period="{escape(bar.period)}" '
                     f'data-count="{bar.count}"><title>{escape(label)}</title>'
                     f'<rect x="{i * step:.2f}" y="{TOP}" width="{max(step, 1):.2f}" height="{plot}" class="hit"/>'
                     f'<rect x="{i * step + step * 0.1:.2f}" y="{TOP + plot - height:.2f}" '
                     f'width="{max(step * 0.8, 0.5):.2f}" height="{height:.2f}" class="count"/></a>')
    baseline = HEIGHT - BOTTOM
    parts.append(f'<line x1="0" y1="{baseline}" x2="{WIDTH}" y2="{baseline}" class="axis"/>')
    parts.append(f'<text x="0" y="{HEIGHT - 6}" class="axis">{escape(found[0].period)}</text>')
    if len(found) > 1:
        parts.append(f'<text x="{WIDTH}" y="{HEIGHT - 6}" class="axis" text-anchor="end">'
                     f'{escape(found[-1].period)}</text>')
    parts.append("</svg>")
    return "".join(parts)
