"""`stats --plot`: drawn per the period its title names, every period counted, one panel a site."""

from __future__ import annotations

import time
import warnings
from datetime import date, timedelta
from pathlib import Path

import pytest

from newsarchive.plots import MAX_PANELS, largest_sites, per_period, plot_per_period
from newsarchive.sites import SITES
from newsarchive.store.reports import SiteStats, Stats


def stats_of(per_day: dict[str, dict[str, int]]) -> Stats:
    sites = sorted({site for counts in per_day.values() for site in counts})
    return Stats(total=0, sites=[SiteStats(site, 1, None, None, {}) for site in sites], per_day=per_day)


def test_a_short_span_is_counted_per_day_with_the_empty_days_as_zero() -> None:
    unit, periods, counts = per_period(
        stats_of({"2024-05-01": {"ynet": 2}, "2024-05-04": {"ynet": 1, "walla": 5}})
    )
    assert unit == "day"
    assert periods == [date(2024, 5, d) for d in (1, 2, 3, 4)]
    assert counts == {"walla": [0, 0, 0, 5], "ynet": [2, 0, 0, 1]}


@pytest.mark.parametrize(
    ("days", "unit"), [(120, "day"), (121, "week"), (3 * 365, "week"), (3 * 365 + 1, "month")]
)
def test_the_period_follows_the_span(days: int, unit: str) -> None:
    last = date(2024, 5, 1) + timedelta(days=days)
    found, periods, counts = per_period(stats_of({"2024-05-01": {"ynet": 1}, last.isoformat(): {"ynet": 2}}))
    assert found == unit
    assert sum(counts["ynet"]) == 3  # nothing falls outside the periods
    assert periods[0] <= date(2024, 5, 1) and periods[-1] <= last


def test_twenty_sites_are_drawn_as_panels_and_undated_articles_are_said(tmp_path: Path) -> None:
    per_day = {
        (date(2024, 5, 1) + timedelta(days=k)).isoformat(): {
            site: (k + n) % 4 for n, site in enumerate(SITES)
        }
        for k in range(60)
    }
    per_day["unknown"] = {"ynet": 3}
    for suffix in ("png", "svg", "pdf"):
        path = tmp_path / f"plot.{suffix}"
        assert plot_per_period(stats_of(per_day), path) == "day"
        assert path.stat().st_size > 1000
    svg = (tmp_path / "plot.svg").read_text()
    assert (
        "Articles per day and site, 2024-05-01 to 2024-06-29" in svg and "3 without a date not shown" in svg
    )
    assert all(f"{site} (" in svg for site in SITES)  # one labelled panel a site: no legend over the data


@pytest.mark.parametrize("days", [0, 2, 9, 400])
def test_a_plot_of_one_site_draws_without_a_warning_and_its_title_whole(tmp_path: Path, days: int) -> None:
    """A span of a few days made matplotlib warn twice on stderr (its date locator was asked for more ticks
    at least than at most); one narrow panel cut the one-line title at both ends; a "$" in a site's name
    started mathtext, an unbalanced one stopped the drawing."""
    import matplotlib.pyplot as plt

    last = (date(2024, 5, 1) + timedelta(days=days)).isoformat()
    stats = stats_of({"2024-05-01": {"a$b": 1}, last: {"a$b": 2}})
    titles: list[str] = []
    close = plt.close

    def seen_closing(figure: object) -> None:
        titles.append(figure._suptitle.get_text())  # type: ignore[attr-defined]
        close(figure)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(plt, "close", seen_closing)
            plot_per_period(stats, tmp_path / "one.png")
    assert (tmp_path / "one.png").stat().st_size > 1000
    assert all(len(line) <= 40 for line in titles[0].splitlines()), titles


def test_thousands_of_sites_are_drawn_as_the_largest_and_the_others_in_bounded_time(tmp_path: Path) -> None:
    """An --all-hebrew import holds a site per domain: 1,500 panels took matplotlib more than 15 minutes."""
    counts = {f"s{n}.co.il": [n % 3, 1] for n in range(1500)}
    kept = largest_sites(counts)
    assert len(kept) == MAX_PANELS and list(kept)[-1] == "1,477 other sites"
    assert [sum(series) for series in kept.values()][: MAX_PANELS - 1] == [3] * (MAX_PANELS - 1)
    assert [sum(column) for column in zip(*kept.values(), strict=True)] == [
        sum(column) for column in zip(*counts.values(), strict=True)
    ]  # nothing left out
    per_day = {f"2024-05-{day:02d}": {f"s{n}.co.il": 1 for n in range(day, 1500, 7)} for day in range(1, 29)}
    started = time.perf_counter()
    plot_per_period(stats_of(per_day), tmp_path / "many.png")
    assert time.perf_counter() - started < 60 and (tmp_path / "many.png").stat().st_size > 10_000
