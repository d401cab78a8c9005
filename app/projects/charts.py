"""SVG charts of projects, drawn with the report charts' shapes: a metric's readings with its baseline,
target, start and lag markers and the band its history predicted; the root-cause split beside the typical
split."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from app.metrics.models import Reading
from app.projects.movement import Band
from app.reports.charts import PHONE_WIDTH, Chart, row_label
from app.web.numbers import number

POINTS_SAID = 60  # up to this many readings, the chart marks and says each one


def readings_chart(chart_id: str, title: str, readings: list[Reading], baseline: float | None,
                   target: float | None, started_on: date | None, since: date | None,
                   band: Sequence[Band] = (), width: int = 640, narrow: bool = False) -> Chart:
    """Readings over time as a line; the baseline and target as dashed lines; the start (and the end of
    the expected lag) as vertical markers; from the lag on, the band the metric's own history predicted
    (movement.against_history). All of it also said in the desc, for screen readers."""
    left, right, top, bottom, height = 56, 120, 16, 34, 240
    width = PHONE_WIDTH if narrow else width
    plot_w, plot_h = width - left - right, height - top - bottom
    if len(readings) > POINTS_SAID:  # a list of hundreds of values helps no one: what matters is said
        values = [r.value for r in readings]
        words = _("%(n)d readings from %(first)s to %(last)s, between %(low)s and %(high)s, "
                  "the latest %(latest)s", n=len(readings), first=readings[0].taken_on.isoformat(),
                  last=readings[-1].taken_on.isoformat(), low=number(min(values)), high=number(max(values)),
                  latest=number(values[-1]))
    else:
        words = "; ".join(f"{r.taken_on.isoformat()}: {number(r.value)}" for r in readings)
    extra = []
    if baseline is not None:
        extra.append(_("baseline %(value)s", value=number(baseline)))
    if target is not None:
        extra.append(_("target %(value)s", value=number(target)))
    if started_on is not None:
        extra.append(_("started on %(date)s", date=started_on.isoformat()))
    if band:
        extra.append(_("its history predicted %(low)s to %(high)s on %(first)s and %(low_last)s to "
                       "%(high_last)s on %(last)s", low=number(band[0].low), high=number(band[0].high),
                       first=band[0].day.isoformat(), low_last=number(band[-1].low),
                       high_last=number(band[-1].high), last=band[-1].day.isoformat()))
    desc = _("Readings by date: %(values)s.", values=words or _("none yet")) + (
        " " + "; ".join(extra) + "." if extra else "")
    chart = Chart(chart_id, title, desc, width, height, "line")
    if not readings:
        chart.label(left + plot_w / 2, top + plot_h / 2, _("No readings yet."), "na", "middle")
        return chart
    values = [r.value for r in readings] + [v for v in (baseline, target) if v is not None] + [
        v for b in band for v in (b.low, b.high)]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1
    low, high = low - pad, high + pad
    days = [r.taken_on for r in readings] + [d for d in (started_on, since) if d is not None] + [
        b.day for b in band]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        return round(left + plot_w * (day - first).days / span, 1)

    def y_of(value: float) -> float:
        return round(top + plot_h * (high - value) / (high - low), 1)

    for i in range(5):
        value = low + (high - low) * i / 4
        chart.add("line", x1=left, x2=left + plot_w, y1=y_of(value), y2=y_of(value), class_="grid")
        chart.label(left - 6, y_of(value) + 4, number(value), "tick", "end")
    dates = "short" if narrow else "medium"  # a phone's plot is too narrow for two long dates side by side
    chart.label(left, height - bottom + 18, format_date(first, dates), "tick", "start")
    chart.label(left + plot_w, height - bottom + 18, format_date(last, dates), "tick", "end")
    for value, label, dash in ((baseline, _("baseline"), "6 4"), (target, _("target"), "2 3")):
        if value is not None:
            chart.add("line", x1=left, x2=left + plot_w, y1=y_of(value), y2=y_of(value),
                      class_="trend", stroke_dasharray=dash, stroke_width=1.5)
            chart.label(left + plot_w + 6, y_of(value) + 4, f"{label} {number(value)}", "value")
    if band:  # under the readings: the range a reading falls in when only trend and season move it (a
        # polyline the stylesheet fills: the shapes the report charts draw have no polygon)
        outline = [(b.day, b.high) for b in band] + [(b.day, b.low) for b in reversed(band)]
        chart.add("polyline", points=" ".join(f"{x_of(day)},{y_of(value)}" for day, value in outline),
                  class_="forecast")
        chart.add("polyline", points=" ".join(f"{x_of(b.day)},{y_of(b.forecast)}" for b in band),
                  class_="forecast-line", stroke_dasharray="3 3")
    markers = ((started_on, _("start")), (since if since != started_on else None, _("lag")))
    for row, (day, label) in enumerate(markers):
        if day is not None:
            chart.add("line", x1=x_of(day), x2=x_of(day), y1=top, y2=top + plot_h, class_="trend",
                      stroke_dasharray="4 3", stroke_width=1)
            # The lag's label sits a line lower: the two markers are often only days apart.
            chart.label(x_of(day) + 3, top + 10 + 14 * row, label, "label")
    if len(readings) > 1:  # hundreds of daily points: the scales worked out once, not per point
        x_scale, y_scale, day_one = plot_w / span, plot_h / (high - low), first.toordinal()
        points = " ".join(f"{round(left + x_scale * (r.taken_on.toordinal() - day_one), 1)},"
                          f"{round(top + y_scale * (high - r.value), 1)}" for r in readings)
        chart.add("polyline", points=points, class_="trend")
    if len(readings) <= POINTS_SAID:  # daily readings are a line; dots would only blur it
        for r in readings:
            chart.add("circle", cx=x_of(r.taken_on), cy=y_of(r.value), r=2.5, class_="point")
    return chart


def split_chart(chart_id: str, title: str, rows, narrow: bool = False) -> Chart:
    """Per group: this portfolio's share of projects as a bar, the typical range as a bracket line; on a
    phone (`narrow`) each group's name on a line of its own above its bars."""
    if narrow:
        label_w, plot_w, right, top, row_h, bar_y = 12, PHONE_WIDTH - 56, 44, 6, 46, 18
    else:
        label_w, plot_w, right, top, row_h, bar_y = 230, 300, 90, 6, 30, 3
    axis_y = top + row_h * len(rows) + 4
    desc = "; ".join(_("%(label)s: %(ours)s here, typically %(low)d–%(high)d%%", label=row.label,
                       ours="—" if row.percent is None else f"{row.percent}%", low=row.typical[0],
                       high=row.typical[1]) for row in rows)
    chart = Chart(chart_id, title, desc + ".", label_w + plot_w + right, axis_y + 20, "bars")
    for tick in range(0, 101, 25):
        x = label_w + plot_w * tick // 100
        chart.add("line", x1=x, x2=x, y1=top, y2=axis_y, class_="grid")
        chart.label(x, axis_y + 15, f"{tick}%", "tick", "middle")
    for i, row in enumerate(rows):
        y = top + i * row_h
        row_label(chart, label_w, y, row.label, narrow)
        low, high = (label_w + plot_w * v / 100 for v in row.typical)
        chart.add("rect", x=round(low, 1), y=y + bar_y, width=round(high - low, 1), height=20,
                  class_="bar series-a")
        width = round(plot_w * (row.percent or 0) / 100, 1)
        chart.add("rect", x=label_w, y=y + bar_y + 5, width=width, height=10, class_="bar series-b")
        chart.label(label_w + plot_w + 6, y + bar_y + 14, "—" if row.percent is None else f"{row.percent}%",
                    "value")
    return chart
