"""Server-side SVG for metrics: a trend over time and a tiny sparkline (markup: _macros/charts.html)."""
from __future__ import annotations

import math
from datetime import date

from flask_babel import gettext as _

from app.reports.charts import PHONE_WIDTH, Chart


def _span(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 if high > low else abs(low) * 0.1 or 1.0
    return low - pad, high + pad


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) that cover low to high."""
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def trend_chart(chart_id: str, title: str, points: list[tuple[date, float]], direction: str,
                unit: str, fmt, narrow: bool = False) -> Chart:
    """Readings over time (x scaled by date); words in desc say the span, first, latest, low and high."""
    left, right, top, bottom, height = 64, 20, 16, 34, 240
    width = PHONE_WIDTH if narrow else 640
    plot_w, plot_h = width - left - right, height - top - bottom
    better = _("Higher is better.") if direction == "higher" else _("Lower is better.")
    if not points:
        chart = Chart(chart_id, title, _("No readings yet.") + " " + better, width, 60, "trend")
        chart.label(width / 2, 34, _("No readings yet."), "na", "middle")
        return chart
    values = [v for _d, v in points]
    lowest, highest = min(points, key=lambda p: p[1]), max(points, key=lambda p: p[1])
    desc = _("%(n)d readings from %(first_date)s to %(last_date)s. First %(first)s, latest %(latest)s; "
             "lowest %(low)s on %(low_date)s, highest %(high)s on %(high_date)s. %(better)s "
             "There is no absolute good level, only movement over time.",
             n=len(points), first_date=points[0][0].isoformat(), last_date=points[-1][0].isoformat(),
             first=fmt(points[0][1]), latest=fmt(points[-1][1]), low=fmt(lowest[1]),
             low_date=lowest[0].isoformat(), high=fmt(highest[1]), high_date=highest[0].isoformat(),
             better=better)
    if unit:
        desc += " " + _("Unit: %(unit)s.", unit=unit)
    chart = Chart(chart_id, title, desc, width, height, "trend")
    ticks = _nice_ticks(*_span(values))
    y_low, y_high = ticks[0], ticks[-1]
    start, end = points[0][0], points[-1][0]
    days = max((end - start).days, 1)

    def x_of(day: date) -> float:
        if start == end:
            return round(left + plot_w / 2, 1)
        return round(left + plot_w * (day - start).days / days, 1)

    def y_of(value: float) -> float:
        return round(top + plot_h * (y_high - value) / (y_high - y_low), 1)

    for value in ticks:
        chart.add("line", x1=left, x2=left + plot_w, y1=y_of(value), y2=y_of(value), class_="grid")
        chart.label(left - 6, y_of(value) + 4, fmt(value), "tick", "end")
    chart.label(left, height - 10, start.isoformat(), "tick", "start")
    if end != start:
        chart.label(left + plot_w, height - 10, end.isoformat(), "tick", "end")
        for year in range(start.year + 1, end.year + 1):
            x = x_of(date(year, 1, 1))
            chart.add("line", x1=x, x2=x, y1=top, y2=top + plot_h, class_="grid")
            if left + 60 < x < left + plot_w - 60:
                chart.label(x, height - 10, str(year), "tick", "middle")
    if len(points) > 1:
        chart.add("polyline", points=" ".join(f"{x_of(d)},{y_of(v)}" for d, v in points), class_="trend")
    if len(points) <= 40:
        for d, v in points:
            chart.add("circle", cx=x_of(d), cy=y_of(v), r=3, class_="point")
    else:
        chart.add("circle", cx=x_of(end), cy=y_of(points[-1][1]), r=4, class_="point")
    chart.label(x_of(end), y_of(points[-1][1]) - 8, fmt(points[-1][1]), "value", "end")
    return chart


def sparkline(chart_id: str, title: str, points: list[tuple[date, float]], fmt) -> Chart | None:
    """A word-sized line of the recent readings; None when there is nothing to draw."""
    if len(points) < 2:
        return None
    width, height, pad = 100, 24, 2
    low, high = _span([v for _d, v in points])
    start, days = points[0][0], max((points[-1][0] - points[0][0]).days, 1)
    chart = Chart(chart_id, title, _("From %(first)s on %(first_date)s to %(latest)s on %(last_date)s.",
                                     first=fmt(points[0][1]), first_date=points[0][0].isoformat(),
                                     latest=fmt(points[-1][1]), last_date=points[-1][0].isoformat()),
                  width, height, "spark")
    coords = [(round(pad + (width - 2 * pad) * (d - start).days / days, 1),
               round(pad + (height - 2 * pad) * (high - v) / (high - low), 1)) for d, v in points]
    chart.add("polyline", points=" ".join(f"{x},{y}" for x, y in coords), class_="trend")
    return chart
