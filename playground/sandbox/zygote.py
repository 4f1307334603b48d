"""The zygote: a long-lived, warm process inside the sandbox that forks one child per run.

It is exec'd fresh (never forked from the server), so it holds no server state: no
settings, no database connection, no SECRET_KEY. It pre-imports NumPy and the engine once,
then for each run read from stdin forks a child (see child.py), relays the child's output
as checked events on its own stdout, enforces the wall clock, output and event-rate limits,
kills everything the run left behind and says how the run ended.

Protocol with its slot (slot.py), one JSON object per line:
  slot -> zygote  {"op": "run", "run_id", "code", "device", "limits"} | {"op": "cancel", "run_id"}
  zygote -> slot  {"op": "ready", "sandbox"} | {"op": "event", "run_id", "event"}
"""
import codecs
import ctypes
import gc
import importlib
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time

from playground import events
from playground.sandbox import child, protocol, torch_alias, usercode

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
           "pickle", "base64", "hashlib", "uuid", "array", "queue", "gc", "traceback")
PR_SET_CHILD_SUBREAPER = 36
MAX_CONTROL_LINE = 16 << 20


def _fmt_bytes(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


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
        for name in PRELOAD:
            try:
                importlib.import_module(name)
                loaded.append(name)
            except ModuleNotFoundError:
                pass  # not installed here: a run that imports it gets the error itself
            except Exception as exc:  # an engine that fails to import must not stop the zygote
                problems.append(f"import {name}: {type(exc).__name__}: {exc}")
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
            for line in self.control.read_lines():
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict):
                    self.pending.append(message)
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


def _mergeable(a, b):
    if a["type"] != b["type"] or a.keys() != b.keys():
        return False
    return a["type"] in ("stdout", "stderr") or (
        a["type"] == "metrics" and isinstance(a["points"], list))


def _merge(into, event):
    if into["type"] == "metrics":
        into["points"] = into["points"] + event["points"]
    else:
        into["text"] += event["text"]


class RunSupervisor:
    """One run: fork the child, relay and police its output, end it, report how it ended."""

    def __init__(self, zygote, job):
        self.zygote = zygote
        self.run_id = job.get("run_id")
        self.code = job.get("code", "")
        self.device = job.get("device", "cpu")  # reported back; the run itself uses the CPU
        self.limits = job["limits"]
        self.used_bytes = 0
        self.metric_points = 0
        self.metric_cap_noticed = False
        self.tokens = float(self.limits["events_per_s"])
        self.refilled_at = time.monotonic()
        self.outcome = None  # set when the zygote itself stops the run
        self.dropped = 0
        self.last_error = None

    def emit(self, event):
        self.zygote.send({"op": "event", "run_id": self.run_id, "event": event})
        self.tokens -= 1

    # -- the run ------------------------------------------------------------------------------
    def execute(self):
        limits = self.limits
        run_dir = tempfile.mkdtemp(prefix="run-", dir=self.zygote.config["runs_dir"])
        uid = self.zygote.uid
        if uid is not None:
            os.chown(run_dir, uid, uid)
        os.chmod(run_dir, 0o700)
        pipes = [os.pipe() for _ in range(3)]  # stdout, stderr, events
        self.emit(events.event("status", status=events.RUNNING, sandbox=self.zygote.sandbox,
                               device=self.device, limits=limits))
        started = time.monotonic()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            child.main([{"code": self.code, "limits": limits, "run_dir": run_dir}],
                       [w for _, w in pipes], self.zygote.config, self.zygote.seccomp)
        for _, w in pipes:
            os.close(w)
        readers = [r for r, _ in pipes]
        for fd in readers:
            os.set_blocking(fd, False)
        self.streams = {readers[0]: ("stdout", codecs.getincrementaldecoder("utf-8")("replace")),
                        readers[1]: ("stderr", codecs.getincrementaldecoder("utf-8")("replace"))}
        self.event_reader = protocol.LineReader(readers[2], limits["max_event_bytes"])
        self.open_fds = set(readers)
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
            for fd in readers:
                os.close(fd)
            shutil.rmtree(run_dir, ignore_errors=True)
        cpu_s = usage.ru_utime + usage.ru_stime
        final, message = self.verdict(status, cpu_s)
        self.emit(events.event("finished", status=final, message=message,
                               duration_ms=round((time.monotonic() - started) * 1000, 1),
                               cpu_ms=round(cpu_s * 1000, 1)))

    def supervise(self, pidfd, deadline):
        eps = self.limits["events_per_s"]
        while self.outcome is None:
            now = time.monotonic()
            if now >= deadline:
                self.outcome = events.TIMEOUT
                return
            self.tokens = min(float(eps), self.tokens + (now - self.refilled_at) * eps)
            self.refilled_at = now
            watch = [pidfd, 0]
            timeout = deadline - now
            if self.tokens >= 1:
                watch += sorted(self.open_fds)
            else:  # over the event rate: let the pipes fill (the child blocks) until refilled
                timeout = min(timeout, (1 - self.tokens) / eps)
            ready = select.select(watch, [], [], timeout)[0]
            if 0 in ready and self.check_control():
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
                if message.get("op") == "run":
                    later.append(message)
        finally:
            self.zygote.pending.extend(later)

    # -- output -------------------------------------------------------------------------------
    def pump(self, fd, size=1 << 16):
        if fd in self.streams:
            try:
                data = os.read(fd, size)
            except BlockingIOError:
                return False
            if not data:
                self.open_fds.discard(fd)
                return False
            kind, decoder = self.streams[fd]
            room = self.limits["output_bytes"] - self.used_bytes
            self.used_bytes += len(data)
            text = decoder.decode(data[:room] if len(data) > room else data)
            if text:
                self.emit(events.event(kind, text=text))
            if len(data) > room:
                self.stop_for_output()
            return True
        lines = self.event_reader.read_lines(size)
        if self.event_reader.eof:
            self.open_fds.discard(fd)
        batch = []
        for line in lines:
            event = protocol.parse_child_event(line)
            if event is not None and event["type"] == "metrics":  # capped apart from output
                event = self.within_metric_cap(event, len(line))
                if event is None:
                    continue
            else:
                self.used_bytes += len(line) + 1
            if self.used_bytes > self.limits["output_bytes"]:
                self.outcome = events.OUTPUT_LIMIT
                break
            if event is None:
                self.dropped += 1
                continue
            if event["type"] == "error":
                self.last_error = event
            if batch and _mergeable(batch[-1], event):
                _merge(batch[-1], event)  # one event per read, not per line: rate stays low
            else:
                batch.append(event)
        for event in batch:
            self.emit(event)
        if self.outcome == events.OUTPUT_LIMIT:
            self.stop_for_output()
        return bool(lines)

    def within_metric_cap(self, event, size):
        """Metric points count against ``metric_points`` (a point costs at least one per 128
        bytes), not output bytes, so a long training run keeps all its charts; past the cap
        they are dropped with one notice and the run goes on. None when nothing is left."""
        room = self.limits["metric_points"] - self.metric_points
        cost = max(len(event["points"]), size // 128)
        self.metric_points += min(cost, max(room, 0))
        if cost <= room:
            return event
        if room >= 0 and not self.metric_cap_noticed:
            self.metric_cap_noticed = True
            self.emit(events.event("stderr", text=(
                f"[the run logged more than {self.limits['metric_points']} metric points; "
                f"later points are dropped]\n")))
        keep = max(room, 0) * len(event["points"]) // cost
        return {**event, "points": event["points"][:keep]} if keep else None

    def stop_for_output(self):
        self.emit(events.event("stderr", text=(
            f"\n[output truncated: the run produced more than "
            f"{_fmt_bytes(self.limits['output_bytes'])}; it was stopped]\n")))
        self.outcome = events.OUTPUT_LIMIT

    def drain(self):
        """After the child exited: relay what is still in the pipes (limits still apply)."""
        for fd in sorted(self.open_fds):
            while self.outcome is None and fd in self.open_fds and self.pump(fd):
                pass
        dropped = self.dropped + self.event_reader.oversized
        if dropped and self.outcome is None:
            self.emit(events.event("stderr", text=(
                f"[the sandbox dropped {dropped} malformed, oversized or forbidden event(s)]\n")))

    # -- ending -------------------------------------------------------------------------------
    def kill_everything(self, pid):
        """SIGKILL the child, its process group and every process of the run's uid."""
        # The child itself first: it may not have called setsid() or dropped root yet.
        for kill, target in ((os.kill, pid), (os.killpg, pid)):
            try:
                kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        uid = self.zygote.uid
        if uid is None:
            return
        reaper = os.fork()
        if reaper == 0:  # kill(-1) as the run's uid reaches all its processes, setsid or not
            try:
                os.setresuid(uid, uid, uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(reaper, 0)

    def reap_orphans(self, timeout=1.0):
        """Wait (briefly) until every killed process, adopted orphans too, is gone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return  # no children left at all
            if pid == 0:
                time.sleep(0.001)  # SIGKILL is on its way

    def verdict(self, status, cpu_s):
        limits = self.limits
        if self.outcome == events.CANCELLED:
            return events.CANCELLED, "the run was cancelled"
        if self.outcome == events.OUTPUT_LIMIT:
            return events.OUTPUT_LIMIT, (f"the run produced more than "
                                         f"{_fmt_bytes(limits['output_bytes'])} of output; "
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
                                         f"{_fmt_bytes(limits['memory_bytes'])}){detail}")
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
