"""torch.fft's real-valued helpers (fftfreq, rfftfreq, fftshift, ifftshift), values as
PyTorch 2.13 gives them; the complex transforms are missing names that say so."""
import numpy as np

import engine
from tests.helpers import grad_fn_name as name, raises


def test_sample_frequencies_like_pytorch():
    # torch.fft.fftfreq(5).tolist(), torch.fft.fftfreq(7, d=0.3).tolist(), ...
    assert engine.fft.fftfreq(5).tolist() == [0.0, 0.20000000298023224, 0.4000000059604645,
                                              -0.4000000059604645, -0.20000000298023224]
    assert engine.fft.fftfreq(7, d=0.3).tolist() == [
        0.0, 0.4761904776096344, 0.9523809552192688, 1.4285714626312256, -1.4285714626312256,
        -0.9523809552192688, -0.4761904776096344]
    assert engine.fft.rfftfreq(8, 0.1).tolist() == [0.0, 1.25, 2.5, 3.75, 5.0]
    f64 = engine.fft.fftfreq(4, dtype=engine.float64)
    assert f64.dtype is engine.float64 and f64.tolist() == [0.0, 0.25, -0.5, -0.25]
    assert engine.fft.fftfreq(0).shape == (0,)
    assert engine.fft.fftfreq(3, requires_grad=True).requires_grad


def test_sample_frequency_errors_as_pytorch():
    raises(RuntimeError, "fftfreq requires a floating point or complex dtype",
           lambda: engine.fft.fftfreq(3, dtype=engine.int64))
    raises(RuntimeError, "Trying to create tensor with negative dimension -1: [-1]",
           lambda: engine.fft.fftfreq(-1))


def test_shifts_like_pytorch_with_their_gradient():
    x = engine.arange(10.0).reshape(2, 5).requires_grad_()
    y = engine.fft.fftshift(x)
    assert y.tolist() == [[8.0, 9.0, 5.0, 6.0, 7.0], [3.0, 4.0, 0.0, 1.0, 2.0]]
    assert name(y) == "RollBackward0"
    assert engine.fft.ifftshift(x, dim=1).tolist() == [[2.0, 3.0, 4.0, 0.0, 1.0],
                                                       [7.0, 8.0, 9.0, 5.0, 6.0]]
    assert engine.fft.fftshift(engine.arange(6), dim=(0,)).tolist() == [3, 4, 5, 0, 1, 2]
    back = engine.fft.ifftshift(engine.fft.fftshift(x))
    assert back.tolist() == x.tolist()
    w = engine.tensor(np.arange(10.0).reshape(2, 5))
    (y * w).sum().backward()
    assert x.grad.tolist() == engine.fft.ifftshift(w).tolist()
    raises(IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
           lambda: engine.fft.fftshift(engine.ones(3), dim=1))


def test_complex_transforms_are_missing_names():
    raises(AttributeError, "torch.fft.rfft is not implemented by this playground's engine "
           "(see the coverage list)", lambda: engine.fft.rfft)
