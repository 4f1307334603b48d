"""Events lost between the event sink and the socket (what a Redis outage does to live
viewers: published while Redis was away, they never arrive). A client that follows the
protocol of docs/api.md ends with every line: a live event whose seq skips numbers makes it
watch again, and a run that went quiet with its stored copy ahead gets the socket closed
(code 4009) so that it reconnects and watches again."""
import asyncio

import pytest

from playground.runs import consumers, sink
from tests import ws_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

LINES = 40


def counting_code(lines=LINES, pause=0.03):
    return (f"import time\nfor i in range({lines}):\n    print('line', i, flush=True)\n"
            f"    time.sleep({pause})\n")


def every_line(lines=LINES):
    return "".join(f"line {i}\n" for i in range(lines))


@pytest.fixture
def outage(monkeypatch):
    """Drops the published batches whose events fall in a window of sequence numbers, as
    Redis being away while they were published would; the stored copy stays whole."""
    window = {"from": None, "to": None, "dropped": 0}
    publish = sink.publish

    def publish_unless_away(group, message):
        seqs = [e["seq"] for e in message["events"]]
        if window["from"] is not None and window["from"] <= max(seqs) and min(seqs) <= window["to"]:
            window["dropped"] += len(seqs)
            return
        publish(group, message)

    monkeypatch.setattr(sink, "publish", publish_unless_away)
    monkeypatch.setattr(consumers, "SILENCE_CHECK_S", 0.5)
    return window


class Follower:
    """A client keeping one run's output as docs/api.md says: every event carries its seq; a
    watch's replay (``replay: true``) replaces what it had; a skipped seq means lost events:
    watch again from the last seq it has; a socket closed by the server: reconnect, watch."""

    def __init__(self, port):
        self.port = port
        self.stdout, self.last_seq, self.finished = "", 0, None
        self.rewatches = self.reconnects = 0

    async def run(self, code):
        self.comm = await ws_client.connected(self.port)
        await self.comm.send_json_to({"type": "run", "code": code})
        self.run_id = (await self.comm.receive_json_from(timeout=10))["run_id"]
        await self.follow()

    async def follow(self):
        awaiting_replay = False
        while self.finished is None:
            msg = await self.comm.receive_output(timeout=30)
            if msg["type"] == "websocket.close":
                assert msg.get("code") == consumers.LOST_EVENTS, msg
                self.reconnects += 1
                self.comm = await ws_client.connected(self.port)
                await self.watch()
                awaiting_replay = True
                continue
            event = ws_client.json_of(msg)
            if event.get("run_id") != self.run_id or "seq" not in event:
                continue
            if event.get("replay"):
                if awaiting_replay:   # the first message of the replay: it replaces our copy
                    self.stdout, awaiting_replay = "", False
            elif awaiting_replay:
                if event["seq"] != self.last_seq + 1:
                    continue          # sent before the replay we asked for
                awaiting_replay = False   # no replay needed: it goes on after our last seq
            elif event["seq"] > self.last_seq + 1:   # events lost before this one
                self.rewatches += 1
                await self.watch()
                awaiting_replay = True
                continue
            self.last_seq = event["seq"]
            if event["type"] == "stdout":
                self.stdout += event["text"]
            elif event["type"] == "finished":
                self.finished = event
        await self.comm.disconnect()

    async def watch(self):
        await self.comm.send_json_to({"type": "watch", "run_id": self.run_id,
                                      "after_seq": self.last_seq})


async def test_a_skipped_seq_makes_the_client_watch_again_and_it_ends_with_every_line(outage):
    outage.update({"from": 8, "to": 20})   # mid-run: later events show the hole
    client = Follower(50201)
    await client.run(counting_code())
    assert outage["dropped"] > 0
    assert client.finished["status"] == "succeeded"
    assert client.stdout == every_line()
    assert client.rewatches >= 1


async def test_when_the_end_of_a_run_is_lost_the_server_closes_and_the_client_recovers(outage):
    outage.update({"from": 30, "to": 10 ** 6})   # the last lines and "finished" never arrive
    client = Follower(50202)
    await asyncio.wait_for(client.run(counting_code(LINES, 0.01)), 60)
    assert client.reconnects >= 1
    assert client.finished["status"] == "succeeded"
    assert client.stdout == every_line()


async def test_a_client_with_everything_stored_watches_again_without_a_replay():
    comm = await ws_client.connected(50203)
    await comm.send_json_to({"type": "run", "code": "import time\nprint('a', flush=True)\n"
                                                    "time.sleep(1.5)\nprint('b')\n"})
    run_id = (await comm.receive_json_from(timeout=10))["run_id"]
    last = 0
    while True:
        event = await comm.receive_json_from(timeout=30)
        last = event["seq"]
        if event.get("text") == "a\n":
            break
    other = await ws_client.connected(50203)
    await other.send_json_to({"type": "watch", "run_id": run_id, "after_seq": last})
    rest = await ws_client.until_finished(other)
    assert not any(m.get("replay") for m in rest)
    assert [m["seq"] for m in rest] == list(range(last + 1, last + 1 + len(rest)))
    assert "".join(m.get("text", "") for m in rest) == "b\n"
    await other.send_json_to({"type": "watch", "run_id": run_id, "after_seq": "ten"})
    reply = await other.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and '"after_seq" must be the seq' in reply["message"]
    await comm.disconnect()
    await other.disconnect()
