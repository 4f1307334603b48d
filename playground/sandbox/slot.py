"""One sandbox slot: a warm zygote process (zygote.py, inside bwrap where available) kept
alive on this host, running one ``RunSpec`` at a time; and ``run_in_sandbox``: code in,
events out.

``SandboxSlot.run(spec)`` is a plain generator of events, so the local executor's threads
and a Celery worker's tasks call the same thing. A zygote that dies, hangs or talks
nonsense only ends the run it was running (as "killed"/"timeout") and is replaced.
"""
import fcntl
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import threading
import time
import uuid

from playground import events
from playground.sandbox import gpu, isolation, protocol
from playground.sandbox.limits import SandboxLimits
from playground.sandbox.spec import RunSpec

log = logging.getLogger("playground.sandbox")

READY_TIMEOUT_S = 60.0       # a cold zygote imports NumPy and the engine
GRACE_S = 5.0                # beyond the wall limit before the slot kills the zygote itself
CANCEL_GRACE_S = 0.8         # the zygote has this long to confirm a cancel
MAX_ZYGOTE_LINE = 32 << 20
MAX_EARLY_CONTROLS = 50      # control messages kept for a run not started yet
DEFAULT_UID_BASE = 61000     # runs use uid DEFAULT_UID_BASE + slot (or the next free one) as root


UID_LOCK_DIR = "/run/tensor-playground-uids"
UID_RANGE = 4096


class _UidClaim:
    """An exclusive, host-wide claim on one unprivileged uid, held while the fd is open.

    A run's cleanup kills every process of its uid (kill(-1) as that uid), so no two
    slots on a host, in this process or any other (web processes, Celery workers), may
    share one. The kernel drops the lock when its holder dies, so claims never go stale.
    """

    def __init__(self, uid, fd):
        self.uid, self.fd = uid, fd


def _claim_uid(preferred):
    os.makedirs(UID_LOCK_DIR, mode=0o700, exist_ok=True)
    for offset in range(UID_RANGE):
        uid = preferred + offset
        fd = os.open(os.path.join(UID_LOCK_DIR, f"{uid}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return _UidClaim(uid, fd)
    raise RuntimeError(f"no free sandbox uid in {preferred}..{preferred + UID_RANGE - 1}")


class SandboxSlot:
    """One warm zygote process (inside bwrap where available), restarted when it dies.

    ``isolation_tier`` and ``uid_base`` come from the caller (the run policy's settings):
    the sandbox reads no configuration of its own."""

    def __init__(self, slot=0, isolation_tier="auto", *, uid_base=DEFAULT_UID_BASE,
                 seccomp=True):
        self.slot = slot
        self.uid_base = uid_base
        self.seccomp = seccomp  # False only to test the layers beneath it
        self.launch = isolation.choose(isolation_tier)
        self.lock = threading.Lock()      # guards writes to the zygote's stdin
        self.busy = threading.Lock()      # one run at a time, whoever calls run()
        self.process = None
        self.reader = None
        self.sandbox = None
        self.current_run = None
        self.cancelled_ids = set()        # cancels that may arrive before their run starts
        self.early_controls = {}          # run_id -> control messages sent before it started
        self.uid_claim = None             # this host's lock on the uid our runs use
        self.start()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self):
        privileged = os.geteuid() == 0
        if privileged and self.uid_claim is None:
            self.uid_claim = _claim_uid(self.uid_base + self.slot)
        self.runs_dir = self.launch.runs_dir()
        config = {"runs_dir": self.runs_dir, "sandbox": self.launch.layers,
                  "uid": self.uid_claim.uid if privileged else None, "seccomp": self.seccomp}
        self.process = self.launch.popen(
            self.launch.command + [json.dumps(config)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, cwd="/", close_fds=True, start_new_session=True)
        os.set_blocking(self.process.stdout.fileno(), False)
        self.reader = protocol.LineReader(self.process.stdout.fileno(), MAX_ZYGOTE_LINE)
        self.pending = []
        self.sandbox = None

    def wait_ready(self):
        if self.sandbox is not None:
            return
        deadline = time.monotonic() + READY_TIMEOUT_S
        while self.sandbox is None:
            message = self._next(deadline)
            if message is None:
                self.restart()
                raise RuntimeError("the sandbox worker did not start (see the server log)")
            if message.get("op") == "ready":
                self.sandbox = message.get("sandbox") or {}
                for problem in message.get("problems") or ():
                    log.warning("sandbox worker %d: %s", self.slot, problem)
                log.log(logging.WARNING if self.sandbox.get("missing") else logging.INFO,
                        "sandbox worker %d ready: %s", self.slot, describe_layers(self.sandbox))

    def stop(self):
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # bwrap and all it started
            except ProcessLookupError:
                pass
        if self.process:
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:  # a write the dead zygote never read is still buffered
                    pass
        self.process = None
        if self.launch.tier != "bwrap":  # inside bwrap it was a tmpfs, gone with the zygote
            shutil.rmtree(self.runs_dir, ignore_errors=True)
        if self.uid_claim is not None:  # every process of that uid is gone: free it
            os.close(self.uid_claim.fd)
            self.uid_claim = None

    def restart(self):
        self.stop()
        self.start()

    # -- protocol -----------------------------------------------------------------------------
    def _send(self, message):
        data = (json.dumps(message) + "\n").encode()
        with self.lock:
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
                return True
            except (OSError, ValueError, AttributeError):
                return False

    def _next(self, deadline):
        """The next message from the zygote; None on EOF or when ``deadline`` passed."""
        while not self.pending:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                return None
            fd = self.reader.fd
            if not select.select([fd], [], [], timeout)[0]:
                continue
            for line in self.reader.read_lines(1 << 20):
                try:
                    message = json.loads(line)
                except ValueError:
                    log.warning("sandbox worker %d sent a malformed line", self.slot)
                    continue
                if isinstance(message, dict):
                    self.pending.append(message)
            if self.reader.eof and not self.pending:
                return None
        return self.pending.pop(0)

    # -- a run --------------------------------------------------------------------------------
    def cancel(self, run_id):
        """Ask the zygote to stop ``run_id`` now; run() enforces it if the zygote does not."""
        with self.lock:
            self.cancelled_ids.add(run_id)
            current = self.current_run
        if current is None or current[0] != run_id:
            return False
        current[1] = time.monotonic()
        return self._send({"op": "cancel", "run_id": run_id})

    def control(self, run_id, message):
        """Hand the run ``run_id`` a control message (pause, resume, step, speed: checked by
        the zygote, pacing.py); one sent before the run reached the zygote follows it there.
        False when the zygote cannot be told."""
        with self.lock:
            current = self.current_run
            if current is None or current[0] != run_id:
                early = self.early_controls.setdefault(run_id, [])
                if len(early) < MAX_EARLY_CONTROLS:
                    early.append(message)
                return True
        return self._send({"op": "control", "run_id": run_id, "message": message})

    def run(self, spec):
        """Yield the events of the run ``spec`` describes, ending with exactly one "finished"."""
        with self.busy:
            gate = gpu.gate()  # one GPU run per device at a time (a setting); the CPU is free
            gate.acquire(spec.device)
            try:
                yield from self._run(spec)
            finally:
                gate.release(spec.device)

    def _run(self, spec):
        run_id, limits = spec.run_id, spec.limits
        started = time.monotonic()
        if self.process is None or self.process.poll() is not None:
            log.warning("sandbox worker %d had died while idle; starting a new one", self.slot)
            self.restart()  # between runs: the next run must not pay for it
        try:
            self.wait_ready()
        except RuntimeError as exc:
            yield events.event("finished", status=events.KILLED, message=str(exc),
                               duration_ms=None)
            return
        # The zygote stops the wall clock while the run is held (paused or paced by its
        # page), for at most held_s in all, and says so (run_state): silent past the wall
        # clock, the time it said it held the run and a grace, it is hung.
        deadline = started + limits.wall_s + GRACE_S
        retire = False
        try:
            if not self._send({"op": "run", "run_id": run_id, "code": spec.code,
                               "device": spec.device, "limits": limits.to_dict()}):
                raise _ZygoteLost("the sandbox worker is gone")
            with self.lock:
                self.current_run = [run_id, None]  # [id, when a cancel was asked]
                cancelled_early = run_id in self.cancelled_ids
                # Ours; any other is stale (a run that ended as its message came).
                early, self.early_controls = self.early_controls.get(run_id, ()), {}
            for message in early:
                self._send({"op": "control", "run_id": run_id, "message": message})
            if cancelled_early:
                self.cancel(run_id)
            while True:
                cancel_at = self.current_run[1]
                wait_until = deadline if cancel_at is None else min(deadline,
                                                                    cancel_at + CANCEL_GRACE_S)
                message = self._next(wait_until)
                if message is None:
                    if self.current_run[1] is not None:
                        raise _ZygoteLost("cancel", events.CANCELLED, "the run was cancelled")
                    if time.monotonic() >= deadline:
                        raise _ZygoteLost("hang", events.TIMEOUT,
                                          "the sandbox stopped responding and was restarted")
                    raise _ZygoteLost("the sandbox worker died unexpectedly")
                if message.get("op") == "retire":  # its tmpfs could not be cleaned
                    log.warning("sandbox worker %d retires: %s", self.slot, message.get("reason"))
                    retire = True
                if message.get("op") != "event" or message.get("run_id") != run_id:
                    continue
                event = protocol.parse_service_event(message.get("event"))
                if event is None:
                    continue
                if event["type"] == "run_state":
                    holding = event["state"] != events.RUN_RUNNING or event["pace_s"] > 0
                    deadline = started + limits.wall_s + GRACE_S + (
                        limits.held_s if holding else event["held_s"])
                yield event
                if event["type"] == "finished":
                    if retire:  # nothing a run left may reach the next one: a fresh sandbox
                        self.restart()
                    return
        except _ZygoteLost as lost:
            log.warning("sandbox worker %d lost during run %s: %s", self.slot, run_id,
                        lost.args[0])
            self.restart()
            yield events.event("finished", status=lost.status, message=lost.message,
                               duration_ms=round((time.monotonic() - started) * 1000, 1))
        finally:
            with self.lock:
                self.current_run = None
                self.cancelled_ids.discard(run_id)
                self.early_controls.pop(run_id, None)


def describe_layers(sandbox):
    """One line for the log: which isolation layers are on, and what is missing."""
    on = [name for name in ("bubblewrap", "private_filesystem", "network_namespace",
                            "pid_namespace", "seccomp", "rlimits") if sandbox.get(name)]
    uid = sandbox.get("unprivileged_uid")
    on.append(f"uid {uid}" if uid is not None else "no uid drop")
    missing = "; ".join(sandbox.get("missing") or ()) or "nothing"
    return f"tier {sandbox.get('tier')}, active: {', '.join(on)}; missing: {missing}"


class _ZygoteLost(Exception):
    def __init__(self, reason, status=events.KILLED, message=None):
        super().__init__(reason)
        self.status = status
        self.message = message or reason


_process_slot = None
_process_slot_lock = threading.Lock()


def run_in_sandbox(code, limits=None, *, run_id=None, device="cpu", slot=None):
    """Run ``code`` in a sandbox and yield its events (no run_id added).

    ``limits``: a SandboxLimits, or overrides of its defaults. For callers without a pool
    (a script, a test): one warm slot per process is started on first use and kept.
    """
    global _process_slot
    if not isinstance(limits, SandboxLimits):
        limits = SandboxLimits().with_overrides(limits)
    if slot is None:
        with _process_slot_lock:
            if _process_slot is None:
                _process_slot = SandboxSlot()
            slot = _process_slot
    yield from slot.run(RunSpec(run_id=run_id or uuid.uuid4().hex, code=code, limits=limits,
                                device=device))
