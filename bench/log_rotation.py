"""Lines kept when 4 processes write 80,000 lines into one day's file rotating at 100 KB (figures, no asserts).

The setup of issue 19: before retention was by age only, a day kept at most 50 rotations and this run kept
13,312 of 80,000 lines. Prints the lines kept, the rotations and the wall time.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITERS, LINES_EACH, MAX_SIZE = 4, 20_000, "100k"

WRITER = f"""
import logging, sys
from chatmon.logging.handlers import DailyRotatingFileHandler
handler = DailyRotatingFileHandler(sys.argv[1], "error", max_size="{MAX_SIZE}")
handler.setFormatter(logging.Formatter("%(message)s"))
for index in range({LINES_EACH}):
    handler.handle(logging.LogRecord("t", 40, "", 1, f"{{sys.argv[2]}} {{index:06d}} " + "x" * 100, None, None))
handler.close()
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, folder, f"w{n}"], cwd=ROOT) for n in range(WRITERS)]
        for writer in writers:
            writer.wait()
        elapsed = time.perf_counter() - started
        files = list(Path(folder).glob("error-*"))
        lines = set()
        for path in files:
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            lines.update(data.decode().splitlines())
    total = WRITERS * LINES_EACH
    print(f"{WRITERS} writers, LOG_MAX_SIZE={MAX_SIZE}: {len(lines):,} of {total:,} lines kept "
          f"in {len(files)} files ({len(files) - 1} rotations), {elapsed:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
