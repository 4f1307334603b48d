"""The sandbox: runs untrusted code in an isolated, limited child and yields its events.

Server side: ``SandboxWorker`` (one warm worker process), ``run_in_sandbox`` (code in,
events out; what executors and a Celery task call), ``SandboxLimits``/``resolve_limits``.
Inside the sandbox: worker.py (the warm worker), child.py (one run), usercode.py,
displays.py, torch_alias.py, seccomp.py. See docs/security.md.
"""
from playground.sandbox.limits import SandboxLimits, resolve_limits
from playground.sandbox.service import SandboxWorker, run_in_sandbox

__all__ = ["SandboxLimits", "SandboxWorker", "resolve_limits", "run_in_sandbox"]
