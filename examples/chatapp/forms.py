"""Input shapes of the JSON API. Each names its fields as the API does, so 400 bodies name them too."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from examples.chatapp import conf
from examples.chatapp.api import JSONForm


class ModelChoiceMixin:
    """`model` must be one the provider serves (read at call time, so tests may change the list)."""

    def clean_model(self) -> str:
        model = self.cleaned_data.get("model")
        models = conf.get("CHATAPP_MODELS")
        if model and model not in models:
            raise forms.ValidationError(f"unknown model {model!r}; use one of: {', '.join(models)}")
        return model


class RegisterForm(JSONForm):
    username = forms.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = forms.EmailField()
    password = forms.CharField(strip=False)

    def clean(self) -> dict:
        data = super().clean()
        if "password" in data:
            candidate = get_user_model()(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class LoginForm(JSONForm):
    # A user name or an email address.
    username = forms.CharField(max_length=254)
    password = forms.CharField(strip=False)


class ResetRequestForm(JSONForm, PasswordResetForm):
    """Django's reset form (it finds the active users with that address and mails each a one-time link)."""


class ResetConfirmForm(JSONForm):
    uid = forms.CharField()
    token = forms.CharField()
    password = forms.CharField(strip=False)

    def clean(self) -> dict:
        data = super().clean()
        user = self._user(data.get("uid", ""))
        if user is None or not default_token_generator.check_token(user, data.get("token", "")):
            raise forms.ValidationError("the reset link is invalid or has expired", code="invalid_token")
        data["user"] = user
        if "password" in data:
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data

    @staticmethod
    def _user(uid: str):
        try:
            pk = force_str(urlsafe_base64_decode(uid))
            return get_user_model()._default_manager.get(pk=pk)
        except (ValueError, OverflowError, TypeError, get_user_model().DoesNotExist):
            return None


class ConversationForm(ModelChoiceMixin, JSONForm):
    title = forms.CharField(max_length=200, required=False)
    model = forms.CharField(max_length=256)


class ConversationUpdateForm(ConversationForm):
    """PATCH: every field optional; only the fields sent are changed."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].required = False

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.data}


class ChatForm(ModelChoiceMixin, JSONForm):
    conversation_id = forms.UUIDField(required=False)
    model = forms.CharField(max_length=256)
    text = forms.CharField()
    max_tokens = forms.IntegerField(required=False, min_value=1)
    # The user asked for the last reply again (LibreChat's isRegenerate): counted per model by chatmon.
    regenerate = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Limits are settings read per request, so they cannot be declared on the class.
        self.fields["text"].validators.append(MaxLengthValidator(conf.get("CHATAPP_MAX_TEXT_CHARS")))
        self.fields["max_tokens"].validators.append(MaxValueValidator(conf.get("CHATAPP_MAX_TOKENS_LIMIT")))

    def clean_max_tokens(self) -> int:
        return self.cleaned_data.get("max_tokens") or conf.get("CHATAPP_DEFAULT_MAX_TOKENS")
