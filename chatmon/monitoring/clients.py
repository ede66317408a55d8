"""Browser and OS families from user-agent strings, bounded to configured families (others are "Other")."""

from __future__ import annotations

from functools import lru_cache

import ua_parser

from chatmon.monitoring import conf

OTHER = "Other"


def families(agent: str) -> tuple[str, str]:
    """(browser family, OS family) of a user agent, each one of the configured families or "Other"."""
    browser, system = _parse(agent)
    return (browser if browser in conf.browser_families() else OTHER, system if system in conf.os_families() else OTHER)


@lru_cache(maxsize=4096)
def _parse(agent: str) -> tuple[str, str]:
    # Parsing runs in the flusher thread, never on the request path; the cache makes repeat agents free.
    if not agent:
        return OTHER, OTHER
    browser = ua_parser.parse_user_agent(agent)
    system = ua_parser.parse_os(agent)
    return (browser.family if browser else OTHER, system.family if system else OTHER)
