"""Price coverage: models charged LibreChat's default rate because no price matched them, read from the ledger's
rows (each unpriced row says so itself: no value key, the default rate) through the hourly UnpricedHour rollup
(selectors/rolled.py), with a link to add their price."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from chatmon.dashboards import links
from chatmon.dashboards.panels import Link, Panel, money_columns
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors import rolled
from ledger import money
from ledger import selectors as ledger_selectors

SECONDS = "%Y-%m-%d %H:%M:%S"
# PriceOverride.pattern's length: a longer name is priced by its first characters (a pattern is matched
# inside model names, so a prefix still matches the model).
PATTERN_LENGTH = 100


def add_price_link(model: str) -> Link:
    """The admin's price override form, prefilled with the model as its pattern (Django's admin takes
    initial values from the query string)."""
    query = urlencode({"pattern": model[:PATTERN_LENGTH], "note": f"price for {model}"[:255]})
    return Link("add a price", f"{reverse('admin:ledger_priceoverride_add')}?{query}")


def coverage_panel(r: Range) -> Panel:
    rows = []
    for row in rolled.unpriced_spends(since=r.start, until=r.end):
        priced_now = ledger_selectors.current_value_key(row["model"])
        rows.append([
            links.model(row["model"]), row["endpoint"] or "-",
            money.round_credits(row["credits"]), money.round_money(row["credits"]), row["rows"],
            row["first_at"].strftime(SECONDS), row["last_at"].strftime(SECONDS),
            f"yes ({priced_now})" if priced_now else add_price_link(row["model"]),
        ])  # fmt: skip
    columns = ["model", "endpoint", *money_columns("credits at the default rate"), "rows", "first seen (UTC)",
               "last seen (UTC)", "priced now"]  # fmt: skip
    note = (
        "Spends charged the default rate because no price matched their model. Add a price "
        "(it applies from its start; past rows keep their charge: reprice them to correct it)."
    )
    return Panel("unpriced-models", "Models without a price", columns, rows, formats={2: "credits", 3: "money",
                 4: "int"}, note=note, wide=True)  # fmt: skip
