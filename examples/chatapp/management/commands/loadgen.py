"""`manage.py loadgen`: drive a running chat app over HTTP with normal and abusive simulated users."""

from __future__ import annotations

import sys
import threading
import time
import uuid

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from tabulate import tabulate
from tqdm import tqdm

from examples.chatapp import conf
from examples.chatapp.loadgen.client import Recorder
from examples.chatapp.loadgen.runner import NotLoopback, abusive_count, build_users, require_loopback, run
from examples.chatapp.loadgen.users import Plan

DEFAULT_DURATION = 300
READY_TIMEOUT = 60
STATUS_EVERY = 10  # seconds between plain status lines when the output is not a terminal


class Command(BaseCommand):
    help = "Simulate chat users (a share of them abusive) against a chat app on this machine, then print a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="loopback only")
        parser.add_argument("--users", type=int, default=10, help="simulated users (default 10)")
        parser.add_argument("--abusive-share", type=float, default=0.2, help="share of abusive users, 0..1")
        bound = parser.add_mutually_exclusive_group()
        bound.add_argument("--duration", type=float, help=f"seconds to run (default {DEFAULT_DURATION})")
        bound.add_argument("--rounds", type=int, help="rounds per user, instead of a duration")
        parser.add_argument("--think", type=float, default=1.0, help="mean pause of normal users, seconds")
        parser.add_argument("--wait-ready", action="store_true", help=f"poll /healthz for up to {READY_TIMEOUT} s")
        parser.add_argument("--seed", type=int, default=0, help="same seed, same behaviour")

    def handle(self, *args, **options) -> None:
        self._check(options)
        base_url = options["base_url"].rstrip("/")
        if options["wait_ready"]:
            self._wait_ready(base_url)
        duration = options["duration"]
        if duration is None and options["rounds"] is None:
            duration = DEFAULT_DURATION
        users = options["users"]
        abusive = abusive_count(users, options["abusive_share"])
        recorder = Recorder()
        plan = Plan(
            base_url=base_url,
            paths=_paths(),
            recorder=recorder,
            models=list(conf.get("CHATAPP_MODELS")),
            think_seconds=options["think"],
            stop=threading.Event(),
            brute_force_target="lg-user-0" if users > abusive else "alice",
        )
        cast = build_users(plan, users=users, abusive=abusive, seed=options["seed"])
        self.stdout.write(f"loadgen: {users - abusive} normal and {abusive} abusive users against {base_url}")
        total = users * options["rounds"] if options["rounds"] else duration
        with Progress(total=total, by_rounds=bool(options["rounds"]), recorder=recorder, out=self.stdout) as progress:
            run(cast, plan, rounds=options["rounds"], duration=duration, on_tick=progress.tick)
        self.stdout.write(summary_table(recorder))

    @staticmethod
    def _check(options: dict) -> None:
        try:
            require_loopback(options["base_url"])
        except NotLoopback as exc:
            raise CommandError(str(exc)) from exc
        if options["users"] < 1:
            raise CommandError("--users must be at least 1")
        if not 0 <= options["abusive_share"] <= 1:
            raise CommandError("--abusive-share must be between 0 and 1")
        for name in ("duration", "rounds"):
            if options[name] is not None and options[name] <= 0:
                raise CommandError(f"--{name} must be positive")

    def _wait_ready(self, base_url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if requests.get(base_url + reverse("healthz"), timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise CommandError(f"{base_url}{reverse('healthz')} did not answer 200 within {READY_TIMEOUT} s")


def _paths() -> dict[str, str]:
    """The app's routes by URL name, with `{pk}` where a conversation id goes."""
    marker = uuid.UUID(int=0)
    paths = {name: reverse(f"chatapp:{name}") for name in ("register", "login", "conversations", "chat")}
    for name in ("conversation", "messages"):
        paths[name] = reverse(f"chatapp:{name}", kwargs={"pk": marker}).replace(str(marker), "{pk}")
    feedback = reverse("chatapp:feedback", kwargs={"conversation_id": marker, "message_id": uuid.UUID(int=1)})
    paths["feedback"] = feedback.replace(str(marker), "{conversation}").replace(str(uuid.UUID(int=1)), "{message}")
    return paths


def summary_table(recorder: Recorder) -> str:
    counts = recorder.snapshot()
    rows = [(action, outcome, n) for (action, outcome), n in sorted(counts.items())]
    rows.append(("total", "", sum(counts.values())))
    return "\n" + tabulate(rows, headers=("action", "outcome", "requests"), tablefmt="simple") + "\n"


class Progress:
    """A tqdm bar on a terminal; under a supervisor (no terminal) a plain status line every few seconds."""

    def __init__(self, *, total: float, by_rounds: bool, recorder: Recorder, out) -> None:
        self.by_rounds = by_rounds
        self.recorder = recorder
        self.out = out
        self.interactive = sys.stderr.isatty()
        unit = "round" if by_rounds else "s"
        self.bar = tqdm(total=total, unit=unit, disable=not self.interactive, desc="loadgen", leave=True)
        self.last_status = 0.0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()

    def tick(self, elapsed: float, rounds_done: int) -> None:
        position = rounds_done if self.by_rounds else min(elapsed, self.bar.total)
        requests_made = self.recorder.total()
        if self.interactive:
            self.bar.update(position - self.bar.n)
            self.bar.set_postfix(requests=requests_made, refresh=False)
        elif elapsed - self.last_status >= STATUS_EVERY:
            self.last_status = elapsed
            self.out.write(f"loadgen: {elapsed:.0f} s, {rounds_done} rounds, {requests_made} requests")
