"""Two processes writing the same dated file, with size rotations on the way, lose and mix no line."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINES = 400

WRITER = """
import logging, sys
from chatmon.logging.handlers import DailyRotatingFileHandler
handler = DailyRotatingFileHandler(sys.argv[1], "error", max_size="16k")
handler.setFormatter(logging.Formatter("%(message)s"))
for index in range({lines}):
    handler.handle(logging.LogRecord("t", 40, "", 1, f"{{sys.argv[2]}} {{index:05d}} " + "x" * 80, None, None))
handler.close()
"""


def _all_lines(folder: Path) -> list[str]:
    lines = []
    for path in folder.glob("error-*"):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        lines += data.decode().splitlines()
    return lines


def test_it_keeps_every_line_of_two_processes_writing_one_file(tmp_path):
    code = WRITER.format(lines=LINES)
    writers = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), name], cwd=ROOT, stderr=subprocess.PIPE)
        for name in ("alpha", "beta")
    ]
    for writer in writers:
        assert writer.wait(timeout=60) == 0, writer.stderr.read().decode()
    lines = _all_lines(tmp_path)
    assert len(list(tmp_path.glob("error-*.gz"))) >= 2, "the test needs size rotations while both write"
    expected = sorted(f"{name} {index:05d} " + "x" * 80 for name in ("alpha", "beta") for index in range(LINES))
    assert sorted(lines) == expected
