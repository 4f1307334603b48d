"""One run as it travels down to the sandbox: built once where the run is created (the run
policy's ``run_spec``), passed unchanged through the executor (a Celery task carries it as
a dict) to ``SandboxSlot.run``.
"""
from dataclasses import asdict, dataclass

from playground.sandbox.limits import SandboxLimits


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    code: str
    limits: SandboxLimits             # resolved: the run kind's profile and any overrides
    device: str = "cpu"
    kind: str = "snippet"
    client: str = "anon"              # whose run it is, for fair scheduling
    notebook_session: str | None = None  # a kernel's spec: the notebook it serves

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """The spec a dict from ``to_dict`` stands for; bad limits raise ValueError."""
        return cls(**{**data, "limits": SandboxLimits.from_dict(data["limits"])})
