"""A worker process's runtime beside its tasks: the watchdog that makes a worker whose
Celery consumer stopped receiving (after a broker restart) exit for its supervisor, and
never while it executes runs. Against the real Redis on 127.0.0.1, a database of its own."""
import time

import pytest

from playground.executors import celery_tasks, fleet
from tests.scaleout import use_services

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


class Exited(Exception):
    pass


@pytest.fixture
def runtime(monkeypatch, settings):
    use_services(REDIS_TEST_URL, monkeypatch, settings, lease_s=0.2)

    def exit_(code):
        raise Exited(code)

    monkeypatch.setattr(celery_tasks.os, "_exit", exit_)
    client = fleet.client()
    client.flushdb()
    rt = celery_tasks.WorkerRuntime()
    rt.hostname, rt.queues = "w1@host", ["cpu"]
    yield rt, client
    client.flushdb()


def test_an_idle_worker_that_receives_none_of_the_waiting_runs_exits_for_its_supervisor(runtime):
    rt, redis = runtime
    rt._check_consumer({})                 # nothing waits: all is well
    redis.rpush("cpu", "a task message")
    rt._check_consumer({})                 # runs wait: one should reach us from now on
    time.sleep(0.7)
    with pytest.raises(Exited) as exited:
        rt._check_consumer({})
    assert exited.value.args == (celery_tasks.STUCK_EXIT_CODE,)


def test_a_worker_that_takes_tasks_or_runs_one_stays(runtime):
    rt, redis = runtime
    redis.rpush("cpu", "a task message")
    rt._check_consumer({})
    time.sleep(0.7)
    rt._last_task_at = time.monotonic()   # a task reached us: it is the queue that is long
    rt._check_consumer({})
    time.sleep(0.7)
    rt._check_consumer({"run-1": object()})  # busy: never leave a run behind
    time.sleep(0.7)
    rt._check_consumer({"run-1": object()})
