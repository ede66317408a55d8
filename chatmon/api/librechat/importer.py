"""The LibreChat import: users, then transactions, then balances, each streamed; any export can be imported
again, and a later or corrected one converges to LibreChat's balances.

Transactions are applied to balances in file order (mongoexport's natural order, the order LibreChat
wrote them) by the ledger's import service (ledger.services.import_transactions): each row records the
balance before and after it, with LibreChat's floor at 0 kept in `written_off`. A balance that starts with the
import opens at the start balance (LibreChat never wrote its start balance as a transaction). Rows arriving
in a later run (a corrected export, a larger one) are appended to the user's history: the ledger is
append-only.

Then each LibreChat balance is compared with the balance its history replays to (ledger.services.import_balance);
where they differ (LibreChat's clamping, its lost concurrent updates, rows appended late), a `credits` grant
of the difference reconciles it, and the report names the user, both figures and the adjustment. Each
reconciliation leaves an ImportedBalance checkpoint; rows imported later are added to it, so that the next
run (with or without a balances file) reconciles again to LibreChat's balance while keeping what chatmon
itself changed meanwhile. A changed balance document re-applies its auto-refill settings; an unchanged one
leaves settings an operator may have edited here alone.

A document naming a LibreChat user that users.json never held is skipped and counted (or, with
`create_missing_users`, its user is created and counted as invented), like a malformed document: the
command exits non-zero when anything was skipped unless told to accept it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F

from chatmon.api import users
from chatmon.api.librechat import mapping
from chatmon.api.librechat.reader import Document, read
from chatmon.api.models import ExternalUser, ImportedBalance, ImportedRow
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services

if TYPE_CHECKING:
    from ledger.selectors import Mismatch

SOURCE = "librechat"


@dataclass(frozen=True)
class Reconciliation:
    user: str  # LibreChat's user id
    librechat: float
    history: float
    adjustment: float
    own_changes: float = 0.0  # what chatmon changed since the last import, kept on top of LibreChat's balance


@dataclass
class Summary:
    users_created: int = 0
    users_existing: int = 0
    users_invented: list[str] = field(default_factory=list)  # LibreChat ids created without a users document
    transactions_imported: int = 0
    transactions_known: int = 0  # imported by an earlier run
    balances_matched: int = 0
    balances_opened: int = 0
    balances_unchanged: int = 0  # same document as the last run, nothing new in the history
    balances_settings_updated: int = 0
    reconciled: list[Reconciliation] = field(default_factory=list)
    malformed: Counter[str] = field(default_factory=Counter)  # collection -> documents skipped
    errors: list[str] = field(default_factory=list)  # one line per malformed document
    unknown_users: Counter[tuple[str, str]] = field(default_factory=Counter)  # (collection, LibreChat id) -> skipped
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Documents not imported: malformed, or naming a user users.json never held."""
        return self.malformed.total() + self.unknown_users.total()

    def skipped_in(self, collection: str) -> tuple[int, int]:
        """(malformed, unknown user) counts for one collection."""
        unknown = sum(n for (name, _), n in self.unknown_users.items() if name == collection)
        return self.malformed[collection], unknown


@dataclass(frozen=True)
class _BalanceDocument:
    external_id: str
    digest: str
    credits: float
    settings: dict[str, Any]


def _digest(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _plain(iterable: Iterable, **_: Any) -> Iterable:
    return iterable


class LibreChatImport:
    def __init__(
        self,
        *,
        start_balance: float,
        chunk_size: int = 2000,
        create_missing_users: bool = False,
        progress: Callable = _plain,
    ) -> None:
        self.start_balance = float(start_balance)
        self.chunk_size = chunk_size
        self.create_missing_users = create_missing_users
        self.progress = progress
        self.summary = Summary()
        self._user_ids: dict[str, Any] = {}  # LibreChat id -> our user id (None: unknown): one lookup per user
        self._with_new_rows: set[Any] = set()  # our users this run appended rows to
        self._reconciled: set[Any] = set()  # our users whose balance document this run imported

    def _documents(self, path: Path, collection: str) -> Iterator[tuple[Document, dict]]:
        for document in self.progress(read(path), desc=collection, unit=" docs"):
            if document.data is None:
                self._fail(path, collection, document, document.error)
                continue
            yield document, document.data

    def _fail(self, path: Path, collection: str, document: Document, error: Exception | str) -> None:
        self.summary.malformed[collection] += 1
        self.summary.errors.append(f"{path.name}:{document.line}: {error}")

    def _known_user(self, librechat_id: str, collection: str) -> Any:
        """Our user for a LibreChat id named by a transaction or balance; None (counted) when users.json never
        held it, unless missing users are to be created (then counted as invented)."""
        if librechat_id not in self._user_ids:
            user = users.find(source=SOURCE, external_id=librechat_id)
            if user is None and self.create_missing_users:
                user = users.resolve(source=SOURCE, external_id=librechat_id)
                self.summary.users_invented.append(librechat_id)
            self._user_ids[librechat_id] = None if user is None else user.pk
        user_id = self._user_ids[librechat_id]
        if user_id is None:
            self.summary.unknown_users[collection, librechat_id] += 1
        return user_id

    def import_users(self, path: Path) -> None:
        for document, doc in self._documents(path, "users"):
            try:
                librechat_id = mapping.object_id(doc, "_id")
                user = users.find(source=SOURCE, external_id=librechat_id)
                if user is None:
                    user = users.resolve(
                        source=SOURCE, external_id=librechat_id, email=str(doc.get("email") or ""),
                        **mapping.user_fields(doc),
                    )  # fmt: skip
                    self.summary.users_created += 1
                else:
                    self.summary.users_existing += 1
            except ValueError as exc:
                self._fail(path, "users", document, exc)
                continue
            self._user_ids[librechat_id] = user.pk
            if doc.get("tenantId"):
                ExternalUser.objects.filter(source=SOURCE, external_id=librechat_id).update(
                    tenant_id=str(doc["tenantId"])[:64]
                )

    def import_transactions(self, path: Path) -> None:
        chunk: list[tuple[str, dict]] = []
        for document, doc in self._documents(path, "transactions"):
            try:
                user_id = self._known_user(mapping.object_id(doc, "user"), "transactions")
                if user_id is not None:
                    chunk.append((mapping.object_id(doc, "_id"), mapping.transaction_fields(doc, user_id)))
            except ValueError as exc:
                self._fail(path, "transactions", document, exc)
            if len(chunk) >= self.chunk_size:
                self._apply(chunk)
                chunk = []
        if chunk:
            self._apply(chunk)

    def _apply(self, chunk: list[tuple[str, dict]]) -> None:
        """One database transaction per chunk: the rows, their balances, their import markers and the
        checkpoints of users already reconciled once (the next reconciliation subtracts these rows)."""
        ids = [doc_id for doc_id, _ in chunk]
        with transaction.atomic():
            done = set(
                ImportedRow.objects.filter(collection="transactions", external_id__in=ids).values_list(
                    "external_id", flat=True
                )
            )
            fresh: dict[str, dict] = {}
            for doc_id, fields in chunk:
                if doc_id not in done and doc_id not in fresh:
                    fresh[doc_id] = fields
            rows = ledger_services.import_transactions(rows=fresh.values(), opening_credits=self.start_balance)
            ImportedRow.objects.bulk_create(
                [ImportedRow(collection="transactions", external_id=doc_id) for doc_id in fresh]
            )
            effects: Counter[Any] = Counter()
            for row in rows:
                effects[row.user_id] += row.balance_after - row.balance_before
            self._with_new_rows.update(effects)
            checkpointed = ImportedBalance.objects.filter(user_id__in=list(effects)).values_list("user_id", flat=True)
            for user_id in checkpointed:
                ImportedBalance.objects.filter(user_id=user_id).update(
                    imported_since=F("imported_since") + effects[user_id]
                )
        self.summary.transactions_imported += len(fresh)
        self.summary.transactions_known += len(chunk) - len(fresh)

    def import_balances(self, path: Path) -> None:
        for document, doc in self._documents(path, "balances"):
            try:
                doc_id, librechat_id = mapping.object_id(doc, "_id"), mapping.object_id(doc, "user")
                fields = mapping.balance_fields(doc)
            except ValueError as exc:
                self._fail(path, "balances", document, exc)
                continue
            user_id = self._known_user(librechat_id, "balances")
            if user_id is None:
                continue
            credits = fields.pop("token_credits")
            try:
                self._reconcile(user_id, librechat_id, _BalanceDocument(doc_id, _digest(doc), credits, fields))
            except ledger_services.LedgerInputError as exc:  # e.g. a balance beyond the ledger's bounds
                self._fail(path, "balances", document, exc)

    def finish(self) -> None:
        """Reconcile again, to the balance LibreChat last reported, every user this run appended rows to
        whose balance document it did not bring; then ledger_verify's check on every user it touched."""
        librechat_ids = {user_id: librechat_id for librechat_id, user_id in self._user_ids.items()}
        for user_id in sorted(self._with_new_rows - self._reconciled):
            self._reconcile(user_id, librechat_ids.get(user_id) or "", None)
        touched = {user_id for user_id in self._user_ids.values() if user_id is not None} | self._with_new_rows
        self.summary.mismatches += ledger_selectors.verify_balances(users=touched)

    def _reconcile(self, user_id: Any, librechat_id: str, document: _BalanceDocument | None) -> None:
        """Make the user's balance LibreChat's (from `document`, or the checkpoint's) plus chatmon's own changes
        since the last import, and move the checkpoint there; one database transaction."""
        if document is not None:
            self._reconciled.add(user_id)  # finish() need not reconcile this user again
        with transaction.atomic():
            checkpoint = ImportedBalance.objects.select_for_update().filter(user_id=user_id).first()
            if document is None:
                if checkpoint is None:  # rows for a user LibreChat sent no balance for: the history is the balance
                    return
                document = _BalanceDocument(checkpoint.external_id, checkpoint.digest, checkpoint.librechat_credits, {})
            elif checkpoint is None and self._imported_before_checkpoints(document):
                self._checkpoint(user_id, document, ledger_selectors.balance_of(user_id))
                self.summary.balances_unchanged += 1
                return
            changed = checkpoint is None or checkpoint.digest != document.digest
            if not changed and user_id not in self._with_new_rows:
                self.summary.balances_unchanged += 1
                return
            imported = ledger_services.import_balance(
                user=user_id,
                credits=document.credits,
                settings=document.settings if changed else {},
                source="LibreChat",
                checkpoint=None
                if checkpoint is None
                else ledger_services.ImportCheckpoint(checkpoint.credits_after, checkpoint.imported_since),
            )
            self._checkpoint(user_id, document, imported.credits)
        self._count(librechat_id, document, imported, settings_updated=changed and checkpoint is not None)

    @staticmethod
    def _imported_before_checkpoints(document: _BalanceDocument) -> bool:
        """A document an earlier chatmon version imported (it kept no checkpoint): taken as the starting point,
        so that chatmon's activity since is never reconciled away."""
        return ImportedRow.objects.filter(collection="balances", external_id=document.external_id).exists()

    @staticmethod
    def _checkpoint(user_id: Any, document: _BalanceDocument, credits_after: float) -> None:
        ImportedBalance.objects.update_or_create(
            user_id=user_id,
            defaults={
                "external_id": document.external_id,
                "digest": document.digest,
                "librechat_credits": document.credits,
                "credits_after": credits_after,
                "imported_since": 0.0,
            },
        )

    def _count(self, librechat_id: str, document: _BalanceDocument, imported, *, settings_updated: bool) -> None:
        self.summary.balances_settings_updated += settings_updated
        if imported.adjustment is not None:
            adjustment = imported.adjustment.token_value
            self.summary.reconciled.append(
                Reconciliation(librechat_id, document.credits, imported.history, adjustment, imported.own_changes)
            )
        elif imported.opened:
            self.summary.balances_opened += 1
        else:
            self.summary.balances_matched += 1
