"""The pieces that keep a run executed once and ended once when many processes act on it:
claiming the row, ending it from another process, the sink not overwriting such an end, and
the reaper (against the real Redis on 127.0.0.1, in a database of its own)."""
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from playground import events, policy
from playground.executors import fleet
from playground.executors.celery_executor import send_run
from playground.executors.reaper import NO_WORKER, WORKER_LOST, Reaper
from playground.runs.models import Run
from playground.runs.sink import EventSink
from playground.runs.store import run_store

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def stored_run(device="cpu"):
    return Run.objects.create(owner="ip:127.0.0.1", code="print(1)", device=device)


def test_a_run_is_claimed_once_and_a_second_delivery_finds_it_taken():
    run = stored_run()
    claimed = run_store.claim(run.id)
    assert claimed is not None and claimed.status == events.RUNNING and claimed.started_at
    assert run_store.claim(run.id) is None
    assert run_store.claim(uuid.uuid4()) is None  # no such run: nothing to execute


def test_a_run_cancelled_before_a_worker_took_it_is_never_executed():
    run = stored_run()
    ended = run_store.finish(run.id, events.CANCELLED, "the run was cancelled before it started",
                              expected=(events.QUEUED,))
    assert ended["type"] == "finished" and ended["seq"] == 1 and ended["duration_ms"] == 0
    assert run_store.claim(run.id) is None
    run.refresh_from_db()
    assert (run.status, run.last_seq, run.duration_ms) == (events.CANCELLED, 1, 0)
    # Ending it again (a second reaper, a late cancel) changes nothing.
    assert run_store.finish(run.id, events.FAILED, WORKER_LOST) is None


def test_events_announced_by_another_process_take_the_next_sequence_numbers():
    run = stored_run()
    first = run_store.announce(run.id, events.event("status", status=events.QUEUED,
                                                     queue_position=3))
    assert first["seq"] == 1 and first["queue_position"] == 3
    run_store.claim(run.id)
    sink = EventSink()  # the worker's sink continues after what is stored
    sink(events.event("stdout", text="hi\n", run_id=str(run.id)))
    sink(events.event("finished", status=events.SUCCEEDED, duration_ms=5, message="ok",
                      run_id=str(run.id)))
    run.refresh_from_db()
    assert (run.last_seq, run.stdout, run.status) == (3, "hi\n", events.SUCCEEDED)


def test_runs_still_waiting_are_told_their_new_place_when_one_leaves_the_queue():
    first, second, third, on_gpu = stored_run(), stored_run(), stored_run(), stored_run("cuda")
    run_store.claim(first.id)
    sent = run_store.announce_positions("cpu")
    assert [(e["run_id"], e["queue_position"], e["seq"]) for e in sent] == [
        (str(second.id), 1, 1), (str(third.id), 2, 1)]
    on_gpu.refresh_from_db()
    assert on_gpu.last_seq == 0  # another queue: unchanged
    second.refresh_from_db()
    assert (second.status, second.last_seq) == (events.QUEUED, 1)


def test_a_run_ended_elsewhere_is_not_overwritten_by_its_old_worker():
    run = stored_run()
    run_store.claim(run.id)
    sink = EventSink()
    sink(events.event("stdout", text="partial\n", run_id=str(run.id)))  # buffered
    assert run_store.finish(run.id, events.FAILED, WORKER_LOST, expected=(events.RUNNING,))
    sink(events.event("finished", status=events.SUCCEEDED, duration_ms=5, message="ok",
                      run_id=str(run.id)))
    run.refresh_from_db()
    assert run.status == events.FAILED and run.message == WORKER_LOST


@pytest.fixture
def redis_fleet(monkeypatch, settings):
    up = subprocess.run(["bash", str(ROOT / ".ci" / "services"), "--test"], capture_output=True,
                        text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:6379/{13}")
    settings.PLAYGROUND_WORKER_LEASE_S = 0.4
    client = fleet.client()
    client.flushdb()
    yield client
    client.flushdb()


def test_the_reaper_fails_a_running_run_whose_lease_is_gone_and_spares_leased_ones(redis_fleet):
    lost, alive = stored_run(), stored_run()
    run_store.claim(lost.id)
    run_store.claim(alive.id)
    fleet.take_lease(str(alive.id), "w1@host")
    reaper = Reaper(run_store, send_run)
    assert reaper.tick()["lost"] == []  # one look is not enough: Redis may just have restarted
    time.sleep(0.25)
    fleet.renew_leases([str(alive.id)], "w1@host")
    assert reaper.tick()["lost"] == [str(lost.id)]
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert lost.status == events.FAILED and lost.message.startswith("worker lost")
    assert alive.status == events.RUNNING


def test_the_reaper_spares_a_run_whose_lease_comes_back_as_after_a_redis_restart(redis_fleet):
    run = stored_run()
    run_store.claim(run.id)
    reaper = Reaper(run_store, send_run)
    reaper.tick()                               # lease missing (Redis came back empty)...
    fleet.take_lease(str(run.id), "w1@host")    # ...the worker renews it a moment later
    time.sleep(0.25)
    assert reaper.tick()["lost"] == []
    run.refresh_from_db()
    assert run.status == events.RUNNING


@pytest.mark.parametrize("device, label", [("cuda", "GPU"), ("cpu", "CPU")])
def test_queued_runs_fail_when_no_worker_serves_their_queue(redis_fleet, device, label, caplog):
    run = stored_run(device=device)
    Run.objects.filter(pk=run.id).update(queued_at=run.queued_at.replace(year=2000))
    fleet.mark_enqueued(str(run.id))            # its message is there; no worker takes it
    reaper = Reaper(run_store, send_run)
    assert reaper.tick()["no_worker"] == []    # give workers three leases to show up
    time.sleep(1.3)
    assert reaper.tick()["no_worker"] == [str(run.id)]
    run.refresh_from_db()
    assert run.status == events.FAILED and run.message == NO_WORKER.format(label=label, grace=1.2)
    # Users read a plain sentence; the command that fixes it is for the operator's log.
    assert "celery" not in run.message
    queue = policy.current().device(device).queue
    assert f"celery -A playground worker -Q {queue}" in caplog.text


def test_a_queued_run_waits_while_a_worker_serves_its_queue(redis_fleet):
    run = stored_run()
    Run.objects.filter(pk=run.id).update(queued_at=run.queued_at.replace(year=2000))
    fleet.mark_enqueued(str(run.id))
    fleet.beat("cpu1@host", ["cpu"], 2, 2)      # alive, busy with other runs
    reaper = Reaper(run_store, send_run)
    reaper.tick()
    time.sleep(1.3)
    fleet.beat("cpu1@host", ["cpu"], 2, 2)
    assert reaper.tick()["no_worker"] == []
    run.refresh_from_db()
    assert run.status == events.QUEUED


def test_gpu_availability_follows_live_gpu_workers(redis_fleet):
    assert "no GPU worker is running" in fleet.unavailable_reason("cuda")
    fleet.beat("cpu1@host", ["cpu"], 2, 0)
    assert "no GPU worker is running" in fleet.unavailable_reason("cuda")
    fleet.beat("gpu1@host", ["gpu"], 1, 0)
    assert fleet.unavailable_reason("cuda") is None
    assert sorted(fleet.live_workers()) == ["cpu1@host", "gpu1@host"]
    fleet.forget_worker("gpu1@host")
    assert fleet.unavailable_reason("cuda") is not None


def test_without_redis_gpu_runs_are_refused_with_the_reason(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens there
    assert fleet.unavailable_reason("cuda").startswith("the run queue cannot be reached")


def test_a_queued_run_whose_message_redis_lost_is_sent_again_once(redis_fleet, monkeypatch):
    from playground.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:6379/13")
    old, new = stored_run(), stored_run()
    Run.objects.filter(pk=old.id).update(queued_at=old.queued_at.replace(year=2000))
    reaper = Reaper(run_store, send_run)
    # The old run has no "enqueued" marker (Redis came back empty): its task goes out again.
    # The new one may still be on its way from the web process: left alone.
    assert reaper.tick()["resent"] == [str(old.id)]
    assert reaper.tick()["resent"] == []  # once
    messages = redis_fleet.lrange("cpu", 0, -1)
    assert len(messages) == 1 and str(old.id) in messages[0] and str(new.id) not in messages[0]


def test_the_celery_executor_answers_from_the_database_and_redis(redis_fleet):
    from playground.executors.celery_executor import CeleryExecutor

    executor = CeleryExecutor(EventSink(), run_store)
    try:
        first, second, on_gpu = stored_run(), stored_run(), stored_run(device="cuda")
        assert executor.queue_position(first.id) == 1
        assert executor.queue_position(second.id) == 2
        assert executor.queue_position(on_gpu.id) == 1  # its own queue
        assert executor.cancel(first.id) is True        # queued: ended here, at once
        first.refresh_from_db()
        assert first.status == events.CANCELLED
        assert executor.queue_position(second.id) == 1 and executor.queue_position(first.id) is None
        run_store.claim(second.id)                     # running on some worker
        fleet.take_lease(str(second.id), "w1@host")     # (alive: the reaper leaves it be)
        assert executor.cancel(second.id) is True
        assert fleet.cancel_requested([str(second.id)]) == {str(second.id)}  # its worker polls
        assert executor.cancel(first.id) is False       # already over
        with pytest.raises(ValueError, match="is not stored"):
            executor.submit(policy.run_spec("print(1)", run_id=uuid.uuid4().hex))
    finally:
        executor.shutdown()
