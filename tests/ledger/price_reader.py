"""A second process pricing with price overrides: `python -m tests.ledger.price_reader`.

For every line `<ISO moment>` on stdin it prints gpt-4o's prompt rate at that moment, as a spend in this
process would charge it (ledger.overrides.table_at, what spend_tokens prices with); for `<ISO moment> image`,
the credits of one standard 1024x1024 dall-e-3 image (ledger.calls.table_at, what spend_calls prices with).
"""

from __future__ import annotations

import sys
from datetime import datetime

import django


def main() -> None:
    django.setup()
    from ledger import calls
    from ledger.overrides import table_at

    image = calls.CallItem("image", "dall-e-3", 1, "1024x1024", "standard")
    print("ready", flush=True)
    for line in sys.stdin:
        moment, *what = line.split()
        moment = datetime.fromisoformat(moment)
        if what == ["image"]:
            print(calls.table_at(moment).price(image).credits, flush=True)
        else:
            print(table_at(moment).multiplier(model="gpt-4o", token_type="prompt"), flush=True)


if __name__ == "__main__":
    main()
