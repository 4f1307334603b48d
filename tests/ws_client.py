"""Websocket clients on /ws/runs/ for the consumer and dashboard tests (needs Django).

Each test module passes its own client port: the consumers count runs per client address,
so modules running in one process do not share a quota.
"""
from channels.testing import WebsocketCommunicator

from playground.asgi import application


def communicator(client_port, site="127.0.0.1:8000", origin=None, path="/ws/runs/"):
    """An unconnected communicator as a browser on http://<site> would open it."""
    origin = origin or b"http://" + site.encode()
    comm = WebsocketCommunicator(application, path,
                                 headers=[(b"origin", origin), (b"host", site.encode())])
    comm.scope["client"] = ["127.0.0.1", client_port]
    return comm


async def connected(client_port, site="127.0.0.1:8000", path="/ws/runs/"):
    """A communicator whose connection the consumer accepted."""
    comm = communicator(client_port, site, path=path)
    ok, _ = await comm.connect()
    assert ok
    return comm


async def until_finished(comm, timeout=60):
    """Every message up to and including the run's "finished"."""
    got = []
    while True:
        msg = await comm.receive_json_from(timeout=timeout)
        got.append(msg)
        if msg["type"] == "finished":
            return got


def json_of(output):
    """The JSON object of a ``receive_output`` message that carries a text frame."""
    import json

    return json.loads(output["text"])
