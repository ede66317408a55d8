"""deploy/gunicorn.conf.py as gunicorn reads it: settings that must hold on a machine running several stacks."""

from __future__ import annotations

import runpy
from pathlib import Path

from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def effective(monkeypatch, **env: str) -> Config:
    """The settings gunicorn ends up with after loading the config file (as `gunicorn -c` does)."""
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg = Config()
    for name, value in runpy.run_path(str(CONF)).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg


def test_it_keeps_the_control_socket_off_by_default(monkeypatch):
    # gunicorn's default, ~/.gunicorn/gunicorn.ctl, is shared by every stack the user runs on the machine.
    assert effective(monkeypatch).control_socket_disable is True


def test_it_puts_the_control_socket_where_asked(monkeypatch, tmp_path):
    cfg = effective(monkeypatch, GUNICORN_CONTROL_SOCKET=str(tmp_path / "var" / "gunicorn.ctl"))
    assert cfg.control_socket_disable is False
    assert cfg.control_socket == str(tmp_path / "var" / "gunicorn.ctl")
