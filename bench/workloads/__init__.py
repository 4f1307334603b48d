"""Benchmark workloads, run by bench/run.py under ``engine`` and under ``torch``.

A workload is a small function taking the module (``engine`` or ``torch``), doing its
setup, and returning the zero-argument step to time. Register it with ``@workload``; add
new ones in a module of this package named after their area (any ``*.py`` here is loaded):

    @workload("relu fwd+bwd, 1M float32", per=1, unit="call")
    def relu_large(torch):
        x = torch.randn(1_000_000, requires_grad=True)
        def step():
            x.relu().sum().backward()
        return step

``per`` divides the measured time of one step (``per=3`` with ``unit="op"`` reports the
time per op of a three-op step).
"""
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    make: Callable
    per: int = 1
    unit: str = "step"


WORKLOADS = []


def workload(title, *, per=1, unit="step"):
    def register(fn):
        WORKLOADS.append(Workload(fn.__name__, title, fn, per, unit))
        return fn
    return register


def load_all():
    """Import every module of this package (registering its workloads); return them all."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}")
    return list(WORKLOADS)
