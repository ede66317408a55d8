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


# Public networks that geolocate to one country each (with the GeoIP data chatmon ships), so the demo's
# country panels have something to show. They only ever appear in the X-Forwarded-For header of requests to
# this machine (run() refuses any other host): nothing is sent to them. Normal users are spread over all of
# them, abusive ones come from the last two, on host numbers normal users do not get.
COUNTRY_NETWORKS = [ipaddress.ip_network(net) for net in (
    "81.2.69.0/24", "8.8.8.0/24", "193.0.6.0/24", "1.1.1.0/24", "202.12.27.0/24", "200.160.0.0/24",
    "196.216.2.0/24",
)]  # GB, US, NL, AU, JP, BR, ZA  # fmt: skip
ABUSIVE_NETWORKS = COUNTRY_NETWORKS[-2:]
NORMAL_HOSTS, ABUSIVE_HOSTS = range(1, 200), range(200, 255)  # host numbers within each /24


def address(networks: list[ipaddress.IPv4Network], index: int, hosts: range) -> str:
    """The index-th simulated client: the networks in turn, then the next host number in each."""
    return str(networks[index % len(networks)][hosts[(index // len(networks)) % len(hosts)]])


def build_users(plan: Plan, *, users: int, abusive: int, seed: int) -> list[SimulatedUser]:
    cast: list[SimulatedUser] = [
        NormalUser(
            username=f"lg-user-{i}", address=address(COUNTRY_NETWORKS, i, NORMAL_HOSTS), plan=plan,
            rng=random.Random(f"{seed}:user:{i}"), heavy=i == 0,  # lg-user-0 is the heavy spender
        )
        for i in range(users - abusive)
    ]  # fmt: skip
    cast += [
        AbusiveUser(
            index=i, username=f"lg-abuser-{i}", address=address(ABUSIVE_NETWORKS, i, ABUSIVE_HOSTS), plan=plan,
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
