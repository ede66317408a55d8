"""The policies and budgets every balance check consults, kept per process and re-read when they change.

As ledger/overrides.py does for price overrides: each change (a policy or budget saved or deleted, a policy's
groups or a user's groups edited, a group deleted) replaces a version stamp in the shared cache
(POLICIES_CACHE_ALIAS, Redis) once its transaction commits; a process compares the stamp (one cache read, at most every
POLICIES_STAMP_SECONDS) and re-reads the rows (two queries) when it changed. So an admin edit applies in every
process within about a second, without a restart. When the stamp cannot be read, the rows are re-read every
POLICIES_RELOAD_SECONDS instead, and the outage is logged once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from chatmon.core.stamps import SharedStamp
from chatmon.policies import conf
from chatmon.policies.models import Budget, Policy

VERSION_KEY = "chatmon:policies:version"


# Users whose groups a process remembers per snapshot before it forgets them all (each then costs one query).
MAX_REMEMBERED_USERS = 50_000


@dataclass(frozen=True)
class Snapshot:
    policies: tuple[Policy, ...]  # each with `group_ids` (frozenset) set, highest priority first
    budgets: tuple[Budget, ...]
    user_groups: dict = field(default_factory=dict, compare=False)  # user id -> group ids, read under it

    @property
    def grouped(self) -> bool:
        """Whether any policy or budget depends on a user's groups (else a check need not read them)."""
        scoped = {Budget.Scope.GROUP, Budget.Scope.MEMBER}
        return any(p.group_ids for p in self.policies) or any(b.scope in scoped for b in self.budgets)


STAMP = SharedStamp(VERSION_KEY, what="Policies", cache_alias=conf.cache_alias, every=conf.stamp_seconds)
_state: dict = {"loaded_at": None, "version": None, "snapshot": None}


def current() -> Snapshot:
    """The policies and budgets in force (re-read when another process announced a change)."""
    # The stamp is read before the rows, so a change committed in between is in the rows or in the next stamp.
    version = STAMP.read()
    loaded_at = _state["loaded_at"]
    expired = loaded_at is None or time.monotonic() - loaded_at > conf.reload_seconds()
    if expired or (version is not None and version != _state["version"]):
        _state["snapshot"] = _load()
        _state["loaded_at"], _state["version"] = time.monotonic(), version
    return _state["snapshot"]


def remembered_groups(snapshot: Snapshot) -> dict:
    """The snapshot's memory of users' groups (emptied when it grows past MAX_REMEMBERED_USERS)."""
    if len(snapshot.user_groups) >= MAX_REMEMBERED_USERS:
        snapshot.user_groups.clear()
    return snapshot.user_groups


def _load() -> Snapshot:
    policies = list(Policy.objects.prefetch_related("groups"))
    for policy in policies:
        policy.group_ids = frozenset(group.pk for group in policy.groups.all())
    budgets = tuple(Budget.objects.select_related("user", "group"))
    return Snapshot(tuple(policies), budgets)


@receiver([post_save, post_delete], sender=Policy)
@receiver([post_save, post_delete], sender=Budget)
@receiver(post_delete, sender=Group)
@receiver(m2m_changed, sender=Policy.groups.through)
@receiver(m2m_changed, sender=get_user_model().groups.through)
def forget(using: str = "default", **_kwargs) -> None:
    _state["loaded_at"] = None  # this process: at its next check
    STAMP.announce(using=using)  # the others: once the change is committed
