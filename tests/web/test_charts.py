"""The charts of the web faces (app/web/charts.py): valid, script-free SVG of a bounded size
whatever the data, with the labels a reader expects and the numbers as a table."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from app.web import charts

SERIES = [
    charts.Series("view", "Viewed", "#1e3a8a"),
    charts.Series("customize", "Customized"),
    charts.Series("download", "Downloaded"),
]
TODAY = date(2026, 11, 30)


def _parse(svg) -> ElementTree.Element:
    return ElementTree.fromstring(str(svg))


def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _texts(root, cls: str | None = None) -> list[str]:
    return [
        "".join(e.itertext()).strip()
        for e in root.iter()
        if _local(e) == "text" and (cls is None or cls in e.get("class", "").split())
    ]


def _bars(root) -> list:
    return [e for e in root.iter() if _local(e) == "g" and e.get("class") == "bar"]


def _size(root) -> tuple[float, float]:
    _x, _y, width, height = (float(n) for n in root.get("viewBox").split())
    return width, height


def _absolute_x(root, element) -> float:
    """ELEMENT's x in the drawing: its own plus the translations of its ancestors."""
    parents = {child: parent for parent in root.iter() for child in parent}
    x, node = float(element.get("x")), element
    while node in parents:
        node = parents[node]
        moved = re.match(r"translate\(([-\d.]+)", node.get("transform", ""))
        x += float(moved.group(1)) if moved else 0
    return x


def _check_svg(chart: charts.Chart) -> list[ElementTree.Element]:
    """Every drawing of CHART: embeddable SVG with a title, no script, no fixed size."""
    assert [size for size, _svg in chart.svgs] == [size for size, _w, _h in charts.WIDTHS]
    roots = []
    for (_size_name, svg), (_name, width, _height) in zip(chart.svgs, charts.WIDTHS, strict=True):
        root = _parse(svg)
        assert _local(root) == "svg" and root.get("role") == "img"
        assert "width" not in root.attrib and "height" not in root.attrib  # sized by CSS
        assert _size(root)[0] == width
        titles = [e for e in root if _local(e) == "title"]
        assert [t.text for t in titles] == [chart.title]
        assert not [e for e in root.iter() if _local(e) in ("script", "foreignObject")]
        assert "<script" not in str(svg) and "javascript" not in str(svg).lower()
        assert "<!--" not in str(svg)
        roots.append(root)
    return roots


def test_empty_data_is_a_small_chart_saying_so():
    chart = charts.time_series("Activity over time", {}, SERIES)
    assert chart.empty and chart.table.rows == []
    for root in _check_svg(chart):
        assert "No data yet" in _texts(root)
        assert _bars(root) == []
        assert _size(root)[1] <= 200
    board = charts.breakdown("By region", [], SERIES)
    assert board.empty
    _check_svg(board)


def test_one_day_is_one_bar_among_two_weeks():
    chart = charts.time_series(
        "Activity over time", {TODAY: {"view": 5, "customize": 2, "download": 3}}, SERIES
    )
    assert not chart.empty
    assert chart.table.caption == "Activity over time, per day"
    assert chart.table.columns == ["Day", "Viewed", "Customized", "Downloaded"]
    assert chart.table.rows == [["30 Nov", 5, 2, 3]]
    for root, (_name, width, height) in zip(_check_svg(chart), charts.WIDTHS, strict=True):
        assert _size(root) == (width, height)
        bars = _bars(root)
        assert len(bars) == charts.MIN_DAYS * len(SERIES)
        # the one day's bars are no wider than any other day's
        widths = {round(float(b[0].get("width")), 3) for b in bars}
        assert len(widths) == 1 and widths.pop() < width / charts.MIN_DAYS
        labels = _texts(root)
        assert "30 Nov" in labels  # the latest day is always named
        assert {"Viewed", "Customized", "Downloaded"} <= set(labels)  # the legend
        assert "Events per day" in labels  # the y axis says what it counts
        assert {"0", "10"} <= set(labels)  # whole numbers on the y axis, to the peak
        tooltips = [t.text for b in bars for t in b if _local(t) == "title"]
        assert "30 Nov · Viewed: 5" in tooltips and "30 Nov · Downloaded: 3" in tooltips


def test_a_year_of_daily_data_is_drawn_by_week():
    rng = random.Random(9)
    points = {
        TODAY - timedelta(days=n): {"view": rng.randint(0, 9), "download": rng.randint(0, 3)}
        for n in range(365)
    }
    chart = charts.time_series("Activity over time", points, SERIES, end=TODAY)
    assert chart.table.columns[0] == "Week of"
    assert 52 <= len(chart.table.rows) <= 54
    total = sum(p["view"] for p in points.values())
    assert sum(row[1] for row in chart.table.rows) == total
    for root, (size, width, height) in zip(_check_svg(chart), charts.WIDTHS, strict=True):
        assert _size(root) == (width, height)
        assert len(_bars(root)) <= charts.MAX_BARS * len(SERIES)
        axis = [
            (_absolute_x(root, e), "".join(e.itertext()))
            for e in root.iter()
            if _local(e) == "text" and re.fullmatch(r"\d+ \w{3} \d{4}", "".join(e.itertext()))
        ]
        # labels carry the year (the span crosses one), the latest week is named, and
        # they never crowd each other
        assert len(axis) >= 2 and axis[-1][1] == chart.table.rows[-1][0], size
        gaps = [b[0] - a[0] for a, b in zip(axis, axis[1:], strict=False)]
        assert min(gaps) >= charts._text_width(axis[0][1]) + charts.FONT_SIZE, size
        assert axis[-1][0] + charts._text_width(axis[-1][1]) / 2 <= width, size
        assert "Events per week" in _texts(root)
    # in the tooltips the week is named as such
    lg = _parse(chart.svgs[-1][1])
    assert any(t.text.startswith("Week of ") for b in _bars(lg) for t in b if _local(t) == "title")


def test_several_years_are_drawn_by_month():
    points = {TODAY - timedelta(days=n): {"view": 1} for n in range(0, 1100, 3)}
    chart = charts.time_series("Activity", points, SERIES)
    assert chart.table.columns[0] == "Month"
    assert len(chart.table.rows) <= 37
    assert chart.table.rows[-1][0] == "Nov 2026"
    _check_svg(chart)


REGIONS = [
    {
        "name": f"Region {i:02d} of Provence-Alpes-Côte d'Azur",
        "targeted": 60 - i,
        "view": 40 - i,
        "customize": max(0, 20 - i),
        "download": max(0, 30 - i),
    }
    for i in range(40)
]


@pytest.mark.parametrize("limit", [10, None])
def test_forty_categories_are_cut_to_the_top_rows_with_bounded_height(limit):
    chart = charts.breakdown("Partners by region", REGIONS, SERIES, heading="Region", limit=limit)
    shown = 10 if limit else 40
    assert (chart.total_rows, chart.shown_rows, chart.cut) == (40, shown, limit is not None)
    assert [row[0] for row in chart.table.rows] == [r["name"] for r in REGIONS[:shown]]
    for root, (size, width, _height) in zip(_check_svg(chart), charts.WIDTHS, strict=True):
        drawn_width, drawn_height = _size(root)
        assert drawn_width == width
        # the height grows with the rows shown, and no further
        assert drawn_height <= 90 + charts.MAX_ROWS * 60
        assert drawn_height <= 100 + shown * 60
        labels = _texts(root)
        chars = charts.LABEL_CHARS[size]
        for region in REGIONS[:shown]:
            name = region["name"]
            assert (name if len(name) <= chars else name[: chars - 1].rstrip() + "…") in labels
        if shown < len(REGIONS):
            assert REGIONS[shown]["name"][: chars - 1].rstrip() + "…" not in labels
        # the full name is in the tooltips, and the first row is drawn on top
        bars = _bars(root)
        assert len(bars) == shown * len(SERIES)
        tooltips = [t.text for b in bars for t in b if _local(t) == "title"]
        assert f"{REGIONS[0]['name']} · Viewed: 40" in tooltips
        first = next(b for b in bars if b[-1].text.startswith(REGIONS[0]["name"]))
        last = next(b for b in bars if b[-1].text.startswith(REGIONS[shown - 1]["name"]))
        assert float(first[0].get("y")) < float(last[0].get("y"))


def test_never_more_rows_than_max_rows():
    many = [{"name": f"Partner {i}", "view": i} for i in range(200)]
    chart = charts.breakdown("Partners", many, SERIES[:1], limit=None)
    assert chart.shown_rows == charts.MAX_ROWS and chart.cut
    _check_svg(chart)


def test_whole_number_ticks():
    assert charts._integer_ticks(0) == [0, 1]
    assert charts._integer_ticks(1) == [0, 1]
    assert charts._integer_ticks(7) == [0, 2, 4, 6, 8]
    assert charts._integer_ticks(10) == [0, 2, 4, 6, 8, 10]
    assert charts._integer_ticks(83) == [0, 20, 40, 60, 80, 100]
    assert charts._integer_ticks(1234)[-1] >= 1234
    assert all(isinstance(t, int) for t in charts._integer_ticks(3.5))
