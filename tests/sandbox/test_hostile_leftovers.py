"""Nothing a run leaves reaches a later run of another client, and nothing of the host's
layout shows inside the sandbox (issue 11, items 1-3 and 6).

One sandbox slot, so the later run is served by the very zygote (and tmpfs, and IPC
namespace) the hostile run had.
"""
import json
import os
import sys

import pytest

from playground import events
from playground.executors.base import CallbackSink
from playground.executors.local import LocalExecutor
from playground.sandbox import isolation
from playground.sandbox.slot import SandboxSlot
from tests.sandbox.test_executor_local import submit

LIMITS = {"wall_s": 20, "cpu_s": 10}
KEY = 0x5EC11


@pytest.fixture(scope="module")
def executor():
    ex = LocalExecutor(CallbackSink(), pool_size=1)
    yield ex
    ex.shutdown()


def run(ex, code, client):
    handle, rec = submit(ex, code, limits=LIMITS, client=client)
    assert handle.wait(60), "the run never finished"
    return rec


def succeeded(ex, code, client="session:victim"):
    rec = run(ex, code, client)
    assert rec.final["status"] == events.SUCCEEDED, rec.events
    return rec.output()


SYSV = f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shm = libc.shmget({KEY}, 64 << 20, 0o1000 | 0o666)   # IPC_CREAT
msg = libc.msgget({KEY}, 0o1000 | 0o666)
sem = libc.semget({KEY}, 1, 0o1000 | 0o666)
print(shm, msg, sem)
if shm >= 0:
    ctypes.memset(libc.shmat(shm, None, 0), 0x41, 64 << 20)
"""
FIND = f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print(libc.shmget({KEY}, 0, 0), libc.msgget({KEY}, 0), libc.semget({KEY}, 0, 0))
print(sum(len(open('/proc/sysvipc/' + t).readlines()) - 1 for t in ('shm', 'msg', 'sem')))
"""


def test_sysv_ipc_is_refused_and_never_reaches_a_later_run(executor):
    """Five 512 MiB segments passed the 2 GiB address-space limit and a later run of
    another client attached them."""
    made = succeeded(executor, SYSV, client="session:attacker")
    assert made == "-1 -1 -1\n"
    assert succeeded(executor, FIND) == "-1 -1 -1\n0\n"


def test_posix_message_queues_are_refused(executor):
    code = ("import ctypes, ctypes.util\n"
            "rt = ctypes.CDLL(ctypes.util.find_library('rt') or None, use_errno=True)\n"
            "print(rt.mq_open(b'/leak', 0o100 | 2, 0o666, None), ctypes.get_errno() != 0)")
    assert succeeded(executor, code, client="session:attacker") == "-1 True\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: objects are found by the run's uid")
def test_sysv_objects_a_run_made_are_removed_even_without_seccomp():
    """The layer beneath seccomp: on a host without libseccomp the run can make them, and
    the zygote removes them with the run's processes."""
    worker = SandboxSlot(slot=11, seccomp=False)
    try:
        from playground import policy

        def one(code, client):
            seen = list(worker.run(policy.run_spec(code, limits=LIMITS, client=client)))
            assert seen[-1]["status"] == events.SUCCEEDED, seen
            return "".join(e["text"] for e in seen if e["type"] == "stdout")
        made = one(SYSV, "session:attacker")
        assert "-1" not in made, made  # created: no seccomp here
        assert one(FIND, "session:victim") == "-1 -1 -1\n0\n"
    finally:
        worker.stop()


LEFTOVERS = {
    "deep tree": """
import os
import sys
for _ in range(1500):
    os.mkdir('d' * 100)
    os.chdir('d' * 100)
open('bottom', 'w').write('x')
""",
    "unreadable modes": """
import os
import sys
os.makedirs('a/b/c')
open('a/b/c/f', 'w').write('x')
for d in ('a/b/c', 'a/b', 'a'):
    os.chmod(d, 0)
open('locked', 'w').write('x')
os.chmod('locked', 0)
os.chmod('.', 0)
""",
    "full disk and open files": """
import os
import sys
held = []
try:
    for i in range(100):
        f = open(f'fill{i}', 'wb')
        held.append(f)
        f.write(b'x' * (16 << 20 - 1))
        f.flush()
except OSError as exc:
    print('full:', exc.errno)
import time
time.sleep(0.1)
""",
}
SAVE = """
import torch
for i in range(13):   # 13 x 16 MiB: the sandbox's whole tmpfs, minus what one run may need
    with open(f'big{i}', 'wb') as f:
        f.write(b'\\0' * ((16 << 20) - 4096))
torch.save({'w': torch.ones(1000, 100)}, 'model.pt')
print(torch.load('model.pt')['w'].sum().item())
"""


@pytest.mark.parametrize("leftover", LEFTOVERS, ids=list(LEFTOVERS))
def test_what_a_run_leaves_is_gone_before_the_next_run(executor, leftover):
    """A 1,500-deep tree made the zygote's cleanup raise RecursionError: the run was
    reported killed and its files filled the tmpfs for later runs of other clients."""
    rec = run(executor, LEFTOVERS[leftover], "session:attacker")
    assert rec.final["status"] == events.SUCCEEDED, rec.events
    assert succeeded(executor, SAVE) == "100000.0\n"


def test_removal_is_iterative_and_takes_any_shape(tmp_path):
    """cleanup.remove_tree itself, on the host: deeper than Python's recursion limit, names
    past PATH_MAX together, modes 000, a symlink out that must not be followed."""
    from playground.sandbox import cleanup
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    top = tmp_path / "run"
    top.mkdir()
    os.symlink(outside, top / "link")
    fd = os.open(top, os.O_RDONLY)
    for _ in range(1200):  # 1200 x 200 bytes: no path can name the bottom
        os.mkdir("n" * 200, dir_fd=fd)
        sub = os.open("n" * 200, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = sub
    os.close(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.chmod(fd, 0)
    os.close(fd)
    os.chmod(top, 0)
    assert cleanup.remove_tree(str(top))
    assert not top.exists()
    assert (outside / "keep").read_text() == "x"


def test_nothing_of_the_host_layout_shows_inside_the_sandbox(executor):
    """/proc/1/cmdline (bwrap's own arguments) and /proc/self/mountinfo (a bind mount's
    source) named the checkout."""
    layers = run(executor, "pass", "session:probe").events[0]["sandbox"]
    if not layers["private_filesystem"]:
        pytest.skip("no private filesystem view (bubblewrap missing): the host is visible")
    code = r"""
import json, os, sys, traceback, torch
seen = {}
for path in ('/proc/1/cmdline', '/proc/1/environ', '/proc/self/cmdline', '/proc/self/environ',
             '/proc/self/mountinfo', '/proc/self/maps', '/proc/1/mountinfo'):
    try:
        seen[path] = open(path, 'rb').read().decode('utf-8', 'replace')
    except OSError as exc:
        seen[path] = repr(exc)
seen['files'] = [torch.__file__, sys.modules[torch.ones.__module__].__file__, json.__file__] + sys.path
try:
    torch.ones(2) @ torch.ones(3)
except Exception:
    seen['traceback'] = traceback.format_exc()
seen['modules'] = [getattr(m, '__file__', None) or '' for m in list(sys.modules.values())]
print(json.dumps(seen))
"""
    seen = json.loads(succeeded(executor, code))
    assert "engine" in seen["traceback"] and "/opt/playground/" in seen["files"][0]
    checkout = str(isolation.REPO)
    for where, text in seen.items():
        assert checkout not in json.dumps(text), where


FORGED = [
    b'{"type": "stdout", "text": "\\ud800"}',
    b'{"type": "stderr", "text": "\\udfff\\u0000"}',
    b'{"type": "display", "mime": "text/plain", "data": [NaN, Infinity, -Infinity, 1e999]}',
    b'{"type": "display", "mime": "text/plain", "data": ' + b"9" * 1000 + b"}",
    b'{"type": "error", "ename": "E", "evalue": "\\ud800", "traceback": "", "line": "x"}',
    b'{"type": ["stdout"], "text": "a"}',
    b'{"type": {"a": 1}}',
    b'[{"type": "stdout", "text": "a"}]',
    b'"stdout"',
    b'{"type": "metrics", "points": [{"name": "\\ud800", "step": 1e999, "value": NaN}]}',
]


def test_forged_events_cannot_keep_the_final_status_away(executor):
    lines = b"\n".join(FORGED) + b"\n"
    code = f"import os\nos.write(3, {lines!r})\nprint('alive')"
    rec = run(executor, code, "session:attacker")
    assert rec.final["status"] == events.SUCCEEDED, rec.events
    assert sorted(rec.output()) == sorted("\ufffdalive\n")  # two pipes: either order
    # what leaves the sandbox is strict JSON and valid UTF-8, whatever the child wrote (metric
    # points, where NaN is a real loss, are checked by the sink: test_sink_input.py)
    json.dumps([e for e in rec.events if e["type"] != "metrics"], ensure_ascii=False,
               allow_nan=False).encode()


FAKE_ZYGOTE = r"""
import json, sys
print(json.dumps({"op": "ready", "sandbox": {"tier": "fake"}}), flush=True)
for line in sys.stdin:
    job = json.loads(line)
    if job.get("op") == "run":
        print(json.dumps({"op": "retire", "reason": "could not remove run-x"}), flush=True)
        print(json.dumps({"op": "event", "run_id": job["run_id"], "event": {
            "type": "finished", "status": "succeeded", "message": "ok", "duration_ms": 1}}),
            flush=True)
"""


class _FakeLaunch:
    """A zygote that says its run's files could not be removed."""
    tier, layers, env = "fake", {"tier": "fake", "missing": []}, dict(os.environ)
    command = [sys.executable, "-c", FAKE_ZYGOTE]

    def runs_dir(self):
        return "/nonexistent-runs-dir"

    def popen(self, command, **kwargs):
        import subprocess
        return subprocess.Popen(command, env=self.env, **kwargs)


def test_a_sandbox_whose_files_could_not_be_removed_is_replaced_before_the_next_run(
        monkeypatch):
    from playground import policy
    monkeypatch.setattr(isolation, "choose", lambda *args, **kwargs: _FakeLaunch())
    worker = SandboxSlot(slot=12)
    try:
        first = worker.process.pid
        seen = list(worker.run(policy.run_spec("pass", limits=LIMITS)))
        assert seen[-1]["status"] == events.SUCCEEDED
        assert worker.process.pid != first and worker.process.poll() is None
    finally:
        worker.stop()
