"""Admin: API keys (created here, the key shown once; revoked by an action) and the external-user map."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from chatmon.api import keys, sources
from chatmon.api.models import ApiKey, ExternalUser, Scope


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "source", "rate_limit_per_minute", "expires_at"]

    def clean_source(self) -> str:
        # The validator a request's `source` goes through (chatmon/api/sources.py): a key's source is one a
        # request can name, and `Tenant-A` cannot become a second tenant beside `tenant-a`.
        source = self.cleaned_data["source"]
        sources.validate_source(source)
        return source


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "source", "scope_list", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["source", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description="scopes")
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes)

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            keys.verified.clear()  # changed scopes or limit apply at once here, elsewhere within the memory time
            return
        created, secret = keys.create_key(
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            source=obj.source,
            rate_limit_per_minute=obj.rate_limit_per_minute,
            expires_at=obj.expires_at,
            created_by=request.user,
        )
        obj.pk = created.pk
        # Only the hash is stored: this message is the one time anyone sees the key.
        messages.warning(request, f"API key for {obj.name!r}: {secret} - copy it now, it will not be shown again.")

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset) -> None:
        revoked = sum(keys.revoke_key(key, actor=request.user) for key in queryset)
        messages.success(request, f"Revoked {revoked} key(s).")


@admin.register(ExternalUser)
class ExternalUserAdmin(admin.ModelAdmin):
    list_display = ["source", "external_id", "user", "created_at"]
    list_filter = ["source"]
    search_fields = ["external_id", "user__username", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["source", "external_id", "user", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
