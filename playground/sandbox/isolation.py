"""How a zygote (the warm process of a sandbox slot) is started: the strongest isolation
this host offers, said out loud.

Tiers, tried in order (PLAYGROUND_SANDBOX_ISOLATION, handed down by the executor, forces one):
  bwrap    bubblewrap: private filesystem view (only Python, NumPy and the engine, read-only;
           a small tmpfs for run directories), and new network, PID, IPC and UTS namespaces
  unshare  util-linux unshare: network, PID and IPC namespaces, but the host's filesystem
  none     a plain process: rlimits, seccomp and the uid drop only
The zygote adds seccomp and the uid drop; every tier keeps every layer it can.
"""
import functools
import importlib.util
import io
import logging
import marshal
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

from playground.sandbox import gpu

log = logging.getLogger("playground.sandbox")

REPO = Path(__file__).resolve().parent.parent.parent
# Inside bwrap the engine and this package are one zip file, copied in (never bound from the
# checkout: a bind mount names its source in /proc/self/mountinfo), and bwrap reads its own
# arguments from a descriptor (its command line is /proc/1/cmdline there): no host path shows.
SANDBOX_LIB = "/opt/playground/lib.zip"
LIBRARY = ("engine", "playground/__init__.py", "playground/events.py", "playground/sandbox")
RUNS_DIR_IN_BWRAP = "/tmp/runs"
TMPFS_BYTES = 256 << 20            # every run directory of one zygote together
WORKER_ENV = {
    "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin",
    # Small BLAS thread pools and malloc arenas: the engine must work under RLIMIT_AS.
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1",
}
TIERS = ("bwrap", "unshare", "none")
WORKER_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE",
               "CAP_KILL")


def _bootstrap(lib_dir):
    return ("import sys; sys.path.insert(0, %r); "
            "from playground.sandbox.zygote import main; main()" % lib_dir)


def _python_dirs():
    """Directories the interpreter and its packages live in, outside /usr."""
    import numpy
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix,
            str(Path(numpy.__file__).resolve().parent.parent)}
    dirs = sorted(d for d in dirs if d and d != "/usr" and not d.startswith("/usr/"))
    return [d for d in dirs if not any(d.startswith(o + "/") for o in dirs if o != d)]


def bwrap_command(python):
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr"]
    if os.geteuid() == 0:
        # The zygote keeps only what it needs: set up the run's uid and directory, and kill
        # what the run left. No CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE...
        args += ["--cap-drop", "ALL"]
        for cap in WORKER_CAPS:
            args += ["--cap-add", cap]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    made = set()

    def bind(src, dst):
        # Parents readable by the run's uid (bwrap copies modes such as /root's 0700).
        for parent in reversed(Path(dst).parents[:-1]):
            if parent not in made:
                made.add(parent)
                args.extend(["--perms", "0755", "--dir", str(parent)])
        args.extend(["--ro-bind", str(src), str(dst)])

    for d in _python_dirs():
        bind(d, d)
    # Only the engine and the sandbox code itself (LIBRARY): no settings, database or other
    # apps. LIBRARY_FD is a placeholder for the descriptor Launch.popen hands bwrap.
    args += ["--perms", "0755", "--dir", str(Path(SANDBOX_LIB).parent),
             "--perms", "0444", "--ro-bind-data", LIBRARY_FD, SANDBOX_LIB]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += gpu.bwrap_args() if gpu.served() else []  # the GPU profile's nodes, only those
    args += ["--perms", "0755", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
             "--perms", "0711", "--dir", RUNS_DIR_IN_BWRAP,
             "--chdir", "/tmp", "--clearenv"]
    for key, value in WORKER_ENV.items():
        args += ["--setenv", key, value]
    return args + ["--", python, "-I", "-B", "-c", _bootstrap(SANDBOX_LIB)]


LIBRARY_FD = "{library_fd}"


_library_lock = threading.Lock()  # every slot starts at once: build it once


def library_zip():
    """LIBRARY as the bytes of a zip file: each module's source (for tracebacks) and its
    bytecode, compiled once here for every zygote this process starts (zipimport reads a
    ``.pyc`` beside its ``.py``; an unchecked hash-based one, so no timestamps need agree).
    Another interpreter version than ours ignores the bytecode and compiles the source."""
    with _library_lock:
        return _library_zip()


@functools.lru_cache(maxsize=1)
def _library_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for entry in LIBRARY:
            path = REPO / entry
            files = sorted(path.rglob("*")) if path.is_dir() else [path]
            for file in files:
                if not file.is_file() or "__pycache__" in file.parts or file.suffix == ".pyc":
                    continue
                name = str(file.relative_to(REPO))
                data = file.read_bytes()
                archive.writestr(name, data)
                if file.suffix == ".py":
                    archive.writestr(name + "c", _bytecode(data, f"{SANDBOX_LIB}/{name}"))
    return buffer.getvalue()


def _bytecode(source, filename):
    code = compile(source, filename, "exec", dont_inherit=True)
    flags = 0b01  # hash-based, source not checked
    return (importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little")
            + importlib.util.source_hash(source) + marshal.dumps(code))


def _memfd(name, data):
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def unshare_command(python):
    return ["unshare", "--net", "--ipc", "--uts", "--pid", "--fork", "--kill-child",
            "--mount", "--mount-proc", "--", python, "-I", "-B", "-c", _bootstrap(str(REPO))]


def plain_command(python):
    return [python, "-I", "-B", "-c", _bootstrap(str(REPO))]


LAYERS = {
    "bwrap": {"bubblewrap": True, "private_filesystem": True, "network_namespace": True,
              "pid_namespace": True},
    "unshare": {"bubblewrap": False, "private_filesystem": False, "network_namespace": True,
                "pid_namespace": True},
    "none": {"bubblewrap": False, "private_filesystem": False, "network_namespace": False,
             "pid_namespace": False},
}
MISSING = {
    "bubblewrap": "bubblewrap (apt install bubblewrap): the run can see the host's files "
                  "that its unprivileged uid may read",
    "network_namespace": "network namespace: sockets are refused by seccomp only",
    "pid_namespace": "PID namespace: the run can see the host's process list",
}


class Launch:
    """How to start one zygote: its command, environment, cwd and the layers it gives."""

    def popen(self, command, **kwargs):
        """Start ``command`` (self.command, its Python's arguments changed or extended) in
        this tier. bwrap gets its arguments and the library on descriptors."""
        if self.tier != "bwrap":
            return subprocess.Popen(command, env=self.env, **kwargs)
        library = _memfd("playground-library", library_zip())
        split = command.index("--")  # bwrap's options on a descriptor, the program after them
        options = [a.replace(LIBRARY_FD, str(library)) for a in command[1:split]]
        listing = _memfd("bwrap-args", b"".join(a.encode() + b"\0" for a in options))
        try:
            return subprocess.Popen([command[0], "--args", str(listing)] + command[split:],
                                    env=self.env, pass_fds=(library, listing), **kwargs)
        finally:
            os.close(library)
            os.close(listing)

    def __init__(self, tier, python):
        self.tier = tier
        self.python = python
        self.command = {"bwrap": bwrap_command, "unshare": unshare_command,
                        "none": plain_command}[tier](python)
        self.env = dict(WORKER_ENV)  # bwrap too: not even its monitor holds our secrets
        privileged = os.geteuid() == 0
        self.layers = dict(LAYERS[tier], rlimits=True)
        self.layers["tier"] = tier
        self.layers["missing"] = [MISSING[k] for k, on in LAYERS[tier].items()
                                  if not on and k in MISSING]
        if not privileged:
            self.layers["missing"].append("uid drop: the service does not run as root, so "
                                          "runs share its uid")

    def runs_dir(self):
        if self.tier == "bwrap":
            return RUNS_DIR_IN_BWRAP
        path = tempfile.mkdtemp(prefix="playground-runs-")
        os.chmod(path, 0o711)  # runs may enter their own directory, not list the others
        return path


def _works(launch):
    probe = launch.command[:-2] + ["-c", "import numpy"]  # same sandbox, trivial payload
    try:
        process = launch.popen(probe, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    except OSError:
        return False
    try:
        return process.wait(timeout=30) == 0
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


_choose_lock = threading.Lock()


def choose(requested="auto", python=None):
    """The Launch for ``requested`` ("auto" = strongest that works here); logs what is missing."""
    with _choose_lock:  # every slot asks at once; probe and log once
        return _choose(requested, python or sys.executable)


@functools.lru_cache(maxsize=None)
def _choose(requested, python):
    if requested not in ("auto",) + TIERS:
        raise ValueError(f"unknown sandbox isolation {requested!r}; use auto, "
                         f"{', '.join(TIERS)}")
    tiers = TIERS if requested == "auto" else (requested,)
    for tier in tiers:
        if tier != "none" and shutil.which(tier) is None:
            log.warning("sandbox: %s is not installed", tier)
            continue
        launch = Launch(tier, python)
        if tier == "none" or _works(launch):
            break
        log.warning("sandbox: %s is installed but does not work on this host", tier)
    else:
        raise RuntimeError(f"sandbox isolation {requested!r} is not available on this host")
    log.info("sandbox: isolation tier %s", tier)
    for missing in launch.layers["missing"]:
        log.warning("sandbox: missing layer: %s", missing)
    return launch
