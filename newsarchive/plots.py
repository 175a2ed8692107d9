"""Pictures of what the archive holds (`newsarchive stats --plot`): matplotlib, drawn to a file."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .store.reports import Stats, written_whole

if TYPE_CHECKING:
    from .store.analysis import Trends

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


#: series a trend plot tells apart: the sites with the most matching articles, the others drawn as one
MAX_TREND_SERIES = 20
#: markers and dashes that, with tab20's colours, keep twenty series apart in grey print as well
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
_DASHES = ("-", "--", ":", "-.")


def trend_series(trend: Trends) -> tuple[list[date], dict[str, tuple[list[int], list[int]]]]:
    """The period starts, and per site (the MAX_TREND_SERIES - 1 with most matches first, the rest summed
    as "N other sites" when there are more) its matching articles and its total per period."""
    starts = sorted({row.start for row in trend.rows})
    index = {start: n for n, start in enumerate(starts)}
    series: dict[str, tuple[list[int], list[int]]] = {}
    for row in trend.rows:
        counts, totals = series.setdefault(row.site, ([0] * len(starts), [0] * len(starts)))
        counts[index[row.start]] += row.count
        totals[index[row.start]] += row.total
    if len(series) <= MAX_TREND_SERIES:
        return starts, series
    ranked = sorted(series, key=lambda site: (-sum(series[site][0]), site))
    kept, others = ranked[: MAX_TREND_SERIES - 1], ranked[MAX_TREND_SERIES - 1 :]
    summed = tuple(
        [sum(column) for column in zip(*(series[site][part] for site in others), strict=True)]
        for part in (0, 1)
    )
    return starts, {site: series[site] for site in kept} | {f"{len(others):,} other sites": summed}  # type: ignore[dict-item]


def plot_trend(trend: Trends, query: str, path: Path) -> None:
    """A query's trend to a file: above, the matching articles per period (whole numbers); below, their
    share of what each site published then, in percent; one line a site, told apart by colour, marker and
    dash; the query and the period in the title. Written whole or not at all."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    starts, series = trend_series(trend)
    figure, (counts_axes, share_axes) = plt.subplots(2, 1, figsize=(11, 7.5), dpi=120, sharex=True)
    colours = plt.get_cmap("tab20").colors  # type: ignore[attr-defined]
    for n, (site, (counts, totals)) in enumerate(series.items()):
        style = {
            "color": colours[(n * 2) % 20 + (n // 10) % 2],  # the dark tones first, then the light ones
            "marker": _MARKERS[n % len(_MARKERS)],
            "linestyle": _DASHES[(n // len(_MARKERS)) % len(_DASHES)],
            "markersize": 4 if len(starts) > 60 else 6,
            "linewidth": 1.4,
            "label": site.replace("$", r"\$"),
        }
        counts_axes.plot(starts, counts, **style)
        shares = [100 * c / t if t else 0.0 for c, t in zip(counts, totals, strict=True)]
        share_axes.plot(starts, shares, **style)
    counts_axes.set_ylabel(f"matching articles per {trend.by}")
    counts_axes.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    counts_axes.set_ylim(bottom=0)
    share_axes.set_ylabel("share of the site's articles")
    share_axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    share_axes.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    share_axes.set_ylim(0, min(100, share_axes.get_ylim()[1]))  # a share is never above 100%
    for axes in (counts_axes, share_axes):
        axes.grid(alpha=0.3)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    share_axes.xaxis.set_major_locator(locator)
    share_axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    counts_axes.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", title="site", frameon=False
    )
    span = f"{starts[0]:%Y-%m-%d} to {starts[-1]:%Y-%m-%d}" if starts else "no dated articles"
    # Latin first: matplotlib lays the title out by the first strong letter, and a Hebrew one would turn it
    title = f"Articles matching “{query}” per {trend.by} and site, {span} (Israel time)"
    if trend.undated:
        title += f"; {trend.undated:,} without a date not counted"
    figure.suptitle("\n".join(textwrap.wrap(title.replace("$", r"\$"), 110)))
    figure.tight_layout()
    with written_whole(path) as partial:
        figure.savefig(partial, format=path.suffix.lower().lstrip("."))
    plt.close(figure)
