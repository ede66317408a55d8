"""Role claims -> groups at sign-in: when POLICIES_CLAIMS_READER names a callable (the chat app's reading of
its identity provider's role claim), each sign-in syncs the user's mapped groups from what it returns."""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.module_loading import import_string

from chatmon.policies import conf, services

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="chatmon.policies.sync_groups")
def sync_groups_at_sign_in(sender, request=None, user=None, **_kwargs) -> None:
    path = conf.claims_reader()
    if not path or user is None:
        return
    try:
        claims = import_string(path)(user)
        if claims is not None:  # None: the reader has no opinion on this user; their groups stay as they are
            services.sync_groups_from_claims(user=user, claims=claims)
    except Exception:  # a sign-in never fails because the group sync did
        logger.exception("policies: group sync from claims failed for user %s", user.pk)
