"""The sandbox: runs untrusted code in an isolated, limited child and yields its events.

Server side: ``SandboxSlot`` (one warm zygote process, running one ``RunSpec`` at a time),
``KernelSlot`` (one holding a notebook kernel), ``run_in_sandbox`` (code in, events out,
for scripts and tests), ``SandboxLimits``, ``KernelLimits``, ``RunSpec``, devices.py (which
devices this host's sandbox can use).
Inside the sandbox: zygote.py (the warm process), relay.py (what it does for each child),
kernel_host.py (a kernel's supervisor), child.py (one run), kernel.py (a kernel),
usercode.py, displays.py, metrics.py, torch_alias.py, seccomp.py. See docs/security.md.

Nothing here reads Django settings or imports the rest of the site: only this package,
playground/events.py and the engine are mounted inside bubblewrap.
"""
from playground.sandbox.limits import SandboxLimits
from playground.sandbox.slot import SandboxSlot, run_in_sandbox
from playground.sandbox.spec import RunSpec

__all__ = ["RunSpec", "SandboxLimits", "SandboxSlot", "run_in_sandbox"]
