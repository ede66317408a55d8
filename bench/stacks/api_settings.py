"""Settings for bench/api_http.py: the demo's settings with its URLs plus a bare view (bench/stacks/api_urls.py)."""

from examples.demo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.stacks.api_urls"
