"""The picture of a service chain: one column per distance, the external clients at the right, an arrow for
each service link one step nearer them, every department a box that names its weakest dimension."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from app.chain.services import Chain, Step
from app.reports.charts import FONT, Chart, shortened
from app.reports.results import format_mean

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 170, 62, 60, 14, 10
PER_COLUMN = 12  # boxes drawn in one column; the rest are counted under it (the table lists them all)
NAME_CHARS = 22


def _arrow(chart: Chart, x1: float, y1: float, x2: float, y2: float) -> None:
    chart.add("line", x1=x1, y1=y1, x2=x2 - 6, y2=y2, class_="link")
    chart.add("polyline", points=f"{x2 - 8},{y2 - 5} {x2},{y2} {x2 - 8},{y2 + 5}", class_="arrowhead")


def _box_lines(chain: Chain, step: Step) -> list[tuple[str, str]]:
    """The box's lines of text with their classes: the name, its weakest dimension, the weak-link label."""
    lines = [(shortened(step.department.name, NAME_CHARS), "value")]
    weakest = step.weakest(chain.dimensions)
    if weakest:
        dimension, figure = weakest
        lines.append((shortened(f"{dimension.name} {format_mean(figure.mean)}", NAME_CHARS + 2), "label"))
    else:
        lines.append((_("no figures") if step.took_part else _("not in this round"), "na"))
    if chain.weak_in(step):
        lines.append((_("▲ weakest link"), "flag"))
    return lines


def chain_chart(chart_id: str, chain: Chain) -> Chart:
    columns = chain.depth + 2  # the distances, and the external clients
    shown: dict[int, list[Step]] = {}
    hidden: dict[int, int] = {}
    for distance in range(chain.depth + 1):
        column = [s for s in chain.steps if s.distance == distance]
        column.sort(key=lambda s: not chain.weak_in(s))  # weak links first; the rest stay by name
        shown[distance], hidden[distance] = column[:PER_COLUMN], max(0, len(column) - PER_COLUMN)
    rows = max([len(c) for c in shown.values()] + [1])
    height = MARGIN * 2 + rows * (BOX_H + GAP_Y) + FONT * 2
    width = MARGIN * 2 + columns * BOX_W + (columns - 1) * GAP_X

    def x_of(distance: int) -> float:  # distance 0 beside the clients at the right
        return MARGIN + (columns - 2 - distance) * (BOX_W + GAP_X)

    def y_of(row: int) -> float:
        return MARGIN + row * (BOX_H + GAP_Y)

    weak = "; ".join(_("%(department)s, %(steps)s: %(dimension)s %(mean)s",
                       department=w.step.department.name, steps=distance_words(w.step.distance),
                       dimension=w.dimension.name, mean=format_mean(w.figure.mean)) for w in chain.weakest)
    desc = _("Departments on the chain of %(metric)s: %(count)d; the farthest is %(steps)s.",
             metric=chain.metric.name, count=len(chain.steps), steps=distance_words(chain.depth))
    if weak:
        desc += " " + _("Weakest links: %(links)s.", links=weak)
    chart = Chart(chart_id, _("The service chain of %(metric)s", metric=chain.metric.name), desc,
                  width, height, "chain")
    where = {}
    for distance, column in shown.items():
        for row, step in enumerate(column):
            where[step.department.id] = (x_of(distance), y_of(row))
    clients_x, clients_y = MARGIN + (columns - 1) * (BOX_W + GAP_X), y_of(0)
    chart.add("rect", x=clients_x, y=clients_y, width=BOX_W, height=BOX_H, rx=4, class_="box clients")
    chart.label(clients_x + 8, clients_y + 22, _("External clients"), "value")
    chart.label(clients_x + 8, clients_y + 40, shortened(chain.metric.name, NAME_CHARS + 2), "label")
    for step in chain.steps:
        if step.department.id not in where:
            continue
        x, y = where[step.department.id]
        targets = [where[i] for i in step.serves if i in where] if step.distance else [(clients_x, clients_y)]
        for tx, ty in targets:
            _arrow(chart, x + BOX_W, y + BOX_H / 2, tx, ty + BOX_H / 2)
    for step in chain.steps:
        if step.department.id not in where:
            continue
        x, y = where[step.department.id]
        chart.add("rect", x=x, y=y, width=BOX_W, height=BOX_H, rx=4,
                  class_="box weak" if chain.weak_in(step) else "box")
        for line, (text, css) in enumerate(_box_lines(chain, step)):
            chart.label(x + 8, y + 17 + line * 17, text, css)
    for distance, count in hidden.items():
        if count:
            chart.label(x_of(distance), y_of(len(shown[distance])) + FONT,
                        ngettext("and %(num)d more (see the table)", "and %(num)d more (see the table)",
                                 count), "tick")
    return chart


def distance_words(distance: int) -> str:
    """How far a department is from the clients, in words."""
    if distance == 0:
        return _("facing the clients")
    return ngettext("%(num)d step upstream", "%(num)d steps upstream", distance)
