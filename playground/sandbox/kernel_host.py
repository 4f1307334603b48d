"""The zygote's side of a notebook kernel: fork the kernel child (kernel.py) exactly as a run
child is forked, feed it one cell at a time, answer its input requests, and hold it to its
limits; restart it with a fresh process when asked or when it must die.

Limits, all enforced here (the kernel child is the user's code and may lie):
  per cell    wall clock (``limits.wall_s``), stopped while the cell waits for input, each
              wait capped by ``input_wait_s`` (then input() gets end of file); CPU since the
              cell started (``limits.cpu_s``), read from /proc, so a background thread or a
              forged "cell_done" counts too; output (``limits.output_bytes``)
  per kernel  memory and the rest of a run's rlimits (kernel.main locks down as a run);
              CPU in all (``cpu_total_s``, RLIMIT_CPU); ``lifetime_s``; ``idle_s``
A cell over a limit, or interrupted, gets SIGINT (KeyboardInterrupt in the cell); one that
does not stop within ``interrupt_grace_s`` (C code that never returns, SIGINT ignored) is
killed with its kernel, and a fresh kernel starts: its variables are gone, the page is told.

Every event the slot gets carries the kernel's id as ``run_id``; the zygote adds the cell's
``cell_id`` to a cell's output, and says what happened in kernel_status, execute_input and
execute_result events.
"""
import collections
import os
import signal
import time

from playground import events
from playground.sandbox import child, cleanup, kernel, protocol, usercode
from playground.sandbox.relay import ChildRelay, fmt_bytes

READY_TIMEOUT_S = 30.0       # fork to "listening"
CPU_CHECK_S = 0.25           # how often a kernel's CPU time is read
CELL_EVENTS = frozenset({"stdout", "stderr", "display", "metrics", "error", "input_request",
                         "variables"})
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Cell:
    def __init__(self, cell_id, count, cpu_mark):
        self.id = cell_id
        self.count = count
        self.started = time.monotonic()
        self.cpu_mark = cpu_mark         # the kernel's CPU seconds when the cell started
        self.waited = 0.0                # seconds spent waiting for input (off the wall clock)
        self.waiting_since = None
        self.running = False             # the kernel said "cell_started": SIGINT reaches it
        self.interrupted_at = None
        self.outcome = None              # TIMEOUT, CPU_LIMIT, OUTPUT_LIMIT, or CANCELLED

    def wall(self, now):
        waiting = now - self.waiting_since if self.waiting_since is not None else 0.0
        return now - self.started - self.waited - waiting


class KernelSupervisor(ChildRelay):
    def __init__(self, zygote, job):
        super().__init__(zygote, job)
        self.kernel = job["kernel"]
        self.born = time.monotonic()
        self.queue = collections.deque()   # execute messages waiting for the kernel
        self.cell = None
        self.last_cell_id = None           # output after a cell ended is still that cell's
        self.pid = None
        self.state = None

    # -- the process ----------------------------------------------------------------------------
    def spawn(self):
        self.count = 0
        self.used_bytes = self.metric_points = 0
        self.discarding = False
        self.cpu_mark = 0.0
        self.run_dir = self.private_dir("kernel-")
        control_r = self.open_control()
        job = {"run_dir": self.run_dir,
               "limits": {**self.limits, "cpu_s": self.kernel["cpu_total_s"]}}
        self.pid = self.fork_child(lambda fds: kernel.main(
            job, fds + [control_r], self.zygote.config, self.zygote.seccomp))
        os.close(control_r)
        self.pidfd = os.pidfd_open(self.pid)
        self.spawned_at = self.idle_since = self.cpu_checked = time.monotonic()
        self.set_state(events.KERNEL_STARTING)

    def end_process(self):
        """Kill the kernel and all it left; its exit status."""
        self.kill_everything(self.pid)
        _, status, _ = os.wait4(self.pid, 0)
        self.reap_orphans()
        os.close(self.pidfd)
        os.close(self.control_w)
        self.close_pipes()
        cleanup.remove_tree(self.run_dir)  # whatever the kernel left: deep, 000, a full disk
        self.pid = None
        return status

    def cpu_seconds(self):
        """The kernel's CPU time, all its threads, as the kernel (not the user) counts it."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            return self.cpu_mark

    # -- the loop ---------------------------------------------------------------------------------
    def serve(self):
        """Until the kernel is shut down (asked, idle, lifetime) or cannot start."""
        self.spawn()
        try:
            while not self.step():
                pass
        except Exception as exc:  # a bug here ends this kernel, never the zygote
            self.set_state(events.KERNEL_DEAD, f"the sandbox failed: {type(exc).__name__}: {exc}")
        finally:
            if self.pid is not None:
                self.end_process()

    def step(self):
        """One wait and what it brought; True when the kernel is over."""
        now = time.monotonic()
        over = self.check_clocks(now)
        if over is not None:
            return over
        ready, control = self.wait(self.pidfd, CPU_CHECK_S, now)
        if control and self.read_control():
            return True
        for fd in sorted(set(ready) & self.open_fds):
            self.pump(fd)
        if self.pid is not None and self.pidfd in ready:
            return self.on_exit()
        return False

    def check_clocks(self, now):
        """Enforce the clocks; True/False when that ended or restarted the kernel, else None."""
        k = self.kernel
        if now - self.born >= k["lifetime_s"]:
            return self.shut_down(f"the kernel reached its lifetime of {k['lifetime_s'] / 3600:g} h "
                                  f"and was shut down")
        if self.state == events.KERNEL_STARTING and now - self.spawned_at >= READY_TIMEOUT_S:
            return self.shut_down("the kernel did not start")
        cell = self.cell
        if cell is None and not self.queue and self.state == events.KERNEL_IDLE and (
                now - self.idle_since >= k["idle_s"]):
            return self.shut_down(f"the kernel was idle for {k['idle_s'] / 60:g} minutes and "
                                  f"was shut down")
        if cell is not None and cell.waiting_since is not None and (
                now - cell.waiting_since >= k["input_wait_s"]):
            self.reply_input({"eof": True})
            self.emit(events.event("stderr", text=(
                f"\n[no input within {k['input_wait_s']:g} s: input() got end of file]\n")))
        if cell is not None and cell.outcome is None and cell.wall(now) >= self.limits["wall_s"]:
            self.interrupt(events.TIMEOUT)
        if now - self.cpu_checked >= CPU_CHECK_S and self.state != events.KERNEL_STARTING:
            self.cpu_checked = now
            if self.cpu_seconds() - self.cpu_mark > self.limits["cpu_s"]:
                if cell is None:
                    return self.restart(
                        f"the kernel kept computing after its cell ended (a thread?) for more "
                        f"than {self.limits['cpu_s']:g} s of CPU time", status=events.CPU_LIMIT)
                if cell.outcome is None:
                    self.interrupt(events.CPU_LIMIT)
        if cell is not None and cell.interrupted_at is not None and (
                now - cell.interrupted_at >= k["interrupt_grace_s"]):
            return self.restart(f"the cell did not stop within {k['interrupt_grace_s']:g} s of "
                                f"the interrupt")
        return None

    # -- the slot's messages -----------------------------------------------------------------------
    def read_control(self):
        """The slot's messages; True when one shut the kernel down."""
        later = []
        try:
            while True:
                message = self.zygote.next_message(timeout=0)
                if message is None:
                    return False
                op = message.get("op")
                if op == "run":  # never sent while a kernel lives; kept for after it
                    later.append(message)
                elif message.get("run_id") != self.run_id:
                    continue
                elif op == "cancel":
                    return self.shut_down("the kernel was shut down")
                elif op == "control" and isinstance(message.get("message"), dict):
                    if self.on_control(message["message"]):
                        return True
        finally:
            self.zygote.pending.extend(later)

    def on_control(self, message):
        op = message.get("op")
        if op == "execute":
            if isinstance(message.get("cell_id"), str) and isinstance(message.get("code"), str):
                self.queue.append(message)
                self.start_next()
        elif op == "input_reply":
            self.reply_input(message)
        elif op == "interrupt":
            self.abort_queue("not run: the kernel was interrupted")
            if self.cell is not None and self.cell.interrupted_at is None:
                self.interrupt(events.CANCELLED)
        elif op == "restart":
            self.abort_queue("not run: the kernel was restarted")
            return self.restart("restarted: its variables are gone", asked=True)
        elif op == "shutdown":
            return self.shut_down("the kernel was shut down")
        return False

    def start_next(self):
        if self.state != events.KERNEL_IDLE or self.cell is not None or not self.queue:
            return
        message = self.queue.popleft()
        self.count += 1
        self.cpu_mark = self.cpu_seconds()
        self.cell = Cell(message["cell_id"], self.count, self.cpu_mark)
        self.used_bytes = self.metric_points = 0
        self.metric_cap_noticed = self.discarding = False
        self.last_error = None
        self.tokens = float(self.limits["events_per_s"])  # each cell, as each run, its own
        self.set_state(events.KERNEL_BUSY)
        self.say(events.event("execute_input", cell_id=self.cell.id, execution_count=self.count))
        self.send_child({"op": "execute", "cell_id": self.cell.id, "count": self.count,
                         "code": message["code"]})

    def abort_queue(self, message):
        while self.queue:
            cell_id = self.queue.popleft()["cell_id"]
            self.say(events.event("execute_result", cell_id=cell_id, execution_count=None,
                                   status=events.CANCELLED, duration_ms=None, message=message))

    def reply_input(self, message):
        cell = self.cell
        if cell is None or cell.waiting_since is None:
            return  # nothing asked: a late or forged reply
        cell.waited += time.monotonic() - cell.waiting_since
        cell.waiting_since = None
        text = message.get("text")
        self.send_child({"op": "input_reply", "eof": True} if message.get("eof") or
                        not isinstance(text, str) else {"op": "input_reply", "text": text})

    def interrupt(self, outcome):
        cell = self.cell
        cell.outcome = cell.outcome or outcome
        if cell.interrupted_at is None:
            cell.interrupted_at = time.monotonic()
        if cell.running:  # else on "cell_started": before it, SIGINT would find no cell
            self.send_sigint()

    def send_sigint(self):
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    # -- what the kernel says ----------------------------------------------------------------------
    def emit(self, event):
        if event["type"] in CELL_EVENTS:
            cell_id = self.cell.id if self.cell is not None else self.last_cell_id
            event = {**event, "cell_id": cell_id}
            if event["type"] == "input_request" and self.cell is not None:
                self.cell.waiting_since = self.cell.waiting_since or time.monotonic()
        super().emit(event)

    def pump(self, fd, size=1 << 16):
        if fd in self.streams:
            if not self.discarding:
                return super().pump(fd, size)
            try:
                data = os.read(fd, size)
            except BlockingIOError:
                return False
            if not data:
                self.open_fds.discard(fd)
            return bool(data)
        lines = self.event_reader.read_lines(size)
        if self.event_reader.eof:
            self.open_fds.discard(fd)
        for line in lines:
            if not line.strip():
                continue  # kernel.py starts its own events on a fresh line
            event = protocol.parse_kernel_event(line)
            if event is None:
                self.dropped += 1
            elif event["type"] == "kernel_ready":
                self.on_ready()
            elif event["type"] == "cell_started":
                if self.cell is not None and not self.cell.running:
                    self.cell.running = True
                    if self.cell.interrupted_at is not None:
                        self.send_sigint()
            elif event["type"] == "cell_done":
                self.on_cell_done(event)
            elif not self.discarding:
                self.relay(event, len(line))
        return bool(lines)

    def relay(self, event, size):
        if event["type"] == "metrics":  # capped apart from output
            event = self.within_metric_cap(event, size)
            if event is None:
                return
        else:
            self.used_bytes += size + 1
            if self.used_bytes > self.limits["output_bytes"]:
                self.stop_for_output()
                return
        if event["type"] == "error":
            self.last_error = event
        self.emit(event)

    def stop_for_output(self):
        self.emit(events.event("stderr", text=(
            f"\n[output truncated: the cell produced more than "
            f"{fmt_bytes(self.limits['output_bytes'])}; it was interrupted]\n")))
        self.discarding = True
        if self.cell is not None:
            self.interrupt(events.OUTPUT_LIMIT)

    def drain_streams(self):
        """Output the kernel wrote before its last event: relay it before that event."""
        for fd in list(self.streams):
            while fd in self.open_fds and self.pump(fd):
                pass

    def on_ready(self):
        if self.state == events.KERNEL_STARTING:
            self.set_state(events.KERNEL_IDLE,
                           start_ms=round((time.monotonic() - self.spawned_at) * 1000, 1))
            self.start_next()

    def on_cell_done(self, event):
        if self.cell is None:
            return  # forged, or late: the cell was already ended
        self.drain_streams()
        status, message = self.verdict(event["status"], event.get("ename"))
        self.finish_cell(status, message)
        self.set_state(events.KERNEL_IDLE)
        self.start_next()

    def verdict(self, child_status, ename):
        cell, limits = self.cell, self.limits
        if cell.outcome == events.TIMEOUT:
            return events.TIMEOUT, (f"the cell took longer than {limits['wall_s']:g} s "
                                    f"(wall-clock limit) and was interrupted")
        if cell.outcome == events.CPU_LIMIT:
            return events.CPU_LIMIT, (f"the cell used more than {limits['cpu_s']:g} s of CPU "
                                      f"time and was interrupted")
        if cell.outcome == events.OUTPUT_LIMIT:
            return events.OUTPUT_LIMIT, (f"the cell produced more than "
                                         f"{fmt_bytes(limits['output_bytes'])} of output; "
                                         f"the rest was cut and the cell interrupted")
        if cell.outcome == events.CANCELLED:
            return events.CANCELLED, "interrupted"
        if child_status == "ok":
            return events.SUCCEEDED, "finished"
        detail = usercode.error_message(self.last_error) if self.last_error else str(ename)
        if ename == "MemoryError":
            return events.MEMORY_LIMIT, (f"the cell ran out of memory (the kernel's limit is "
                                         f"{fmt_bytes(limits['memory_bytes'])}): {detail}")
        return events.FAILED, detail

    def finish_cell(self, status, message):
        cell, self.cell = self.cell, None
        self.last_cell_id = cell.id
        self.idle_since = time.monotonic()
        self.say(events.event(
            "execute_result", cell_id=cell.id, execution_count=cell.count, status=status,
            message=message, duration_ms=round((self.idle_since - cell.started) * 1000, 1)))

    def on_exit(self):
        """The kernel process ended by itself (a crash, os._exit, its CPU budget)."""
        for fd in sorted(self.open_fds):
            while fd in self.open_fds and self.pump(fd):
                pass
        if self.pid is None:  # the last events restarted or ended it already
            return False
        status = self.end_process()
        why = _death(status, self.kernel["cpu_total_s"])
        if self.state == events.KERNEL_STARTING:
            return self.shut_down(f"the kernel could not start: {why}", killed=False)
        return self.restart(why, status=events.CPU_LIMIT if "CPU" in why else events.KILLED)

    # -- restart and shutdown ------------------------------------------------------------------------
    def restart(self, why, status=events.KILLED, asked=False):
        """A fresh kernel process; the running cell, if any, ends with ``status``, and the
        cells waiting behind it are not run (they expected the variables now gone)."""
        self.abort_queue("not run: the kernel was restarted")
        if self.cell is not None:
            outcome = self.cell.outcome
            if asked:
                status, why_cell = events.CANCELLED, "the kernel was restarted"
            elif outcome in (events.TIMEOUT, events.CPU_LIMIT, events.OUTPUT_LIMIT):
                status, why_cell = outcome, self.verdict(None, None)[1] + "; " + why
            else:
                why_cell = why
            self.finish_cell(status, why_cell)
        if self.pid is not None:
            self.end_process()
        self.set_state(events.KERNEL_RESTARTING,
                       why if asked else f"{why}; the kernel was restarted, its variables are gone")
        self.spawn()
        return False

    def shut_down(self, why, killed=True):
        self.abort_queue(f"not run: {why}")
        if self.cell is not None:
            self.finish_cell(events.KILLED, why)
        if self.pid is not None and killed:
            self.end_process()
        self.set_state(events.KERNEL_DEAD, why)
        return True

    def set_state(self, state, message=None, **extra):
        self.state = state
        fields = {"message": message} if message else {}
        self.say(events.event("kernel_status", state=state, **fields, **extra))

    def say(self, event):
        """An event of the zygote's own: it does not spend the kernel's event rate."""
        self.zygote.send({"op": "event", "run_id": self.run_id, "event": event})


def _death(status, cpu_total_s):
    """Why the kernel process ended, in words."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return f"the kernel used its {cpu_total_s:g} s of CPU time"
        try:
            return f"the kernel died ({signal.Signals(sig).name})"
        except ValueError:
            return f"the kernel died (signal {sig})"
    code = os.WEXITSTATUS(status)
    if code == child.EXIT_SETUP_FAILED:
        return "the sandbox could not set up the kernel (see stderr)"
    return f"the kernel exited (code {code})"
