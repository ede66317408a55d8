"""Cost of chatmon's logging pipeline per record, against plain logging in the same run (figures, no asserts).

Baseline: a StreamHandler with a plain Formatter. Then the same with chatmon's context + redaction filters and
the JSON formatter, and a dated file handler (concurrent-log-handler's locked writes). Two records: a line
carrying secrets in its text and a dict argument (the worst common case: every pattern runs), and the access-log
line every request writes (chatmon.logging.access: its format, arguments and extra fields).

Times per record are at the mercy of a shared machine; `--instructions` also counts CPU instructions per
record in memory under valgrind's callgrind (two runs of 500 and 2,500 records after the same start-up; the
difference over 2,000), which do not depend on what else the machine is doing.

    .venv/bin/python bench/logging_overhead.py [--instructions]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import shutil
import subprocess
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


def with_secrets(logger: logging.Logger, index: int) -> None:
    logger.info("request %s with Bearer abc.def and %s", index, {"model": "gpt-4o", "api_key": "k"})


def access_line(logger: logging.Logger, index: int) -> None:
    """What chatmon.logging.access writes for every request (same format, arguments and extra fields)."""
    duration, size = index % 997 / 10, 200 + index % 4093  # every line differs, as real requests' do
    logger.info(
        "%s %s %s %.1fms %sb", "POST", "api/v1/spends", 200, duration, size,
        extra={"method": "POST", "status": 200, "duration_ms": duration, "bytes": size, "client_ip": "203.0.113.7",
               "route": "api/v1/spends", "user_id": str(index % 500), "request_id": f"{index:032x}"},
    )  # fmt: skip


def per_record_us(handler: logging.Handler, record=with_secrets) -> float:
    logger = logging.Logger("bench")
    logger.addHandler(handler)
    started = time.perf_counter()
    for index in range(RECORDS):
        record(logger, index)
    return (time.perf_counter() - started) / RECORDS * 1e6


RECORD_KINDS = {"secrets": with_secrets, "access": access_line}


def in_memory(chatmon: bool) -> logging.Handler:
    handler = logging.StreamHandler(io.StringIO())
    if not chatmon:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        return handler
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactFilter())
    return handler


def drive(pipeline: str, kind: str, records: int) -> None:
    """In the child under callgrind: warm up, then write `records` records."""
    logger = logging.Logger("bench")
    logger.addHandler(in_memory(pipeline == "chatmon"))
    for index in range(200 + records):
        RECORD_KINDS[kind](logger, index)


def instructions(pipeline: str, kind: str, records: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out", sys.executable, __file__,
             "--drive", pipeline, kind, str(records)],
            env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True,
        )  # fmt: skip
    match = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode or not match:
        raise SystemExit(f"the run under callgrind failed:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def print_instructions() -> None:
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind not found: apt-get install valgrind")
    for kind in RECORD_KINDS:
        per_record = {
            pipeline: (instructions(pipeline, kind, 2500) - instructions(pipeline, kind, 500)) / 2000
            for pipeline in ("plain", "chatmon")
        }
        print(f"{kind:>8} record, instructions: plain {per_record['plain']:,.0f}, chatmon JSON + redaction "
              f"{per_record['chatmon']:,.0f} ({per_record['chatmon'] / per_record['plain']:.1f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--drive", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.drive:
        return drive(options.drive[0], options.drive[1], int(options.drive[2]))
    print_times()
    if options.instructions:
        print_instructions()


def print_times() -> None:
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
        for label, record in (("a line with secrets", with_secrets), ("the access-log line", access_line)):
            baseline = per_record_us(plain, record)
            print(f"{label}: plain logging, in memory          {baseline:7.1f} us/record")
            for name, handler in (
                ("chatmon JSON + redaction, memory", chatmon),
                ("chatmon JSON + redaction, file", files),
            ):
                cost = per_record_us(handler, record)
                print(f"{label}: {name:34s} {cost:7.1f} us/record  ({cost / baseline:4.1f}x baseline)")
        files.close()


if __name__ == "__main__":
    main()
