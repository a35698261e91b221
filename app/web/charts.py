"""Charts for the web faces: server-side SVG drawn by pygal, sized to their container.

Every face draws its charts here (campaign dashboards now; journeys, leads and scorecards
next), so that they look alike and follow the same rules:

- no JavaScript: pygal's scripts (its tooltips, and the inline configuration it always
  writes) are left out, so the page's Content-Security-Policy holds and the chart works
  without a script;
- readable at any width: an SVG scales its text with its width, so each chart is drawn
  at a few widths (``WIDTHS``) with the same font sizes, and a CSS container query in
  ``tandem.css`` shows the one nearest the width of its container;
- bounded: a time series is drawn by day, week or month so that it never has more than
  about 60 bars, a short series is padded to two weeks (one day of activity is not a
  bar as wide as the page), and a breakdown is cut to its top rows;
- accessible: the SVG has a ``<title>`` and ``role="img"``, each bar a tooltip, and the
  numbers are also given as a table (``Chart.table``, shown by ``macros/charts.html``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import pygal
from markupsafe import Markup
from pygal.style import Style

# (name, drawn width, drawn height of a time series); tandem.css shows "sm" in containers
# narrower than 460 px, "md" up to 800 px and "lg" beyond, so that text shows at 0.8 to
# 1.3 times its size in containers from 290 px (a 320 px phone) to 1100 px wide
WIDTHS: tuple[tuple[str, int, int], ...] = (("sm", 360, 300), ("md", 600, 320), ("lg", 980, 340))
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
FONT_SIZE = 13
# an accessible palette, told apart without colour vision too (blue, orange, green, grey)
COLORS = ("#1e3a8a", "#f59e0b", "#0f766e", "#9ca3af", "#be185d", "#0ea5e9")
MARGIN = 8
MIN_DAYS = 14
MAX_BARS = 62
DAILY_UP_TO = 62
WEEKLY_UP_TO = 400
TOP_ROWS = 10
MAX_ROWS = 60
ROW_HEIGHT = 14  # per bar of a horizontal bar chart, in drawn pixels
LABEL_CHARS = {"sm": 14, "md": 24, "lg": 32}
# the width of a character, roughly, as a share of the font size (for spacing labels)
CHAR_WIDTH = 0.62

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#374151",
    foreground_strong="#111827",
    foreground_subtle="#d1d5db",
    opacity="1",
    opacity_hover=".8",
    transition="0s",
    colors=COLORS,
    font_family=FONT,
    label_font_size=FONT_SIZE,
    major_label_font_size=FONT_SIZE,
    legend_font_size=FONT_SIZE,
    title_font_size=FONT_SIZE + 3,
    value_font_size=FONT_SIZE,
    value_label_font_size=FONT_SIZE,
    tooltip_font_size=FONT_SIZE,
    no_data_font_size=FONT_SIZE + 3,
    guide_stroke_color="#e5e7eb",
    major_guide_stroke_color="#e5e7eb",
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
)


@dataclass(frozen=True)
class Series:
    """One series of a chart: the key of its numbers in the data, its label, its colour."""

    key: str
    label: str
    color: str | None = None


@dataclass(frozen=True)
class Table:
    """The chart's numbers as a table: a caption, column headings and rows of cells."""

    caption: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Chart:
    """A chart drawn at each of ``WIDTHS``: ``svgs`` holds (width name, SVG markup)."""

    title: str
    svgs: list[tuple[str, Markup]]
    table: Table
    empty: bool = False
    # how many rows a breakdown had before it was cut to its top rows
    total_rows: int = 0
    shown_rows: int = 0

    @property
    def cut(self) -> bool:
        return self.shown_rows < self.total_rows


# --- drawing ------------------------------------------------------------------------------

# pygal's text may be selected (it sets user-select: none), and nothing moves on hover
_CSS = """
{{ id }}{-webkit-user-select:text;user-select:text}
{{ id }}.reactive{transition:none}
"""


def _draw(
    kind: type[pygal.graph.graph.Graph],
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[int]],
    *,
    places: Sequence[str] | None = None,
    **options: Any,
) -> Markup:
    """One chart of KIND as SVG markup to embed: no script, a title, role="img", a
    tooltip on each bar ("PLACE · series: value"; PLACES default to LABELS), and the
    series' colours (``COLORS`` in turn for those that have none)."""
    taken = {one.color for one in series}
    spare = iter([color for color in COLORS if color not in taken] * 2)
    style = copy.copy(STYLE)
    style.colors = tuple(one.color or next(spare) for one in series) or COLORS
    columns = _legend_columns([one.label for one in series], options["width"])
    rows = len(series) / columns
    chart = kind(
        style=style,
        js=[],
        css=["file://style.css", "file://graph.css", "inline:" + _CSS],
        disable_xml_declaration=True,
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
        # pygal makes room for len(series) // columns lines of legend, one short when the
        # last line is not full
        margin_bottom=MARGIN + (math.ceil(rows) - int(rows)) * round(FONT_SIZE * 1.5),
        legend_box_size=12,
        margin=MARGIN,
        spacing=8,
        show_x_guides=False,
        rounded_bars=0,
        truncate_label=-1,  # labels are cut here, where the full text is known
        truncate_legend=-1,
        **options,
    )
    names = [one.label for one in series]
    chart.add_xml_filter(lambda root: _finish(root, title, names, list(places or labels)))
    chart.x_labels = list(labels)
    for name, numbers in zip(names, values, strict=True):
        chart.add(name, list(numbers))
    return Markup(chart.render(is_unicode=True))


def _tag(element: ElementTree.Element) -> str:
    """The local name of ELEMENT ("" for a comment)."""
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _same_ns(element: ElementTree.Element, name: str) -> str:
    """NAME in ELEMENT's namespace (pygal's tags have one only when it uses lxml)."""
    tag = element.tag
    return tag[: tag.index("}") + 1] + name if tag.startswith("{") else name


def _finish(
    root: ElementTree.Element, title: str, series: Sequence[str], places: Sequence[str]
) -> ElementTree.Element:
    root.set("role", "img")
    for element in root.iter():
        # ids that only pygal's script used ("activate-serie-0"): several charts share a
        # page (each drawn at three widths), and an id must be unique in it
        if element.get("id", "").startswith("activate-serie-"):
            del element.attrib["id"]
    for parent in list(root.iter()):
        for child in list(parent):
            if _tag(child) in ("script", ""):  # and pygal's comments
                parent.remove(child)
            elif _tag(child) == "title" and parent is root:
                child.text = title
    # pygal keeps what its script would show in <desc> elements: a native tooltip
    # instead ("Week of 3 Nov · Viewed: 4")
    groups = [element for element in root.iter() if _tag(element) == "g"]
    for group in groups:
        classes = group.get("class", "").split()
        if "series" not in classes:
            continue
        number = next((c[len("serie-") :] for c in classes if c.startswith("serie-")), "")
        name = series[int(number)] if number.isdigit() and int(number) < len(series) else ""
        bars = [g for g in group.iter() if _tag(g) == "g" and g.get("class") == "bar"]
        for index, bar in enumerate(bars):
            descs = [d for d in bar if _tag(d) == "desc"]
            value = next((d.text for d in descs if d.get("class") == "value"), "")
            for desc in descs:
                bar.remove(desc)
            place = places[index] if len(bars) == len(places) else ""
            tooltip = ElementTree.SubElement(bar, _same_ns(bar, "title"))
            tooltip.text = " · ".join(
                p for p in (place, f"{name}: {value}" if name else value) if p
            )
    return root


def _integer_ticks(top: float, ticks: int = 5) -> list[int]:
    """0 to at least TOP in whole, round steps (1, 2, 5, 10, 20, 50, ...)."""
    top = max(1, math.ceil(top))
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return list(range(0, top + step, step)) if top % step else list(range(0, top + 1, step))


# --- time series --------------------------------------------------------------------------


def _buckets(start: date, end: date) -> tuple[str, Callable[[date], date], list[date]]:
    """(unit, day -> start of its bucket, the buckets' starts from START to END)."""
    span = (end - start).days + 1
    if span <= DAILY_UP_TO:
        return "day", lambda d: d, [start + timedelta(days=n) for n in range(span)]
    if span <= WEEKLY_UP_TO:

        def week(d: date) -> date:
            return d - timedelta(days=d.weekday())

        first, last = week(start), week(end)
        weeks = (last - first).days // 7 + 1
        return "week", week, [first + timedelta(weeks=n) for n in range(weeks)]

    def month(d: date) -> date:
        return d.replace(day=1)

    months, current = [], month(start)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return "month", month, months


def _bucket_label(unit: str, start: date, years: bool) -> str:
    if unit == "month":
        return f"{start:%b %Y}"
    return f"{start.day} {start:%b %Y}" if years else f"{start.day} {start:%b}"


def time_series(
    title: str,
    points: Mapping[date, Mapping[str, int]],
    series: Sequence[Series],
    *,
    end: date | None = None,
    min_days: int = MIN_DAYS,
    what: str = "Events",
) -> Chart:
    """Stacked bars of POINTS ({day: {series key: count}}) per day, week or month.

    SERIES are stacked in their order. The span runs from the first day to END (default:
    the last day) and is at least MIN_DAYS long, padded backwards, so that one day of
    data is one bar among two weeks.
    """
    columns = ["Day", *(one.label for one in series)]
    if not points:
        return _empty(title, columns)
    first, last = min(points), max(points)
    end = max(end or last, last)
    start = min(first, end - timedelta(days=min_days - 1))
    unit, bucket_of, buckets = _buckets(start, end)
    totals = {b: dict.fromkeys((one.key for one in series), 0) for b in buckets}
    for day, counts in points.items():
        row = totals[bucket_of(day)]
        for one in series:
            row[one.key] += int(counts.get(one.key) or 0)
    years = buckets[0].year != buckets[-1].year
    labels = [_bucket_label(unit, b, years) for b in buckets]
    values = [[totals[b][one.key] for b in buckets] for one in series]
    peak = max((sum(row.values()) for row in totals.values()), default=0)
    heading = {"day": "Day", "week": "Week of", "month": "Month"}[unit]
    svgs = [
        (
            size,
            _draw(
                pygal.StackedBar,
                title,
                labels,
                series,
                values,
                places=[f"{heading} {label}" if unit == "week" else label for label in labels],
                width=width,
                height=height,
                # every n-th label, counted back from the latest, so that they never overlap
                x_labels_major=labels[::-1][:: _label_step(labels, width)],
                # room for the latest label, centred under the last bar
                margin_right=round(len(labels[-1]) * FONT_SIZE * CHAR_WIDTH / 2),
                show_minor_x_labels=False,
                y_labels=_integer_ticks(peak),
                y_title=f"{what} per {unit}",
            ),
        )
        for size, width, height in WIDTHS
    ]
    table = Table(
        caption=f"{title}, per {unit}",
        columns=[heading, *(one.label for one in series)],
        rows=[
            [labels[i], *(totals[b][one.key] for one in series)]
            for i, b in enumerate(buckets)
            if any(totals[b].values())
        ],
    )
    return Chart(title, svgs, table, empty=peak == 0)


def _text_width(text: str) -> float:
    return len(text) * FONT_SIZE * CHAR_WIDTH


def _label_step(labels: Sequence[str], width: int) -> int:
    """Name every n-th bar: as many labels as fit along WIDTH with room between them."""
    room = max(_text_width(label) for label in labels) + 2 * FONT_SIZE
    plot = width - 80  # the y axis, its title and the margins
    return max(1, math.ceil(len(labels) / max(2, plot // room)))


def _legend_columns(names: Sequence[str], width: int) -> int:
    """As many legend entries on a line as fit along WIDTH without overlapping."""
    if not names:
        return 1
    column = max(_text_width(name) for name in names) + 12 + 2 * FONT_SIZE  # box and gaps
    return max(1, min(len(names), int((width - 16) // column)))


# --- breakdowns ---------------------------------------------------------------------------


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def breakdown(
    title: str,
    rows: Iterable[Mapping[str, Any]],
    series: Sequence[Series],
    *,
    name: str = "name",
    heading: str = "Name",
    limit: int | None = TOP_ROWS,
    what: str = "Partners",
) -> Chart:
    """Horizontal grouped bars: a group per row of ROWS (in their order, the first on
    top), a bar per SERIES; at most LIMIT rows, and never more than ``MAX_ROWS``."""
    rows = list(rows)
    shown = rows[: min(limit or MAX_ROWS, MAX_ROWS)]
    columns = [heading, *(one.label for one in series)]
    table = Table(
        caption=title,
        columns=columns,
        rows=[[str(r[name]), *(r.get(one.key) or 0 for one in series)] for r in shown],
    )
    if not shown:
        return _empty(title, columns)
    peak = max((r.get(one.key) or 0) for r in shown for one in series)
    # pygal draws the first label at the bottom: the first row goes on top
    names = [str(r[name]) for r in reversed(shown)]
    values = [[r.get(one.key) or 0 for r in reversed(shown)] for one in series]
    # the plot grows with the rows; the legend, the axis and the margins take about 90 px
    height = 90 + len(shown) * max(ROW_HEIGHT * len(series) + 8, 28)
    svgs = []
    for size, width, _height in WIDTHS:
        svgs.append(
            (
                size,
                _draw(
                    pygal.HorizontalBar,
                    title,
                    [_short(full, LABEL_CHARS[size]) for full in names],
                    series,
                    values,
                    places=names,
                    width=width,
                    height=height,
                    y_labels=_integer_ticks(peak, 4 if size == "sm" else 6),
                    x_title=what,
                ),
            )
        )
    return Chart(title, svgs, table, empty=peak == 0, total_rows=len(rows), shown_rows=len(shown))


def _empty(title: str, columns: list[str]) -> Chart:
    svgs = [
        (
            size,
            _draw(
                pygal.Bar,
                title,
                [],
                [],
                [],
                width=width,
                height=height // 2,
                show_y_labels=False,
                show_y_guides=False,
                show_legend=False,
                no_data_text="No data yet",
            ),
        )
        for size, width, height in WIDTHS
    ]
    return Chart(title, svgs, Table(title, columns, []), empty=True)


# --- lines --------------------------------------------------------------------------------


def line(
    title: str,
    points: Sequence[tuple[date, float]],
    *,
    label: str,
    y_max: float | None = None,
    what: str = "Value",
) -> Chart:
    """One line of POINTS ((day, value), oldest first), such as a score's history."""
    columns = ["Day", label]
    if not points:
        return _empty(title, columns)
    labels = [f"{day.day} {day:%b %Y}" for day, _value in points]
    values = [round(float(value), 1) for _day, value in points]
    top = y_max if y_max is not None else max(values)
    series = [Series("value", label, COLORS[0])]
    svgs = [
        (
            size,
            _draw(
                pygal.Line,
                title,
                labels,
                series,
                [values],
                width=width,
                height=height,
                x_labels_major=labels[::-1][:: _label_step(labels, width)],
                show_minor_x_labels=False,
                margin_right=round(len(labels[-1]) * FONT_SIZE * CHAR_WIDTH / 2),
                y_labels=_integer_ticks(top),
                range=(0, max(1, top)),
                y_title=what,
                dots_size=3,
            ),
        )
        for size, width, height in WIDTHS
    ]
    table = Table(
        caption=title, columns=columns, rows=[[d, v] for d, v in zip(labels, values, strict=True)]
    )
    return Chart(title, svgs, table, empty=False)
