"""Fixtures for the logging tests: logging configured as chatmon.settings.logs would, into a tmp folder."""

from __future__ import annotations

import io
import logging
import logging.config
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from chatmon.logging.config import LogOptions, build_logging
from chatmon.logging.handlers import ConsoleHandler


@dataclass
class ConfiguredLogging:
    log_dir: Path
    console: io.StringIO

    def files(self, pattern: str = "*") -> list[Path]:
        return sorted(self.log_dir.glob(pattern)) if self.log_dir.exists() else []

    def everything(self) -> str:
        """Console output plus every log file, for "this secret appears nowhere" assertions."""
        for handler in logging.getLogger().handlers:
            handler.flush()
        texts = [self.console.getvalue()]
        texts += [path.read_text(errors="replace") for path in self.files("*.log")]
        return "\n".join(texts)


@pytest.fixture
def configure_logging(tmp_path):
    """Call with LogOptions keywords; gives the log folder and the console output. Restores LOGGING after."""

    def configure(**options) -> ConfiguredLogging:
        options.setdefault("log_dir", tmp_path / "logs")
        logging.config.dictConfig(build_logging(LogOptions(**options)))
        console = io.StringIO()
        for handler in logging.getLogger().handlers:
            if isinstance(handler, ConsoleHandler):
                handler.setStream(console)
        return ConfiguredLogging(log_dir=options["log_dir"], console=console)

    yield configure
    for handler in logging.getLogger().handlers:
        handler.close()
    logging.config.dictConfig(settings.LOGGING)
