"""Notebook kernels: cells share one namespace, input() and pdb go through the control
channel, each cell is held to its own limits, interrupt and restart do what Jupyter's do."""
import time

import pytest

from playground import events
from playground.executors.base import KernelRefused

from .kernels import CANCELLED, FAILED, SUCCEEDED, Kernel, executor


def test_cells_share_one_namespace_and_count_their_executions(kernel):
    first = kernel.run("import torch\nx = torch.ones(2, 3, requires_grad=True)\nn = 41")
    assert first.status == SUCCEEDED
    assert first.of("execute_input")[0]["execution_count"] == 1
    second = kernel.run("y = (x * 2).sum()\nn + 1")
    assert second.status == SUCCEEDED and second.value == "42"
    assert second.result["execution_count"] == 2
    rows = {row["name"]: row for row in second.of("variables")[-1]["variables"]}
    assert rows["x"] == {"name": "x", "type": "Tensor", "shape": [2, 3], "dtype": "float32",
                         "device": "cpu", "requires_grad": True}
    assert rows["n"]["value"] == "41" and rows["y"]["shape"] == []
    assert "torch" not in rows  # modules are not variables


def test_an_error_keeps_the_kernel_and_names_the_cell_and_line(kernel):
    kernel.run("def f(a):\n    return 1 / a\n")
    cell = kernel.run("b = 2\nf(0)")
    assert cell.status == FAILED
    assert cell.error["ename"] == "ZeroDivisionError" and cell.error["line"] == 2
    assert 'File "<cell [2]>", line 2' in cell.error["traceback"]
    assert 'File "<cell [1]>", line 2, in f' in cell.error["traceback"]
    assert kernel.run("b").value == "2"


def test_input_and_stdin_are_answered_by_the_page(kernel):
    cell = kernel.run("name = input('who? ')\nline = __import__('sys').stdin.readline()\n"
                      "import getpass\nsecret = getpass.getpass()\nprint(name, repr(line), len(secret))",
                      replies=["ada", "a line", "hunter2"])
    assert cell.status == SUCCEEDED
    asked = cell.of("input_request")
    assert [(r["prompt"], r["password"]) for r in asked] == [
        ("who? ", False), ("", False), ("Password: ", True)]
    assert cell.output() == "who? ada\nada 'a line\\n' 7\n"


def test_the_wall_clock_stops_while_a_cell_waits_for_input(local):
    k = Kernel(*local, wall_s=1)
    cell_id = k.send("answer = input('?')\nprint('got', answer)")
    k.wait_for(lambda e: e["type"] == "input_request")
    time.sleep(2)   # longer than the cell's wall clock, all of it waiting
    local[0].control(k.id, {"op": "input_reply", "text": "late"})
    cell = k.result(cell_id)
    assert cell.status == SUCCEEDED and cell.output() == "?late\ngot late\n"
    local[0].control(k.id, {"op": "shutdown"})


def test_an_unanswered_input_gets_end_of_file_after_its_own_cap():
    ex, sink = executor(input_wait_s=1)
    try:
        k = Kernel(ex, sink)
        cell = k.run("try:\n    input()\nexcept EOFError:\n    print('no answer')")
        assert cell.status == SUCCEEDED
        assert "no answer" in cell.output() and "input() got end of file" in cell.output("stderr")
    finally:
        ex.shutdown()


def test_pdb_steps_prints_and_continues_through_the_page(kernel):
    kernel.run("def f(a):\n    b = a * 2\n    return b + 1\n")
    cell = kernel.run("x = 3\nbreakpoint()\ny = f(x)\nprint('y is', y)",
                      replies=["p x", "s", "n", "p a", "c"])
    assert cell.status == SUCCEEDED
    assert all(r["prompt"] == "(Pdb) " for r in cell.of("input_request"))
    transcript = cell.output()
    assert "> <cell [2]>(3)<module>()\n-> y = f(x)\n(Pdb) p x\n3\n" in transcript
    assert "(Pdb) s\n--Call--\n> <cell [1]>(1)f()" in transcript
    assert "(Pdb) n\n> <cell [1]>(2)f()\n-> b = a * 2\n(Pdb) p a\n3\n(Pdb) c\ny is 7\n" in transcript
    assert "sandbox" not in transcript  # pdb never steps into the cell runner


def test_pdb_quit_ends_the_cell_quietly(kernel):
    cell = kernel.run("import pdb\npdb.set_trace()\nprint('not reached')", replies=["q"])
    assert cell.status == FAILED and cell.error["ename"] == "BdbQuit"
    assert "not reached" not in cell.output()
    assert kernel.run("1 + 1").value == "2"


def test_interrupt_raises_keyboardinterrupt_in_the_cell_and_keeps_the_variables(kernel, local):
    kernel.run("kept = 'yes'")
    cell_id = kernel.send("import time\nwhile True:\n    time.sleep(0.01)")
    kernel.wait_for(lambda e: e["type"] == "execute_input" and e["cell_id"] == cell_id)
    time.sleep(0.3)
    local[0].control(kernel.id, {"op": "interrupt"})
    cell = kernel.result(cell_id)
    assert cell.status == CANCELLED and cell.error["ename"] == "KeyboardInterrupt"
    assert kernel.run("kept").value == "'yes'"


def test_interrupt_also_drops_the_cells_waiting_behind_the_running_one(kernel, local):
    running = kernel.send("import time\ntime.sleep(30)")
    waiting = kernel.send("print('should not run')")
    kernel.wait_for(lambda e: e["type"] == "execute_input")
    local[0].control(kernel.id, {"op": "interrupt"})
    assert kernel.result(waiting).status == CANCELLED
    assert kernel.result(waiting).output() == ""
    assert kernel.result(running).status == CANCELLED


def test_restart_gives_a_fresh_process(kernel, local):
    kernel.run("import os\nstate = 1\nopen('left.txt', 'w').write('x')\npid = os.getpid()")
    local[0].control(kernel.id, {"op": "restart"})
    kernel.wait_for(lambda e: e["type"] == "kernel_status"
                    and e["state"] == events.KERNEL_RESTARTING)
    cell = kernel.run("import os\nprint('state' in globals(), os.path.exists('left.txt'))")
    assert cell.output() == "False False\n"
    assert cell.result["execution_count"] == 1


def test_each_cell_has_its_own_wall_clock(local):
    k = Kernel(*local, wall_s=1)
    k.run("kept = 1")
    cell = k.run("import time\ntime.sleep(5)")
    assert cell.status == events.TIMEOUT and "wall-clock" in cell.result["message"]
    assert k.run("kept").value == "1"  # interrupted, not killed
    local[0].control(k.id, {"op": "shutdown"})


def test_each_cell_has_its_own_cpu_limit(local):
    k = Kernel(*local, cpu_s=1)
    first = k.run("sum(i for i in range(2_000_000))")
    assert first.status == SUCCEEDED
    cell = k.run("while True:\n    pass")
    assert cell.status == events.CPU_LIMIT, cell.result
    assert k.run("2 + 2").value == "4"
    local[0].control(k.id, {"op": "shutdown"})


def test_idle_kernels_shut_down_with_a_note():
    ex, sink = executor(idle_s=1)
    try:
        k = Kernel(ex, sink)
        k.run("x = 1")
        dead = k.wait_state(events.KERNEL_DEAD, timeout=20)
        assert "idle for" in dead["message"]
        assert ex.control(k.id, {"op": "execute", "cell_id": "late", "code": "x"}) is False
    finally:
        ex.shutdown()


def test_kernels_are_capped_per_client(local):
    ex, sink = local
    ex._kernels.per_client = 1
    try:
        first = Kernel(ex, sink, client="capped")
        with pytest.raises(KernelRefused, match="you already have 1 kernels running"):
            Kernel(ex, sink, client="capped")
        assert ex.find_kernel(f"nb-{first.id}", "capped").kernel_id == first.id
        assert ex.find_kernel(f"nb-{first.id}", "someone else") is None
        ex.control(first.id, {"op": "shutdown"})
        first.wait_state(events.KERNEL_DEAD)
        Kernel(ex, sink, client="capped")  # room again
    finally:
        ex._kernels.per_client = 8


def test_a_kernel_never_takes_a_run_slot(local):
    ex, _ = local
    caps = ex.capabilities()
    assert caps.queues[0]["slots"] == 1 and caps.kernels["slots"] >= 1


def test_the_kernels_memory_limit_fails_the_cell_not_the_kernel(kernel):
    kernel.run("kept = 'yes'")
    cell = kernel.run("big = bytearray(3 << 30)")
    assert cell.status == events.MEMORY_LIMIT and "2 GiB" in cell.result["message"]
    assert kernel.run("kept").value == "'yes'"

