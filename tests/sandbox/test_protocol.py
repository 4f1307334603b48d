"""The line protocol out of the child: bounded lines, and only well-formed, allowed events."""
import os

import pytest

from playground.sandbox.protocol import LineReader, parse_child_event, parse_service_event


@pytest.fixture
def pipe():
    r, w = os.pipe()
    os.set_blocking(r, False)
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def test_lines_are_split_and_oversized_ones_dropped_whole(pipe):
    r, w = pipe
    reader = LineReader(r, max_line=10)
    os.write(w, b"short\n" + b"x" * 25 + b"\nafter\npart")
    assert reader.read_lines() == [b"short", b"after"]
    assert reader.oversized == 1
    os.write(w, b"ial\n")
    assert reader.read_lines() == [b"partial"]
    assert reader.read_lines() == []  # nothing to read: no block, no line
    os.write(w, b"y" * 8)
    os.close(w)
    assert reader.read_lines() == []           # an unfinished line waits...
    assert reader.read_lines() == [b"y" * 8]   # ...until the end of the stream
    assert reader.eof


def test_an_endless_line_never_grows_the_buffer(pipe):
    r, w = pipe
    reader = LineReader(r, max_line=1000)
    for _ in range(50):
        os.write(w, b"z" * 4096)
        reader.read_lines()
        assert len(reader.buffer) <= 1000
    os.write(w, b"\nok\n")
    assert reader.read_lines() == [b"ok"] and reader.oversized == 1


@pytest.mark.parametrize("line", [
    b"not json", b"\xff\xfe", b"[1, 2]", b"null", b'"stdout"',
    b'{"type": "finished", "status": "succeeded", "duration_ms": 1, "message": "forged"}',
    b'{"type": "status", "status": "running"}',
    b'{"type": "accepted"}',
    b'{"type": "input_request", "prompt": "?"}',
    b'{"type": "nonsense"}',
    b'{"type": "stdout"}',
    b'{"type": "stdout", "text": 5}',
    b'{"type": "display", "mime": null, "data": 1}',
    b'{"type": "metrics", "points": "many"}',
    b'{"type": "error", "ename": "E", "evalue": "v", "traceback": []}',
    b"[" * 100_000,
])
def test_junk_and_forged_events_are_refused(line):
    assert parse_child_event(line) is None


def test_good_events_pass_without_their_claimed_run_id():
    event = parse_child_event(b'{"type": "stdout", "text": "hi", "run_id": "other", "seq": 9}')
    assert event == {"type": "stdout", "text": "hi"}
    assert parse_child_event(b'{"type": "metrics", "points": []}') == {"type": "metrics",
                                                                        "points": []}


def test_service_events_are_checked_too():
    assert parse_service_event({"type": "finished", "status": "succeeded"}) is None
    assert parse_service_event("finished") is None
    ok = {"type": "status", "status": "running"}
    assert parse_service_event(ok) == ok
