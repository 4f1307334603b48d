"""The shared gradcheck helper catches a wrong backward (so passing it means something)."""
import numpy as np
import pytest

import engine
from engine.autograd.graph import Node
from tests.gradcheck import gradcheck, gradgradcheck


class _WrongExpBackward(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * x,)  # wrong on purpose: d/dx exp(x) is exp(x)


def _wrong_exp(x):
    out = engine.tensor(np.exp(x.detach().numpy()))
    from engine.autograd.graph import record
    record(_WrongExpBackward, out, (x,), (x,))
    return out


def test_gradcheck_accepts_a_correct_backward():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert gradcheck(lambda t: (t * t).exp(), x)


def test_gradcheck_rejects_a_wrong_backward():
    x = np.random.default_rng(0).standard_normal((3,))
    with pytest.raises(AssertionError):
        gradcheck(_wrong_exp, x)


def test_gradgradcheck_second_derivative_of_cube():
    x = np.random.default_rng(0).standard_normal((4,))
    assert gradgradcheck(lambda t: t ** 3, x)
