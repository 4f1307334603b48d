"""Against a live daphne: a client that asks for replays and never reads gets its socket
closed once it leaves PLAYGROUND_WS_MAX_UNREAD_BYTES unread, and the server does not keep
buffering for it (it grew by 150 MB for one such client)."""
import base64
import json
import os
import socket
import struct
import time

import pytest

from tests import live_server

pytestmark = pytest.mark.slow

BIG_RUN = """
from playground.runs.models import Metric, Run
run = Run.objects.create(owner="session:x", code="x", status="succeeded", last_seq=3,
                         stdout="y" * 1_000_000)
Metric.objects.bulk_create([Metric(run=run, name="loss", step=i, value=float(i % 97),
                                   wall_time=1.0 + i) for i in range(50_000)], batch_size=5000)
print(run.id)
"""


def big_run(env):
    return live_server.manage(env, "shell", stdin=BIG_RUN).stdout.strip().splitlines()[-1]


class RawSocket:
    """A websocket client that can refuse to read (a small receive buffer it never drains)."""

    def __init__(self, url, receive_buffer=16 * 1024):
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws/runs/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Origin: {url}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)   # byte by byte: nothing past the handshake is taken
        assert head.startswith(b"HTTP/1.1 101"), head

    def send_json(self, message):
        data, mask = json.dumps(message).encode(), os.urandom(4)
        header = bytes([0x81]) + (bytes([0x80 | len(data)]) if len(data) < 126
                                  else bytes([0x80 | 126]) + struct.pack(">H", len(data)))
        try:
            self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        except (ConnectionResetError, BrokenPipeError):
            self.reset = True

    reset = False

    def closed_by_server(self, timeout):
        """Read what arrived until the server closes (True) or ``timeout`` passes (False)."""
        if self.reset:
            return True
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(1 << 20):
                pass
            return True
        except ConnectionResetError:   # dropped: the unread rest is discarded
            return True
        except socket.timeout:
            return False


def test_a_client_that_never_reads_is_closed_and_the_server_stays_small(tmp_path):
    with live_server.daphne(tmp_path, PLAYGROUND_WS_MAX_UNREAD_BYTES=2 << 20,
                            PLAYGROUND_WS_REPLAY_BYTES_PER_MINUTE=1 << 30) as (url, env, proc):
        run_id = big_run(env)
        RawSocket(url).send_json({"type": "watch", "run_id": run_id})   # a first replay
        time.sleep(2)
        before = live_server.rss_bytes(proc.pid)
        idle = [RawSocket(url) for _ in range(6)]
        for _ in range(25):   # 25 replays of about 1 MB each, never read
            for client in idle:
                client.send_json({"type": "watch", "run_id": run_id})
            time.sleep(0.1)
        time.sleep(3)
        grown = live_server.rss_bytes(proc.pid) - before
        assert all(client.closed_by_server(timeout=20) for client in idle)
        # Each buffered at most its 2 MiB bound and a message: not 25 MB each.
        assert grown < 60 << 20, f"the server grew by {grown >> 20} MiB"
        log = (tmp_path / "server.log").read_text()
        assert "left" in log and "bytes unread (the limit is 2097152)" in log
