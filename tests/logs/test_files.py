"""Log files: which files exist, size rotation, date rotation, retention and compression; LOG_TO_FILE=false."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import UTC, datetime

import time_machine

from chatmon.logging.handlers import DailyRotatingFileHandler, Retention, parse_size

log = logging.getLogger("tests.logs.files")


def _handler(tmp_path, **options) -> DailyRotatingFileHandler:
    handler = DailyRotatingFileHandler(tmp_path, "error", **options)
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def _emit(handler: DailyRotatingFileHandler, message: str) -> None:
    handler.handle(logging.LogRecord("t", logging.ERROR, __file__, 1, message, None, None))


def test_it_writes_the_four_dated_files(configure_logging):
    logs = configure_logging(debug_logging=True)
    day = datetime.now(tz=UTC).date().isoformat()
    assert [path.name for path in logs.files("*.log")] == [
        f"{name}-{day}.log" for name in ("debug", "error", "jobs", "login")
    ]
    log.error("to error and debug")
    logging.getLogger("chatmon.auth").info("a login")
    logging.getLogger("celery.app.trace").info("a task succeeded")
    assert json.loads((logs.log_dir / f"error-{day}.log").read_text())["message"] == "to error and debug"
    assert "a login" in (logs.log_dir / f"login-{day}.log").read_text()
    assert "a task succeeded" in (logs.log_dir / f"jobs-{day}.log").read_text()
    assert "a login" not in (logs.log_dir / f"error-{day}.log").read_text()


def test_it_creates_no_directory_with_log_to_file_false(configure_logging, tmp_path):
    logs = configure_logging(to_file=False, debug_logging=True, log_dir=tmp_path / "never")
    log.error("console only")
    assert not logs.log_dir.exists()


def test_it_rotates_by_size_and_gzips_the_rotated_file(tmp_path):
    handler = _handler(tmp_path, max_size="1k")
    for index in range(30):
        _emit(handler, f"line {index:03d} " + "x" * 90)
    handler.close()
    day = datetime.now(tz=UTC).date().isoformat()
    rotated = sorted(tmp_path.glob(f"error-{day}.log.*.gz"))
    assert rotated, "no size rotation happened"
    lines = "".join(gzip.decompress(path.read_bytes()).decode() for path in rotated)
    lines += (tmp_path / f"error-{day}.log").read_text()
    assert sorted(line[:8] for line in lines.splitlines()) == [f"line {i:03d}" for i in range(30)]


def test_it_keeps_every_rotation_of_a_busy_day_numbering_newer_files_higher(tmp_path):
    # 1,200 lines of 100 bytes into 1 KB files: about 110 rotations in one day, past the 50 once kept per day.
    handler = _handler(tmp_path, max_size="1k")
    for index in range(1200):
        _emit(handler, f"line {index:05d} " + "x" * 88)
    handler.close()
    day = datetime.now(tz=UTC).date().isoformat()
    rotated = sorted(tmp_path.glob(f"error-{day}.log.*.gz"), key=lambda path: int(path.name.split(".")[2]))
    assert len(rotated) > 100
    lines = [line for path in rotated for line in gzip.decompress(path.read_bytes()).decode().splitlines()]
    lines += (tmp_path / f"error-{day}.log").read_text().splitlines()
    assert [line[:10] for line in lines] == [f"line {i:05d}" for i in range(1200)], "all kept, oldest in .1"


def test_it_changes_file_with_the_date_and_compresses_past_days(tmp_path):
    with time_machine.travel(datetime(2026, 3, 1, 23, 59, tzinfo=UTC), tick=False) as traveller:
        handler = _handler(tmp_path)
        _emit(handler, "first day")
        traveller.move_to(datetime(2026, 3, 2, 0, 1, tzinfo=UTC))
        _emit(handler, "second day")
        assert (tmp_path / "error-2026-03-01.log").read_text() == "first day\n"
        assert (tmp_path / "error-2026-03-02.log").read_text() == "second day\n"
        traveller.move_to(datetime(2026, 3, 3, 0, 1, tzinfo=UTC))
        _emit(handler, "third day")
    handler.close()
    assert gzip.decompress((tmp_path / "error-2026-03-01.log.gz").read_bytes()) == b"first day\n"
    assert not (tmp_path / "error-2026-03-01.log").exists()
    assert (tmp_path / "error-2026-03-02.log").exists(), "yesterday's file stays plain for late writers"


def test_it_deletes_files_past_retention_in_days(tmp_path):
    for day in ("2026-02-10", "2026-02-15", "2026-02-16"):
        (tmp_path / f"error-{day}.log.gz").write_bytes(gzip.compress(b"old\n"))
    (tmp_path / "error-2026-02-10.log.1.gz").write_bytes(gzip.compress(b"old\n"))
    (tmp_path / "unrelated-2026-02-10.log").write_text("kept")
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False):
        _handler(tmp_path, max_files="14d").close()
    names = sorted(path.name for path in tmp_path.glob("*-*.log*"))
    assert names == ["error-2026-02-16.log.gz", "error-2026-03-01.log", "unrelated-2026-02-10.log"]


def test_it_keeps_a_number_of_files_when_retention_has_no_unit(tmp_path):
    for day in ("2026-02-26", "2026-02-27", "2026-02-28"):
        (tmp_path / f"error-{day}.log.gz").write_bytes(gzip.compress(b"old\n"))
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False):
        _handler(tmp_path, max_files="2").close()
    assert sorted(path.name for path in tmp_path.glob("error-*")) == ["error-2026-02-28.log.gz", "error-2026-03-01.log"]


def test_a_number_of_files_keeps_the_newest_rotations_of_the_day(tmp_path):
    for index in (1, 2, 3):
        (tmp_path / f"error-2026-03-01.log.{index}.gz").write_bytes(gzip.compress(b"rotated\n"))
    with time_machine.travel(datetime(2026, 3, 2, 0, 5, tzinfo=UTC), tick=False):
        _handler(tmp_path, max_files="3").close()
    names = sorted(path.name for path in tmp_path.glob("error-*"))
    assert names == ["error-2026-03-01.log.2.gz", "error-2026-03-01.log.3.gz", "error-2026-03-02.log"]


def test_it_parses_sizes_and_retentions():
    assert parse_size("20m") == 20 * 1024 * 1024 and parse_size("512k") == 524288 and parse_size(100) == 100
    assert Retention.parse("14d") == Retention(count=14, by_days=True)
    assert Retention.parse("5") == Retention(count=5, by_days=False)
