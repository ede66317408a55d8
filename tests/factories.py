"""The test cast, built with factory_boy: users with predictable names, e-mails and passwords."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-up chat user. `password` is the clear text; the stored hash uses the session's hasher."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("user-pass-123")


class OperatorFactory(UserFactory):
    """Staff with every permission: who browses the admin and the dashboards."""

    is_staff = True
    is_superuser = True
