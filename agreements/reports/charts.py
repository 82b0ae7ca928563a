"""Server-rendered SVG charts for the reports dashboard: no JavaScript, nothing from the internet.

A chart is a picture of numbers that are also on the page as a table: the table carries the
drill-down links and is what a screen reader reads (the SVG is `role="img"` with a <title>
and a <desc> saying where the numbers are). For print and grey-scale every series differs
in lightness *and* in pattern, numbers are written on the bars where they fit, and the
legend repeats the swatches.

All text goes through `format_html`, so labels taken from data (pillar names, focus areas)
are escaped. No `style` attributes: presentation attributes only, which a strict
Content-Security-Policy allows; reports.css styles the rest by class.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
INK, MUTED, GRID = "#1b2430", "#4a5565", "#c9cfd8"


@dataclass(frozen=True)
class Swatch:
    """How one series looks: base colour, an optional pattern, and the colour of text on it."""

    key: str
    label: str
    fill: str
    pattern: str | None = None  # dots, hatch, backhatch, lines, cross
    mark: str = "#ffffff"  # colour of the pattern's marks
    ink: str = INK  # colour of numbers written on the swatch
    line: bool = False  # drawn as a dashed line with markers, not as a filled area


# One look per status: lightness steps plus patterns, so statuses stay apart in grey.
STATUS_LOOK = {
    "draft": ("#e6e9ee", None, "#ffffff", INK),
    "signed": ("#a9cde6", "dots", "#0b4a6f", INK),
    "in_progress": ("#0b4a6f", None, "#ffffff", "#ffffff"),
    "on_hold": ("#f2c14e", "hatch", "#7a5200", INK),
    "pending_closure": ("#8e79b9", "lines", "#ffffff", INK),
    "completed": ("#1f7a4d", "cross", "#9fd4b6", "#ffffff"),
    "terminated": ("#a4161a", "backhatch", "#f2b8b8", "#ffffff"),
}
HEALTH_LOOK = {
    "on_track": ("#1f7a4d", None, "#ffffff", "#ffffff"),
    "at_risk": ("#f2c14e", "hatch", "#7a5200", INK),
    "off_track": ("#a4161a", "cross", "#f2b8b8", "#ffffff"),
    "unknown": ("#e6e9ee", None, "#ffffff", INK),
}
# Pillars are data (editable), so they take looks by position.
SERIES_LOOKS = [
    ("#0b4a6f", None, "#ffffff", "#ffffff"),
    ("#a9cde6", "dots", "#0b4a6f", INK),
    ("#f2c14e", "hatch", "#7a5200", INK),
    ("#8e79b9", "lines", "#ffffff", INK),
    ("#1f7a4d", "cross", "#9fd4b6", "#ffffff"),
    ("#e6e9ee", "backhatch", "#6b7585", INK),
]


def status_swatch(key: str, label: str) -> Swatch:
    return Swatch(key, label, *STATUS_LOOK.get(key, SERIES_LOOKS[0]))


def health_swatch(key: str, label: str) -> Swatch:
    return Swatch(key, label, *HEALTH_LOOK.get(key, SERIES_LOOKS[0]))


def series_swatch(index: int, key: str, label: str) -> Swatch:
    return Swatch(key, label, *SERIES_LOOKS[index % len(SERIES_LOOKS)])


# --- Building blocks -------------------------------------------------------------------------

def _pattern(chart_id: str, swatch: Swatch) -> SafeString:
    marks = {
        "dots": '<circle cx="3" cy="3" r="1.3" fill="{mark}"/>',
        "hatch": '<rect width="2" height="6" fill="{mark}"/>',
        "backhatch": '<rect width="2" height="6" fill="{mark}"/>',
        "lines": '<rect width="6" height="1.6" fill="{mark}"/>',
        "cross": '<rect width="1.5" height="6" fill="{mark}"/><rect width="6" height="1.5" fill="{mark}"/>',
    }
    rotate = {"hatch": "rotate(45)", "backhatch": "rotate(-45)", "cross": "rotate(45)"}.get(swatch.pattern, "")
    return format_html(
        '<pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="{}">'
        '<rect width="6" height="6" fill="{}"/>{}</pattern>',
        f"{chart_id}-{swatch.key}", rotate or "rotate(0)", swatch.fill,
        format_html(marks[swatch.pattern], mark=swatch.mark),
    )


def _fill(chart_id: str, swatch: Swatch) -> str:
    return f"url(#{chart_id}-{swatch.key})" if swatch.pattern else swatch.fill


def _defs(chart_id: str, swatches: Sequence[Swatch]) -> SafeString:
    patterns = [_pattern(chart_id, s) for s in swatches if s.pattern]
    return format_html("<defs>{}</defs>", mark_safe("".join(patterns))) if patterns else mark_safe("")


def _text(x: float, y: float, text, *, size: int = 13, anchor: str = "start", fill: str = INK,
          css: str = "chart-label", weight: str = "normal", halo: str | None = None) -> SafeString:
    """A text; with `halo`, outlined in that colour so it stays legible on a pattern."""
    # paint-order is a CSS property (not an SVG attribute HTML allows): the class `chart-halo` sets it.
    outline = format_html(' stroke="{}" stroke-width="3" stroke-linejoin="round"', halo) if halo else ""
    css = f"{css} chart-halo" if halo else css
    return format_html('<text x="{}" y="{}" font-size="{}" text-anchor="{}" fill="{}" font-weight="{}" class="{}"{}>'
                       "{}</text>", _n(x), _n(y), size, anchor, fill, weight, css, outline, text)


def _rect(x: float, y: float, width: float, height: float, fill: str, stroke: str = "none") -> SafeString:
    return format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="0.75"/>',
                       _n(x), _n(y), _n(width), _n(height), fill, stroke)


def _n(value: float) -> str:
    """Coordinates with one decimal: short markup, no locale formatting."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _legend(chart_id: str, swatches: Sequence[Swatch], y: float = 4) -> tuple[list[SafeString], float]:
    """Swatches and labels in rows that wrap at the chart's width; returns (parts, height)."""
    parts, x, row = [], 0.0, 0
    for swatch in swatches:
        width = 14 + 6 + 7.2 * len(str(swatch.label)) + 16
        if x and x + width > WIDTH:
            x, row = 0.0, row + 1
        top = y + row * 20
        parts += _line_key(swatch, x, top) if swatch.line else [_rect(x, top, 14, 14, _fill(chart_id, swatch), MUTED)]
        parts.append(_text(x + 20, top + 11.5, swatch.label, css="chart-legend"))
        x += width
    return parts, (row + 1) * 20 + 8 if swatches else 0


def _svg(chart_id: str, title: str, desc: str, height: float, swatches: Sequence[Swatch],
         parts: list[SafeString]) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>{}{}</svg>',
        chart_id, WIDTH, _n(height), chart_id, chart_id, chart_id, title, chart_id, desc,
        _defs(chart_id, swatches), mark_safe("".join(parts)),
    )


# --- Charts ------------------------------------------------------------------------------------

def stacked_bars(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, Sequence[int]]],
                 swatches: Sequence[Swatch], *, legend: bool = True) -> SafeString:
    """One horizontal bar per row, split into the series; the label above the bar, the
    row's total after it, each segment's number on it when it fits."""
    parts, top = _legend(chart_id, swatches) if legend else ([], 0)
    longest = max((sum(values) for _label, values in rows), default=0) or 1
    area = WIDTH - 56
    for label, values in rows:
        parts.append(_text(0, top + 12, label, css="chart-label"))
        x, bar_top = 0.0, top + 17
        for swatch, value in zip(swatches, values):
            width = area * value / longest
            if value:
                parts.append(_rect(x, bar_top, width, 18, _fill(chart_id, swatch), stroke="#ffffff"))
                if width >= 8 * len(str(value)) + 6:
                    parts.append(_text(x + width / 2, bar_top + 13.5, value, size=12, anchor="middle",
                                       fill=swatch.ink, css="chart-value", weight="bold", halo=swatch.fill))
            x += width
        parts.append(_text(x + 6, bar_top + 13.5, sum(values), css="chart-total", weight="bold"))
        top += 44
    return _svg(chart_id, title, desc, max(top, 20), swatches, parts)


def bars(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, int, Swatch]]) -> SafeString:
    """Horizontal bars, each in its own swatch (no legend: the label is on the bar)."""
    swatches = list({swatch.key: swatch for _label, _value, swatch in rows}.values())
    parts, top = [], 0
    longest = max((value for _label, value, _swatch in rows), default=0) or 1
    for label, value, swatch in rows:
        parts.append(_text(0, top + 12, label, css="chart-label"))
        width = (WIDTH - 56) * value / longest
        if value:
            parts.append(_rect(0, top + 17, width, 18, _fill(chart_id, swatch), stroke=MUTED))
        parts.append(_text(width + 6, top + 30.5, value, css="chart-total", weight="bold"))
        top += 44
    return _svg(chart_id, title, desc, max(top, 20), swatches, parts)


def nice_ceiling(value: int) -> tuple[int, int]:
    """(axis maximum, tick step) with 1-2-5 steps and at most five ticks."""
    if value <= 0:
        return 1, 1
    magnitude = 10 ** int(math.floor(math.log10(value)))
    for step in (magnitude // 5 or 1, magnitude // 2 or 1, magnitude, 2 * magnitude, 5 * magnitude, 10 * magnitude):
        if math.ceil(value / step) <= 5:
            return step * math.ceil(value / step), step
    return value, value


def columns_over_time(chart_id: str, title: str, desc: str, months: Sequence, columns: Sequence[tuple[Swatch, list]],
                      line: tuple[Swatch, list] | None = None) -> SafeString:
    """Grouped columns per month (e.g. milestones due and done) and an optional line with
    markers (e.g. status changes), on one axis starting at zero."""
    swatches = [swatch for swatch, _values in columns] + ([line[0]] if line else [])
    parts, top = _legend(chart_id, swatches)
    plot_left, plot_top, plot_height = 40.0, top + 8, 180.0
    plot_width = WIDTH - plot_left - 4
    values = [v for _s, series in list(columns) + ([line] if line else []) for v in series]
    ceiling, step = nice_ceiling(max(values, default=0))
    y_of = lambda v: plot_top + plot_height * (1 - v / ceiling)  # noqa: E731
    parts += _axis(plot_left, plot_width, ceiling, step, y_of)
    group = plot_width / max(len(months), 1)
    bar = min(18.0, group * 0.8 / max(len(columns), 1))
    for index, month in enumerate(months):
        left = plot_left + index * group + (group - bar * len(columns)) / 2
        for offset, (swatch, series) in enumerate(columns):
            parts += _column(chart_id, swatch, left + offset * bar, bar, series[index], y_of)
        parts += _month_label(plot_left + (index + 0.5) * group, plot_top + plot_height, month, index, len(months))
    if line:
        centres = [(plot_left + (i + 0.5) * group, y_of(v)) for i, v in enumerate(line[1])]
        parts += _line(line[0], centres)
    return _svg(chart_id, title, desc, plot_top + plot_height + 34, swatches, parts)


def _axis(left: float, width: float, ceiling: int, step: int, y_of) -> list[SafeString]:
    parts = []
    for tick in range(0, ceiling + 1, step):
        y = y_of(tick)
        parts.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="{}"/>',
                                 _n(left), _n(left + width), _n(y), _n(y), GRID if tick else MUTED,
                                 "0.75" if tick else "1"))
        parts.append(_text(left - 6, y + 4, tick, size=11, anchor="end", fill=MUTED, css="chart-axis"))
    return parts


def _column(chart_id: str, swatch: Swatch, x: float, width: float, value: int, y_of) -> list[SafeString]:
    if not value:
        return []
    top = y_of(value)
    parts = [_rect(x, top, width, y_of(0) - top, _fill(chart_id, swatch), stroke=MUTED)]
    if width >= 6 * len(str(value)):
        parts.append(_text(x + width / 2, top - 3, value, size=10, anchor="middle", css="chart-value"))
    return parts


def _month_label(x: float, y: float, month, index: int, count: int) -> list[SafeString]:
    """Month names under the axis (every second or third when crowded), the year under
    January and under the first month."""
    every = 1 if count <= 14 else 2 if count <= 26 else 3
    if index % every:
        return []
    parts = [_text(x, y + 14, date_format(month, "M"), size=11, anchor="middle", fill=MUTED, css="chart-axis")]
    if index == 0 or month.month == 1:
        parts.append(_text(x, y + 28, date_format(month, "Y"), size=11, anchor="middle", fill=MUTED, css="chart-axis"))
    return parts


def _line_key(swatch: Swatch, x: float, top: float) -> list[SafeString]:
    return [format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" stroke-dasharray="5 3"/>',
                        _n(x - 2), _n(x + 16), _n(top + 7), _n(top + 7), swatch.fill),
            format_html('<circle cx="{}" cy="{}" r="3.5" fill="#ffffff" stroke="{}" stroke-width="2"/>',
                        _n(x + 7), _n(top + 7), swatch.fill)]


def _line(swatch: Swatch, points: list[tuple[float, float]]) -> list[SafeString]:
    path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    parts = [format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="5 3"/>',
                         path, swatch.fill)]
    for x, y in points:
        parts.append(format_html('<circle cx="{}" cy="{}" r="3.5" fill="#ffffff" stroke="{}" stroke-width="2"/>',
                                 _n(x), _n(y), swatch.fill))
    return parts


def line_swatch(key: str, label: str) -> Swatch:
    """The legend entry of a line: drawn as a swatch in the line's colour."""
    return Swatch(key, label, INK, line=True)


# --- The dashboard's charts ------------------------------------------------------------------

def dashboard_charts(dashboard) -> dict[str, SafeString]:
    """The SVG of each panel of a `reports.Dashboard` that has a chart."""
    from django.utils.translation import gettext as _

    matrix = dashboard.pillar_status
    statuses = [status_swatch(key, label) for key, label in matrix.columns]
    pillars = [series_swatch(i, key, label) for i, (key, label) in enumerate(dashboard.country_pillar.columns)]
    see_table = _("The numbers are in the table that follows the chart.")
    return {
        "pillar_status": stacked_bars(  # the dashboard shows this matrix first, its chart after it
            "chart-pillar-status", _("Agreements by pillar and status"), _("The numbers are in the table above the chart."),
            [(row.label, [c.count for c in row.cells]) for row in matrix.rows], statuses),
        "health": bars(
            "chart-health", _("Health of open agreements"), see_table,
            [(label, figure.count, health_swatch(key, label)) for key, label, figure in dashboard.health]),
        "country_pillar": stacked_bars(
            "chart-country-pillar", _("Agreements by party country and pillar"), see_table,
            [(row.label, [c.count for c in row.cells]) for row in dashboard.country_pillar.rows], pillars),
        "focus_areas": bars(
            "chart-focus-areas", _("Agreements by focus area"), see_table,
            [(row.label, row.total.count, series_swatch(0, "area", row.label)) for row in dashboard.focus_areas.rows]),
        "months": columns_over_time(
            "chart-months", _("Milestones due and done, and status changes, per month"), see_table,
            [m.start for m in dashboard.months],
            [(series_swatch(0, "due", _("Milestones due")), [m.due.count for m in dashboard.months]),
             (series_swatch(1, "done", _("Milestones done")), [m.done.count for m in dashboard.months])],
            line=(line_swatch("changes", _("Status changes")), [m.changes.count for m in dashboard.months])),
    }
