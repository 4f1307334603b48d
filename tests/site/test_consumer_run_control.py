"""The websocket's "control" message (runs/run_control.py): the owner pauses, steps and
resumes a run through the real executor and sandbox, every watcher hears run_state, and
anyone else or anything malformed gets a specific "invalid"."""
import pytest
from channels.db import database_sync_to_async

from playground import events
from playground.runs.models import Run
from tests import ws_client
from tests.ws_client import until_finished

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLIENT_PORT = 50031
TRAIN = ("import torch\nfrom torch.utils.tensorboard import progress\n"
         "w = torch.zeros(1, requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\n"
         "for epoch in progress(range(20), desc='epochs'):\n"
         "    for batch in range(2):\n"
         "        opt.zero_grad()\n        (w - 1).pow(2).sum().backward()\n        opt.step()\n"
         "print('trained', epoch + 1)\n")


def connected():
    return ws_client.connected(CLIENT_PORT)


async def next_state(comm, state, timeout=30):
    while True:
        msg = await comm.receive_json_from(timeout=timeout)
        assert msg["type"] != "finished", msg
        if msg["type"] == "run_state" and msg["state"] == state:
            return msg


async def test_the_owner_pauses_steps_and_resumes_and_a_late_watcher_hears_the_state():
    comm = await connected()
    await comm.send_json_to({"type": "run", "code": TRAIN, "device": "cpu"})
    rid = (await comm.receive_json_from(timeout=10))["run_id"]
    await comm.send_json_to({"type": "control", "run_id": rid, "action": "pause"})
    paused = await next_state(comm, events.RUN_PAUSED)
    assert set(paused) == {"type", "run_id", "seq", *events.EVENT_FIELDS["run_state"]}
    await comm.send_json_to({"type": "control", "run_id": rid, "action": "step", "n": 1,
                             "unit": "epoch"})
    stepped = await next_state(comm, events.RUN_PAUSED)
    assert stepped["epoch"] == paused["epoch"] + 1

    late = await connected()   # another page opening the run now
    await late.send_json_to({"type": "watch", "run_id": rid})
    replayed = []
    while not replayed or replayed[-1]["type"] != "run_state":
        replayed.append(await late.receive_json_from(timeout=10))
    assert replayed[-1]["state"] == events.RUN_PAUSED
    assert replayed[-1]["epoch"] == stepped["epoch"] and replayed[-1]["replay"] is True

    await comm.send_json_to({"type": "control", "run_id": rid, "action": "speed",
                             "pace_s": 0.01, "unit": "batch"})
    await comm.send_json_to({"type": "control", "run_id": rid, "action": "resume"})
    got = await until_finished(comm)
    assert got[-1]["status"] == events.SUCCEEDED
    assert "trained 20" in "".join(m.get("text", "") for m in got)
    states = [m for m in got if m["type"] == "run_state"]
    assert states[-1]["state"] == events.RUN_RUNNING and states[-1]["pace_s"] == 0.01
    late_got = await until_finished(late)
    assert [m for m in late_got if m["type"] == "run_state"][-1] == {
        **states[-1], "seq": states[-1]["seq"]}
    await comm.disconnect()
    await late.disconnect()


@pytest.mark.parametrize("fields,error", [
    ({}, '"control" needs "action": pause, resume, step or speed'),
    ({"action": "pause", "speed": 2}, "\"control\" does not take 'speed'"),
    ({"action": "rewind"}, '"action" must be one of pause, resume, step, speed, not \'rewind\''),
    ({"action": "step", "n": -2}, '"n" (steps to take) must be a whole number from 1'),
    ({"action": "step", "unit": "lap"}, '"unit" must be "epoch" or "batch"'),
    ({"action": "speed"}, '"pace_s" (the least seconds per epoch; 0: full speed) must be'),
    ({"action": "speed", "pace_s": "fast"}, '"pace_s"'),
    # A field of another action, or of a wrong type, is refused, never ignored.
    ({"action": "pause", "pace_s": {}}, "\"control\" does not take 'pace_s' with "
                                        "\"action\": \"pause\""),
    ({"action": "resume", "n": 1}, "\"control\" does not take 'n' with \"action\": \"resume\""),
    ({"action": "step", "pace_s": 1}, "\"control\" does not take 'pace_s' with \"action\": "
                                      "\"step\"; it takes n, unit"),
    ({"action": "speed", "pace_s": 1, "n": 2}, "does not take 'n' with \"action\": \"speed\""),
    ({"action": "step", "n": None}, '"n" (steps to take) must be a whole number'),
    ({"action": "step", "n": 1.5}, '"n" (steps to take) must be a whole number'),
    ({"action": "step", "n": 2e6}, '"n" (steps to take) must be a whole number from 1 to'),
    ({"action": "speed", "pace_s": True}, '"pace_s"'),
    ({"action": "speed", "pace_s": 0.5, "unit": None}, '"unit" must be "epoch" or "batch"'),
    ({"action": ["pause"]}, '"action" must be one of pause, resume, step, speed'),
])
async def test_malformed_control_messages_say_what_is_wrong(fields, error):
    run = await database_sync_to_async(Run.objects.create)(owner="ip:127.0.0.1", code="x",
                                                           status="running")
    comm = await connected()
    await comm.send_json_to({"type": "control", "run_id": str(run.id), **fields})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and error in reply["message"], reply
    await comm.disconnect()


async def test_control_of_someone_elses_a_finished_or_a_lost_run_is_refused():
    foreign = await database_sync_to_async(Run.objects.create)(owner="session:x", code="x",
                                                               status="running")
    done = await database_sync_to_async(Run.objects.create)(owner="ip:127.0.0.1", code="x",
                                                            status="succeeded")
    lost = await database_sync_to_async(Run.objects.create)(owner="ip:127.0.0.1", code="x",
                                                            status="running")
    comm = await connected()
    for run, error in ((foreign, "only the person who started a run can pause, step or pace it"),
                       (done, "already finished (succeeded)"),
                       (lost, "is not executing on this server now")):
        await comm.send_json_to({"type": "control", "run_id": str(run.id), "action": "pause"})
        reply = await comm.receive_json_from(timeout=5)
        assert reply == {"type": "invalid", "message": reply["message"]}
        assert error in reply["message"]
    await comm.send_json_to({"type": "control", "action": "pause"})
    assert '"control" needs "run_id"' in (await comm.receive_json_from(timeout=5))["message"]
    await comm.disconnect()

