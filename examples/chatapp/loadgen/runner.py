"""Runs simulated users on threads until the rounds are done or the time is up, whichever is asked for."""

from __future__ import annotations

import ipaddress
import random
import threading
import time
import traceback
from collections.abc import Callable
from urllib.parse import urlsplit

from examples.chatapp.loadgen.users import AbusiveUser, NormalUser, Plan, SimulatedUser


class NotLoopback(ValueError):
    pass


def require_loopback(base_url: str) -> None:
    """Load generation is for one's own machine: anything but localhost or a loopback address is refused."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise NotLoopback(f"--base-url must look like http://127.0.0.1:8000, not {base_url!r}")
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise NotLoopback(
            f"refusing to send load to {host!r}: loadgen only drives a server on this machine "
            "(localhost, 127.0.0.0/8 or [::1])"
        )


def abusive_count(users: int, share: float) -> int:
    """round(users * share), but at least one abuser whenever the share is above zero."""
    if share <= 0:
        return 0
    return min(users, max(1, round(users * share)))


# Documentation address blocks (RFC 5737): normal users in TEST-NET-2, abusive ones in TEST-NET-3.
NORMAL_NETWORK = ipaddress.ip_network("198.51.100.0/24")
ABUSIVE_NETWORK = ipaddress.ip_network("203.0.113.0/24")


def address(network: ipaddress.IPv4Network, index: int) -> str:
    return str(network[1 + index % (network.num_addresses - 2)])


def build_users(plan: Plan, *, users: int, abusive: int, seed: int) -> list[SimulatedUser]:
    cast: list[SimulatedUser] = [
        NormalUser(
            username=f"lg-user-{i}", address=address(NORMAL_NETWORK, i), plan=plan,
            rng=random.Random(f"{seed}:user:{i}"),
        )
        for i in range(users - abusive)
    ]  # fmt: skip
    cast += [
        AbusiveUser(
            index=i, username=f"lg-abuser-{i}", address=address(ABUSIVE_NETWORK, i), plan=plan,
            rng=random.Random(f"{seed}:abuser:{i}"),
        )
        for i in range(abusive)
    ]  # fmt: skip
    return cast


def run(
    cast: list[SimulatedUser],
    plan: Plan,
    *,
    rounds: int | None,
    duration: float | None,
    on_tick: Callable[[float, int], None],
) -> None:
    """Run every user's rounds on its own thread; `on_tick(elapsed_seconds, rounds_done)` about 4 times a second.

    With a duration, the stop event is set when it is over and each user finishes the request in flight.
    """
    done = [0]
    lock = threading.Lock()

    def loop(user: SimulatedUser) -> None:
        n = 0
        while not plan.stop.is_set() and (rounds is None or n < rounds):
            try:
                user.step()
            except Exception as exc:  # a bug in a scenario must show in the summary, not kill the run silently
                plan.recorder.record("loadgen", f"exception {type(exc).__name__}")
                traceback.print_exc()
            n += 1
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=loop, args=(user,), daemon=True, name=user.username) for user in cast]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        while any(thread.is_alive() for thread in threads):
            time.sleep(0.25)
            elapsed = time.monotonic() - started
            if duration is not None and elapsed >= duration:
                plan.stop.set()
            on_tick(elapsed, done[0])
    finally:
        plan.stop.set()
        for thread in threads:
            thread.join(timeout=60)
