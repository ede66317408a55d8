"""The dashboards' filters, read and checked once per request: the Usage page's spend filters
(`?model=&endpoint=&source=&user=`) and the Performance page's route (`?route=&method=`).

A spend filter narrows the spend panels (by model, endpoint and API-key source) to the rows that match all of
them; a route narrows the traffic and latency panels to that route's requests. An empty one matches
everything. A value that cannot match anything sensible (too long, a control character, a user who does not
exist) is refused with a 400 that says which filter is wrong, never silently ignored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.contrib.auth import get_user_model

NAMES = ("model", "endpoint", "source", "user", "route", "method")
# The longest value each filter can match: the ledger's model and endpoint columns, ExternalUser.source, the
# user name column, and the request rollups' route and method.
MAX_LENGTH = {"model": 255, "endpoint": 100, "source": 50, "user": 150, "route": 255, "method": 8}
LOCAL = "(local)"  # the source of users without an external id: the chat app's own accounts


class BadFilter(ValueError):
    pass


@dataclass(frozen=True)
class Filters:
    model: str = ""
    endpoint: str = ""
    source: str = ""
    user: str = ""  # a user name, as the operator typed it
    route: str = ""  # a URL pattern, as the request rollups name it
    method: str = ""
    user_id: int | None = None  # that user, found

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in NAMES)

    @property
    def query(self) -> str:
        """The filters as URL parameters (without a leading '&'), for links that keep them."""
        return urlencode({name: value for name, value in asdict(self).items() if name in NAMES and value})


def parse(params) -> Filters:
    """Filters from a request's GET parameters; BadFilter says what is wrong."""
    values = {}
    for name in NAMES:
        value = params.get(name, "").strip()
        if len(value) > MAX_LENGTH[name]:
            raise BadFilter(f"{name} is at most {MAX_LENGTH[name]} characters; got {len(value)}")
        if any(ord(char) < 32 for char in value):
            raise BadFilter(f"{name} holds a control character")
        values[name] = value
    user_id = None
    if values["user"]:
        User = get_user_model()
        user_id = User.objects.filter(**{User.USERNAME_FIELD: values["user"]}).values_list("pk", flat=True).first()
        if user_id is None:
            raise BadFilter(f"no user is named {values['user']!r}")
    return Filters(**values, user_id=user_id)
