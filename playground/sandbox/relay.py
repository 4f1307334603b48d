"""What the zygote does for every child it forks, a run's or a kernel's: a private
directory, the pipes, relaying and policing what comes out of them (output, event rate and
metric caps), and killing everything the child left behind.
"""
import codecs
import json
import os
import select
import signal
import sys
import tempfile
import time

from playground import events
from playground.sandbox import cleanup, protocol


def fmt_bytes(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


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


class ChildRelay:
    """One child of the zygote and its pipes (stdout, stderr, events); subclasses decide
    what it runs and when it ends (RunSupervisor in zygote.py, KernelSupervisor)."""

    def __init__(self, zygote, job):
        self.zygote = zygote
        self.run_id = job.get("run_id")
        self.device = job.get("device", "cpu")  # reported back; the code itself uses the CPU
        self.limits = job["limits"]
        self.used_bytes = 0
        self.metric_points = 0
        self.metric_cap_noticed = False
        self.tokens = float(self.limits["events_per_s"])
        self.refilled_at = time.monotonic()
        self.outcome = None  # set when the zygote itself stops the child
        self.dropped = 0
        self.last_error = None

    def emit(self, event):
        self.zygote.send({"op": "event", "run_id": self.run_id, "event": event})
        self.tokens -= 1

    # -- the child ----------------------------------------------------------------------------
    def private_dir(self, prefix):
        """A fresh 0700 directory of the child's uid on the sandbox's tmpfs."""
        path = tempfile.mkdtemp(prefix=prefix, dir=self.zygote.config["runs_dir"])
        uid = self.zygote.uid
        if uid is not None:
            os.chown(path, uid, uid)
        os.chmod(path, 0o700)
        return path

    def fork_child(self, target):
        """Fork; the child calls ``target(its ends of the pipes)`` and never returns. Returns
        the child's pid, with the read ends set up for pump()."""
        pipes = [os.pipe() for _ in range(3)]  # stdout, stderr, events
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            target([w for _, w in pipes])
        for _, w in pipes:
            os.close(w)
        readers = [r for r, _ in pipes]
        for fd in readers:
            os.set_blocking(fd, False)
        self.streams = {readers[0]: ("stdout", codecs.getincrementaldecoder("utf-8")("replace")),
                        readers[1]: ("stderr", codecs.getincrementaldecoder("utf-8")("replace"))}
        self.event_reader = protocol.LineReader(readers[2], self.limits["max_event_bytes"])
        self.readers = readers
        self.open_fds = set(readers)
        return pid

    def open_control(self):
        """The control pipe (the child's fd 4): its read end, for the child; messages for it
        wait in ``outbox`` until the pipe takes them."""
        control_r, self.control_w = os.pipe()
        os.set_blocking(self.control_w, False)
        self.outbox = bytearray()
        return control_r

    def send_child(self, message):
        self.outbox += (json.dumps(message) + "\n").encode()
        self.flush_outbox()

    def flush_outbox(self):
        """Never blocks: a child busy in the user's code may not read its pipe."""
        try:
            del self.outbox[:os.write(self.control_w, self.outbox)]
        except BlockingIOError:
            pass
        except OSError:  # the child is gone; its supervisor says so
            self.outbox.clear()

    def wait(self, pidfd, timeout, now):
        """One select() over the child's exit, the slot's messages (fd 0), the child's pipes
        (while the event rate allows: else they fill and the child blocks until refilled) and
        the control pipe's outbox. Returns the ready fds, and whether slot messages wait."""
        eps = self.limits["events_per_s"]
        self.tokens = min(float(eps), self.tokens + (now - self.refilled_at) * eps)
        self.refilled_at = now
        watch = [0, pidfd]
        if self.tokens >= 1:
            watch += sorted(self.open_fds)
        else:
            timeout = min(timeout, (1 - self.tokens) / eps)
        writers = [self.control_w] if self.outbox else []
        # Lines the zygote already read (with the "run" or "kernel" message) select() cannot see.
        unread = any(m.get("op") != "run" for m in self.zygote.pending)
        ready, writable, _ = select.select(watch, writers, [], 0 if unread else timeout)
        if writable:
            self.flush_outbox()
        return ready, 0 in ready or unread

    def consumed(self, line):
        """True when an event line is the supervisor's own business (not output)."""
        return False

    def close_pipes(self):
        for fd in self.readers:
            os.close(fd)
        self.readers, self.open_fds = [], set()

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
            if self.consumed(line):
                continue
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
            f"{fmt_bytes(self.limits['output_bytes'])}; it was stopped]\n")))
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
                if self.zygote.seccomp is None:  # else the run could not make any
                    cleanup.remove_ipc_objects(uid)
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

