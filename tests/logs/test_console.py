"""Console output: human lines, CONSOLE_JSON lines with truncation, DEBUG_CONSOLE traversal, CONSOLE_LOG_LEVEL."""

from __future__ import annotations

import json
import logging

from chatmon.core import context
from chatmon.logging import ACTIVITY, HTTP, SILLY, VERBOSE
from chatmon.logging.config import console_level

log = logging.getLogger("tests.logs.console")


def test_it_registers_librechats_levels_in_order():
    assert logging.getLevelName(HTTP) == "HTTP" and logging.getLevelName(SILLY) == "SILLY"
    assert logging.ERROR > logging.WARNING > logging.INFO > HTTP > VERBOSE > logging.DEBUG > ACTIVITY > SILLY


def test_it_writes_json_lines_with_context_and_truncated_strings(configure_logging):
    logs = configure_logging(to_file=False, console_json=True, json_string_length=20)
    token = context.current.set(context.RequestContext(request_id="req-1", route="api/chat/", user_id="7"))
    try:
        log.warning("a message that is longer than twenty characters", extra={"model": "gpt-4o", "note": "n" * 30})
    finally:
        context.current.reset(token)
    line = json.loads(logs.console.getvalue().strip())
    assert line["timestamp"].endswith("Z") and "T" in line["timestamp"]
    assert line["level"] == "warn"
    assert line["logger"] == "tests.logs.console"
    assert line["message"] == "a message that is lo..."
    assert (line["request_id"], line["user_id"], line["route"]) == ("req-1", "7", "api/chat/")
    assert line["task_id"] == "" and line["model"] == "gpt-4o"
    assert line["note"] == "n" * 20 + "..."


def test_it_prints_one_json_object_per_line_even_for_exceptions(configure_logging):
    logs = configure_logging(to_file=False, console_json=True)
    try:
        raise RuntimeError("boom Bearer abc")
    except RuntimeError:
        log.exception("failed")
    lines = logs.console.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert "RuntimeError: boom Bearer [REDACTED]" in json.loads(lines[0])["stack"]


def test_it_prints_human_lines_by_default_at_info(configure_logging):
    logs = configure_logging(to_file=False)
    log.debug("hidden")
    log.info("shown", extra={"model": "gpt-4o", "empty": ""})
    output = logs.console.getvalue()
    assert "hidden" not in output
    assert output.rstrip().endswith('info: shown {"model": "gpt-4o"}')


def test_it_uses_the_debug_format_with_debug_console(configure_logging):
    logs = configure_logging(to_file=False, debug_console=True, debug_message_length=10)
    log.debug("  a long debug message  ", extra={"conversation": {"id": "c1", "messages": ["a", "b"]}})
    output = logs.console.getvalue()
    assert "debug: a long deb... [truncated]" in output
    assert '    conversation.id: "c1"' in output
    assert "    // 2 message(s)" in output


def test_it_mutes_the_console_with_silent(configure_logging):
    logs = configure_logging(to_file=False, console_level="SILENT")
    log.error("nobody hears this")
    assert logs.console.getvalue() == ""


def test_it_reads_console_log_level_case_insensitively_and_warns_on_unknown(capsys):
    assert console_level("Warn", debug_console=False) == (logging.WARNING, False)
    assert console_level("http", debug_console=False) == (HTTP, False)
    assert console_level("", debug_console=True) == (logging.DEBUG, False)
    assert console_level("loud", debug_console=False) == (logging.INFO, False)
    assert "CONSOLE_LOG_LEVEL='loud' is not a level" in capsys.readouterr().err
