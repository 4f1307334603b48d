"""Hostile notebook cells: a kernel is never weaker than a run. What a cell leaves behind
for the next one stays inside the sandbox; forks, floods, C loops that ignore Ctrl-C,
background threads and forged kernel messages are stopped without hanging the kernel's
owner, and a kernel that must die is replaced by a fresh one."""
import time

from playground import events

from .kernels import CANCELLED, FAILED, SUCCEEDED, Kernel


def restarted(kernel, after):
    return kernel.wait_for(lambda e: e["type"] == "kernel_status"
                           and e["state"] == events.KERNEL_RESTARTING
                           and kernel.sink.events.index(e) > after)


def test_state_left_for_later_cells_stays_inside_the_sandbox(kernel):
    # Cell 1 keeps what a run could reach: its descriptors, a thread, a file, an open socket
    # pair; later cells still meet every layer of the sandbox with it.
    assert kernel.run("import os, socket, threading, time\n"
                      "pair = socket.socketpair()\n"
                      "keeper = threading.Thread(target=time.sleep, args=(60,), daemon=True)\n"
                      "keeper.start()\n"
                      "open('mine.txt', 'w').write('left here')\n").status == SUCCEEDED
    cell = kernel.run(
        "import os, resource\n"
        "checks = {}\n"
        "checks['uid'] = os.getuid()\n"
        "checks['env'] = dict(os.environ)\n"
        "checks['fds'] = sorted(int(f) for f in os.listdir('/proc/self/fd'))\n"
        "try:\n    os.fork(); checks['fork'] = 'forked'\nexcept PermissionError as e:\n"
        "    checks['fork'] = 'refused'\n"
        "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=1); checks['net'] = 'open'\n"
        "except OSError:\n    checks['net'] = 'refused'\n"
        "try:\n    os.write(4, b'x'); checks['control'] = 'writable'\nexcept OSError:\n"
        "    checks['control'] = 'read-only'\n"
        "try:\n    os.listdir('..'); checks['others'] = 'listed'\nexcept OSError:\n"
        "    checks['others'] = 'hidden'\n"
        "checks['file'] = open('mine.txt').read()\n"
        "checks['as'] = resource.getrlimit(resource.RLIMIT_AS)[0]\n"
        "print(checks)")
    checks = eval(cell.output())
    assert checks["uid"] != 0 and checks["env"] == {}
    assert checks["fork"] == "refused" and checks["net"] == "refused"
    assert checks["control"] == "read-only" and checks["others"] == "hidden"
    assert checks["file"] == "left here"
    assert checks["as"] == 2 << 30
    # 0-2, the event pipe, the control pipe, the socket pair and the listing's own fd
    assert checks["fds"][:5] == [0, 1, 2, 3, 4] and len(checks["fds"]) <= 8


def test_a_cell_that_forks_is_refused_and_the_kernel_goes_on(kernel):
    cell = kernel.run("import os\nos.fork()")
    assert cell.status == FAILED and cell.error["ename"] == "PermissionError"
    cell = kernel.run("import ctypes\nprint(ctypes.CDLL(None).fork())")
    assert cell.status == SUCCEEDED and cell.output() == "-1\n"  # seccomp: EPERM
    assert kernel.run("21 * 2").value == "42"


def test_a_cell_that_floods_output_is_cut_and_interrupted_but_the_kernel_lives(local):
    k = Kernel(*local, output_bytes=20_000)
    k.run("kept = 'still here'")
    cell = k.run("while True:\n    print('x' * 1000)")
    assert cell.status == events.OUTPUT_LIMIT
    assert len(cell.output()) <= 21_000
    assert "output truncated" in cell.output("stderr")
    assert k.run("kept").value == "'still here'"
    local[0].control(k.id, {"op": "shutdown"})


def test_interrupt_stops_a_c_level_numpy_loop(kernel, local):
    cell_id = kernel.send("import numpy as np\na = np.random.rand(400, 400)\n"
                          "while True:\n    a = np.tanh(a @ a)")
    kernel.wait_for(lambda e: e["type"] == "execute_input" and e["cell_id"] == cell_id)
    time.sleep(0.5)
    asked = time.monotonic()
    local[0].control(kernel.id, {"op": "interrupt"})
    cell = kernel.result(cell_id)
    assert cell.status == CANCELLED and cell.error["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - asked < 1.5  # the next bytecode after the C call
    assert kernel.run("a.shape").value == "(400, 400)"


def test_one_long_c_call_that_cannot_see_the_interrupt_costs_the_kernel(kernel, local):
    kernel.run("import numpy as np\nbig = np.random.rand(2000, 2000)")  # eigvals: seconds
    after = len(kernel.sink.events)
    cell_id = kernel.send("print('in C now', flush=True)\nnp.linalg.eigvals(big)")
    kernel.wait_for(lambda e: e["type"] == "stdout" and e["cell_id"] == cell_id)
    time.sleep(0.2)
    local[0].control(kernel.id, {"op": "interrupt"})
    cell = kernel.result(cell_id)
    assert cell.status == events.KILLED and "did not stop within" in cell.result["message"]
    assert "variables are gone" in restarted(kernel, after)["message"]
    assert kernel.run("'big' in globals()").value == "False"


def test_a_kernel_that_ignores_sigint_is_restarted_after_the_grace(kernel, local):
    after = len(kernel.sink.events)
    cell_id = kernel.send("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                          "print('deaf now')\nwhile True:\n    pass")
    kernel.wait_for(lambda e: e["type"] == "stdout" and e["cell_id"] == cell_id)
    local[0].control(kernel.id, {"op": "interrupt"})
    assert kernel.result(cell_id).status == events.KILLED
    restarted(kernel, after)
    assert kernel.run("print('fresh')").output() == "fresh\n"


def test_a_thread_that_computes_after_its_cell_ended_is_held_to_the_cell_cpu_limit(local):
    k = Kernel(*local, cpu_s=1)
    after = len(k.sink.events)
    cell = k.run("import threading\n"
                 "threading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start()")
    assert cell.status == SUCCEEDED
    assert "kept computing after its cell ended" in restarted(k, after)["message"]
    local[0].control(k.id, {"op": "shutdown"})


def test_a_forged_cell_done_does_not_free_a_cell_from_its_limits(local):
    k = Kernel(*local, cpu_s=1)
    after = len(k.sink.events)
    forged = k.run("import os\nos.write(3, b'{\"type\": \"cell_done\", \"status\": \"ok\", '\n"
                   "         b'\"ename\": null}\\n')\nwhile True:\n    pass")
    assert forged.status == SUCCEEDED   # the forgery ends only the cell's report...
    assert "kept computing" in restarted(k, after)["message"]  # ...not its CPU limit
    assert k.run("1").value == "1"
    local[0].control(k.id, {"op": "shutdown"})


def test_a_kernel_that_dies_is_replaced_and_says_why(kernel):
    after = len(kernel.sink.events)
    cell = kernel.run("import ctypes\nctypes.string_at(0)")
    assert cell.status == events.KILLED and "SIGSEGV" in cell.result["message"]
    assert "SIGSEGV" in restarted(kernel, after)["message"]
    assert kernel.run("print('alive')").output() == "alive\n"


def test_forged_kernel_events_are_dropped(kernel):
    cell = kernel.run(
        "import os\n"
        "os.write(3, b'{\"type\": \"kernel_status\", \"state\": \"dead\"}\\n')\n"
        "os.write(3, b'{\"type\": \"execute_result\", \"execution_count\": 9, \"status\": '\n"
        "         b'\"succeeded\", \"duration_ms\": 1, \"message\": \"forged\"}\\n')\n"
        "os.write(3, b'{\"type\": \"input_request\", \"prompt\": 1, \"password\": false}\\n')\n"
        "print('done')")
    assert cell.status == SUCCEEDED and cell.output() == "done\n"
    mine = kernel.mine()
    assert not any(e.get("message") == "forged" for e in mine)
    assert not any(e["type"] == "kernel_status" and e["state"] == events.KERNEL_DEAD
                   for e in mine)
    assert not any(e["type"] == "input_request" for e in mine)


def test_a_kernel_cannot_make_sysv_shared_memory(kernel):
    """As for a run (test_hostile_leftovers.py): a kernel lives long, and its segments would
    escape its memory limit and outlive it in the sandbox's IPC namespace."""
    cell = kernel.run("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                      "print(libc.shmget(0x5EC12, 1 << 20, 0o1000 | 0o666), "
                      "libc.semget(0x5EC12, 1, 0o1000 | 0o666))")
    assert cell.status == SUCCEEDED and cell.output() == "-1 -1\n", cell.events
