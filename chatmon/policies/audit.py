"""The audit trail of policies and budgets: every field change through auditlog's model tracking, a policy's
group list through m2m_changed, and the explicit actions (apply to existing users) in services."""

from __future__ import annotations

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from auditlog import register_action, track_model_changes
from auditlog.services import record
from chatmon.policies.models import Budget, Policy

# Short names: the audit list shows them in a column that must fit beside the others at 1440 px.
GROUPS_CHANGED = register_action("policies.grouped", "Policy groups changed")
APPLIED = register_action("policies.applied", "Policy applied to members")
GROUPS_SYNCED = register_action("groups.synced", "Groups synced from claims")


def track() -> None:
    track_model_changes(Policy, exclude=["updated_at"], domain="policies")
    track_model_changes(Budget, domain="budgets")


@receiver(m2m_changed, sender=Policy.groups.through)
def record_group_change(sender, instance, action: str, pk_set=None, **_kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear") or not isinstance(instance, Policy):
        return
    change = action.removeprefix("post_")
    record(action=GROUPS_CHANGED, target=instance, metadata={"change": change, "groups": sorted(pk_set or [])})
