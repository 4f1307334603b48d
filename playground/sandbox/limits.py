"""Per-run limits: defaults per run kind, overridable from Django settings and per run.

Works without Django: ``resolve_limits`` reads ``settings.PLAYGROUND_LIMITS`` only when
Django is configured, else uses the defaults below.
"""
from dataclasses import asdict, dataclass, fields, replace

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class SandboxLimits:
    wall_s: float = 30.0                 # wall-clock time, enforced by the worker (SIGKILL)
    cpu_s: float = 30.0                  # CPU seconds (RLIMIT_CPU, all threads together)
    memory_bytes: int = 2 * GiB          # address space (RLIMIT_AS)
    output_bytes: int = 1 * MiB          # stdout + stderr + event bytes, then cut and stopped
    events_per_s: int = 50               # events a second leaving the sandbox (then batched)
    open_files: int = 64                 # RLIMIT_NOFILE
    file_size_bytes: int = 16 * MiB      # RLIMIT_FSIZE: largest file the run may write
    threads: int = 64                    # RLIMIT_NPROC for the run's own uid (threads count)
    max_event_bytes: int = 512 * 1024    # one event line from the child; longer ones are dropped
    metric_points: int = 200_000         # metric points a run may log (not counted as output)

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


# Run kinds and how they differ from the defaults above.
DEFAULT_PROFILES = {
    "snippet": {},
    "api": {},
    "training": {"wall_s": 600.0, "cpu_s": 600.0, "output_bytes": 4 * MiB},
}


def setting(name, default):
    """``settings.<name>`` when Django is configured, else ``default`` (plain Python works)."""
    try:
        from django.conf import settings
        if settings.configured:
            return getattr(settings, name, default)
    except ImportError:
        pass
    return default


def resolve_limits(kind="snippet", overrides=None):
    """Limits for a run of ``kind``: defaults, then settings.PLAYGROUND_LIMITS, then ``overrides``."""
    profiles = {k: dict(v) for k, v in DEFAULT_PROFILES.items()}
    for name, profile in (setting("PLAYGROUND_LIMITS", None) or {}).items():
        profiles.setdefault(name, {}).update(profile)
    if kind not in profiles:
        raise ValueError(f"unknown run kind {kind!r}; known kinds: {', '.join(profiles)}")
    return SandboxLimits().with_overrides(profiles[kind]).with_overrides(overrides)
