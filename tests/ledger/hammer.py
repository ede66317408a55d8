"""One client process of the concurrency tests: `python -m tests.ledger.hammer MODE USER_ID COUNT WORKER`.

It sets Django up first and then waits until every client is ready (chatmon.testing.together), so that all
clients start hammering at once.
"""

from __future__ import annotations

import json
import sys

import django

from chatmon.testing.together import ready_then_wait


def spend(user_id: str, count: int, worker: str) -> dict:
    from ledger import services

    for i in range(count):
        services.spend_tokens(
            user=user_id, model="gpt-4o", prompt_tokens=10, completion_tokens=5, message_id=f"{worker}-{i}"
        )
        if i % 3 == 0:  # a client retrying the same message must not be charged again
            services.spend_tokens(
                user=user_id, model="gpt-4o", prompt_tokens=10, completion_tokens=5, message_id=f"{worker}-{i}"
            )
        if i % 5 == 0:
            services.grant_credits(user=user_id, amount=1, reason=f"hammer {worker}")
    return {"spent": count}


def calls(user_id: str, count: int, worker: str) -> dict:
    """Every client submits the same messages' priced calls (twice each): each item must be charged once."""
    from ledger import services

    items = [{"kind": "image", "name": "dall-e-3"}, {"kind": "web_search", "name": "openai", "quantity": 2}]
    for i in range(count):
        for _ in range(2):
            services.spend_calls(user=user_id, items=items, message_id=f"shared-{i}")
    return {"spent": count}


def admit(user_id: str, count: int, worker: str) -> dict:
    from ledger import services

    return {
        "allowed": sum(services.check_balance(user=user_id, model="gpt-4o", amount=100).allowed for _ in range(count))
    }


def main() -> None:
    mode, user_id, count, worker = sys.argv[1:5]
    django.setup()
    ready_then_wait()
    print(json.dumps({"spend": spend, "calls": calls, "admit": admit}[mode](user_id, int(count), worker)))


if __name__ == "__main__":
    main()
