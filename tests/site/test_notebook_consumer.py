"""The kernel protocol on /ws/notebooks/, through the real executor and sandbox: start or
attach, execute with outputs tagged by cell, input(), interrupt, shutdown, and refusals."""
import pytest
from channels.db import database_sync_to_async

from playground import events
from playground.executors.base import CallbackSink, Executor
from playground.notebooks import consumers
from playground.notebooks.models import Notebook
from tests import ws_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
PORT = 50017


def connected():
    return ws_client.connected(PORT, path="/ws/notebooks/")


@database_sync_to_async
def notebook(owner="ip:127.0.0.1"):   # the test sockets have no session: known by address
    return str(Notebook.objects.create(owner=owner, name="t").id)


async def until(comm, predicate, timeout=30):
    got = []
    while True:
        msg = await comm.receive_json_from(timeout=timeout)
        got.append(msg)
        if predicate(msg):
            return got


def state_is(state):
    return lambda m: m["type"] == "kernel_status" and m["state"] == state


def result_of(cell_id):
    return lambda m: m["type"] == "execute_result" and m["cell_id"] == cell_id


@pytest.mark.parametrize("message, words", [
    ({"type": "kernel_start"}, '"kernel_start" needs "notebook_id"'),
    ({"type": "kernel_start", "notebook_id": "00000000-0000-0000-0000-000000000000"},
     "no notebook with id"),
    ({"type": "execute", "cell_id": "a", "code": "1"}, 'no kernel: send "kernel_start"'),
    ({"type": "execute", "cell_id": "a b", "code": "1"}, '"cell_id"'),
    ({"type": "execute", "cell_id": "a", "code": 5}, '"code" must be a string'),
    ({"type": "execute", "cell_id": "a", "code": "x" * 70_000}, "the limit is 65536 bytes"),
    ({"type": "input_reply", "text": 7}, '"input_reply" needs "text"'),
    ({"type": "interrupt"}, "no kernel"),
    ({"type": "bogus"}, '"kernel_start", "execute"'),
])
async def test_malformed_kernel_messages_are_invalid_and_the_socket_stays_open(message, words):
    comm = await connected()
    await comm.send_json_to(message)
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and words in reply["message"], reply
    await comm.send_json_to({"type": "interrupt"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "invalid"
    await comm.disconnect()


async def test_only_the_owner_runs_a_notebook():
    comm = await connected()
    await comm.send_json_to({"type": "kernel_start", "notebook_id": await notebook("session:x")})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and "only the notebook's owner" in reply["message"]
    await comm.disconnect()


async def test_a_kernel_runs_cells_asks_for_input_and_is_attached_again_from_a_new_page():
    nb = await notebook()
    comm = await connected()
    await comm.send_json_to({"type": "kernel_start", "notebook_id": nb})
    got = await until(comm, state_is(events.KERNEL_IDLE))
    kernel_id = got[0]["kernel_id"]
    assert got[0]["state"] == events.KERNEL_STARTING and got[-1]["start_ms"] > 0

    await comm.send_json_to({"type": "execute", "cell_id": "c1", "code": "x = 6\nprint(x * 7)"})
    got = await until(comm, result_of("c1"))
    assert [m["type"] for m in got if m.get("cell_id") == "c1"] == [
        "execute_input", "stdout", "variables", "execute_result"]
    assert all(m["kernel_id"] == kernel_id for m in got)
    stdout = next(m for m in got if m["type"] == "stdout")
    assert stdout == {"type": "stdout", "kernel_id": kernel_id, "cell_id": "c1", "text": "42\n"}
    result = got[-1]
    assert set(result) == {"type", "kernel_id", "cell_id", "execution_count", "status",
                           "duration_ms", "message"}
    assert result["status"] == events.SUCCEEDED and result["execution_count"] == 1

    await comm.send_json_to({"type": "execute", "cell_id": "c2",
                             "code": "name = input('name? ')\nprint('hi', name)"})
    got = await until(comm, lambda m: m["type"] == "input_request")
    assert got[-1] == {"type": "input_request", "kernel_id": kernel_id, "cell_id": "c2",
                       "prompt": "name? ", "password": False}
    await comm.send_json_to({"type": "input_reply", "text": "ada"})
    got = await until(comm, state_is(events.KERNEL_IDLE))
    assert "".join(m["text"] for m in got if m["type"] == "stdout") == "name? ada\nhi ada\n"

    # The page is closed; the kernel goes on, and the notebook's next page attaches to it.
    await comm.disconnect()
    again = await connected()
    await again.send_json_to({"type": "kernel_start", "notebook_id": nb})
    attached = await again.receive_json_from(timeout=10)
    assert attached["kernel_id"] == kernel_id and attached["state"] == events.KERNEL_IDLE
    await again.send_json_to({"type": "execute", "cell_id": "c3", "code": "x"})
    got = await until(again, result_of("c3"))
    assert next(m for m in got if m["type"] == "display")["data"] == "6"

    await again.send_json_to({"type": "execute", "cell_id": "c4", "code": "while True: pass"})
    await until(again, lambda m: m["type"] == "execute_input")
    await again.send_json_to({"type": "interrupt"})
    got = await until(again, result_of("c4"))
    assert got[-1]["status"] == events.CANCELLED

    await again.send_json_to({"type": "shutdown"})
    got = await until(again, state_is(events.KERNEL_DEAD))
    await again.send_json_to({"type": "execute", "cell_id": "c5", "code": "x"})
    reply = await again.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and "no kernel" in reply["message"]
    await again.disconnect()


async def test_a_deployment_without_kernels_says_so_at_once(monkeypatch):
    monkeypatch.setattr(consumers, "_executor", lambda: Executor(CallbackSink()))
    comm = await connected()
    await comm.send_json_to({"type": "kernel_start", "notebook_id": await notebook()})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "kernel_status" and reply["state"] == events.KERNEL_DEAD
    assert reply["message"] == "this deployment does not run notebook kernels"
    await comm.disconnect()


async def test_a_page_opened_again_attaches_to_the_busy_kernel_and_its_open_input():
    nb = await notebook()
    page = await connected()
    # Opening a notebook without a live kernel starts none and answers nothing.
    await page.send_json_to({"type": "kernel_start", "notebook_id": nb, "attach": True})
    await page.send_json_to({"type": "interrupt"})
    reply = await page.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and "no kernel" in reply["message"]

    await page.send_json_to({"type": "kernel_start", "notebook_id": nb})
    kernel_id = (await until(page, state_is(events.KERNEL_IDLE)))[0]["kernel_id"]
    await page.send_json_to({"type": "execute", "cell_id": "c1",
                             "code": "secret = getpass.getpass('pin? ') if (getpass := "
                                     "__import__('getpass')) else 0\nprint(len(secret))"})
    await until(page, lambda m: m["type"] == "input_request")
    await page.disconnect()   # a reload, a network blip

    again = await connected()
    await again.send_json_to({"type": "kernel_start", "notebook_id": nb, "attach": True})
    assert await again.receive_json_from(timeout=10) == {
        "type": "kernel_status", "kernel_id": kernel_id, "state": events.KERNEL_BUSY,
        "cell_id": "c1", "execution_count": 1, "message": "attached to the running kernel"}
    assert await again.receive_json_from(timeout=10) == {
        "type": "input_request", "kernel_id": kernel_id, "cell_id": "c1", "prompt": "pin? ",
        "password": True}
    await again.send_json_to({"type": "input_reply", "text": "1234"})
    got = await until(again, result_of("c1"))
    assert got[-1]["status"] == events.SUCCEEDED
    assert "".join(m["text"] for m in got if m["type"] == "stdout").endswith("4\n")

    # Answered and idle: the next page attaching is told so, and asked nothing.
    await again.disconnect()
    third = await connected()
    await third.send_json_to({"type": "kernel_start", "notebook_id": nb, "attach": True})
    assert await third.receive_json_from(timeout=10) == {
        "type": "kernel_status", "kernel_id": kernel_id, "state": events.KERNEL_IDLE,
        "message": "attached to the running kernel"}
    await third.send_json_to({"type": "shutdown"})
    await until(third, state_is(events.KERNEL_DEAD))
    await third.disconnect()
