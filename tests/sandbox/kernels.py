"""A notebook kernel driven as the site drives it (LocalExecutor.start_kernel / control), for
the kernel tests: run a cell, answer its input requests, read its events back."""
import itertools
import threading
import uuid

from playground import events, policy
from playground.executors.base import CallbackSink
from playground.executors.local import LocalExecutor
from playground.sandbox.limits import KernelLimits


class KernelEvents:
    """The kernel sink: every event of every kernel, in order."""

    def __init__(self):
        self.events = []
        self.changed = threading.Condition()

    def emit(self, event):
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout=30):
        with self.changed:
            found = self.changed.wait_for(
                lambda: next((e for e in self.events if predicate(e)), None), timeout)
            assert found, self.events[-20:]
            return found


def executor(**kernel_limits):
    """A LocalExecutor whose kernels have ``kernel_limits``; its kernel events recorded."""
    sink = KernelEvents()
    ex = LocalExecutor(CallbackSink(), kernel_sink=sink, pool_size=1)
    ex._kernels.limits = KernelLimits(**{"interrupt_grace_s": 1.5, **kernel_limits})
    ex._kernels.slots = ex._kernels.per_client = 8  # the tests' own kernels, not the host's cap
    return ex, sink


class Kernel:
    """One kernel of ``ex``; ``run`` executes a cell and returns its events."""
    _cells = itertools.count()

    def __init__(self, ex, sink, client="tester", **limits):
        self.ex, self.sink = ex, sink
        self.id = uuid.uuid4().hex
        ex.start_kernel(policy.run_spec("", run_id=self.id, kind="notebook", client=client,
                                        limits={"wall_s": 10, "cpu_s": 10, **limits},
                                        notebook_session=f"nb-{self.id}"))

    def mine(self):
        return [e for e in self.sink.events if e["kernel_id"] == self.id]

    def wait_for(self, predicate, timeout=30):
        return self.sink.wait_for(lambda e: e["kernel_id"] == self.id and predicate(e), timeout)

    def wait_state(self, state, after=0, timeout=30):
        return self.wait_for(lambda e: e["type"] == "kernel_status" and e["state"] == state
                             and self.sink.events.index(e) >= after, timeout)

    def send(self, cell_code, replies=(), timeout=30):
        """Start a cell (answering its input requests with ``replies``); its id."""
        cell_id = f"cell-{next(self._cells)}"
        assert self.ex.control(self.id, {"op": "execute", "cell_id": cell_id, "code": cell_code})
        for n, reply in enumerate(replies):
            self.wait_for(lambda e: e["type"] == "input_request" and e["cell_id"] == cell_id
                          and self.requests(cell_id) > n, timeout)
            self.ex.control(self.id, {"op": "input_reply", "text": reply})
        return cell_id

    def run(self, code, replies=(), timeout=30):
        cell_id = self.send(code, replies, timeout)
        return self.result(cell_id, timeout)

    def result(self, cell_id, timeout=30):
        self.wait_for(lambda e: e["type"] == "execute_result" and e["cell_id"] == cell_id,
                      timeout)
        return Cell([e for e in self.mine() if e.get("cell_id") == cell_id])

    def requests(self, cell_id):
        return sum(1 for e in self.mine()
                   if e["type"] == "input_request" and e["cell_id"] == cell_id)


class Cell:
    def __init__(self, got):
        self.events = got
        self.result = next(e for e in got if e["type"] == "execute_result")
        self.status = self.result["status"]

    def output(self, kind="stdout"):
        return "".join(e["text"] for e in self.events if e["type"] == kind)

    def of(self, kind):
        return [e for e in self.events if e["type"] == kind]

    @property
    def value(self):
        shown = self.of("display")
        return shown[-1]["data"] if shown else None

    @property
    def error(self):
        errors = self.of("error")
        return errors[-1] if errors else None


SUCCEEDED, FAILED, CANCELLED = events.SUCCEEDED, events.FAILED, events.CANCELLED

