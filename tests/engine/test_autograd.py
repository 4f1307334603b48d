"""Autograd as the seed tutorial explains it, and PyTorch's errors word for word.

Expected messages and grad_fn names were copied from PyTorch 2.13.
"""
import re

import numpy as np
import pytest

import engine as torch
from tests.gradcheck import gradcheck, gradgradcheck


def test_leaf_and_graph_attributes():
    a = torch.randn(3, requires_grad=True)
    b = a * (a + 2)
    assert a.is_leaf and a.grad_fn is None and not b.is_leaf
    assert b.grad_fn.name() == "MulBackward0"
    assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(b.grad_fn))
    acc, add = b.grad_fn.next_functions[0][0], b.grad_fn.next_functions[1][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is a
    assert add.name() == "AddBackward0"
    # The constant 2 has no node: (None, 0), as PyTorch prints it.
    assert add.next_functions[1] == (None, 0)
    assert add.next_functions[0][0] is acc  # one AccumulateGrad per leaf


def test_backward_accumulates_into_leaf_grad():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.array([1.0, 2.0, 3.0]))


def test_grads_of_one_leaf_used_twice_are_summed_and_independent_of_other_leaves():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(10)  # each leaf owns its gradient buffer
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_backward_with_gradient_argument_matches_seed_formula():
    x = torch.rand(5, 5, requires_grad=True)
    y = torch.rand(5, 5, requires_grad=True)
    z = x ** 2 + y ** 3
    z.backward(torch.ones_like(x))
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), 3 * y.detach().numpy() ** 2, rtol=1e-5)


def test_broadcast_gradients_are_summed_back():
    a = torch.randn(3, 1, requires_grad=True)
    b = torch.randn(4, requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), b.detach().numpy().sum()),
                               rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, a.detach().numpy().sum()),
                               rtol=1e-5)
    gradcheck(lambda x, y: x * y + x / (y * y + 1), np.random.rand(2, 1, 3),
              np.random.rand(4, 1))


def test_errors_match_pytorch():
    x = torch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar "
                                           "outputs$"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and "
                                           "does not have a grad_fn$"):
        torch.ones(3).sum().backward()
    with pytest.raises(RuntimeError, match=r"^a leaf Variable that requires grad is being used "
                                           r"in an in-place operation\.$"):
        x.add_(1)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second "
                                           "time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = torch.tensor([2.0], requires_grad=True)
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [24.0])


def test_inplace_change_of_saved_tensor_is_caught_by_version_counter():
    x = torch.randn(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    expected = ("one of the variables needed for gradient computation has been modified by an "
                "inplace operation: [torch.FloatTensor [3]], which is output 0 of Exp, is at "
                "version 1; expected version 0 instead. Hint: enable anomaly detection to find "
                "the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False).")
    with pytest.raises(RuntimeError) as err:
        y.sum().backward()
    assert str(err.value) == expected


def test_inplace_on_non_leaf_keeps_the_old_value_for_backward():
    x = torch.randn(3, requires_grad=True)
    z = torch.randn(3, requires_grad=True)
    y = x * 1
    y.mul_(z)                       # PyTorch keeps y's old value for dL/dz
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), z.detach().numpy())


def test_setitem_is_differentiable_copyslices():
    x = torch.randn(3, requires_grad=True)
    w = torch.zeros(3)
    w[1] = x[0] * 2
    assert w.grad_fn.name() == "torch::autograd::CopySlices"  # as PyTorch 2.13 names it
    w.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 0.0])


def test_view_of_non_contiguous_tensor_error():
    with pytest.raises(RuntimeError, match=re.escape(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")):
        torch.ones(3, 2).t().view(6)
    assert torch.ones(3, 2).t().reshape(6).shape == (6,)


def test_broadcast_mismatch_names_sizes():
    with pytest.raises(RuntimeError, match=re.escape(
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
            "dimension 0")):
        torch.ones(3) + torch.ones(4)


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require "
                                           "gradients"):
        torch.ones(3, dtype=torch.int64).requires_grad_()
    y = torch.randn(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf "
                                           "variables"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires "
                                           "grad. Use tensor.detach\\(\\).numpy\\(\\) instead."):
        y.numpy()


def test_no_grad_enable_grad_set_grad_enabled_as_context_and_decorator():
    x = torch.randn(2, requires_grad=True)
    with torch.no_grad():
        assert not (x * 2).requires_grad
        assert not torch.is_grad_enabled()
        with torch.enable_grad():
            assert (x * 2).requires_grad
    assert torch.is_grad_enabled()

    @torch.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and torch.is_grad_enabled()
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    torch.set_grad_enabled(False)
    assert not torch.is_grad_enabled()
    torch.set_grad_enabled(True)


def test_detach_shares_storage_and_stops_gradient():
    x = torch.randn(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 5.0
    assert x[0].item() == 5.0


def test_retain_grad_and_hooks():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)  # a hook may replace the gradient
    (y * y).sum().backward()
    assert seen == [[6.0, 12.0]]
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(x.grad.numpy(), [180.0, 360.0])


def test_autograd_grad_leaves_dot_grad_untouched_and_supports_higher_order():
    x = torch.tensor([1.5, -0.5], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([1.5, -0.5]) ** 2)
    assert x.grad is None and g.requires_grad
    (gg,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([1.5, -0.5]))
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad((x * 2).sum(), [x, torch.randn(2, requires_grad=True)])


@pytest.mark.parametrize("fn", [
    lambda t: (t * t).exp().sum(),
    lambda t: (t.sigmoid() * t.tanh()).sum(),
    lambda t: (1 / (t * t + 1)).sqrt(),
])
def test_second_derivatives_by_finite_differences(fn):
    gradgradcheck(fn, np.random.default_rng(3).standard_normal(4) * 0.5)


def test_backward_is_iterative_for_very_deep_graphs():
    x = torch.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10000], rtol=1e-3)


def test_backward_frees_saved_tensors():
    x = torch.randn(3, requires_grad=True)
    y = x * x
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        node.saved_tensors


def test_custom_function():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = torch.tensor([3.0], requires_grad=True)
    y = Square.apply(x)
    assert y.grad_fn.name() == "SquareBackward"
    y.sum().backward()
    assert x.grad.tolist() == [6.0]


def test_cuda_is_unavailable_with_a_reason():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="Cannot move a tensor to cuda"):
        torch.ones(2).to("cuda")


def test_leaf_grad_never_aliases_a_gradient_someone_else_holds():
    x = torch.zeros(3, requires_grad=True)
    g = torch.ones(3)
    x.backward(g)               # the caller keeps g: .grad must be a copy
    g.add_(5)
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    w = torch.zeros(2, 2, requires_grad=True)
    v = torch.zeros(4, requires_grad=True)
    (w.view(4) * 2 + v * 2).sum().backward()   # one gradient array reaches both leaves
    w.grad.add_(1)
    assert v.grad.tolist() == [2.0] * 4
    x.grad.zero_()
    (x * 3).sum().backward()    # a fresh gradient only x receives may be kept as is
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0, 6.0]


def test_leaf_grad_does_not_alias_what_a_custom_function_returns():
    kept = torch.ones(3)

    class PassOn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return kept  # a tensor the user still holds

    x = torch.zeros(3, requires_grad=True)
    PassOn.apply(x).sum().backward()
    x.grad.add_(1)
    assert kept.tolist() == [1.0, 1.0, 1.0]


def test_leaf_grads_from_slices_of_one_gradient_stay_independent():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    torch.cat([a, b]).sum().backward()    # both grads are slices of one array
    a.grad.add_(10)
    assert b.grad.tolist() == [1.0, 1.0]
    w = torch.zeros(3, 2, requires_grad=True)
    (torch.ones(4, 3) @ w.t().t()).sum().backward()
    (torch.ones(4, 3) @ w).sum().backward()  # in-place accumulation into a kept view
    assert w.grad.tolist() == [[8.0, 8.0]] * 3


def test_leaf_grad_has_the_leaf_layout():
    # PyTorch's gradient layout contract: .grad is laid out like its parameter, so
    # p.grad.view(-1) works (torch.cat([p.grad.view(-1) ...]) is common user code).
    w = torch.randn(4, 3, requires_grad=True)
    (torch.randn(5, 3) @ w.t()).sum().backward()
    assert w.grad.is_contiguous() and w.grad.view(-1).shape == (12,)


def test_float_of_a_tensor_that_requires_grad_warns_as_pytorch_does():
    import warnings
    x = torch.ones((), requires_grad=True) * 2
    with pytest.warns(UserWarning, match=r"Converting a tensor with requires_grad=True to a "
                                         r"scalar may lead to unexpected behavior.\nConsider "
                                         r"using tensor.detach\(\) first."):
        assert float(x) == 2.0
    with warnings.catch_warnings():  # PyTorch 2.13 stays silent for these
        warnings.simplefilter("error")
        assert float(x.detach()) == 2.0 and x.item() == 2.0 and int(x) == 2 and bool(x)
        with torch.no_grad():  # LBFGS takes float(loss) so
            assert float(x) == 2.0
