"""During a Celery task every record carries the task name and id; a failing task's error is logged."""

from __future__ import annotations

import json
import logging

from celery import shared_task

from chatmon.core import context


@shared_task(name="tests.logs.context_probe")
def context_probe() -> str:
    logging.getLogger("chatmon.jobs").info("inside the task")
    return "ok"


def test_it_tags_records_with_the_task_name_and_id(configure_logging):
    logs = configure_logging()
    result = context_probe.apply(task_id="task-123")
    assert result.get() == "ok"
    lines = [json.loads(line) for path in logs.files("jobs-*.log") for line in path.read_text().splitlines()]
    [line] = [line for line in lines if line["message"] == "inside the task"]
    assert (line["task_name"], line["task_id"]) == ("tests.logs.context_probe", "task-123")
    logging.getLogger("chatmon.jobs").info("after the task")
    assert json.loads(logs.files("jobs-*.log")[0].read_text().splitlines()[-1])["task_id"] == ""


def test_a_task_caused_by_a_request_logs_that_requests_id(configure_logging):
    logs = configure_logging()
    # What the worker sets from the message header (tests/chatmon/test_jobs.py follows it through a real worker).
    token = context.current_task.set(context.TaskContext(task_id="t-1", task_name="x", request_id="req-origin"))
    try:
        logging.getLogger("chatmon.jobs").info("caused by a request")
    finally:
        context.current_task.reset(token)
    lines = [json.loads(line) for path in logs.files("jobs-*.log") for line in path.read_text().splitlines()]
    [line] = [line for line in lines if line["message"] == "caused by a request"]
    assert (line["request_id"], line["task_id"]) == ("req-origin", "t-1")
