"""np.asarray(tensor), which matplotlib's plt.plot(t) and plt.imshow(t) call, as PyTorch's."""
import numpy as np
import pytest

import engine


def test_asarray_of_a_tensor_gives_its_values_and_dtype():
    t = engine.tensor([[1.5, 2.0], [3.0, -4.0]])
    got = np.asarray(t)
    assert got.dtype == np.float32 and got.tolist() == [[1.5, 2.0], [3.0, -4.0]]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_asarray_of_a_tensor_that_requires_grad_is_refused_with_pytorchs_message():
    # PyTorch 2.13: RuntimeError, the same text as Tensor.numpy()'s
    t = engine.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires "
                                           r"grad. Use tensor.detach\(\).numpy\(\) instead.$"):
        np.asarray(t)
    assert np.asarray(t.detach()).tolist() == [1.0, 1.0, 1.0]
    assert np.asarray((t * 2).detach()).tolist() == [2.0, 2.0, 2.0]


def test_tensor_of_a_list_of_grad_scalars_still_builds_as_pytorchs():
    # PyTorch 2.13: torch.tensor([a, a * 2]) with a requiring grad gives tensor([1., 2.])
    # (with a warning), a new leaf that does not require grad.
    a = engine.tensor(1.0, requires_grad=True)
    made = engine.tensor([a, a * 2])
    assert made.tolist() == [1.0, 2.0] and made.dtype == engine.float32
    assert not made.requires_grad
    assert engine.tensor([[a], [a * 3]]).tolist() == [[1.0], [3.0]]
