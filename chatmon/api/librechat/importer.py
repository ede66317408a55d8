"""The LibreChat import: users, then transactions, then balances, each streamed and idempotent.

Transactions are applied to balances in file order (mongoexport's natural order, the order LibreChat
wrote them) by the ledger's import service (ledger.services.import_transactions): each row records the
balance before and after it, with LibreChat's floor at 0 kept in `written_off`. A balance that starts with the
import opens at the start balance (LibreChat never wrote its start balance as a transaction). Then each
LibreChat balance is compared with the balance its history replays to (ledger.services.import_balance);
where they differ (LibreChat's clamping and lost concurrent updates make that possible), a `credits` grant of
the difference reconciles it, and the report names the user, both figures and the adjustment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from chatmon.api import users
from chatmon.api.librechat import mapping
from chatmon.api.librechat.reader import Document, read
from chatmon.api.models import ExternalUser, ImportedRow
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


@dataclass
class Summary:
    users_created: int = 0
    users_existing: int = 0
    transactions_imported: int = 0
    transactions_skipped: int = 0
    balances_matched: int = 0
    balances_opened: int = 0
    balances_skipped: int = 0
    reconciled: list[Reconciliation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)


def _plain(iterable: Iterable, **_: Any) -> Iterable:
    return iterable


class LibreChatImport:
    def __init__(self, *, start_balance: float, chunk_size: int = 2000, progress: Callable = _plain) -> None:
        self.start_balance = float(start_balance)
        self.chunk_size = chunk_size
        self.progress = progress
        self.summary = Summary()
        self._user_ids: dict[str, Any] = {}  # LibreChat id -> our user id: one entry per user, not per row

    def _documents(self, path: Path, name: str) -> Iterator[tuple[Document, dict]]:
        for document in self.progress(read(path), desc=name, unit=" docs"):
            if document.data is None:
                self.summary.errors.append(f"{path.name}:{document.line}: {document.error}")
                continue
            yield document, document.data

    def _fail(self, path: Path, document: Document, error: Exception) -> None:
        self.summary.errors.append(f"{path.name}:{document.line}: {error}")

    def _user_id(self, librechat_id: str, doc: dict | None = None) -> Any:
        """Our user for a LibreChat id; created (from its users document when there is one) on first sight."""
        if librechat_id not in self._user_ids:
            doc = doc or {}
            user = users.find(source=SOURCE, external_id=librechat_id) or users.resolve(
                source=SOURCE, external_id=librechat_id, email=str(doc.get("email") or ""), **mapping.user_fields(doc)
            )
            self._user_ids[librechat_id] = user.pk
        return self._user_ids[librechat_id]

    def import_users(self, path: Path) -> None:
        for document, doc in self._documents(path, "users"):
            try:
                librechat_id = mapping.object_id(doc, "_id")
                known = librechat_id in self._user_ids or users.find(source=SOURCE, external_id=librechat_id)
                self._user_id(librechat_id, doc)
                if doc.get("tenantId"):
                    ExternalUser.objects.filter(source=SOURCE, external_id=librechat_id).update(
                        tenant_id=str(doc["tenantId"])[:64]
                    )
            except ValueError as exc:
                self._fail(path, document, exc)
                continue
            if known:
                self.summary.users_existing += 1
            else:
                self.summary.users_created += 1

    def import_transactions(self, path: Path) -> None:
        chunk: list[tuple[str, dict]] = []
        for document, doc in self._documents(path, "transactions"):
            try:
                fields = mapping.transaction_fields(doc, self._user_id(mapping.object_id(doc, "user")))
                chunk.append((mapping.object_id(doc, "_id"), fields))
            except ValueError as exc:
                self._fail(path, document, exc)
            if len(chunk) >= self.chunk_size:
                self._apply(chunk)
                chunk = []
        if chunk:
            self._apply(chunk)

    def _apply(self, chunk: list[tuple[str, dict]]) -> None:
        """One database transaction per chunk: the rows, their balances and their import markers together."""
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
            ledger_services.import_transactions(rows=fresh.values(), opening_credits=self.start_balance)
            ImportedRow.objects.bulk_create(
                [ImportedRow(collection="transactions", external_id=doc_id) for doc_id in fresh]
            )
        self.summary.transactions_imported += len(fresh)
        self.summary.transactions_skipped += len(chunk) - len(fresh)

    def import_balances(self, path: Path) -> None:
        for document, doc in self._documents(path, "balances"):
            try:
                self._balance(doc)
            except ValueError as exc:
                self._fail(path, document, exc)

    def _balance(self, doc: dict) -> None:
        doc_id, librechat_id = mapping.object_id(doc, "_id"), mapping.object_id(doc, "user")
        fields = mapping.balance_fields(doc)
        if ImportedRow.objects.filter(collection="balances", external_id=doc_id).exists():
            self.summary.balances_skipped += 1
            return
        user_id = self._user_id(librechat_id)
        credits = fields.pop("token_credits")
        with transaction.atomic():
            imported = ledger_services.import_balance(
                user=user_id, credits=credits, settings=fields, source="LibreChat"
            )
            ImportedRow.objects.create(collection="balances", external_id=doc_id)
        if imported.adjustment is not None:
            self.summary.reconciled.append(
                Reconciliation(librechat_id, credits, imported.history, imported.adjustment.token_value)
            )
        elif imported.opened:
            self.summary.balances_opened += 1
        else:
            self.summary.balances_matched += 1

    def verify(self) -> None:
        """ledger_verify's check, for every balance this import touched."""
        self.summary.mismatches += ledger_selectors.verify_balances(users=self._user_ids.values())
