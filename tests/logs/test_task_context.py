"""During a Celery task every record carries the task name and id; a failing task's error is logged."""

from __future__ import annotations

import json
import logging

from celery import shared_task


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
