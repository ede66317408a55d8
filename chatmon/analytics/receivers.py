"""Each successful sign-in counts towards the user's sign-in place (Django's user_logged_in signal)."""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError, transaction
from django.dispatch import receiver

from chatmon.analytics import places
from violations.clientip import client_ip

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="chatmon.analytics.sign_in_place")
def count_sign_in_place(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    # The client address the ban check and the audit log use (TRUSTED_PROXIES applies); only its place is kept.
    try:
        with transaction.atomic():  # a savepoint: a failure here never breaks the sign-in's own transaction
            places.record_sign_in(user_id=user.pk, address=client_ip(request))
    except DatabaseError:
        logger.exception("analytics: could not count the sign-in place of user %s", user.pk)
