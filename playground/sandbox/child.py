"""The run child: forked from the warm zygote, locks itself down, then runs the user's code.

Order matters: descriptors, limits and the uid drop happen before any user code, and a
failure in any of them ends the child without running it. Events leave on fd 3 as one JSON
object per line; fd 1 and 2 are the run's raw stdout and stderr.
"""
import ctypes
import io
import json
import os
import resource
import signal
import sys
import tempfile
import types

from playground.sandbox import displays, gpu, metrics, pacing, usercode

EVENT_FD = 3
CONTROL_FD = 4   # the inbound control channel: a kernel's (kernel.py), a run's (pacing.py)
# Exit codes the zygote reads back (the user can fake them only for their own run).
EXIT_OK, EXIT_USER_ERROR, EXIT_MEMORY, EXIT_SETUP_FAILED = 0, 1, 3, 70

PR_SET_PDEATHSIG = 1
_exit = os._exit  # taken now: user code replacing os._exit cannot keep the child alive
_FORBIDDEN_EVENTS = {
    "os.system", "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn",
    "subprocess.Popen", "pty.spawn",
}


def _write_event(event):
    for stream in (sys.stdout, sys.stderr):  # keep output before the event it precedes
        try:
            stream.flush()
        except Exception:
            pass
    data = (json.dumps(event, default=repr) + "\n").encode()
    try:
        while data:
            data = data[os.write(EVENT_FD, data):]
    except OSError:
        pass  # the user closed the event pipe: only their own run loses events


def _friendly_refusals(event, args):
    """Audit hook: a clear message where seccomp would only say EPERM (not the boundary)."""
    if event in _FORBIDDEN_EVENTS:
        raise PermissionError("the playground does not allow starting processes or programs")
    if event == "socket.__new__" and args[1] not in (-1, 1):  # family; 1 = AF_UNIX
        raise PermissionError("the playground has no network access")


def _setup_descriptors(stdout_fd, stderr_fd, event_fd, control_fd=None):
    devnull = os.open(os.devnull, os.O_RDONLY)
    pairs = [(devnull, 0), (stdout_fd, 1), (stderr_fd, 2), (event_fd, EVENT_FD)]
    if control_fd is not None:
        pairs.append((control_fd, CONTROL_FD))
    for src, dst in pairs:
        if src != dst:
            os.dup2(src, dst)
    os.closerange(pairs[-1][1] + 1, 1 << 16)  # nothing of the zygote survives: no pipes, files


def _apply_limits(limits, drop_uid, device="cpu"):
    def set_limit(which, soft, hard=None):
        resource.setrlimit(which, (int(soft), int(soft if hard is None else hard)))

    cpu = max(1, int(-(-limits["cpu_s"] // 1)))
    set_limit(resource.RLIMIT_CPU, cpu, cpu + 1)        # SIGXCPU, then SIGKILL a second later
    for which, value in gpu.rlimits(limits, device).items():  # RLIMIT_AS, or a GPU run's
        set_limit(which, value)
    set_limit(resource.RLIMIT_FSIZE, limits["file_size_bytes"])
    set_limit(resource.RLIMIT_NOFILE, limits["open_files"])
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_MSGQUEUE, 0)
    if drop_uid is not None:  # RLIMIT_NPROC counts per uid, so only meaningful on our own uid
        set_limit(resource.RLIMIT_NPROC, limits["threads"])


def _drop_privileges(uid):
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise RuntimeError("could not drop root")


def _fresh_randomness():
    """A forked child starts with its zygote's random state, so every run would draw the
    same numbers: reseed from the OS, as a fresh PyTorch process is seeded."""
    import random

    import numpy

    import engine
    random.seed()
    numpy.random.seed()
    engine.seed()


def lock_down(job, fds, config, seccomp_filter):
    """Everything between fork and the user's first line, for a run child and a kernel
    alike: ``fds`` are the child's ends of its pipes (stdout, stderr, events[, control])."""
    os.setsid()  # own session and process group: killed as a group, no terminal
    _fresh_randomness()
    _setup_descriptors(*fds)
    os.chdir(job["run_dir"])
    _apply_limits(job["limits"], config.get("uid"), job.get("device", "cpu"))
    if config.get("uid") is not None:
        _drop_privileges(config["uid"])
    elif os.geteuid() == 0:
        raise RuntimeError("refusing to run user code as root")
    # Die with the zygote (set after the uid change, which clears it).
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if seccomp_filter is not None:
        if job.get("device") != "cuda":  # only a GPU run may talk to the GPU driver
            seccomp_filter.deny_gpu_driver()
        seccomp_filter.load()
    os.environ.clear()
    _bind_plots(job)
    tempfile.tempdir = None  # recomputed: the private directory (the only writable place)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.stdin = open(os.devnull)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.addaudithook(_friendly_refusals)
    if job.get("device") == "cuda":  # CUDA starts here, in the run's process, never the zygote
        gpu.start_in_child(job["limits"])


def _bind_plots(job):
    """matplotlib draws into "display" events (plots.py), where the zygote imported it: not
    installed, a run that imports it gets the error itself (importing it here would cost
    every run a second)."""
    plots = sys.modules.get("playground.sandbox.plots")
    if plots is not None:
        plots.bind(_write_event, job["run_dir"], job["limits"]["max_event_bytes"])


def show_open_figures():
    """Like Jupyter's inline backend at the end of a cell: figures left open are shown."""
    plots = sys.modules.get("playground.sandbox.plots")
    if plots is None:
        return
    try:
        plots.show_open_figures()
    except Exception as exc:  # a figure that cannot be drawn is the user's error
        _write_event({"type": "error", **usercode.error_fields(exc)})


def user_namespace():
    """The namespace user code runs in: a real __main__ module, as a script's, so that pickle
    (torch.save of a model whose class the user defined) finds its classes."""
    main = types.ModuleType("__main__")
    main.__dict__.update(__builtins__=__builtins__, **displays.user_helpers(_write_event))
    sys.modules["__main__"] = main
    return main.__dict__


def run_piece(piece, namespace, pacer=None):
    """Run one piece of code; emit its display or error; return the child's exit code."""
    try:
        value = metrics.run_logged(usercode.run_cell, piece["code"], namespace, pacer)  # charts
    except SystemExit as exc:
        code = exc.code
        if code in (None, 0):
            return EXIT_OK
        fields = {"ename": "SystemExit", "evalue": str(code), "traceback": "", "line": None}
        _write_event({"type": "error", **fields})
        return EXIT_USER_ERROR
    except usercode.CellError as err:
        _write_event({"type": "error", **err.fields})
        return EXIT_MEMORY if isinstance(err.exc, MemoryError) else EXIT_USER_ERROR
    try:
        event = displays.display_event(value)
    except Exception as exc:  # a broken __repr__ is the user's error
        _write_event({"type": "error", **usercode.error_fields(exc)})
        return EXIT_USER_ERROR
    if event is not None:
        _write_event(event)
    return EXIT_OK


def main(piece, fds, config, seccomp_filter):
    """Entry point right after fork, for one run: ``piece`` is {"code", "limits",
    "run_dir"}. Never returns. (Notebook cells run in a kernel child: kernel.py.)"""
    status = EXIT_SETUP_FAILED
    try:
        lock_down(piece, fds, config, seccomp_filter)
        namespace = user_namespace()
        pacer = pacing.Pacer(CONTROL_FD, _write_event)   # paused, stepped, paced by its page
        pacer.install()
    except BaseException as exc:  # never run user code half locked down
        try:
            os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
        finally:
            _exit(EXIT_SETUP_FAILED)
    try:
        status = _run_guarded(piece, namespace, pacer)
        if status != EXIT_MEMORY:
            show_open_figures()
    finally:  # whatever happened, never fall back into the zygote's code
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        _exit(status)


def _run_guarded(piece, namespace, pacer=None):
    """run_piece, when even reporting the user's error fails (e.g. no memory left for it)."""
    try:
        return run_piece(piece, namespace, pacer)
    except MemoryError:
        return EXIT_MEMORY
    except BaseException:
        return EXIT_USER_ERROR
