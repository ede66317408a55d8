"""Processes writing the same dated file, with size rotations on the way, lose and mix no line."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINES = 400

WRITER = """
import logging, sys
from chatmon.logging.handlers import DailyRotatingFileHandler
handler = DailyRotatingFileHandler(sys.argv[1], "error", max_size="{max_size}")
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


def _write(folder: Path, names: tuple[str, ...], *, lines: int, max_size: str) -> None:
    code = WRITER.format(lines=lines, max_size=max_size)
    writers = [
        subprocess.Popen([sys.executable, "-c", code, str(folder), name], cwd=ROOT, stderr=subprocess.PIPE)
        for name in names
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read().decode()


def _expected(names: tuple[str, ...], lines: int) -> list[str]:
    return sorted(f"{name} {index:05d} " + "x" * 80 for name in names for index in range(lines))


def test_it_keeps_every_line_of_two_processes_writing_one_file(tmp_path):
    _write(tmp_path, ("alpha", "beta"), lines=LINES, max_size="16k")
    assert len(list(tmp_path.glob("error-*.gz"))) >= 2, "the test needs size rotations while both write"
    assert sorted(_all_lines(tmp_path)) == _expected(("alpha", "beta"), LINES)


@pytest.mark.slow
def test_it_keeps_every_line_of_a_day_with_more_rotations_than_were_once_kept(tmp_path):
    # 4 x 1,500 lines of 92 bytes into 8 KB files: about 67 rotations in one day; 50 used to be the most kept.
    names = ("alpha", "beta", "gamma", "delta")
    _write(tmp_path, names, lines=1500, max_size="8k")
    assert len(list(tmp_path.glob("error-*.gz"))) > 50
    assert sorted(_all_lines(tmp_path)) == _expected(names, 1500)
