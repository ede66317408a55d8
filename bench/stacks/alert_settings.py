"""Settings for bench/alert_delay.py: the demo's, plus a route that answers 503 (`/bench/fail`)."""

from examples.demo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.stacks.alert_urls"
