"""Cost of chatmon's logging pipeline per record, against plain logging in the same run (figures, no asserts).

Baseline: a StreamHandler with a plain Formatter. Then the same with chatmon's context + redaction filters and
the JSON formatter, and a dated file handler (concurrent-log-handler's locked writes).
"""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")

from chatmon.logging.filters import ContextFilter, RedactFilter
from chatmon.logging.formatters import JsonFormatter
from chatmon.logging.handlers import DailyRotatingFileHandler

RECORDS = 20_000


def per_record_us(handler: logging.Handler) -> float:
    logger = logging.Logger("bench")
    logger.addHandler(handler)
    started = time.perf_counter()
    for index in range(RECORDS):
        logger.info("request %s with Bearer abc.def and %s", index, {"model": "gpt-4o", "api_key": "k"})
    return (time.perf_counter() - started) / RECORDS * 1e6


def main() -> None:
    plain = logging.StreamHandler(io.StringIO())
    plain.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    chatmon = logging.StreamHandler(io.StringIO())
    chatmon.setFormatter(JsonFormatter())
    with tempfile.TemporaryDirectory() as folder:
        files = DailyRotatingFileHandler(folder, "bench")
        files.setFormatter(JsonFormatter())
        for handler in (chatmon, files):
            handler.addFilter(ContextFilter())
            handler.addFilter(RedactFilter())
        baseline = per_record_us(plain)
        print(f"plain logging, in memory:           {baseline:7.1f} us/record")
        for name, handler in (("chatmon JSON + redaction, memory", chatmon), ("chatmon JSON + redaction, file", files)):
            cost = per_record_us(handler)
            print(f"{name:36s} {cost:7.1f} us/record  ({cost / baseline:4.1f}x baseline)")
        files.close()


if __name__ == "__main__":
    main()
