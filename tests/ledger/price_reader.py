"""A second process pricing with price overrides: `python -m tests.ledger.price_reader`.

For every line `<ISO moment>` on stdin it prints gpt-4o's prompt rate at that moment, as a spend in this
process would charge it (ledger.overrides.table_at, what spend_tokens prices with).
"""

from __future__ import annotations

import sys
from datetime import datetime

import django


def main() -> None:
    django.setup()
    from ledger.overrides import table_at

    print("ready", flush=True)
    for line in sys.stdin:
        moment = datetime.fromisoformat(line.strip())
        print(table_at(moment).multiplier(model="gpt-4o", token_type="prompt"), flush=True)


if __name__ == "__main__":
    main()
