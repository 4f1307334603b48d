"""Per-run limits: what the sandbox enforces on one run, and how overrides are checked.

The mechanism only: which kind of run gets which limits is the run policy's business
(playground/policy.py), which hands the sandbox a resolved ``SandboxLimits``.
"""
from dataclasses import asdict, dataclass, fields, replace

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class SandboxLimits:
    wall_s: float = 30.0                 # wall-clock time, enforced by the zygote (SIGKILL)
    cpu_s: float = 30.0                  # CPU seconds (RLIMIT_CPU, all threads together)
    memory_bytes: int = 2 * GiB          # address space (RLIMIT_AS); a GPU run's data (gpu.py)
    gpu_memory_bytes: int = 4 * GiB      # a GPU run's CuPy memory-pool limit (gpu.py)
    output_bytes: int = 1 * MiB          # stdout + stderr + event bytes, then cut and stopped
    events_per_s: int = 50               # events a second leaving the sandbox (then batched)
    open_files: int = 64                 # RLIMIT_NOFILE
    file_size_bytes: int = 16 * MiB      # RLIMIT_FSIZE: largest file the run may write
    threads: int = 64                    # RLIMIT_NPROC for the run's own uid (threads count)
    max_event_bytes: int = 512 * 1024    # one event line from the child; longer ones are dropped
    metric_points: int = 200_000         # metric points a run may log (not counted as output)
    held_s: float = 120.0                # time a run may spend paused or slowed by its page,
                                         # in all (off the wall clock; then it runs on freely)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls().with_overrides(data)

    def with_overrides(self, overrides):
        """A copy with ``overrides`` applied; unknown keys and bad values raise ValueError."""
        if not overrides:
            return self
        if not isinstance(overrides, dict):
            raise ValueError(f"limits must be a dict, not {type(overrides).__name__}")
        known = {f.name: f.type for f in fields(self)}
        changes = {}
        for key, value in overrides.items():
            if key not in known:
                raise ValueError(f"unknown limit {key!r}; known limits: {', '.join(known)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"limit {key!r} must be a positive number, not {value!r}")
            if value == float("inf"):
                raise ValueError(f"limit {key!r} must be finite")
            changes[key] = float(value) if known[key] in (float, "float") else int(value)
        return replace(self, **changes)


@dataclass(frozen=True)
class KernelLimits:
    """What a notebook kernel gets besides the SandboxLimits of its process and cells (whose
    wall_s, cpu_s and output_bytes count per cell). Enforced by the zygote (kernel_host.py)."""
    lifetime_s: float = 4 * 3600.0       # then the kernel is shut down, whatever it does
    idle_s: float = 20 * 60.0            # no cell for this long: shut down, with a note
    input_wait_s: float = 10 * 60.0      # one input() waiting for the page; then end of file
    interrupt_grace_s: float = 3.0       # an interrupted cell that goes on is killed, kernel too
    cpu_total_s: float = 30 * 60.0       # CPU seconds of the kernel process in all (RLIMIT_CPU)

    @classmethod
    def from_dict(cls, data):
        """Checked as SandboxLimits are: unknown names and non-positive values raise."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown kernel limit {unknown[0]!r}; known: {', '.join(known)}")
        for key, value in data.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    0 < value < float("inf")):
                raise ValueError(f"kernel limit {key!r} must be a positive number, not {value!r}")
        return cls(**{k: float(v) for k, v in data.items()})
