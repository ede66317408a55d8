"""Per-country filters for the admin lists of users and bans, added to whatever admin classes the project
registered for them (Django's UserAdmin, violations' BanAdmin) when chatmon.analytics is installed.

A user's countries are those they signed in from (SignInPlace). A ban keeps its IP address, not a country (the
address is looked up when read, as on the Abuse page): the filter lists the countries of the banned
addresses and narrows the list to the addresses of the chosen one. Bans are few (one row per ban, not per
request), so looking each distinct address up is cheap; the lookup itself is an in-memory database read.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth import get_user_model

from chatmon.analytics.geo import place_of
from chatmon.analytics.models import SignInPlace


class UserCountryFilter(admin.SimpleListFilter):
    title = "country signed in from"
    parameter_name = "signed_in_from"

    def lookups(self, request, model_admin):
        countries = SignInPlace.objects.order_by().values_list("country", flat=True).distinct()
        return [(country, country) for country in sorted(countries)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(pk__in=SignInPlace.objects.filter(country=self.value()).values("user_id"))


class BanCountryFilter(admin.SimpleListFilter):
    title = "country of the address"
    parameter_name = "ip_country"

    def lookups(self, request, model_admin):
        counts = Counter(place_of(ip).country for ip in _banned_addresses(model_admin))
        return [(country, f"{country} ({number})") for country, number in sorted(counts.items())]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        addresses = [ip for ip in _banned_addresses(None, queryset) if place_of(ip).country == self.value()]
        return queryset.filter(ip__in=addresses)


def _banned_addresses(model_admin, queryset=None) -> list[str]:
    rows = queryset if queryset is not None else model_admin.model.objects.all()
    return list(rows.exclude(ip__isnull=True).order_by().values_list("ip", flat=True).distinct())


def add_country_filters(site: admin.AdminSite) -> None:
    """Append the filters to the registered user and ban admins (idempotent; an unregistered model is skipped)."""
    from violations.models import Ban

    for model, country_filter in ((get_user_model(), UserCountryFilter), (Ban, BanCountryFilter)):
        try:
            model_admin = site.get_model_admin(model)
        except NotRegistered:
            continue
        if country_filter not in model_admin.list_filter:
            model_admin.list_filter = [*model_admin.list_filter, country_filter]
