"""Dated log files (`error-YYYY-MM-DD.log`) rotated by size and by day, with retention, safe across processes.

Writing and size rotation are concurrent-log-handler's: every write and every rotation happens under a lock
file, so gunicorn workers and Celery processes can share a file without lost or interleaved lines. The day
is part of the file name (as with LibreChat's winston-daily-rotate-file), so every process derives the same
file from the clock and no coordination is needed to change day. Size rotation inside a day gives
`error-YYYY-MM-DD.log.1.gz`, `.2.gz`, ... (as winston-daily-rotate-file numbers them: a higher number is
newer), as many as the day needs; retention is by age (or by a number of files) and runs with the compression
of past days when a process first writes on a new day, under a sweep lock so that only one process does it.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import portalocker
from concurrent_log_handler import ConcurrentRotatingFileHandler

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]?)b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_RETENTION = re.compile(r"^\s*(\d+)\s*(d?)\s*$", re.IGNORECASE)


def parse_size(value: str | int) -> int:
    """winston's maxSize: bytes, or a number with k, m or g ("20m")."""
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"not a size: {value!r} (use bytes or a number with k, m or g, e.g. 20m)")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


@dataclass(frozen=True)
class Retention:
    """winston's maxFiles: "14d" keeps 14 days of files, "14" keeps the 14 newest files."""

    count: int
    by_days: bool

    @classmethod
    def parse(cls, value: str | int) -> Retention:
        match = _RETENTION.match(str(value))
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"not a retention: {value!r} (use a number of files, or of days with d, e.g. 14d)")
        return cls(count=int(match.group(1)), by_days=bool(match.group(2)))


class ConsoleHandler(logging.StreamHandler):
    """A StreamHandler on whatever `sys.stderr` is when a record is written, unless given a stream.

    Test runners and daemonisers replace sys.stderr and close the old one; a handler holding the stream it
    saw at start-up would then fail on every line ("I/O operation on closed file").
    """

    def __init__(self, stream=None) -> None:
        logging.Handler.__init__(self)
        self._stream = stream

    @property
    def stream(self):
        return self._stream or sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._stream = value


def today() -> date:
    return datetime.now(tz=UTC).date()


class DailyRotatingFileHandler(logging.Handler):
    """Writes `<directory>/<name>-<UTC date>.log`; see the module docstring for rotation and retention."""

    def __init__(
        self,
        directory: str | os.PathLike,
        name: str,
        *,
        max_size: str | int = "20m",
        max_files: str | int = "14d",
        level: int = logging.NOTSET,
    ) -> None:
        super().__init__(level)
        self.directory = Path(directory)
        self.name_prefix = name
        self.max_bytes = parse_size(max_size)
        self.retention = Retention.parse(max_files)
        self._pattern = re.compile(rf"^{re.escape(name)}-(\d{{4}}-\d{{2}}-\d{{2}})\.log(?:\.(\d+))?(\.gz)?$")
        self._day: date | None = None
        self._file: ConcurrentRotatingFileHandler | None = None
        self.directory.mkdir(parents=True, exist_ok=True)
        self._switch(today())

    def path_for(self, day: date) -> Path:
        return self.directory / f"{self.name_prefix}-{day.isoformat()}.log"

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        if self._file is not None:
            self._file.setFormatter(fmt)

    def emit(self, record: logging.LogRecord) -> None:
        day = today()
        if day != self._day:
            self._switch(day)
        self._file.emit(record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()

    def _switch(self, day: date) -> None:
        if self._file is not None:
            self._file.close()
        path = self.path_for(day)
        # concurrent-log-handler shifts `.1` -> `.2` -> ... up to backupCount on every rotation, deleting what
        # falls off the end: a cap on the day's files, and renames that grow with them. With backupCount=1 it
        # only renames the full file to rotation_filename(".1"), which the namer turns into the day's next free
        # number: one rename per rotation, under the library's lock, and no file of the day is ever deleted.
        self._file = ConcurrentRotatingFileHandler(
            str(path), maxBytes=self.max_bytes, backupCount=1, use_gzip=True, encoding="utf-8"
        )
        self._file.namer = self._next_rotation_name
        self._file.setFormatter(self.formatter)
        path.touch()  # the day's file exists from start-up, even before its first line
        self._day = day
        self.sweep(day)

    def _next_rotation_name(self, default_name: str) -> str:
        live = Path(default_name.removesuffix(".1"))  # the day's live file, whose rotation is being named
        taken = [index for _, index, path in self._dated_files() if path.name.startswith(f"{live.name}.")]
        return f"{live}.{max(taken, default=0) + 1}"

    def sweep(self, day: date) -> None:
        """Compress past days' files and delete those past retention; one process at a time does it."""
        try:
            with portalocker.Lock(self.directory / f".{self.name_prefix}.sweep.lock", timeout=0):
                files = self._dated_files()
                self._compress_past_days(files, day)
                self._apply_retention(self._dated_files(), day)
                self._remove_stale_locks(day)
        except portalocker.LockException:
            return  # another process is sweeping this very moment

    def _dated_files(self) -> list[tuple[date, int, Path]]:
        found = []
        for path in self.directory.iterdir():
            match = self._pattern.match(path.name)
            if match:
                found.append((date.fromisoformat(match.group(1)), int(match.group(2) or 0), path))
        return sorted(found)

    def _compress_past_days(self, files: list[tuple[date, int, Path]], day: date) -> None:
        # Yesterday's file is left for a day: a process that read the clock just before midnight may still be
        # appending to it, and compressing it now would lose that line.
        for file_day, _, path in files:
            if file_day < day - timedelta(days=1) and path.suffix != ".gz":
                _gzip(path)

    def _apply_retention(self, files: list[tuple[date, int, Path]], day: date) -> None:
        if self.retention.by_days:
            expired = [path for file_day, _, path in files if file_day <= day - timedelta(days=self.retention.count)]
        else:
            # Newest first: a later day, and within a day the live file (index 0), then the highest number.
            newest_first = sorted(files, key=lambda item: (item[0], item[1] == 0, item[1]), reverse=True)
            expired = [path for _, _, path in newest_first[self.retention.count :]]
        for path in expired:
            path.unlink(missing_ok=True)

    def _remove_stale_locks(self, day: date) -> None:
        for lock in self.directory.glob(f".__{self.name_prefix}-*.lock"):
            if lock.name < f".__{self.name_prefix}-{(day - timedelta(days=1)).isoformat()}":
                lock.unlink(missing_ok=True)


def _gzip(path: Path) -> None:
    target = path.with_name(path.name + ".gz")
    partial = path.with_name(path.name + ".gz.partial")
    with path.open("rb") as source, gzip.open(partial, "wb") as sink:
        shutil.copyfileobj(source, sink)
    os.replace(partial, target)
    path.unlink()
