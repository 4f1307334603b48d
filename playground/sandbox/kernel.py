"""The kernel child: a long-lived sandboxed process that runs notebook cells one at a time in
one namespace, as a Jupyter kernel does. The zygote forks it and it locks itself down
exactly as a run child does (``child.lock_down``: same uid, rlimits, seccomp, descriptors),
then serves cells until the zygote kills it (restart, shutdown, a limit).

The control channel, zygote -> kernel, is JSON lines on ``child.CONTROL_FD``:
  {"op": "execute", "cell_id", "count", "code"}   run a cell
  {"op": "input_reply", "text"} | {"op": "input_reply", "eof": true}   answer input()
Unknown ops are ignored, so the channel can grow (pause/resume of a run, later).
Interrupt is not a message but SIGINT: it must reach a cell stuck in C code.

Out, as a run child: fd 1/2 raw output, fd 3 events; besides a run's events the kernel
sends ``input_request``, ``variables``, and two the zygote consumes itself:
``kernel_ready`` (locked down, listening), ``cell_started`` (from here SIGINT interrupts
the cell) and ``cell_done`` (the cell and its report ended).
"""
import builtins
import functools
import getpass
import io
import json
import os
import pdb
import signal
import sys
import types

from playground.sandbox import child, displays, metrics, protocol, usercode

KERNEL_NICE = 10          # kernels yield the CPU to one-shot runs (docs/security.md)
MAX_CONTROL_LINE = 1 << 20
MAX_PROMPT = 4096
MAX_VARIABLES = 100
HIDDEN = frozenset({"show_graph", "log_metric"})   # the helpers every namespace gets
_SIMPLE = (int, float, bool, complex, str, bytes, type(None))
_SIZED = (list, tuple, dict, set, frozenset)


def _write(event, fresh_line=False):
    """An event on fd 3; ``fresh_line`` starts it on a new line, so a half line the user's
    code left on the pipe cannot swallow it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    data = (("\n" if fresh_line else "") + json.dumps(event, default=repr) + "\n").encode()
    try:
        while data:
            data = data[os.write(child.EVENT_FD, data):]
    except OSError:
        pass


class Control:
    """The kernel's end of the control channel: blocking reads of JSON lines."""

    def __init__(self, fd):
        self.reader = protocol.LineReader(fd, MAX_CONTROL_LINE)
        self.pending = []

    def next(self, op=None):
        """The next message (of ``op``, keeping others for later); exits when the zygote is
        gone."""
        while True:
            for i, message in enumerate(self.pending):
                if op is None or message.get("op") == op:
                    return self.pending.pop(i)
            self.pending.extend(protocol.json_objects(self.reader.read_lines()))
            if self.reader.eof and not self.pending:
                child._exit(0)


class KernelStdin(io.TextIOBase):
    """sys.stdin of a kernel: each line read is asked of the page (an input_request)."""

    def __init__(self, ask):
        self._ask = ask

    def readable(self):
        return True

    def readline(self, size=-1):
        try:
            line = self._ask("", False) + "\n"
        except EOFError:
            return ""
        return line if size is None or size < 0 else line[:size]

    def read(self, size=-1):
        return self.readline(size)

    def isatty(self):
        return False


class KernelPdb(pdb.Pdb):
    """pdb over the user's cells and libraries, never stepping into the sandbox's own frames
    (the cell runner around the user's code)."""

    def __init__(self, *args, skip=None, **kwargs):
        super().__init__(*args, skip=[*(skip or ()), "playground.*"], **kwargs)


class Kernel:
    def __init__(self, namespace):
        self.namespace = namespace
        self.control = Control(child.CONTROL_FD)
        self.in_cell = False
        self.cell_id = None
        builtins.input = self.input
        getpass.getpass = lambda prompt="Password: ", stream=None: self.ask(prompt, True)
        sys.stdin = KernelStdin(self.ask)
        pdb.Pdb = KernelPdb  # breakpoint() and pdb.set_trace() make theirs from it

    # -- input ------------------------------------------------------------------------------
    def ask(self, prompt, password):
        """A line from the page: an input_request, then the zygote's input_reply. The wall
        clock of the cell stops meanwhile (the zygote's doing)."""
        _write({"type": "input_request", "prompt": str(prompt)[:MAX_PROMPT],
                "password": bool(password)})
        try:
            reply = self.control.next("input_reply")
        except KeyboardInterrupt:
            if sys.gettrace() is not None:  # inside pdb, whose loop swallows Ctrl-C: quit it
                import bdb
                sys.settrace(None)
                raise bdb.BdbQuit from None
            raise
        if reply.get("eof") or not isinstance(reply.get("text"), str):
            raise EOFError("no input")
        return reply["text"].split("\n", 1)[0]

    def input(self, prompt=""):
        """builtins.input: the prompt goes with the request; prompt and answer stay in the
        cell's output as a terminal would show them."""
        text = self.ask(prompt, False)
        sys.stdout.write(f"{prompt}{text}\n")
        return text

    # -- cells ------------------------------------------------------------------------------
    def on_sigint(self, signum, frame):
        if self.in_cell:  # between cells an interrupt has nothing to stop
            raise KeyboardInterrupt

    def serve(self):
        signal.signal(signal.SIGINT, self.on_sigint)
        _write({"type": "kernel_ready"})
        while True:
            message = self.control.next("execute")
            if isinstance(message.get("code"), str) and isinstance(message.get("count"), int):
                self.run_cell(message)

    def run_cell(self, message):
        signal.signal(signal.SIGINT, self.on_sigint)  # a cell or pdb may have replaced it
        self.in_cell = True
        try:
            _write({"type": "cell_started"}, fresh_line=True)
            status, ename = self._execute(message["code"], message["count"])
        except KeyboardInterrupt:  # landed in the reporting, after the user's code
            status, ename = "error", "KeyboardInterrupt"
        finally:
            self.in_cell = False
            sys.settrace(None)
        signal.signal(signal.SIGINT, self.on_sigint)
        _write({"type": "cell_done", "status": status, "ename": ename}, fresh_line=True)

    def _execute(self, code, count):
        filename = usercode.cell_filename(count)
        status, ename = "ok", None
        try:
            value = metrics.run_logged(functools.partial(usercode.run_cell, filename=filename),
                                       code, self.namespace)
            event = displays.display_event(value)
            if event is not None:
                _write(event)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                status, ename = "error", "SystemExit"
                _write({"type": "error", "ename": "SystemExit", "evalue": str(exc.code),
                        "traceback": "", "line": None})
        except usercode.CellError as err:
            status, ename = "error", err.fields["ename"]
            fields = err.fields
            if ename == "BdbQuit":
                fields = {**fields, "evalue": "the debugger was quit", "traceback": ""}
            _write({"type": "error", **fields})
        except BaseException as exc:  # a broken __repr__ of the cell's value, Ctrl-C in it
            status, ename = "error", type(exc).__name__
            _write({"type": "error", **usercode.error_fields(exc, filename)})
        child.show_open_figures()
        try:
            _write({"type": "variables", "variables": variables(self.namespace)})
        except Exception:
            pass  # a hostile object in the namespace costs only the panel
        return status, ename


def _type_name(value):
    try:
        return str(type(value).__qualname__)[:80]
    except Exception:
        return "object"


def describe(name, value):
    """One row of the variables panel; only attributes of the engine's own types and of
    builtin values are read (anything else could run the user's code)."""
    import engine
    row = {"name": name, "type": _type_name(value)}
    if isinstance(value, engine.Tensor):
        row.update(shape=list(value.shape), dtype=str(value.dtype).replace("torch.", ""),
                   device=str(value.device), requires_grad=bool(value.requires_grad))
    elif isinstance(value, engine.nn.Module):
        row["parameters"] = sum(p.numel() for p in value.parameters())
    elif type(value) in _SIMPLE:
        text = repr(value)
        row["value"] = text if len(text) <= 80 else text[:79] + "…"
    elif type(value) in _SIZED:
        row["size"] = len(value)
    return row


def variables(namespace):
    """The user's names, sorted: no modules, functions of ours or _private names."""
    rows = []
    for name in sorted(namespace):
        value = namespace[name]
        if name.startswith("_") or name in HIDDEN or isinstance(value, types.ModuleType):
            continue
        try:
            rows.append(describe(name, value))
        except Exception:
            rows.append({"name": name, "type": _type_name(value)})
        if len(rows) >= MAX_VARIABLES:
            break
    return rows


def main(job, fds, config, seccomp_filter):
    """Entry point right after fork. Never returns."""
    try:
        child.lock_down(job, fds, config, seccomp_filter)
        os.nice(KERNEL_NICE)
        kernel = Kernel(child.user_namespace())
    except BaseException as exc:  # never run user code half locked down
        try:
            os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
        finally:
            child._exit(child.EXIT_SETUP_FAILED)
    try:
        kernel.serve()
    finally:
        child._exit(child.EXIT_OK)
