"""Violation history, ban records and hourly trend rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from violations.store import target
from violations.types import BanKind, BanSource, ViolationType


class Violation(models.Model):
    """One logged violation: who, from where, the score it added and the counter before and after."""

    type = models.CharField(max_length=40, choices=[(t.value, t.value) for t in ViolationType], db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    score = models.IntegerField()
    prev_count = models.IntegerField()
    count = models.IntegerField()
    banned = models.BooleanField(default=False)
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        who = self.user.get_username() if self.user_id else self.ip  # by name, not "by 3"
        return f"{self.type} by {who} (+{self.score} -> {self.count})"


class BanQuerySet(models.QuerySet):
    def active(self, now=None) -> BanQuerySet:
        return self.filter(lifted_at__isnull=True, expires_at__gt=now or timezone.now())

    def for_target(self, *, user_id=None, ip: str | None = None) -> BanQuerySet:
        target = Q(pk__in=[])
        if user_id is not None:
            target |= Q(kind=Ban.Kind.USER, user_id=user_id)
        if ip:
            target |= Q(kind=Ban.Kind.IP, ip=ip)
        return self.filter(target)


class Ban(models.Model):
    """A ban of one user or one IP address until `expires_at`, unless lifted earlier."""

    Kind = BanKind
    Source = BanSource

    kind = models.CharField(max_length=8, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="violation_bans"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    reason = models.CharField(max_length=200, blank=True)
    violation_type = models.CharField(max_length=40, blank=True)
    violation_count = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "ip"]), models.Index(fields=["kind", "user"])]

    def __str__(self) -> str:
        # By name, as the operator knows the user ("ban of bob", not "ban of user 3"): the admin and the
        # audit log show this.
        who = f"{self.user.get_username()}" if self.kind == self.Kind.USER and self.user_id else self.target
        return f"ban of {who} until {self.expires_at:%Y-%m-%d %H:%M:%S}"

    @property
    def target(self) -> str:
        return f"user {self.user_id}" if self.kind == self.Kind.USER else f"IP {self.ip}"

    @property
    def cache_key(self) -> str:
        return target(user_id=self.user_id) if self.kind == self.Kind.USER else target(ip=self.ip)

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and self.expires_at > timezone.now()


class ViolationTrend(models.Model):
    """Violations of one type in one hour (written by violations.compute_trends)."""

    hour = models.DateTimeField()
    type = models.CharField(max_length=40)
    count = models.IntegerField()
    total_score = models.IntegerField()
    unique_users = models.IntegerField()
    unique_ips = models.IntegerField()

    class Meta:
        ordering = ["-hour", "type"]
        constraints = [models.UniqueConstraint(fields=["hour", "type"], name="violations_trend_hour_type")]

    def __str__(self) -> str:
        return f"{self.type} @ {self.hour:%Y-%m-%d %H:00}: {self.count}"
