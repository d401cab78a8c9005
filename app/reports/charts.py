"""Server-side SVG charts: geometry and words here, markup in templates/_macros/charts.html.

Each chart says its data in words (title and desc) and carries its numbers as text labels, so it reads
in a screen reader and on a greyscale print-out. A mean's interval (app.stats) is a whisker across its
bar's end or its point, and is said in the desc. Colours come from classes in static/css/app.css;
geometry from SVG presentation attributes (the CSP forbids style attributes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import escape

from app.reports.results import SCALE_HIGH, SCALE_LOW, format_mean

TAGS = {"rect", "line", "text", "polyline", "circle"}
FONT = 12
# A chart this wide is drawn at its own size in a 375 px phone's content box (343 px). A wider one is scaled
# down to fit, and its 12 px text with it (to 7 px for a 620 px chart): phones get a drawing of their own.
PHONE_WIDTH = 340


@dataclass(frozen=True)
class Shape:
    tag: str
    attrs: dict
    text: str = ""

    def __post_init__(self):
        assert self.tag in TAGS, self.tag

    def __html__(self) -> str:
        # Written here rather than with Jinja's xmlattr filter: a company page draws thousands of shapes.
        attrs = "".join(f' {name}="{escape(value)}"' for name, value in self.attrs.items()
                        if value is not None)
        return f"<{self.tag}{attrs}>{escape(self.text)}</{self.tag}>"


@dataclass
class Chart:
    id: str  # unique on the page: the title and desc ids derive from it
    title: str
    desc: str
    width: int
    height: int
    kind: str
    shapes: list[Shape] = field(default_factory=list)
    narrow: Chart | None = None  # the same chart drawn PHONE_WIDTH wide, shown on phones instead

    def add(self, tag: str, text: str = "", **attrs) -> None:
        self.shapes.append(Shape(tag, {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}, text))

    def label(self, x, y, text: str, css: str = "label", anchor: str = "start") -> None:
        # rounded here: a label set off from a rounded point is a float sum again (63.099999999999994)
        self.add("text", text, x=round(x, 1), y=round(y, 1), class_=css, text_anchor=anchor, font_size=FONT)


def for_phones(draw, chart_id: str, *args, **kwargs) -> Chart:
    """The chart `draw` makes, carrying its drawing for phones (`narrow=True`)."""
    chart = draw(chart_id, *args, **kwargs)
    chart.narrow = draw(f"{chart_id}-phone", *args, narrow=True, **kwargs)
    return chart


def shortened(text: str, limit: int) -> str:
    """Names cut to fit a label column; the full names are in the chart's desc and in the table."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


Interval = tuple[Decimal, Decimal] | None  # a mean's interval as shown (results.interval_of)


def _value(value: Decimal | None, interval: Interval = None) -> str:
    if value is None:
        return _("not enough responses")
    if interval is None:
        return format_mean(value)
    return f"{format_mean(value)} ({format_mean(interval[0])}–{format_mean(interval[1])})"


def _listing(items, intervals=None) -> str:
    intervals = intervals or [None] * len(items)
    return "; ".join(f"{label}: {_value(value, interval)}"
                     for (label, value), interval in zip(items, intervals, strict=True))


# Horizontal bars ---------------------------------------------------------------------------------

def bar_chart(chart_id: str, title: str, items: list[tuple[str, Decimal | None]],
              highlight: set[str] = frozenset(), narrow: bool = False,
              intervals: list[Interval] | None = None) -> Chart:
    """One bar per item on the 1–5 scale (drawn from 0), the mean written beside each bar and its interval
    (one per item in `intervals`) across its end; on a phone (`narrow`) each item's name on a line of its
    own above its bar."""
    intervals = intervals or [None] * len(items)
    if narrow:
        label_w, plot_w, right, top, row_h, bar_y = 8, PHONE_WIDTH - 44, 36, 6, 44, 20
    else:
        label_w, plot_w, right, top, row_h, bar_y = 200, 300, 60, 6, 26, 5
    axis_y = top + row_h * len(items) + 4
    chart = Chart(chart_id, title, _("Mean on a scale of 1 to 5. %(values)s.",
                                     values=_listing(items, intervals)),
                  label_w + plot_w + right, axis_y + 20, "bars")
    _grid(chart, label_w, plot_w, top, axis_y)
    for i, ((label, value), interval) in enumerate(zip(items, intervals, strict=True)):
        y = top + i * row_h
        row_label(chart, label_w, y, label, narrow)
        _bar(chart, label_w, plot_w, y + bar_y, value, "bar weak" if label in highlight else "bar",
             interval=interval)
    return chart


def _grid(chart: Chart, label_w: int, plot_w: int, top: int, axis_y: int) -> None:
    """The bars' scale: a line at each whole number from 0 to 5, numbered under the axis."""
    for tick in range(0, SCALE_HIGH + 1):
        x = label_w + plot_w * tick // SCALE_HIGH
        chart.add("line", x1=x, x2=x, y1=top, y2=axis_y, class_="grid")
        chart.label(x, axis_y + 15, str(tick), "tick", "middle")


def _bar(chart: Chart, label_w: int, plot_w: int, y: float, value: Decimal | None, css: str,
         height: int = 16, text_y: int = 12, interval: Interval = None) -> None:
    """A mean's bar with the mean written beside it, and its interval as a whisker across the bar's end;
    where there is no figure, the words that say so."""
    text_y += y
    if value is None:
        chart.label(label_w + 6, text_y, _("not enough responses"), "na")
        return
    width = round(plot_w * float(value) / SCALE_HIGH, 1)
    chart.add("rect", x=label_w, y=y, width=width, height=height, class_=css)
    end = width
    if interval is not None:
        low, high = (round(label_w + plot_w * float(v) / SCALE_HIGH, 1) for v in interval)
        _whisker(chart, low, high, round(y + height / 2, 1), height / 2 - 1, horizontal=True)
        end = max(width, high - label_w)
    chart.label(label_w + end + 6, text_y, format_mean(value), "value")


def _whisker(chart: Chart, start: float, stop: float, at: float, cap: float, horizontal: bool) -> None:
    """An interval drawn as a line with a cap at each end."""
    if horizontal:
        chart.add("line", x1=start, x2=stop, y1=at, y2=at, class_="whisker")
        for x in (start, stop):
            chart.add("line", x1=x, x2=x, y1=round(at - cap, 1), y2=round(at + cap, 1), class_="whisker")
    else:
        chart.add("line", x1=at, x2=at, y1=start, y2=stop, class_="whisker")
        for y in (start, stop):
            chart.add("line", x1=round(at - cap, 1), x2=round(at + cap, 1), y1=y, y2=y, class_="whisker")


def row_label(chart: Chart, label_w: int, y: float, label: str, narrow: bool) -> None:
    """An item's name: at the left of its bars, or on a phone on a line above them."""
    if narrow:
        chart.label(label_w, y + 14, shortened(label, 44), "label")
    else:
        chart.label(label_w - 8, y + 17, shortened(label, 30), "label", "end")


# A distribution of scores as one stacked bar -----------------------------------------------------

def distribution_bar(chart_id: str, title: str, counts: tuple[int, ...]) -> Chart:
    """How many raters gave 1 to 5, as parts of one bar; each part carries its count when it fits."""
    width, height = 220, 24
    words = "; ".join(_("%(score)d: %(n)d", score=score, n=n) for score, n in enumerate(counts, start=1))
    chart = Chart(chart_id, title, _("Raters per score, from 1 (low) to 5 (high): %(counts)s.", counts=words),
                  width, height, "distribution")
    total = sum(counts) or 1
    x = 0.0
    for score, n in enumerate(counts, start=1):
        if not n:
            continue
        part = round(width * n / total, 2)
        chart.add("rect", x=round(x, 2), y=0, width=part, height=height, class_=f"score score-{score}")
        if part >= 14:
            chart.label(round(x + part / 2, 2), 16, str(n), f"count on-{score}", "middle")
        x += part
    return chart


# Self-assessment beside others' view -------------------------------------------------------------

def grouped_bars(chart_id: str, title: str, items: list[tuple[str, Decimal | None, Decimal | None]],
                 first: str, second: str, narrow: bool = False,
                 intervals: list[tuple[Interval, Interval]] | None = None) -> Chart:
    """Two bars per item (first: light, second: dark), each with its mean written beside it and its
    interval (a pair per item in `intervals`) across its end; on a phone (`narrow`) each item's name on a
    line of its own above its bars."""
    intervals = intervals or [(None, None)] * len(items)
    if narrow:
        label_w, plot_w, right, top, row_h, bars_y, legend_gap = 8, PHONE_WIDTH - 44, 36, 30, 54, 20, 150
    else:
        label_w, plot_w, right, top, row_h, bars_y, legend_gap = 200, 280, 140, 30, 40, 4, 170
    axis_y = top + row_h * len(items)
    desc = "; ".join(_("%(label)s: %(first)s %(a)s, %(second)s %(b)s", label=label, first=first,
                       a=_value(a, a_int), second=second, b=_value(b, b_int))
                     for (label, a, b), (a_int, b_int) in zip(items, intervals, strict=True))
    chart = Chart(chart_id, title, _("Means on a scale of 1 to 5. %(values)s.", values=desc),
                  label_w + plot_w + right, axis_y + 20, "grouped")
    # the legend: a swatch and a word for each series
    for i, (name, css) in enumerate(((first, "series-a"), (second, "series-b"))):
        x = label_w + i * legend_gap
        chart.add("rect", x=x, y=6, width=14, height=14, class_=f"bar {css}")
        chart.label(x + 20, 18, shortened(name, 24), "label")
    _grid(chart, label_w, plot_w, top, axis_y)
    for i, ((label, a, b), pair) in enumerate(zip(items, intervals, strict=True)):
        y = top + i * row_h
        row_label(chart, label_w, y + (0 if narrow else 6), label, narrow)
        for j, (value, css, interval) in enumerate(((a, "series-a", pair[0]), (b, "series-b", pair[1]))):
            _bar(chart, label_w, plot_w, y + bars_y + j * 16, value, f"bar {css}", height=14, text_y=11,
                 interval=interval)
    return chart


# Lines across rounds -----------------------------------------------------------------------------

def _runs(xs: list[float], values: list[Decimal | None], y_of) -> list[str]:
    """The points of a line, one run per stretch of rounds with a figure: the line breaks at a gap."""
    runs, run = [], []
    for x, value in [*zip(xs, values, strict=True), (None, None)]:
        if value is None:
            if len(run) > 1:
                runs.append(" ".join(run))
            run = []
        else:
            run.append(f"{x},{y_of(value)}")
    return runs


def line_chart(chart_id: str, title: str, x_labels: list[str], values: list[Decimal | None],
               width: int = 360, narrow: bool = False, intervals: list[Interval] | None = None) -> Chart:
    """A mean per round on the 1–5 scale, each point with its interval as an upright whisker; the line
    breaks where a round has no figure."""
    intervals = intervals or [None] * len(values)
    left, right, top, bottom, height = 28, 24, 18, 34, 170
    width = min(width, PHONE_WIDTH) if narrow else width
    plot_w, plot_h = width - left - right, height - top - bottom
    chart = Chart(chart_id, title, _("Overall mean per round, on a scale of 1 to 5. %(values)s.",
                                     values=_listing(list(zip(x_labels, values, strict=True)), intervals)),
                  width, height, "line")

    def y_of(value) -> float:
        return round(top + plot_h * (SCALE_HIGH - float(value)) / (SCALE_HIGH - SCALE_LOW), 1)

    for tick in range(SCALE_LOW, SCALE_HIGH + 1):
        chart.add("line", x1=left, x2=left + plot_w, y1=y_of(tick), y2=y_of(tick), class_="grid")
        chart.label(left - 6, y_of(tick) + 4, str(tick), "tick", "end")
    pad = 24  # keeps the first and last points off the axis and their labels inside the chart
    step = (plot_w - 2 * pad) / max(len(values) - 1, 1)
    if len(values) == 1:
        xs = [round(left + plot_w / 2, 1)]
    else:
        xs = [round(left + pad + i * step, 1) for i in range(len(values))]
    for run in _runs(xs, values, y_of):
        chart.add("polyline", points=run, class_="trend")
    limit = max(6, int(plot_w / len(values) // 7))  # characters per label, about 7 pixels each
    for i, (x, label, value) in enumerate(zip(xs, x_labels, values, strict=True)):
        anchor = "middle" if len(values) == 1 or 0 < i < len(values) - 1 else "start" if i == 0 else "end"
        edge = {"start": x - pad, "end": x + pad}.get(anchor, x)
        chart.label(round(edge, 1), height - bottom + 18, shortened(label, limit), "tick", anchor)
        if value is not None:
            if intervals[i] is not None:
                low, high = intervals[i]
                _whisker(chart, y_of(high), y_of(low), x, 4, horizontal=False)
            chart.add("circle", cx=x, cy=y_of(value), r=4, class_="point")
            top_y = y_of(intervals[i][1]) if intervals[i] is not None else y_of(value)  # above the whisker
            chart.label(x, top_y - 8, format_mean(value), "value", "middle")
    if all(value is None for value in values):
        chart.label(left + plot_w / 2, top + plot_h / 2, _("not enough responses"), "na", "middle")
    return chart


# Sparklines --------------------------------------------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT = 96, 24


def sparkline(values: list[Decimal | None]) -> Chart:
    """A mean per round as a line one table row tall, on the same 1–5 scale in every row so that rows
    compare; a dot marks the latest figure. It only draws what its row's cells already say in numbers."""
    pad = 3
    step = (SPARK_WIDTH - 2 * pad) / max(len(values) - 1, 1)
    xs = [round(pad + i * step, 1) for i in range(len(values))]
    plot_h = SPARK_HEIGHT - 2 * pad

    def y_of(value) -> float:
        return round(pad + plot_h * (SCALE_HIGH - float(value)) / (SCALE_HIGH - SCALE_LOW), 1)

    chart = Chart("", "", "", SPARK_WIDTH, SPARK_HEIGHT, "sparkline")
    for run in _runs(xs, values, y_of):
        chart.add("polyline", points=run)
    last = next(((x, v) for x, v in zip(reversed(xs), reversed(values), strict=True) if v is not None), None)
    if last is not None:
        chart.add("circle", cx=last[0], cy=y_of(last[1]), r=2.5)
    return chart
