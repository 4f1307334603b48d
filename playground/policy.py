"""The run policy, in one place: which devices and run kinds exist, how large code may be,
how many runs a client may have, the limits each kind of run gets, and how many sandboxes
this host keeps warm.

    from playground import policy
    p = policy.current()              # a frozen Policy: Django settings read once
    p.device("cuda").label            # "GPU"
    p.limits_for("training")          # a SandboxLimits
    spec = policy.run_spec(code, kind="training", client="user:1")   # a RunSpec

Without Django configured (a script, the sandbox tests) the defaults below apply. Settings
override them (playground/settings.py reads each from the environment); when a test
changes one (override_settings, pytest-django's ``settings``), Django's setting_changed
signal drops the cached Policy and the next ``current()`` reads them again. Which devices
can take runs right now is not policy but the executor's answer: ``capabilities()``.
"""
import os
import threading
import uuid
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from playground.sandbox.limits import KernelLimits, MiB, SandboxLimits
from playground.sandbox.slot import DEFAULT_UID_BASE
from playground.sandbox.spec import RunSpec


@dataclass(frozen=True)
class Device:
    name: str    # what runs, the API and the engine call it
    label: str   # what pages and messages call it
    queue: str   # the Celery queue its worker hosts consume (scaled out)


DEVICES = (Device("cpu", "CPU", "cpu"), Device("cuda", "GPU", "gpu"))
DEFAULT_DEVICE = "cpu"

# Run kinds and how their limits differ from SandboxLimits' defaults.
LIMIT_PROFILES = {
    "snippet": {},
    "api": {},
    "training": {"wall_s": 600.0, "cpu_s": 600.0, "output_bytes": 4 * MiB, "held_s": 900.0},
    # A notebook kernel: wall_s, cpu_s and output_bytes count per cell (each cell gets a
    # snippet's); memory and the other limits hold for the kernel process.
    "notebook": {},
}
# Kinds a run cannot be asked for: a notebook kernel's cells come through the kernel protocol.
NOT_REQUESTABLE = frozenset({"notebook"})


@dataclass(frozen=True)
class Policy:
    devices: tuple = DEVICES
    # kind -> overrides of SandboxLimits; settings.PLAYGROUND_LIMITS adds to them per kind
    limit_profiles: MappingProxyType = field(
        default_factory=lambda: MappingProxyType(LIMIT_PROFILES))
    max_code_bytes: int = 64 * 1024
    # The site's quotas (counted in the database, so they hold across web processes).
    active_runs_per_client: int = 3
    active_runs_per_address: int = 12   # whatever sessions it comes with (a classroom)
    runs_per_minute: int = 30
    # Long runs (a kind whose wall time is longer than a snippet's, e.g. "training") hold a
    # sandbox for minutes: at most this many queued or running per client, and never more
    # than half of the pool's slots at once (the rest stays free for quick runs).
    long_runs_per_client: int = 1
    # The embedded layout: which executor, how many sandboxes this host keeps warm, and how
    # the local pool shares them (a direct caller of the pool meets these limits too).
    executor: str = "local"
    pool_size: int = 0                  # 0: one per CPU core
    queue_max: int = 100
    running_per_client: int = 2
    queued_per_client: int = 5
    sandbox_isolation: str = "auto"     # see playground/sandbox/isolation.py
    sandbox_uid_base: int = DEFAULT_UID_BASE
    # Notebook kernels (embedded, and on each Celery worker host): each holds a sandbox of
    # its own beside the run slots, never one of them; at most kernels_max on a host (0: four
    # per run slot; an idle kernel costs about 30 MB, a busy one up to its memory limit).
    kernels_max: int = 0
    kernels_per_client: int = 2
    kernel_limits: KernelLimits = KernelLimits()

    @property
    def kernel_slots(self):
        """Notebook kernels this host runs at once (embedded)."""
        return self.kernel_slots_beside(self.slots)

    def kernel_slots_beside(self, run_slots):
        """Notebook kernels a host with ``run_slots`` run slots runs at once."""
        return self.kernels_max or 4 * max(1, run_slots)

    @property
    def device_names(self):
        return tuple(d.name for d in self.devices)

    @property
    def kinds(self):
        return tuple(self.limit_profiles)

    @property
    def run_kinds(self):
        """The kinds a caller may ask for (the page, the API): not a kernel's."""
        return tuple(k for k in self.limit_profiles if k not in NOT_REQUESTABLE)

    @property
    def long_kinds(self):
        """Kinds whose runs may last longer than a snippet: the long-run quota counts them."""
        short = self.limits_for("snippet").wall_s
        return tuple(k for k in self.run_kinds if self.limits_for(k).wall_s > short)

    @property
    def long_run_slots(self):
        """Long runs at once on the whole site: half the pool's slots, at least one."""
        return max(1, self.slots // 2)

    @property
    def slots(self):
        """Sandboxes the local pool keeps warm: runs at once on this host."""
        return self.pool_size or os.cpu_count() or 1

    def device(self, name):
        for device in self.devices:
            if device.name == name:
                return device
        raise ValueError(f"unknown device {name!r}; use one of {', '.join(self.device_names)}")

    def limits_for(self, kind="snippet", overrides=None):
        """The limits of a run of ``kind``: its profile, then ``overrides`` (ValueError for an
        unknown kind, an unknown limit or a bad value)."""
        if kind not in self.limit_profiles:
            raise ValueError(f"unknown run kind {kind!r}; known kinds: {', '.join(self.kinds)}")
        return SandboxLimits().with_overrides(self.limit_profiles[kind]).with_overrides(overrides)


DEFAULTS = Policy()

# Policy field -> the Django setting that overrides it.
SETTINGS = {
    "max_code_bytes": "PLAYGROUND_MAX_CODE_BYTES",
    "active_runs_per_client": "PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT",
    "active_runs_per_address": "PLAYGROUND_MAX_ACTIVE_RUNS_PER_ADDRESS",
    "runs_per_minute": "PLAYGROUND_RUNS_PER_MINUTE",
    "long_runs_per_client": "PLAYGROUND_MAX_LONG_RUNS_PER_CLIENT",
    "executor": "PLAYGROUND_EXECUTOR",
    "pool_size": "PLAYGROUND_POOL_SIZE",
    "queue_max": "PLAYGROUND_QUEUE_MAX",
    "running_per_client": "PLAYGROUND_CLIENT_MAX_RUNNING",
    "queued_per_client": "PLAYGROUND_CLIENT_MAX_QUEUED",
    "sandbox_isolation": "PLAYGROUND_SANDBOX_ISOLATION",
    "sandbox_uid_base": "PLAYGROUND_SANDBOX_UID_BASE",
    "kernels_max": "PLAYGROUND_KERNELS_MAX",
    "kernels_per_client": "PLAYGROUND_KERNELS_PER_CLIENT",
}
LIMITS_SETTING = "PLAYGROUND_LIMITS"
KERNEL_LIMITS_SETTING = "PLAYGROUND_KERNEL_LIMITS"   # overrides of KernelLimits

_current = None
_lock = threading.Lock()


def from_settings(settings):
    """The Policy ``settings`` (a Django settings object) give: defaults where unset."""
    values = {name: getattr(settings, setting) for name, setting in SETTINGS.items()
              if hasattr(settings, setting)}
    profiles = {kind: dict(profile) for kind, profile in LIMIT_PROFILES.items()}
    for kind, overrides in (getattr(settings, LIMITS_SETTING, None) or {}).items():
        profiles.setdefault(kind, {}).update(overrides)
    kernel = KernelLimits.from_dict(getattr(settings, KERNEL_LIMITS_SETTING, None) or {})
    return replace(DEFAULTS, limit_profiles=MappingProxyType(profiles), kernel_limits=kernel,
                   **values)


def current():
    """The policy in force: Django's settings when configured, else the defaults."""
    global _current
    with _lock:
        if _current is None:
            _current = _read()
        return _current


def refresh():
    """Forget the cached policy; the next ``current()`` reads the settings again."""
    global _current
    with _lock:
        _current = None


def _read():
    try:
        from django.conf import settings
    except ImportError:
        return DEFAULTS
    return from_settings(settings) if settings.configured else DEFAULTS


def resolve_limits(kind="snippet", overrides=None):
    """The limits of a run of ``kind`` under the current policy (see Policy.limits_for)."""
    return current().limits_for(kind, overrides)


def run_spec(code, *, run_id=None, device=DEFAULT_DEVICE, kind="snippet", client="anon",
             limits=None, notebook_session=None):
    """The RunSpec of a run: checked against the policy, its limits resolved. A caller's
    mistake (not a str, an unknown device or kind, bad limit overrides) raises."""
    if not isinstance(code, str):
        raise TypeError(f"code must be a str, not {type(code).__name__}")
    p = current()
    p.device(device)
    return RunSpec(run_id=uuid.uuid4().hex if run_id is None else str(run_id), code=code,
                   limits=p.limits_for(kind, limits), device=device, kind=kind,
                   client=str(client), notebook_session=notebook_session)


def _on_setting_changed(setting, **_):
    if setting in (LIMITS_SETTING, KERNEL_LIMITS_SETTING) or setting in SETTINGS.values():
        refresh()


try:
    from django.core.signals import setting_changed
except ImportError:  # the policy works without Django (its defaults)
    pass
else:
    setting_changed.connect(_on_setting_changed, dispatch_uid="playground.policy")
