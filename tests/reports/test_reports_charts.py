"""Server-rendered SVG charts: escaped text, accessible names, readable in grey-scale, a
table of numbers next to every chart, and markup a strict Content-Security-Policy accepts."""
from __future__ import annotations

import datetime
import itertools
import re

import pytest

from agreements.reports import charts
from tests.reports.reports_support import frozen_summit  # noqa: F401 (fixture)


def luminance(colour: str) -> float:
    """Relative luminance (WCAG) of #rrggbb: what is left of a colour in grey-scale."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("looks", [charts.STATUS_LOOK, charts.HEALTH_LOOK, dict(enumerate(charts.SERIES_LOOKS))])
def test_every_two_series_differ_in_pattern_or_clearly_in_grey(looks):
    for (a, (fill_a, pattern_a, *_)), (b, (fill_b, pattern_b, *_)) in itertools.combinations(looks.items(), 2):
        assert pattern_a != pattern_b or abs(luminance(fill_a) - luminance(fill_b)) > 0.15, (a, b)


def test_labels_from_data_are_escaped():
    svg = charts.stacked_bars("c", "Title <b>", "Desc & more", [("<script>alert(1)</script>", [3, 4])],
                              [charts.status_swatch("draft", "Draft"), charts.status_swatch("signed", "Signed")])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Title &lt;b&gt;" in svg and "Desc &amp; more" in svg


def test_a_chart_is_an_image_with_a_title_and_a_description():
    svg = charts.bars("chart-x", "Health", "See the table", [("On track", 5, charts.health_swatch("on_track", "On"))])
    assert re.search(r'<svg [^>]*role="img"[^>]*aria-labelledby="chart-x-title chart-x-desc"', svg)
    assert '<title id="chart-x-title">Health</title>' in svg and '<desc id="chart-x-desc">See the table</desc>' in svg


def test_numbers_are_written_on_the_bars_and_totals_after_them():
    svg = charts.stacked_bars("c", "t", "d", [("Pillar", [120, 30])],
                              [charts.status_swatch("in_progress", "In progress"), charts.status_swatch("done", "x")])
    texts = re.findall(r">(\d+)</text>", svg)
    assert "120" in texts and "30" in texts and "150" in texts


def test_patterns_are_defined_once_per_chart_with_its_own_ids():
    svg = charts.stacked_bars("one", "t", "d", [("a", [1, 1])],
                              [charts.status_swatch("signed", "S"), charts.status_swatch("on_hold", "H")])
    assert svg.count('<pattern id="one-signed"') == 1 and 'fill="url(#one-on_hold)"' in svg


def test_axis_ceiling_is_round_and_has_at_most_five_ticks():
    for value in range(0, 3000):
        ceiling, step = charts.nice_ceiling(value)
        assert ceiling >= value and ceiling % step == 0 and ceiling // step <= 5, value
    assert charts.nice_ceiling(142) == (150, 50)


def test_months_are_labelled_with_the_year_under_january():
    months = [datetime.date(2025, 12, 1), datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)]
    svg = charts.columns_over_time("m", "t", "d", months, [(charts.series_swatch(0, "due", "Due"), [2, 5, 0])],
                                   line=(charts.line_swatch("changes", "Changes"), [1, 2, 3]))
    labels = re.findall(r'class="chart-axis">([^<]+)</text>', svg)
    assert {"Dec", "Jan", "Feb", "2025", "2026"} <= set(labels)
    assert "<polyline" in svg and svg.count("<circle") == 3 + 1  # three points and the legend's marker


@pytest.mark.usefixtures("frozen_summit")
def test_dashboard_has_a_table_of_numbers_for_every_chart_and_no_inline_style_or_script(client, manager):
    client.force_login(manager)
    html = client.get("/reports/").content.decode()
    # A panel is a section (the first screen's) or a folded details.
    sections = [m.group(0) for m in re.finditer(r'<(section|details) class="card report-panel.*?</\1>', html, flags=re.S)]
    with_charts = [s for s in sections if 'role="img"' in s]
    assert sum(s.count("<svg ") for s in with_charts) == 5
    assert all("<table" in s for s in with_charts)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert not re.search(r"\son[a-z]+=", html)
