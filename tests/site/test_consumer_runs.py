"""Runs started, cancelled and watched over the websocket, through the real executor and
sandbox: message order, live replay, cancel."""
import asyncio

import pytest
from channels.db import database_sync_to_async

from playground.runs.models import Run
from tests import ws_client
from tests.ws_client import until_finished

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def connected():
    return ws_client.connected(50001, site="localhost:8000")


async def test_a_run_streams_accepted_status_output_display_finished_in_order():
    comm = await connected()
    await comm.send_json_to({"type": "run", "device": "cpu",
                             "code": "print('hello')\nprint(6 * 7)\n'shown'"})
    accepted = await comm.receive_json_from(timeout=10)
    assert set(accepted) == {"type", "run_id"} and accepted["type"] == "accepted"
    rid = accepted["run_id"]
    got = await until_finished(comm)
    types = [m["type"] for m in got]
    assert types[0] == "status" and types[-1] == "finished"
    assert all(m["run_id"] == rid for m in got)
    # Each event carries its sequence number: a client sees a lost one as a skipped number.
    assert [m["seq"] for m in got] == list(range(1, len(got) + 1))
    assert "".join(m["text"] for m in got if m["type"] == "stdout") == "hello\n42\n"
    display = next(m for m in got if m["type"] == "display")
    assert display == {"type": "display", "run_id": rid, "mime": "text/plain", "data": "'shown'",
                       "seq": display["seq"]}
    assert types.index("display") > max(i for i, t in enumerate(types) if t == "stdout")
    finished = got[-1]
    assert set(finished) == {"type", "run_id", "status", "duration_ms", "message", "seq"}
    assert finished["status"] == "succeeded"
    for m in got:   # exactly the protocol's keys
        if m["type"] == "status":
            assert set(m) <= {"type", "run_id", "status", "queue_position", "seq"}
    await comm.disconnect()

    run = await database_sync_to_async(Run.objects.get)(pk=rid)
    assert run.status == "succeeded" and run.stdout == "hello\n42\n"
    assert run.displays == [{"mime": "text/plain", "data": "'shown'"}]
    assert run.started_at and run.finished_at and run.duration_ms is not None


async def test_an_error_reports_the_users_line():
    comm = await connected()
    await comm.send_json_to({"type": "run", "device": "cpu", "code": "x = 1\ny = x / 0\n"})
    await comm.receive_json_from(timeout=10)
    got = await until_finished(comm)
    error = next(m for m in got if m["type"] == "error")
    assert error["ename"] == "ZeroDivisionError" and error["line"] == 2
    assert set(error) == {"type", "run_id", "ename", "evalue", "traceback", "line", "seq"}
    assert got[-1]["status"] == "failed"
    await comm.disconnect()


async def test_cancel_stops_an_endless_loop():
    comm = await connected()
    await comm.send_json_to({"type": "run", "device": "cpu",
                             "code": "print('start', flush=True)\nwhile True:\n    pass\n"})
    rid = (await comm.receive_json_from(timeout=10))["run_id"]
    while (await comm.receive_json_from(timeout=30)).get("text") != "start\n":
        pass
    await comm.send_json_to({"type": "cancel", "run_id": rid})
    got = await until_finished(comm, timeout=30)
    assert got[-1]["status"] == "cancelled"
    await comm.disconnect()
    run = await database_sync_to_async(Run.objects.get)(pk=rid)
    assert run.status == "cancelled"


async def test_a_late_watcher_gets_the_stored_part_then_the_rest_live_without_duplicates():
    code = ("import time\n"
            "for i in range(6):\n"
            "    print(f'line {i}', flush=True)\n"
            "    time.sleep(0.3)\n")   # long enough to still be running when the watcher joins
    starter = await connected()
    await starter.send_json_to({"type": "run", "device": "cpu", "code": code})
    rid = (await starter.receive_json_from(timeout=10))["run_id"]
    # Join once a couple of lines are out and stored.
    seen = ""
    while "line 1\n" not in seen:
        msg = await starter.receive_json_from(timeout=30)
        seen += msg.get("text", "")
    await asyncio.sleep(0.2)
    watcher = await connected()
    await watcher.send_json_to({"type": "watch", "run_id": rid})
    got = await until_finished(watcher)
    text = "".join(m["text"] for m in got if m["type"] == "stdout")
    assert text == "".join(f"line {i}\n" for i in range(6))
    # The replay, marked as such with the seq it is complete up to, then live events after it.
    replayed = [m for m in got if m.get("replay")]
    assert replayed[0] == {"type": "status", "run_id": rid, "status": "running",
                           "seq": replayed[0]["seq"], "replay": True}
    assert {m["seq"] for m in replayed} == {replayed[0]["seq"]}
    live = [m["seq"] for m in got if not m.get("replay")]
    assert live == list(range(replayed[0]["seq"] + 1, replayed[0]["seq"] + 1 + len(live)))
    assert got[-1]["status"] == "succeeded"
    # The starter saw the same stream.
    rest = await until_finished(starter)
    assert seen + "".join(m.get("text", "") for m in rest) == text
    await starter.disconnect()
    await watcher.disconnect()


async def test_runs_of_one_socket_are_told_apart_by_run_id():
    comm = await connected()
    await comm.send_json_to({"type": "run", "device": "cpu", "code": "print('first')"})
    first = (await comm.receive_json_from(timeout=10))["run_id"]
    await comm.send_json_to({"type": "run", "device": "cpu", "code": "print('second')"})
    texts, finished, ids = {}, 0, {first}
    while finished < 2:
        msg = await comm.receive_json_from(timeout=60)
        if msg["type"] == "accepted":
            ids.add(msg["run_id"])
        elif msg["type"] == "stdout":
            texts[msg["run_id"]] = texts.get(msg["run_id"], "") + msg["text"]
        elif msg["type"] == "finished":
            finished += 1
    assert len(ids) == 2 and texts[first] == "first\n"
    assert sorted(texts.values()) == ["first\n", "second\n"]
    await comm.disconnect()


async def test_a_run_beyond_the_callers_running_limit_waits_with_its_queue_position(settings):
    settings.PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT = 3
    comm = await connected()
    code = "import time\ntime.sleep(1.0)\nprint('done')\n"
    ids = []
    for _ in range(3):   # the executor runs 2 per caller at once: the third waits
        await comm.send_json_to({"type": "run", "device": "cpu", "code": code})
        msg = await comm.receive_json_from(timeout=10)
        while msg["type"] != "accepted":
            msg = await comm.receive_json_from(timeout=10)
        ids.append(msg["run_id"])
    statuses, finished = {rid: [] for rid in ids}, set()
    while len(finished) < 3:
        msg = await comm.receive_json_from(timeout=60)
        if msg["type"] == "status":
            statuses[msg["run_id"]].append((msg["status"], msg.get("queue_position")))
        elif msg["type"] == "finished":
            assert msg["status"] == "succeeded", msg
            finished.add(msg["run_id"])
    assert ("queued", 1) in statuses[ids[2]]
    assert statuses[ids[2]][-1] == ("running", None)
    await comm.disconnect()


async def test_logged_scalars_arrive_as_metrics_and_are_stored():
    comm = await connected()
    await comm.send_json_to({"type": "run", "device": "cpu", "code": (
        "from torch.utils.tensorboard import SummaryWriter\nw = SummaryWriter()\n"
        "for i in range(30):\n    w.add_scalar('loss', float(i), i)\nw.close()\n")})
    rid = (await comm.receive_json_from(timeout=10))["run_id"]
    got = await until_finished(comm)
    points = [p for m in got if m["type"] == "metrics" for p in m["points"]]
    assert [(p["name"], p["step"], p["value"]) for p in points] == [("loss", i, float(i))
                                                                    for i in range(30)]
    assert got[-1]["status"] == "succeeded"
    await comm.disconnect()
    from playground.runs.models import Metric
    stored = await database_sync_to_async(
        lambda: list(Metric.objects.filter(run_id=rid).values_list("step", "value")))()
    assert stored == [(i, float(i)) for i in range(30)]
