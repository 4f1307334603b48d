"""The zygote: a long-lived, warm process inside the sandbox that forks one child per run.

It is exec'd fresh (never forked from the server), so it holds no server state: no
settings, no database connection, no SECRET_KEY. It pre-imports NumPy and the engine once,
then for each run read from stdin forks a child (see child.py), relays the child's output
as checked events on its own stdout, enforces the wall clock, output and event-rate limits,
kills everything the run left behind and says how the run ended.

Protocol with its slot (slot.py), one JSON object per line:
  slot -> zygote  {"op": "run", "run_id", "code", "device", "limits"} | {"op": "cancel", "run_id"}
                  {"op": "kernel", "run_id", "device", "limits", "kernel"}: a notebook kernel
                  (kernel_host.py) lives here until shut down, driven by
                  {"op": "control", "run_id", "message"} (execute, input_reply, interrupt...);
                  a run is driven by the same message (pause, resume, step, speed: pacing.py)
  zygote -> slot  {"op": "ready", "sandbox"} | {"op": "event", "run_id", "event"}
"""
import ctypes
import gc
import importlib
import json
import os
import select
import signal
import sys
import tempfile
import time

from playground import events
from playground.sandbox import child, cleanup, pacing, protocol, torch_alias, usercode
from playground.sandbox.limits import SandboxLimits
from playground.sandbox.relay import ChildRelay, fmt_bytes

# Imported once in the zygote so runs start warm. The standard modules a snippet commonly
# imports are here too: cheaper per run, and without bubblewrap a Python installed under a
# 0700 home (e.g. /root/.pyenv) is readable only by the zygote, not by the run's uid.
PRELOAD = ("numpy", "engine", "engine.nn", "engine.nn.functional", "engine.optim",
           "engine.utils.data", "engine.utils.tensorboard",
           "scipy.special", "scipy.linalg",  # the engine imports them on first use (erf, ...)
           "json", "math", "random",
           "itertools", "functools", "collections", "dataclasses", "time", "typing", "ctypes",
           "threading", "socket", "encodings.idna", "glob", "re", "string", "copy", "decimal",
           "fractions", "statistics", "datetime", "operator", "heapq", "bisect", "pathlib",
           "struct", "csv", "textwrap", "pprint", "enum", "contextlib", "warnings", "numbers",
           "weakref", "inspect", "abc", "signal", "io", "os", "sys", "tempfile", "shutil",
           "pickle", "base64", "hashlib", "uuid", "array", "queue", "gc", "traceback", "pdb",
           # Its font scan once per zygote, not per run; the backend is plots.py (warm_up).
           "matplotlib.pyplot", "playground.sandbox.plots")
PR_SET_CHILD_SUBREAPER = 36
MAX_CONTROL_LINE = 16 << 20

class Zygote:
    def __init__(self, config):
        self.config = config
        self.uid = config.get("uid")
        self.out_fd = os.dup(1)
        os.dup2(2, 1)  # stray prints of libraries must never reach the protocol stream
        self.control = protocol.LineReader(0, MAX_CONTROL_LINE)
        self.pending = []
        self.sandbox = dict(config.get("sandbox", {}))
        self.seccomp = None

    # -- start-up -----------------------------------------------------------------------------
    def warm_up(self):
        loaded, problems = [], []
        # matplotlib's font cache: the zygote's own, on the sandbox's tmpfs (a run gets its
        # run directory as config dir: plots.bind). An empty PATH meanwhile: matplotlib then scans
        # the font directories itself instead of running fc-list, which, with no fontconfig
        # set up in the sandbox, only printed errors into the server's log.
        os.environ.update(MPLBACKEND="module://playground.sandbox.plots",
                          MPLCONFIGDIR=tempfile.mkdtemp(prefix="matplotlib-",
                                                        dir=self.config["runs_dir"]))
        path, os.environ["PATH"] = os.environ.get("PATH"), ""  # unset would mean os.defpath
        for name in PRELOAD:
            try:
                importlib.import_module(name)
                loaded.append(name)
            except ModuleNotFoundError:
                pass  # not installed here: a run that imports it gets the error itself
            except Exception as exc:  # an engine that fails to import must not stop the zygote
                problems.append(f"import {name}: {type(exc).__name__}: {exc}")
        if path is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = path
        torch_alias.install()
        why_not = "disabled by configuration"
        if self.config.get("seccomp", True):
            try:
                from playground.sandbox.seccomp import SeccompFilter
                self.seccomp = SeccompFilter()
            except Exception as exc:
                why_not = str(exc)
                problems.append(f"seccomp unavailable: {exc}")
        self.sandbox["seccomp"] = self.seccomp is not None
        self.sandbox["unprivileged_uid"] = self.uid
        if self.seccomp is None:
            self.sandbox["missing"] = self.sandbox.get("missing", []) + [
                f"seccomp ({why_not}): processes and sockets are limited by rlimits, "
                f"namespaces and the uid only"]
        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans come to us
        gc.collect()
        gc.freeze()  # fewer copy-on-write faults in each forked child
        self.send({"op": "ready", "sandbox": self.sandbox, "preloaded": loaded,
                   "problems": problems})

    # -- protocol -----------------------------------------------------------------------------
    def send(self, message):
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.out_fd, data):]

    def next_message(self, timeout=None):
        """The next control message, None on timeout; exits the zygote when its slot left."""
        while not self.pending:
            if timeout is not None and not select.select([0], [], [], timeout)[0]:
                return None
            self.pending.extend(protocol.json_objects(self.control.read_lines()))
            if self.control.eof and not self.pending:
                os._exit(0)  # the slot is gone: so are we (bwrap takes the rest)
            if timeout is not None:
                timeout = 0
        return self.pending.pop(0)

    def serve(self):
        while True:
            message = self.next_message()
            if message.get("op") == "run":
                supervisor = RunSupervisor(self, message)
                try:
                    supervisor.execute()
                except Exception as exc:  # e.g. the run tmpfs is full: end this run only
                    supervisor.emit(events.event(
                        "finished", status=events.KILLED, duration_ms=None,
                        message=f"the sandbox failed to run the code: {type(exc).__name__}: {exc}"))
            elif message.get("op") == "kernel":  # until it is shut down
                from playground.sandbox.kernel_host import KernelSupervisor
                KernelSupervisor(self, message).serve()


class RunSupervisor(ChildRelay):
    """One run: fork the child, relay and police its output, end it, report how it ended."""

    def __init__(self, zygote, job):
        super().__init__(zygote, job)
        self.code = job.get("code", "")
        # Pause, step, pace (pacing.py): the page's wishes, the child's steps, the held clock.
        self.pace = pacing.PaceKeeper(self.send_child, self.say,
                                      self.limits.get("held_s", SandboxLimits.held_s))

    def say(self, event):
        """An event of the zygote's own: it does not spend the run's event rate."""
        self.zygote.send({"op": "event", "run_id": self.run_id, "event": event})

    def execute(self):
        limits = self.limits
        run_dir = self.private_dir("run-")
        self.emit(events.event("status", status=events.RUNNING, sandbox=self.zygote.sandbox,
                               device=self.device, limits=limits))
        started = time.monotonic()
        control_r = self.open_control()
        pid = self.fork_child(lambda fds: child.main(
            {"code": self.code, "limits": limits, "run_dir": run_dir}, fds + [control_r],
            self.zygote.config, self.zygote.seccomp))
        os.close(control_r)
        pidfd = os.pidfd_open(pid)
        try:
            self.supervise(pidfd, started + limits["wall_s"])
            self.kill_everything(pid)
            _, status, usage = os.wait4(pid, 0)
            self.reap_orphans()
            if self.outcome is None:
                self.drain()
        finally:
            os.close(pidfd)
            os.close(self.control_w)
            self.close_pipes()
            clean = cleanup.remove_tree(run_dir)  # deep trees, 000 modes, a full disk
        if not clean:  # never seen; if it were, the next run gets a fresh sandbox (tmpfs)
            self.zygote.send({"op": "retire", "reason": f"could not remove {run_dir}"})
        cpu_s = usage.ru_utime + usage.ru_stime
        final, message = self.verdict(status, cpu_s)
        self.emit(events.event("finished", status=final, message=message,
                               duration_ms=round((time.monotonic() - started) * 1000, 1),
                               cpu_ms=round(cpu_s * 1000, 1)))

    def supervise(self, pidfd, wall_deadline):
        """Until the child exits or is stopped. The wall clock stops while the child waits
        at a step for its page (paused or paced): that time is the PaceKeeper's held time."""
        while self.outcome is None:
            now = time.monotonic()
            self.pace.tick(now)
            deadline = wall_deadline + self.pace.held_s(now)
            if now >= deadline:
                self.outcome = events.TIMEOUT
                return
            timeout = deadline - now
            wake = self.pace.wake_at(now)
            if wake is not None:
                timeout = min(timeout, max(0.0, wake - now))
            ready, control = self.wait(pidfd, timeout, now)
            if control and self.check_control():
                return
            for fd in sorted(set(ready) & self.open_fds):
                self.pump(fd)
                if self.outcome:
                    return
            if pidfd in ready:
                return

    def check_control(self):
        """Handle control messages during a run; True when this run is cancelled."""
        later = []  # "run" messages: the slot sends one at a time, but keep any for after
        try:
            while True:  # every message that arrived, not just the first
                message = self.zygote.next_message(timeout=0)
                if message is None:
                    return False
                if message.get("op") == "cancel" and message.get("run_id") == self.run_id:
                    self.outcome = events.CANCELLED
                    return True
                if message.get("op") == "control" and message.get("run_id") == self.run_id:
                    self.pace.on_control(message.get("message"), time.monotonic())
                if message.get("op") == "run":
                    later.append(message)
        finally:
            self.zygote.pending.extend(later)

    def consumed(self, line):
        """The child's checkpoint lines (pacing.py) are the PaceKeeper's, not output; one
        that answers no hold of ours costs output bytes as any junk line does."""
        if b'"checkpoint"' not in line[:40]:
            return False
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            return False
        if not isinstance(event, dict) or event.get("type") != "checkpoint":
            return False
        if not self.pace.on_checkpoint(event, time.monotonic()):
            self.used_bytes += len(line) + 1
        return True

    # -- ending -------------------------------------------------------------------------------
    def verdict(self, status, cpu_s):
        limits = self.limits
        if self.outcome == events.CANCELLED:
            return events.CANCELLED, "the run was cancelled"
        if self.outcome == events.OUTPUT_LIMIT:
            return events.OUTPUT_LIMIT, (f"the run produced more than "
                                         f"{fmt_bytes(limits['output_bytes'])} of output; "
                                         f"the rest was cut and the run stopped")
        if self.outcome == events.TIMEOUT:
            return events.TIMEOUT, (f"the run took longer than {limits['wall_s']:g} s "
                                    f"(wall-clock limit) and was stopped")
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_s >= limits["cpu_s"]):
                return events.CPU_LIMIT, (f"the run used more than {limits['cpu_s']:g} s of "
                                          f"CPU time and was stopped")
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            return events.KILLED, f"the process died ({name})"
        code = os.WEXITSTATUS(status)
        if code == child.EXIT_OK:
            return events.SUCCEEDED, "finished successfully"
        if code == child.EXIT_MEMORY:
            detail = f": {usercode.error_message(self.last_error)}" if self.last_error else ""
            return events.MEMORY_LIMIT, (f"the run ran out of memory (limit "
                                         f"{fmt_bytes(limits['memory_bytes'])}){detail}")
        if code == child.EXIT_USER_ERROR and self.last_error:
            return events.FAILED, usercode.error_message(self.last_error)
        if code == child.EXIT_SETUP_FAILED:
            return events.FAILED, "the sandbox could not set up the run (see stderr)"
        return events.FAILED, f"the process exited with code {code}"


def main(argv=None):
    config = json.loads((argv or sys.argv)[1])
    zygote = Zygote(config)
    zygote.warm_up()
    zygote.serve()


if __name__ == "__main__":
    main()
