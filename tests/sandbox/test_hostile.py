"""Every hostile snippet of issue 4 ends with the right status and message, leaves the
service unharmed, and the next run works.

Limits are short (2 s wall, 1 s CPU) to keep the file fast. Layers that a host may lack
(bubblewrap, root for the uid drop) are checked from the run's own "sandbox" metadata.
"""
import os
import secrets
import socket
import threading
import time

import pytest

from playground import events, policy
from playground.executors.base import CallbackSink
from playground.executors.local import LocalExecutor
from playground.sandbox.slot import SandboxSlot
from tests.sandbox.test_executor_local import submit

SECRET = "s3cr3t-" + secrets.token_hex(16)
LIMITS = {"wall_s": 2, "cpu_s": 1}


@pytest.fixture(scope="module")
def executor():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SECRET_KEY", SECRET)  # the server's environment holds a secret
        ex = LocalExecutor(CallbackSink(), pool_size=2)
        yield ex
        ex.shutdown()


@pytest.fixture(scope="module")
def layers(executor):
    return run(executor, "pass")[0]["sandbox"]


def run(executor, code, **limits):
    got = []
    handle, _ = submit(executor, code, got.append, limits={**LIMITS, **limits})
    assert handle.wait(60), "the run never finished"
    assert [e["type"] for e in got].count("finished") == 1
    assert got[-1]["type"] == "finished"
    assert all(e["run_id"] == handle.run_id for e in got)
    return got


def output(evs, kind="stdout"):
    return "".join(e["text"] for e in evs if e["type"] == kind)


def check(executor, code, status, *message_parts, **limits):
    """Run hostile ``code``: it must end ``status`` with a message naming ``message_parts``;
    then an ordinary run on the same service must still work."""
    evs = run(executor, code, **limits)
    final = evs[-1]
    assert final["status"] == status, final
    for part in message_parts:
        assert part in final["message"], final
    for _ in range(executor.pool_size):  # every worker, whichever took the hostile run
        after = run(executor, "print('still here')")
        assert after[-1]["status"] == events.SUCCEEDED, after
        assert output(after) == "still here\n"
    return evs


def test_infinite_loop_hits_the_cpu_limit(executor):
    # A long wall limit: on a busy machine a second of CPU can take several seconds.
    check(executor, "while True:\n    pass", events.CPU_LIMIT, "1 s of CPU time", wall_s=60)


def test_sleeping_forever_hits_the_wall_clock_limit(executor):
    check(executor, "import time\ntime.sleep(10**6)", events.TIMEOUT, "longer than 2 s")


def test_ignoring_sigterm_does_not_help(executor):
    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)"
    check(executor, code, events.TIMEOUT, "wall-clock")


def test_fork_bomb_is_refused(executor):
    code = "import os\nwhile True:\n    os.fork()"
    check(executor, code, events.FAILED, "PermissionError", "does not allow starting processes")


def test_fork_through_ctypes_is_refused_by_seccomp(executor, layers):
    if not layers["seccomp"]:
        pytest.skip("seccomp is not active on this host")
    evs = check(executor, "import ctypes\nprint(ctypes.CDLL(None).fork())", events.SUCCEEDED)
    assert output(evs) == "-1\n"  # fork() failed: there is no second process


@pytest.mark.parametrize("code", [
    "import subprocess\nsubprocess.run(['id'])",
    "import os\nos.system('id')",
    "import os\nos.execv('/usr/bin/id', ['id'])",
])
def test_starting_programs_is_refused(executor, code):
    check(executor, code, events.FAILED, "PermissionError", "does not allow starting processes")


def test_50_gb_numpy_allocation_hits_the_memory_limit(executor):
    code = "import numpy as np\na = np.ones((50 * 2**30) // 8)"
    check(executor, code, events.MEMORY_LIMIT, "out of memory", "2 GiB", "Unable to allocate")


def test_memory_exhausted_by_small_objects_is_still_a_memory_limit(executor):
    # Even formatting the error may find no memory left: the status must still be right.
    code = "x = []\nwhile True:\n    x.append('a' * 100 + str(len(x)))"
    check(executor, code, events.MEMORY_LIMIT, "out of memory (limit 256 MiB)",
          memory_bytes=256 << 20, wall_s=60, cpu_s=30)


def test_printing_1_gb_hits_the_output_limit(executor):
    evs = check(executor, "for _ in range(1 << 20):\n    print('x' * 1023)",
                events.OUTPUT_LIMIT, "more than 1 MiB")
    assert len(output(evs)) <= 1 << 20
    assert "[output truncated" in output(evs, "stderr")


def test_deep_recursion_is_a_recursion_error(executor):
    evs = check(executor, "def f(n):\n    return f(n + 1)\nf(0)", events.FAILED,
                "RecursionError")
    error = next(e for e in evs if e["type"] == "error")
    assert error["line"] == 2 and "Previous line repeated" in error["traceback"]


def test_etc_shadow_is_unreadable(executor):
    check(executor, "print(open('/etc/shadow').read())", events.FAILED, "Error", "/etc/shadow")


def test_the_server_environment_and_secret_key_are_unreadable(executor):
    from django.conf import settings
    secrets_to_hide = [SECRET, settings.SECRET_KEY]
    code = r"""
import os, glob
print(sorted(os.environ))
found = [dict(os.environ).__repr__()]
for path in ['/proc/self/environ', '/proc/1/environ', f'/proc/{os.getppid()}/environ',
             os.path.expanduser('~/.tensor-playground-secret'),
             '/root/.tensor-playground-secret'] + glob.glob('/proc/*/environ') \
            + glob.glob('/proc/*/cmdline'):
    try:
        with open(path, 'rb') as f:
            found.append(f.read().decode('latin-1'))
    except OSError as exc:
        print('refused', path, type(exc).__name__)
print('\n'.join(found))
"""
    evs = check(executor, code, events.SUCCEEDED)
    assert output(evs).startswith("[]\n")  # an empty environment
    everything = repr(evs)
    for secret in secrets_to_hide:
        assert secret not in everything


def test_the_database_file_is_unreadable(executor, layers):
    if not layers["private_filesystem"]:
        pytest.skip("no private filesystem view (bubblewrap missing) on this host")
    from django.conf import settings
    path = str(settings.DATABASES["default"]["NAME"])
    check(executor, f"open({path!r}, 'rb').read(100)", events.FAILED, "FileNotFoundError")


def test_the_project_settings_and_code_are_unreadable(executor, layers):
    if not layers["private_filesystem"]:
        pytest.skip("no private filesystem view (bubblewrap missing) on this host")
    import playground.settings as project_settings
    check(executor, f"open({project_settings.__file__!r}).read()", events.FAILED,
          "FileNotFoundError")
    check(executor, "import playground.settings", events.FAILED, "ModuleNotFoundError")


def test_writing_outside_the_private_directory_is_refused(executor, layers, tmp_path):
    target = tmp_path / "evil.txt"
    code = (f"import os\nopen('inside.txt', 'w').write('fine')\n"
            f"print(os.listdir('.'))\nopen({str(target)!r}, 'w').write('pwned')")
    evs = check(executor, code, events.FAILED, "Error")  # not there, or not writable
    assert output(evs) == "['inside.txt']\n"
    assert not target.exists()
    engine_dir = os.path.dirname(__import__("engine").__file__)
    for path in (engine_dir + "/evil.py", "/opt/playground/lib.zip", "/opt/playground/evil.py",
                 "/usr/evil"):
        check(executor, f"open({path!r}, 'w')", events.FAILED, "Error")
    assert not os.path.exists(engine_dir + "/evil.py")
    if layers["private_filesystem"]:  # the host's /tmp is world-writable without bubblewrap
        check(executor, "open('/tmp/evil', 'w')", events.FAILED, "PermissionError")


def test_the_private_directory_is_removed_and_not_shared(executor):
    first = run(executor, "import os\nopen('left.txt', 'w').write('x')\nprint(os.getcwd())")
    assert first[-1]["status"] == events.SUCCEEDED
    second = check(executor, f"import os\nprint(os.path.exists({output(first).strip()!r}), "
                             "os.listdir('.'))", events.SUCCEEDED)
    assert output(second) == "False []\n"


@pytest.fixture
def local_server():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    yield server.getsockname()[1]
    server.close()


@pytest.mark.parametrize("port", ["server", 5432, 6379])  # our server, PostgreSQL, Redis
def test_no_network_to_localhost_server_database_or_redis(executor, local_server, port):
    port = local_server if port == "server" else port
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)"
    check(executor, code, events.FAILED, "no network access")


def test_raw_socket_through_ctypes_is_refused(executor, layers, local_server):
    if not layers["seccomp"] and not layers["network_namespace"]:
        pytest.skip("neither seccomp nor a network namespace on this host")
    code = "import ctypes\nprint(ctypes.CDLL(None).socket(2, 1, 0))"  # AF_INET, SOCK_STREAM
    evs = check(executor, code, events.SUCCEEDED)
    assert output(evs) == "-1\n"


def test_ctypes_segfault_is_reported_as_killed(executor):
    check(executor, "import ctypes\nctypes.string_at(0)", events.KILLED,
          "the process died (SIGSEGV)")


@pytest.mark.parametrize("target", ["os.getppid()", "1"])
def test_killing_the_parent_is_refused(executor, layers, target):
    if layers["unprivileged_uid"] is None:
        pytest.skip("the service does not run as root here, so runs share its uid")
    check(executor, f"import os, signal\nos.kill({target}, signal.SIGKILL)", events.FAILED,
          "PermissionError")


def test_killing_its_own_process_group_ends_as_killed(executor):
    check(executor, "import os, signal\nos.killpg(0, signal.SIGKILL)", events.KILLED, "SIGKILL")


def test_thread_bomb_is_stopped(executor):
    code = ("import threading, time\nwhile True:\n"
            "    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()")
    check(executor, code, events.FAILED, "can't start new thread")


def test_setsid_grandchild_is_refused(executor):
    code = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n"
            "    if os.fork() == 0:\n        time.sleep(60)\ntime.sleep(60)")
    check(executor, code, events.FAILED, "does not allow starting processes")


def test_closing_stdout_only_harms_that_run(executor):
    evs = check(executor, "import sys\nprint('before')\nsys.stdout.close()\nprint('after')",
                events.FAILED, "ValueError", "closed file")
    assert output(evs) == "before\n"
    check(executor, "import os\nos.close(1)\nos.close(2)\nos.close(3)\nx = sum(range(10))",
          events.SUCCEEDED)


def test_junk_and_forged_events_are_dropped(executor):
    forged = (b'{"type": "finished", "status": "succeeded", "duration_ms": 1, "message": "x"}\n'
              b'{"type": "status", "status": "succeeded"}\n'
              b'{"type": "display", "mime": 5, "data": 1}\n'
              b'\xff\xfe not json\n[1, 2]\n{"type": "stdout"}\n')
    code = (f"import os\nfor _ in range(200):\n    os.write(3, {forged!r})\n"
            f"os.write(3, b'y' * (3 << 20))  # an endless line\n"
            f"os.write(3, b'\\n')\nprint('alive')\nraise ValueError('real error')")
    evs = check(executor, code, events.FAILED, "ValueError: real error", output_bytes=8 << 20)
    assert [e["type"] for e in evs].count("status") == 1  # only the service's "running"
    assert output(evs) == "alive\n"
    assert "dropped 1201 malformed, oversized or forbidden event(s)" in output(evs, "stderr")


def test_flooding_the_event_pipe_hits_the_output_limit(executor):
    code = ("import os\nline = b'{\"type\": \"stdout\", \"text\": \"' + b'z' * 1000 + b'\"}\\n'\n"
            "while True:\n    os.write(3, line)")
    check(executor, code, events.OUTPUT_LIMIT, "more than 1 MiB")


def test_forged_run_id_cannot_reach_another_run(executor):
    other = []
    victim, _ = submit(executor, "import time\ntime.sleep(1)\nprint('victim')", other.append,
                       limits={"wall_s": 20})
    code = ("import os\nos.write(3, b'{\"type\": \"stdout\", \"text\": \"forged\", "
            f"\"run_id\": \"{victim.run_id}\"}}\\n')")
    evs = check(executor, code, events.SUCCEEDED)
    assert victim.wait(30)
    assert output(other) == "victim\n"
    assert output(evs) == "forged"  # it stays the attacker's own output


def test_cancel_kills_setsid_grandchildren_even_without_seccomp():
    """The layer under seccomp: when processes can be made, cancel still ends every one."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the run's processes are found by their own uid")
    worker = SandboxSlot(slot=7, seccomp=False)
    try:
        worker.wait_ready()
        uid = worker.uid_claim.uid  # 61007, or the next free one when another pool holds it
        code = ("import os, time, ctypes\nlibc = ctypes.CDLL(None)\n"
                "if libc.fork() == 0:  # around the audit hook, as an attacker would\n"
                "    os.setsid()\n    if libc.fork() == 0:\n        time.sleep(600)\n"
                "    os._exit(0)\nprint('spawned', flush=True)\ntime.sleep(600)")
        seen = []
        for event in worker.run(policy.run_spec(code, limits={"wall_s": 20}, run_id="grand")):
            seen.append(event)
            if event.get("text", "").startswith("spawned"):
                assert len(_processes_of(uid)) >= 2
                threading.Thread(target=worker.cancel, args=("grand",)).start()
        assert seen[-1]["status"] == events.CANCELLED
        deadline = time.monotonic() + 1  # the issue: the whole tree is gone within 1 s
        while _processes_of(uid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _processes_of(uid) == []
    finally:
        worker.stop()


def _processes_of(uid):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                found.append(pid)
        except FileNotFoundError:
            pass
    return found


def test_a_worker_that_dies_mid_run_only_ends_that_run():
    worker = SandboxSlot(slot=6)
    try:
        seen = []
        for event in worker.run(policy.run_spec(
                "print('up', flush=True)\nimport time\ntime.sleep(60)", limits={"wall_s": 20},
                run_id="doomed")):
            seen.append(event)
            if event.get("text") == "up\n":
                os.killpg(worker.process.pid, 9)  # the whole sandbox, from outside
        assert seen[-1]["status"] == events.KILLED
        assert seen[-1]["message"] == "the sandbox worker died unexpectedly"
        after = list(worker.run(policy.run_spec("print('again')", run_id="next")))
        assert after[-1]["status"] == events.SUCCEEDED and output(after) == "again\n"
    finally:
        worker.stop()


def test_worker_reads_every_control_message_during_a_run():
    worker = SandboxSlot(slot=5)
    try:
        worker.wait_ready()
        pid = worker.process.pid
        seen = []
        for event in worker.run(policy.run_spec(
                "print('up', flush=True)\nimport time\ntime.sleep(60)", limits={"wall_s": 30},
                run_id="mine")):
            seen.append(event)
            if event.get("text") == "up\n":
                worker._send({"op": "cancel", "run_id": "someone-else"})  # stale, ignored
                worker._send(["not", "a", "message"])
                worker.cancel("mine")
        assert seen[-1]["status"] == events.CANCELLED
        assert worker.process.pid == pid  # the worker itself obeyed; no restart was needed
    finally:
        worker.stop()


def test_replacing_os_exit_does_not_keep_the_run_alive(executor):
    check(executor, "import os\nos._exit = lambda code: None\nprint('patched')", events.SUCCEEDED)


def test_a_worker_that_died_while_idle_is_replaced_before_the_next_run():
    worker = SandboxSlot(slot=6)
    try:
        worker.wait_ready()
        os.killpg(worker.process.pid, 9)
        worker.process.wait()
        got = list(worker.run(policy.run_spec("print('fresh')", run_id="after-death")))
        assert got[-1]["status"] == events.SUCCEEDED and output(got) == "fresh\n"
    finally:
        worker.stop()
