"""The demo's role claims: what an identity provider would say about loadgen's users, for POLICIES_CLAIMS_READER.

A real chat app reads the claim from its OpenID Connect token or SAML assertion; the demo derives it from the
user name so that loadgen's simulated users split between the two demo policies (docs/policies.md). The demo
users' groups are set once by load_demo; for them, and anyone else, the reader has no opinion (None), so a
sign-in leaves their groups alone.
"""

from __future__ import annotations

TRIAL_DEMO_USERS = {"carol"}


def demo_claims(username: str) -> list[str]:
    """load_demo's claims for alice, bob and carol."""
    return ["trial"] if username in TRIAL_DEMO_USERS else ["staff"]


def claims_of(user) -> list[str] | None:
    """ "trial" for loadgen's abusers and every third loadgen user from lg-user-1 (1, 4, 7, ...), "staff" for the
    others; None otherwise. lg-user-0, loadgen's heavy spender, is staff: the trial's start balance and daily cap
    would stop it within a few chats, and the demo's spend alerts and Spend anomalies panel need it spending."""
    name = user.get_username()
    if name.startswith("lg-abuser-"):
        return ["trial"]
    number = name.removeprefix("lg-user-")
    if number.isdigit():
        return ["trial"] if int(number) % 3 == 1 else ["staff"]
    return None
