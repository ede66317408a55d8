"""What a panel's chart carries to the browser (chatmon/dashboards/charts.py): tooltips formatted as the table,
the partial bucket marked, axes in the panel's units, and panels of any shape drawn or left out without an
error (other apps add panels through the Panel API)."""

from __future__ import annotations

import math

import pytest

from chatmon.dashboards import charts
from chatmon.dashboards.panels import Link, Panel, money_columns

MONEY = {1: "credits", 2: "money"}


def spend_panel() -> Panel:
    rows = [["11-29 13:00", 0.0, 0.0], ["11-29 13:01", 1234567.891, 1.2346], ["11-29 13:02 (partial)", 5.0, 0.0]]
    return Panel("credits", "Credits", ["time", *money_columns()], rows, "line", series=[1], formats=MONEY,
                 timeline=True)  # fmt: skip


def test_a_tooltip_reads_the_whole_row_as_the_table_does():
    spec = charts.spec(spend_panel())
    assert spec["tips"][1] == [["credits", "1,234,567.89"], ["USD", "$1.23"]]
    assert spec["series"] == [{"name": "credits", "values": [0.0, 1234567.891, 5.0], "axis": "y"}]
    assert spec["labels"][0] == "11-29 13:00", "oldest first: the newest is drawn on the right"


def test_the_newest_bucket_is_marked_partial_only_when_it_is():
    assert charts.spec(spend_panel())["partial"] is True
    panel = spend_panel()
    panel.rows[-1][0] = "11-29 13:02"
    assert charts.spec(panel)["partial"] is False


def test_axes_carry_their_units():
    panel = spend_panel()
    panel.series = [2]
    assert charts.spec(panel)["axes"]["y"] | {"format": "money", "prefix": "$"} == charts.spec(panel)["axes"]["y"]
    traffic = Panel("traffic", "Traffic", ["time", "requests/s", "error rate %"],
                    [["13:00", 1.5, 0.0], ["13:01", 2.5, 50.0]], "line", timeline=True)  # fmt: skip
    spec = charts.spec(traffic)
    assert [series["axis"] for series in spec["series"]] == ["y", "y1"], "a percentage gets its own axis"
    assert spec["axes"]["y1"]["suffix"] == " %"
    bans = Panel("bans", "Bans", ["time", "bans"], [["13:00", 0], ["13:01", 2]], "bar", timeline=True)
    assert charts.spec(bans)["axes"]["y"]["whole"] is True, "counts have no half ticks"


def test_named_bars_lie_down_and_links_become_their_names():
    panel = Panel("top", "Top", ["user", "credits"], [[Link("alice", "/u/1"), 10.0]], "bar", formats={1: "credits"})
    spec = charts.spec(panel)
    assert spec["horizontal"] is True and spec["labels"] == ["alice"]


@pytest.mark.parametrize(
    "rows",
    [
        [["a", math.nan, "text"], ["b", math.inf, 3]],  # not finite, not a number
        [["a", 1], ["b"]],  # a row shorter than its columns
        [["a", 1, 2, 3, 4]],  # a row longer than its columns
    ],
)
def test_a_panel_of_any_shape_is_drawn_or_left_out_without_an_error(rows):
    panel = Panel("odd", "Odd", ["name", "x", "y"], rows, "line", series=[1, 2, 9], formats={2: "no-such-format"})
    spec = charts.spec(panel)
    if spec is not None:
        assert len(spec["labels"]) == len(rows)
        for series in spec["series"]:
            assert all(value is None or math.isfinite(value) for value in series["values"])
            assert len(series["values"]) == len(rows)


def test_no_chart_without_data_or_kind():
    assert charts.spec(Panel("empty", "Empty", ["time", "x"], [["13:00", 0]], "line")) is None
    assert charts.spec(Panel("table", "Table", ["a", "b"], [["x", 1]])) is None
    assert charts.spec(Panel("odd", "Odd", ["a", "b"], [["x", 1]], "radar")) is None
    pie = Panel("pie", "Pie", ["os", "requests", "users"], [["Linux", 3, 1]], "pie")
    assert len(charts.spec(pie)["series"]) == 1
