"""The ledger's write API: spends, grants, balance checks with holds, refills (the only code that changes rows).

Public names (stable; see DESIGN.md): spend_tokens, spend_structured_tokens, spend_calls, check_balance,
spend_batch (many token spends written set-wise),
release_hold, grant_credits, sync_balance_settings, sync_balance_settings_once, refill_due_balances,
release_expired_holds, SpendResult, CallSpendResult, BalanceCheck;
import_transactions and import_balance for another system's ledger (the LibreChat import).
`user` may be a user instance or a user id everywhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone

from ledger import book, calls, conf, metrics, pricefile, repricing, signals, spendsql
from ledger.admission import (
    BalanceCheck,
    check_balance,
    release_hold,
    sync_balance_settings,
    sync_balance_settings_once,
)
from ledger.models import Balance, Transaction
from ledger.overrides import table_at
from ledger.owntx import OwnTransaction
from ledger.pricing import FREE_TOKEN_CONFIG, configured_rates
from ledger.refills import refill_due_balances, release_expired_holds
from ledger.validation import (
    MAX_BALANCE,
    LedgerInputError,
    UserGone,
    checked_count,
    checked_number,
    checked_stored,
    checked_token_config,
    checked_token_type,
)
from ledger.valuation import Charge, plain_row, structured_prompt_row

__all__ = [
    "BalanceCheck",
    "CallSpendResult",
    "ImportCheckpoint",
    "ImportedBalance",
    "LedgerInputError",
    "SpendResult",
    "UserGone",
    "check_balance",
    "grant_credits",
    "import_balance",
    "import_price_plan",
    "import_transactions",
    "preview_repricing",
    "refill_due_balances",
    "release_expired_holds",
    "release_hold",
    "reprice",
    "spend_batch",
    "spend_calls",
    "spend_structured_tokens",
    "spend_tokens",
    "sync_balance_settings",
    "sync_balance_settings_once",
]

logger = logging.getLogger(__name__)

# A balance first touched by a spend or a grant starts empty, as LibreChat's updateBalance upsert does.
OPEN_AT_ZERO = {"token_credits": 0.0, "opening_credits": 0.0}


@dataclass(frozen=True)
class SpendResult:
    prompt: Transaction | None
    completion: Transaction | None
    # Credits after the spend; None when balances are off.
    balance: float | None


@dataclass(frozen=True)
class CallSpendResult:
    # One `call` row per item key, in the order of the items: written now, or by an earlier spend of the message.
    rows: tuple[Transaction, ...]
    # Credits after the spend; None when balances are off.
    balance: float | None

    @property
    def credits(self) -> float:
        """What the rows charge together (positive)."""
        return 0.0 - sum(row.token_value for row in self.rows)  # 0.0, not -0.0, for rows of a free endpoint


def _charge(user, model, conversation_id, context, endpoint, endpoint_token_config, message_id) -> Charge:
    config = checked_token_config(endpoint_token_config)
    return Charge(
        user_id=book.user_id_of(user),
        model=model,
        context=context,
        conversation_id=conversation_id,
        endpoint=endpoint,
        message_id=None if message_id is None else str(message_id),
        endpoint_token_config=FREE_TOKEN_CONFIG if endpoint and endpoint in conf.free_endpoints() else config,
    )


def spend_tokens(
    *,
    user,
    model,
    prompt_tokens=None,
    completion_tokens=None,
    conversation_id=None,
    context="message",
    endpoint=None,
    endpoint_token_config=None,
    message_id=None,
) -> SpendResult:
    """Charge a prompt and/or completion (LibreChat's spendTokens rules; None = not reported, no row).

    A count of 0 writes a 0 row, a negative count a -0 row; the completion's premium tier is decided by the
    prompt's size. Raises LedgerInputError (nothing written) for NaN, non-numbers, counts beyond 10^9 in
    size and an endpoint token config with a rate that is not a number from 0 to 10^6.
    """
    return _record(*_token_rows(**locals()))


def _token_rows(
    *, user, model, prompt_tokens, completion_tokens, conversation_id, context, endpoint, endpoint_token_config,
    message_id,
) -> tuple[Charge, list[Transaction]]:  # fmt: skip
    prompt = checked_count(prompt_tokens, name="prompt_tokens")
    completion = checked_count(completion_tokens, name="completion_tokens")
    charge = _charge(user, model, conversation_id, context, endpoint, endpoint_token_config, message_id)
    table = table_at(timezone.now())
    prompt_count = max(prompt or 0.0, 0.0)
    rows = []
    if prompt is not None:
        rows.append(plain_row(table, charge, "prompt", 0.0 if prompt == 0 else -prompt_count, prompt_count))
    if completion is not None:
        raw = 0.0 if completion == 0 else -max(completion, 0.0)
        rows.append(plain_row(table, charge, "completion", raw, prompt_count))
    return charge, rows


def spend_structured_tokens(
    *,
    user,
    model,
    prompt_tokens: Mapping | None = None,
    completion_tokens=None,
    conversation_id=None,
    context="message",
    endpoint=None,
    endpoint_token_config=None,
    message_id=None,
) -> SpendResult:
    """Charge a prompt split into input, cache-write and cache-read tokens, plus a completion.

    `prompt_tokens` is a dict with `input`, `write`, `read` (missing = 0, negatives clamped to 0); a
    completion of 0 or None writes no completion row (LibreChat's spendStructuredTokens rules).
    """
    return _record(*_structured_rows(**locals()))


def _structured_rows(
    *, user, model, prompt_tokens, completion_tokens, conversation_id, context, endpoint, endpoint_token_config,
    message_id,
) -> tuple[Charge, list[Transaction]]:  # fmt: skip
    if prompt_tokens is not None and not isinstance(prompt_tokens, Mapping):
        raise LedgerInputError("prompt_tokens must be a dict with input, write and read counts")
    completion = checked_count(completion_tokens, name="completion_tokens")
    charge = _charge(user, model, conversation_id, context, endpoint, endpoint_token_config, message_id)
    table = table_at(timezone.now())
    rows, prompt_count = [], None
    if prompt_tokens is not None:
        counts = [
            max(checked_count(prompt_tokens.get(part), name=f"prompt_tokens[{part!r}]") or 0.0, 0.0)
            for part in ("input", "write", "read")
        ]
        prompt_count = sum(counts)
        rows.append(structured_prompt_row(table, charge, *counts))
    if completion:
        rows.append(plain_row(table, charge, "completion", -max(completion, 0.0), prompt_count))
    return charge, rows


_SPEND_DEFAULTS = {
    "prompt_tokens": None, "completion_tokens": None, "conversation_id": None, "context": "message",
    "endpoint": None, "endpoint_token_config": None, "message_id": None,
}  # fmt: skip


def spend_batch(spends: Iterable[Mapping]) -> list[SpendResult | LedgerInputError]:
    """Charge many generations at once: each spend a dict of spend_tokens' keywords (spend_structured_tokens'
    when `prompt_tokens` is a dict), each answered in order by its SpendResult, or by the LedgerInputError
    that refused it (nothing written for it; the others go on).

    The same rows, balances, holds, write-offs and idempotency as one call per spend, written set-wise: one
    database transaction, each user's balance locked once (users in a fixed order, so two batches cannot
    deadlock) and saved once. Should the database refuse the batch, each spend is charged on its own.
    """
    results: list[Any] = []
    prepared: list[tuple[int, Charge, list[Transaction]]] = []
    for index, spend in enumerate(spends):
        keywords = {**_SPEND_DEFAULTS, **spend}
        build = _structured_rows if isinstance(keywords["prompt_tokens"], Mapping) else _token_rows
        try:
            charge, rows = build(**keywords)
            _check_figures(rows)
        except LedgerInputError as exc:
            results.append(exc)
            continue
        except TypeError as exc:  # a key spend_tokens does not take, or a required one missing
            results.append(LedgerInputError(f"not a spend: {exc}"))
            continue
        results.append(None)
        prepared.append((index, charge, rows))
    if not conf.transactions_enabled():
        return [result or SpendResult(None, None, None) for result in results]
    started = time.perf_counter()
    try:
        written = _write_many([(charge, rows) for _, charge, rows in prepared])
    except DatabaseError:
        logger.warning("ledger: a batch of %d spends was refused; charging them one by one", len(prepared))
        for index, charge, rows in prepared:
            try:
                results[index] = _record(charge, rows)
            except LedgerInputError as exc:  # its user deleted meanwhile (UserGone): that spend alone fails
                results[index] = exc
        return results
    seconds = (time.perf_counter() - started) / max(1, len(prepared))
    for (index, charge, rows), (new_rows, balance) in zip(prepared, written, strict=True):
        metrics.spend_counts.timed(seconds)  # each spend's share of the batch's write
        results[index] = _result(charge, rows, new_rows, balance)
    return results


def _write_many(spends: list[tuple[Charge, list[Transaction]]]) -> list[tuple[list[Transaction], float | None]]:
    """_write for many spends in one transaction: (written rows, balance after) per spend, in order.

    The statements do not grow with the batch where they need not: the balances are locked in one query, the
    rows go in one insert (PostgreSQL, when every row has a message id) and the balances are saved in one
    executemany; only users with holds settle them spend by spend, and only a message charged before in part
    has its user's rows chained again.
    """
    now = timezone.now()
    db = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(), db.cursor() as cursor:
        if not conf.balance_enabled():
            return [(spendsql.insert_new(cursor, db, rows), None) for _, rows in spends]
        by_user: dict[Any, list[int]] = {}
        for position, (charge, _) in enumerate(spends):
            by_user.setdefault(charge.user_id, []).append(position)
        locked = _locked_many(cursor, db, list(by_user))
        for user_id, positions in by_user.items():  # chained as if all were new, as _write does
            credits = locked[user_id][1]
            for position in positions:
                credits = book.chain_from(credits, spends[position][1])
        written = spendsql.insert_spends(cursor, db, [rows for _, rows in spends])
        out: list[Any] = [None] * len(spends)
        saves = []
        for user_id, positions in by_user.items():
            pk, credits, held = locked[user_id]
            rechain = any(len(written[position]) < len(spends[position][1]) for position in positions)
            for position in positions:
                rows = written[position]
                if rechain:
                    credits = book.chain_from(credits, rows)
                elif rows:
                    credits = rows[-1].balance_after
                if rows:
                    held = _settle(cursor, db, user_id, held, now)
                out[position] = rows, credits
            if rechain:
                spendsql.save_chain(cursor, db, [row for position in positions for row in written[position]])
            if any(written[position] for position in positions):
                saves.append((pk, credits, held))
        spendsql.save_balances(cursor, db, saves, now)
    return out


def _locked_many(cursor, db, user_ids: list) -> dict[Any, tuple]:
    """_locked for many users: user id -> (pk, credits, held) of their locked balances, created empty when
    missing."""
    found = spendsql.lock_balances(cursor, db, user_ids)
    missing = [user_id for user_id in user_ids if user_id not in found]
    for user_id, balance in book.locked_balances(missing, create=OPEN_AT_ZERO).items():
        found[user_id] = balance.pk, balance.token_credits, balance.held_credits
    return found


def spend_calls(
    *, user, items, message_id=None, conversation_id=None, endpoint=None, context="message"
) -> CallSpendResult:
    """Charge priced calls: images, web searches, code sessions, file searches, named tools (ledger/calls.py).

    `items` is a list of dicts {kind, name, quantity, size?, quality?}; items with the same kind, name and
    options are added up into one `call` row (quantity in raw_amount, unit price in rate). The same rules as a
    token spend: with a `message_id` each item of a message is charged once however often it is retried
    (so send a message's calls once it is done, each item with its total quantity);
    the balance stops at 0 (the rest is written off); the spend settles the user's oldest hold, unless the
    message's tokens were charged already (that generation's hold is settled). An endpoint in
    LEDGER_FREE_ENDPOINTS charges 0 a call and still writes the rows. Raises LedgerInputError (nothing
    written) for an unknown kind or key, a missing name, a quantity that is not a whole number from 1 to 10^6.
    """
    checked = calls.checked_items(items)
    charge = calls.CallCharge(
        user_id=book.user_id_of(user),
        conversation_id=None if conversation_id is None else str(conversation_id),
        message_id=None if message_id is None else str(message_id),
        endpoint=endpoint,
        context=context,
        free=bool(endpoint) and endpoint in conf.free_endpoints(),
    )
    rows = calls.call_rows(calls.table_at(timezone.now()), charge, checked)
    for row in rows:
        for name in _SPEND_FIGURES:
            checked_stored(getattr(row, name), name=f"{row.item} {name}")
    if not rows or not conf.transactions_enabled():
        return CallSpendResult((), None)
    started = time.perf_counter()
    new_rows, balance = _write(charge, rows, settle=not _tokens_charged(charge))
    metrics.spend_counts.timed(time.perf_counter() - started)
    for row in new_rows:
        metrics.count_call(row.item.split(":", 1)[0], -row.raw_amount, -row.token_value, row.written_off)
    by_item = {row.item: row for row in new_rows}
    if len(new_rows) < len(rows):
        metrics.DUPLICATE_SPENDS.inc(len(rows) - len(new_rows))
        by_item.update(_charged_calls(charge, [row.item for row in rows if row.item not in by_item]))
    return CallSpendResult(tuple(by_item[row.item] for row in rows if row.item in by_item), balance)


def _charged_calls(charge: calls.CallCharge, items: list[str]) -> dict[str, Transaction]:
    """Call rows already recorded for this message, by item."""
    rows = Transaction.objects.filter(
        user_id=charge.user_id, message_id=charge.message_id, token_type=Transaction.TokenType.CALL, item__in=items
    )
    return {row.item: row for row in rows}


def _tokens_charged(charge: calls.CallCharge) -> bool:
    """Whether the message of these calls was charged for tokens already (so its admission hold is settled)."""
    if charge.message_id is None or not conf.balance_enabled():
        return False
    return Transaction.objects.filter(
        user_id=charge.user_id,
        message_id=charge.message_id,
        token_type__in=[Transaction.TokenType.PROMPT, Transaction.TokenType.COMPLETION],
    ).exists()


# The figures a spend computes; with valid input they stay far inside the stored limit, but a price override
# or a pricing bug must fail the spend with a clear error, not write a row the database or the pages refuse.
_SPEND_FIGURES = ("rate", "raw_amount", "token_value", "input_tokens", "write_tokens", "read_tokens")


def _check_figures(rows: list[Transaction]) -> None:
    for row in rows:
        for name in _SPEND_FIGURES:
            checked_stored(getattr(row, name), name=f"{row.token_type} {name}")


def _record(charge: Charge, rows: list[Transaction]) -> SpendResult:
    _check_figures(rows)
    if not rows or not conf.transactions_enabled():
        return SpendResult(None, None, None)
    started = time.perf_counter()
    new_rows, balance = _write(charge, rows)
    metrics.spend_counts.timed(time.perf_counter() - started)
    return _result(charge, rows, new_rows, balance)


def _result(charge: Charge, rows: list[Transaction], new_rows: list[Transaction], balance) -> SpendResult:
    if not rows:
        return SpendResult(None, None, None)
    _count(charge, new_rows)
    by_type = {row.token_type: row for row in new_rows}
    if len(new_rows) < len(rows):
        metrics.DUPLICATE_SPENDS.inc(len(rows) - len(new_rows))
        by_type.update(_charged(charge, [row.token_type for row in rows if row.token_type not in by_type]))
    return SpendResult(by_type.get("prompt"), by_type.get("completion"), balance)


def _write(charge, rows: list[Transaction], *, settle: bool = True) -> tuple[list[Transaction], float | None]:
    """Insert the rows not yet charged and, when balances are on, apply them: one transaction, one lock.
    With `settle`, a write settles the user's oldest hold.

    The rows are chained as if all were new; the insert skips those already recorded for their message (the
    unique constraint), and only then, rarely, are the written ones chained again.
    """
    now = timezone.now()
    # The connection itself, not django.db.connection: each attribute read through that proxy costs a lookup.
    db = connections[DEFAULT_DB_ALIAS]
    balances = conf.balance_enabled()
    if balances and spendsql.runs_own_transaction(db):
        written = _write_own(db, charge.user_id, rows, settle, now)
        if written is not None:
            return written
        # The user has no balance yet (it is created below, once per user), or a message was charged in part
        # before: Django's transaction.
    with book.transaction_for(charge.user_id), db.cursor() as cursor:
        if not balances:
            return spendsql.insert_new(cursor, db, rows), None
        return _write_locked(cursor, db, charge.user_id, _locked(cursor, db, charge.user_id), rows, settle, now)


def _write_own(db, user_id, rows: list[Transaction], settle: bool, now) -> tuple | None:
    """_write() in a transaction of the spend's own (ledger.owntx); None when the spend needs Django's
    transaction instead (see _write)."""
    with OwnTransaction(db) as tx:
        if tx.one_statement:
            spent = spendsql.spend_and_commit(tx, user_id, rows, settle=settle, now=now)
            if spent is None:
                return None
            if spent.settled_hold:
                metrics.HOLDS.labels("settled").inc()
            return spent.rows, spent.credits
        found = spendsql.begin_and_lock_balance(tx, user_id)
        if found is None:
            return None
        return _write_locked(tx.cursor, db, user_id, found, rows, settle, now)


def _write_locked(cursor, db, user_id, found: tuple, rows: list[Transaction], settle: bool, now) -> tuple:
    """One spend's rows on the balance `found` (pk, credits, held), locked in this transaction, and the balance
    saved: (written rows, credits after)."""
    pk, credits, held = found
    if settle and held > 0:
        written, after, held = _apply(cursor, db, user_id, credits, held, rows, settle, now)
        if written:
            spendsql.save_balance(cursor, db, pk, after, held, now)
        return written, after
    # Nothing to settle: the insert also saves the balance when every row is new (one statement on PostgreSQL).
    after = book.chain_from(credits, rows)
    written = spendsql.insert_and_save_balance(cursor, db, rows, pk, after, held, now)
    if len(written) < len(rows):
        after = _rechain(cursor, db, credits, written)
        if written:
            spendsql.save_balance(cursor, db, pk, after, held, now)
    return written, after


def _apply(cursor, db, user_id, credits: float, held: float, rows: list[Transaction], settle: bool, now) -> tuple:
    """Insert one spend's rows not yet charged, chained from the locked `credits`: (written rows, credits
    after, held after). The caller saves the balance."""
    after = book.chain_from(credits, rows)
    written = spendsql.insert_new(cursor, db, rows)
    if len(written) < len(rows):
        after = _rechain(cursor, db, credits, written)
    if written and settle:
        held = _settle(cursor, db, user_id, held, now)
    return written, after, held


def _locked(cursor, db, user_id) -> tuple:
    """(pk, credits, held credits) of the user's locked balance, created empty when missing."""
    found = spendsql.lock_balance(cursor, db, user_id)
    if found is None:
        balance, _ = book.locked_balance(user_id, create=OPEN_AT_ZERO)
        found = balance.pk, balance.token_credits, balance.held_credits
    return found


def _rechain(cursor, db, credits: float, written: list[Transaction]) -> float:
    """Part of a retried message was charged before: chain the rows actually written from the locked credits."""
    after = book.chain_from(credits, written)
    spendsql.save_chain(cursor, db, written)
    return after


def _settle(cursor, db, user_id, held: float, now) -> float:
    """A spend settles its user's oldest hold (the check that admitted it has now been charged); the new held."""
    if held <= 0:
        return held
    amount = spendsql.settle_oldest_hold(cursor, db, user_id, now)
    if amount is None:
        # No active hold is left (an operator closed them by hand): nothing is held.
        return 0.0
    metrics.HOLDS.labels("settled").inc()
    return max(0.0, held - amount)


def _charged(charge: Charge, token_types: list[str]) -> dict[str, Transaction]:
    """Rows already recorded for this message, by token type."""
    if charge.message_id is None:
        return {}
    rows = Transaction.objects.filter(user_id=charge.user_id, message_id=charge.message_id, token_type__in=token_types)
    return {row.token_type: row for row in rows}


def _count(charge: Charge, rows: list[Transaction]) -> None:
    priced_by_config = configured_rates(charge.endpoint_token_config, charge.model) is not None
    for row in rows:
        key = "custom" if priced_by_config else (row.value_key or "unknown")
        metrics.spend_counts.count(key, row.token_type, abs(row.raw_amount or 0), abs(row.token_value or 0))
        if row.written_off:  # rarely: under gunicorn each inc() is a locked write to a shared file, even of 0
            metrics.CREDITS_WRITTEN_OFF.inc(row.written_off)


def grant_credits(*, user, amount, actor=None, reason="") -> Transaction:
    """Add (amount > 0) or remove (amount < 0) credits as an operator; the balance still stops at 0.

    Applies whether or not balances are enabled, writes a `credits` row naming the actor and reason, and
    sends ledger.signals.credits_granted inside the same database transaction.
    """
    amount = checked_number(amount, name="amount")
    if amount == 0:
        raise LedgerInputError("amount must not be zero")
    user_id = book.user_id_of(user)
    with book.transaction_for(user_id):
        balance, _ = book.locked_balance(user_id, create=OPEN_AT_ZERO)
        if balance.token_credits + amount > MAX_BALANCE:
            raise LedgerInputError(f"amount {amount} would take the balance beyond the limit of {MAX_BALANCE:.0e}")
        row = Transaction(
            user_id=user_id,
            token_type=Transaction.TokenType.CREDITS,
            context="grant",
            raw_amount=amount,
            rate=1.0,
            token_value=amount,
            actor_id=None if actor is None else book.user_id_of(actor),
            reason=str(reason)[:500],
        )
        book.chain(balance, [row])
        row.save()
        book.save(balance)
        signals.credits_granted.send(
            sender=Balance,
            user=balance.user,
            user_id=user_id,
            amount=amount,
            actor=actor,
            reason=row.reason,
            transaction=row,
            balance=balance.token_credits,
        )
    (metrics.CREDITS_GRANTED if amount > 0 else metrics.CREDITS_REMOVED).inc(abs(amount))
    return row


# The balance settings an import may carry (the other system's auto-refill); any other name is refused.
IMPORTED_BALANCE_SETTINGS = frozenset(
    {"auto_refill_enabled", "refill_interval_value", "refill_interval_unit", "refill_amount", "last_refill"}
)


@dataclass(frozen=True)
class ImportedBalance:
    # The user had no balance: it opened at the imported credits.
    opened: bool
    # The credits the user's history replayed to, before any reconciliation (the imported credits if opened).
    history: float
    # The `credits` grant that reconciled the imported credits with that history, when they differed.
    adjustment: Transaction | None
    # The user's credits once reconciled: the next import's checkpoint starts from here.
    credits: float = 0.0
    # What changed the balance since the checkpoint other than imported rows (this system's own activity).
    own_changes: float = 0.0


@dataclass(frozen=True)
class ImportCheckpoint:
    """Where an earlier import_balance left a balance, for the next import of the same user to converge.

    `credits_after` is ImportedBalance.credits of that import; `imported_since` the net effect (balance after
    minus before, write-offs included) of the rows import_transactions has applied to the user since.
    """

    credits_after: float
    imported_since: float = 0.0

    def own_changes(self, credits: float) -> float:
        """Credits now, less the checkpoint and the imported rows: what this system did itself meanwhile.
        Differences within float rounding of the two sums (one part in 1e9) count as none."""
        own = credits - self.credits_after - self.imported_since
        return 0.0 if abs(own) <= 1e-9 * max(1.0, abs(credits)) else own


def import_transactions(*, rows: Iterable[Mapping[str, Any]], opening_credits: float) -> list[Transaction]:
    """Record another system's rows as they are (never re-priced) and apply them to their users' balances in
    the order given, through the same chain as every change, so that ledger_verify checks them too.

    Each row is a dict of Transaction fields, `user_id`, `token_type` and `token_value` among them. A user with
    no balance yet gets one opening at `opening_credits` (LibreChat never wrote its start balance as a row).
    One database transaction (inside the caller's, the caller's own bookkeeping commits with the rows): the
    balances locked in one query (created in one more), saved in one prepared update, the rows in one insert.
    Returns the rows written, chained (balance before/after); raises LedgerInputError (nothing written) for an
    unknown token type or a token_value that is not a finite number.
    """
    new = [_imported_row(fields) for fields in rows]
    by_user: dict[Any, list[Transaction]] = {}
    for row in new:
        by_user.setdefault(row.user_id, []).append(row)
    opening = {"token_credits": float(opening_credits), "opening_credits": float(opening_credits)}
    with transaction.atomic():
        balances = book.locked_balances(by_user, create=opening)
        for user_id, user_rows in by_user.items():
            balance = balances[user_id]
            book.chain(balance, user_rows)
            if balance.token_credits > MAX_BALANCE:
                raise LedgerInputError(f"user {user_id}'s rows take the balance beyond {MAX_BALANCE:.0e}")
        book.save_many(list(balances.values()), ["token_credits"])
        Transaction.objects.bulk_create(new)
    return new


# The numbers an imported row may carry: each one finite and within ABSURD (token_value is required).
_IMPORTED_FIGURES = ("rate", "raw_amount", "input_tokens", "write_tokens", "read_tokens")


def _imported_row(fields: Mapping[str, Any]) -> Transaction:
    token_type = checked_token_type(fields.get("token_type"))
    if (token_type == Transaction.TokenType.CALL) != bool(fields.get("item")):
        # The database's ledger_tx_item_iff_call would refuse the row; say why, before anything is written.
        raise LedgerInputError("a `call` row needs its item, and only a `call` row may name one")
    checked_number(fields.get("token_value"), name="token_value")
    for name in _IMPORTED_FIGURES:
        if fields.get(name) is not None:
            checked_number(fields[name], name=name)
    return Transaction(**fields)


def import_balance(
    *,
    user,
    credits: float,
    settings: Mapping[str, Any] | None = None,
    source: str = "import",
    checkpoint: ImportCheckpoint | None = None,
) -> ImportedBalance:
    """Take a user's credits and auto-refill `settings` from another system (`source` names it in reasons).

    A user with no balance gets one opening at `credits`. A balance that exists already (opened by
    import_transactions) keeps its history; where the history replays to other credits than `credits`
    (LibreChat clamps, and can lose concurrent updates), a `credits` grant of the difference reconciles the
    two, its reason naming both figures. With the `checkpoint` an earlier import left, the target is `credits`
    plus this system's own changes since (ImportCheckpoint.own_changes): rows imported late are corrected
    away, grants and spends made here are kept. One database transaction (the caller's, when it has one).
    """
    credits = checked_number(credits, name="credits")
    settings = dict(settings or {})
    if unknown := settings.keys() - IMPORTED_BALANCE_SETTINGS:
        raise LedgerInputError(f"unknown balance settings {sorted(unknown)}")
    if settings.get("refill_amount") is not None:
        settings["refill_amount"] = checked_number(settings["refill_amount"], name="refill_amount", minimum=0)
    user_id = book.user_id_of(user)
    with transaction.atomic():
        balance, opened = book.locked_balance(
            user_id, create={"token_credits": credits, "opening_credits": credits, **settings}
        )
        for name, value in settings.items():
            setattr(balance, name, value)
        balance.schedule_next_refill()
        book.save(balance)
        history, adjustment = balance.token_credits, None
        own = 0.0 if opened or checkpoint is None else checkpoint.own_changes(history)
        target = credits + own
        if not opened and history != target:
            reason = f"{source} import: {source}'s balance {credits!r}, its history replays to {history!r}"
            if own:
                reason += f", {own!r} changed here since the last import"
            adjustment = grant_credits(user=user_id, amount=target - history, reason=reason)
    after = history if adjustment is None else adjustment.balance_after
    return ImportedBalance(opened=opened, history=history, adjustment=adjustment, credits=after, own_changes=own)


def import_price_plan(*, plan: pricefile.Plan, actor=None) -> list:
    """Create the PriceOverride rows a price-file plan lists, from its start (ledger/pricefile.py); audited."""
    return pricefile.apply(plan, actor=actor)


def preview_repricing(*, model, start, end, prices, reason, user=None) -> repricing.Preview:
    """What repricing the model's rows in [start, end) at `prices` would post per user (nothing written)."""
    return repricing.preview(
        repricing.checked_request(model=model, start=start, end=end, prices=prices, reason=reason, user=user)
    )


def reprice(*, model, start, end, prices, reason, user=None, actor=None) -> tuple:
    """Post one correcting `credits` row per user whose charge changes (ledger/repricing.py); idempotent and
    audited. Returns (the Repricing or None when nothing was posted, the preview it posted)."""
    request = repricing.checked_request(model=model, start=start, end=end, prices=prices, reason=reason, user=user)
    return repricing.apply(request, actor=actor)
