"""Pictures of what the archive holds (`newsarchive stats --plot`): matplotlib, drawn to a file."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from .store.reports import Stats, written_whole

#: what --plot draws (by the file's suffix)
PLOT_FORMATS = ("png", "pdf", "svg")
#: the longest span drawn per day, then per week; longer spans are drawn per month
DAYS_BY_DAY = 120
DAYS_BY_WEEK = 3 * 365
#: small multiples: this many panels side by side
COLUMNS = 4
#: the most panels drawn: the largest sites, and one panel for all the others (an --all-hebrew import holds
#: thousands of domains: 1,500 panels took matplotlib more than 15 minutes)
MAX_PANELS = 24
#: characters of the title per inch of the figure (one narrow panel cut a one-line title at both ends)
TITLE_CHARS_PER_INCH = 10


def period_of(first: date, last: date) -> tuple[str, Callable[[date], date], int]:
    """The period a span is counted by — "day" up to 120 days, "week" up to three years, else "month" — with
    the function that gives a day's period start, and the period's length in days (for bar widths)."""
    span = (last - first).days
    if span <= DAYS_BY_DAY:
        return "day", lambda d: d, 1
    if span <= DAYS_BY_WEEK:
        return "week", lambda d: d - timedelta(days=d.weekday()), 7
    return "month", lambda d: d.replace(day=1), 30


def per_period(stats: Stats) -> tuple[str, list[date], dict[str, list[int]]]:
    """The period, the period starts from the first to the last dated article (none left out), and each
    site's count per period, the periods without articles counted as zero."""
    days = sorted(date.fromisoformat(d) for d in stats.per_day if d != "unknown")
    if not days:
        return "day", [], {}
    unit, start_of, _ = period_of(days[0], days[-1])
    periods: list[date] = []
    current = start_of(days[0])
    while current <= days[-1]:
        periods.append(current)
        current = start_of(current + timedelta(days={"day": 1, "week": 7, "month": 32}[unit]))
    index = {period: n for n, period in enumerate(periods)}
    counts = {site.site: [0] * len(periods) for site in stats.sites}
    for day_text, per_site in stats.per_day.items():
        if day_text == "unknown":
            continue
        slot = index[start_of(date.fromisoformat(day_text))]
        for site, count in per_site.items():
            counts.setdefault(site, [0] * len(periods))[slot] += count
    return unit, periods, counts


def largest_sites(counts: dict[str, list[int]]) -> dict[str, list[int]]:
    """At most MAX_PANELS series: the largest sites by articles, and the others summed as "N other sites"."""
    if len(counts) <= MAX_PANELS:
        return counts
    ranked = sorted(counts, key=lambda site: (-sum(counts[site]), site))
    kept, others = ranked[: MAX_PANELS - 1], ranked[MAX_PANELS - 1 :]
    summed = [sum(column) for column in zip(*(counts[site] for site in others), strict=True)]
    return {site: counts[site] for site in kept} | {f"{len(others):,} other sites": summed}


def plot_per_period(stats: Stats, path: Path) -> str:
    """Articles per site over time, one small panel per site (readable in print for twenty sites: no colours
    to tell apart, no legend over the data), whole-number counts, per day over short spans and per week or
    month over long ones — the title says which. Returns the period drawn ("day", "week" or "month")."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    unit, periods, counts = per_period(stats)
    counts = largest_sites(counts)
    sites = [site for site in counts if sum(counts[site])]
    columns = max(1, min(COLUMNS, len(sites)))
    rows = max(1, math.ceil(len(sites) / columns))
    inches = 3.4 * columns + 0.6
    figure, grid = plt.subplots(
        rows, columns, figsize=(inches, 1.8 * rows + 1.2), dpi=120, sharex=True, squeeze=False
    )
    width = {"day": 1, "week": 7, "month": 30}[unit] * 0.85
    for axes, site in zip(grid.flat, sites, strict=False):
        axes.bar(periods, counts[site], width=width, align="edge", color="0.25")
        # a "$" would start mathtext, and an unbalanced one stop the drawing
        axes.set_title(f"{site} ({sum(counts[site]):,})".replace("$", r"\$"), fontsize="small", loc="left")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=3, min_n_ticks=1))
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.tick_params(labelsize="x-small")
        locator = mdates.AutoDateLocator(minticks=2, maxticks=4)  # minticks above maxticks: a warning
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    for axes in list(grid.flat)[len(sites) :]:
        axes.set_visible(False)
    undated = sum(stats.per_day.get("unknown", {}).values())
    if periods:
        title = f"Articles per {unit} and site, {periods[0]:%Y-%m-%d} to {periods[-1]:%Y-%m-%d} (Israel time)"
        if undated:
            title += f"; {undated:,} without a date not shown"
    else:
        title = "No dated articles"
    figure.suptitle("\n".join(textwrap.wrap(title, int(inches * TITLE_CHARS_PER_INCH))))  # never cut off
    figure.supylabel(f"articles per {unit}")
    figure.tight_layout()
    with written_whole(path) as partial:
        figure.savefig(partial, format=path.suffix.lower().lstrip("."))
    plt.close(figure)
    return unit
