"""The matmul family (matmul/@, mm, bmm, mv, dot, outer, addmm) and the norms: values against
NumPy, gradients against finite differences, grad_fn names and PyTorch 2.13's messages
(expected literals were produced with torch 2.13 and written in by hand)."""
import math

import numpy as np
import pytest

import engine
import engine.linalg
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import float64_normal, raises

r = float64_normal(1)


def f32(*shape):
    return engine.tensor(r(*shape).astype(np.float32))


def close(x, expected):
    np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-6, atol=1e-8)


def chain(t):
    """grad_fn names along the first edges, as torch prints them walking next_functions."""
    names, node = [], t.grad_fn
    while node is not None and type(node).__name__ != "AccumulateGrad":
        names.append(node.name())
        node = next((n for n, _ in node.next_functions if n is not None), None)
    return names


# ---- matmul dispatch: values, shapes and grad_fn names ---------------------------------------

MATMUL_CASES = [  # (shape a, shape b, grad_fn chain as PyTorch 2.13 names it)
    ((4,), (4,), ["DotBackward0"]),
    ((3, 4), (4,), ["MvBackward0"]),
    ((4,), (4, 5), ["SqueezeBackward4", "MmBackward0", "UnsqueezeBackward0"]),
    ((3, 4), (4, 5), ["MmBackward0"]),
    ((2, 3, 4), (4, 5), ["UnsafeViewBackward0", "MmBackward0", "ViewBackward0"]),
    ((2, 3, 4), (4,), ["UnsafeViewBackward0", "MvBackward0", "ViewBackward0"]),
    ((2, 3, 4), (2, 4, 5), ["UnsafeViewBackward0", "BmmBackward0"]),
    ((2, 1, 3, 4), (5, 4, 2), ["UnsafeViewBackward0", "BmmBackward0"]),
    # a vector or matrix on the left that requires grad: PyTorch folds the right operand
    ((4,), (2, 4, 5), ["UnsafeViewBackward0", "MvBackward0", "UnsafeViewBackward0"]),
    ((3, 4), (2, 4, 5), ["CloneBackward0", "TransposeBackward0", "UnsafeViewBackward0",
                         "MmBackward0"]),
]


@pytest.mark.parametrize("sa,sb,names", MATMUL_CASES)
def test_matmul_values_shapes_and_names(sa, sb, names):
    a, b = r(*sa), r(*sb)
    ta, tb = engine.tensor(a, requires_grad=True), engine.tensor(b, requires_grad=True)
    out = ta @ tb
    expected = np.matmul(a, b)
    assert out.shape == expected.shape
    close(out, expected)
    close(engine.matmul(ta, tb), expected)
    assert chain(out)[:len(names)] == names
    gradcheck(lambda x, y: x @ y, a, b)


def test_matmul_folds_like_pytorch():
    # No grad needed for the small operand and a fold that would copy: a batched product.
    x = engine.randn(3, 2, 4).transpose(0, 1).requires_grad_()
    assert chain(x @ engine.randn(4, 5))[:2] == ["UnsafeViewBackward0", "BmmBackward0"]
    assert chain(engine.randn(4, requires_grad=True) @ engine.randn(2, 4, 5))[:2] == \
        ["UnsafeViewBackward0", "MvBackward0"]
    assert chain(engine.randn(4) @ engine.randn(2, 4, 5, requires_grad=True))[:2] == \
        ["UnsafeViewBackward0", "BmmBackward0"]
    assert (engine.randn(3, 4, requires_grad=True) @ engine.randn(2, 4, 5)).is_contiguous()


def test_rmatmul_and_non_tensor_operands():
    a = engine.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="unsupported operand type"):
        a @ [[1.0, 2.0], [3.0, 4.0]]
    raises(TypeError, "matmul(): argument 'other' (position 2) must be Tensor, not int",
           lambda: engine.matmul(a, 3))


def test_matmul_dtypes():
    ints = engine.arange(4).reshape(2, 2)
    assert (ints @ ints).tolist() == [[2, 3], [6, 11]]
    half = engine.ones(2, 2, dtype=engine.float16)
    assert (half @ half).dtype == engine.float16
    x = f32(3, 4) @ f32(4, 2)
    assert x.dtype == engine.float32
    assert (engine.zeros(2, 0) @ engine.zeros(0, 2)).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert (engine.zeros(0, 3) @ engine.zeros(3, 2)).shape == (0, 2)


MATMUL_ERRORS = [  # (shape a, shape b, PyTorch's message)
    ((), (2, 2), "both arguments to matmul need to be at least 1D, but they are 0D and 2D"),
    ((2, 2), (), "both arguments to matmul need to be at least 1D, but they are 2D and 0D"),
    ((3,), (4,), "inconsistent tensor size, expected tensor [3] and src [4] to have the same "
                 "number of elements, but got 3 and 4 elements respectively"),
    ((2, 3), (4,), "size mismatch, got input (2), mat (2x3), vec (4)"),
    ((3,), (4, 2), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)"),
    ((3, 2), (4, 3), "mat1 and mat2 shapes cannot be multiplied (3x2 and 4x3)"),
    ((5, 3, 2), (4, 3), "mat1 and mat2 shapes cannot be multiplied (15x2 and 4x3)"),
    ((5, 3, 2), (3,), "size mismatch, got input (15), mat (15x2), vec (3)"),
    ((3, 2), (5, 4, 3), "Expected size for first two dimensions of batch2 tensor to be: [5, 2] "
                        "but got: [5, 4]."),
    ((5, 3, 2), (5, 4, 3), "Expected size for first two dimensions of batch2 tensor to be: "
                           "[5, 2] but got: [5, 4]."),
    ((4,), (5, 3, 2), "Expected size for first two dimensions of batch2 tensor to be: [5, 4] "
                      "but got: [5, 3]."),
    ((5, 3, 2), (4, 2, 3), "The size of tensor a (5) must match the size of tensor b (4) at "
                           "non-singleton dimension 0"),
]


@pytest.mark.parametrize("sa,sb,msg", MATMUL_ERRORS)
def test_matmul_shape_errors(sa, sb, msg):
    raises(RuntimeError, msg, lambda: engine.randn(*sa) @ engine.randn(*sb))


def test_matmul_dtype_errors():
    raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: float != double",
           lambda: f32(3, 2) @ f32(2, 3).double())
    raises(RuntimeError, "dot : expected both vectors to have same dtype, but found Float and "
           "Double", lambda: f32(3) @ f32(3).double())
    raises(RuntimeError, "expected scalar type Float but found Double",
           lambda: f32(2, 3, 2) @ f32(2, 2, 3).double())
    raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: long int != float",
           lambda: engine.mm(engine.ones(2, 3, dtype=engine.int64), engine.ones(3, 2)))
    raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: c10::Half != "
           "float", lambda: engine.mm(engine.ones(2, 2, dtype=engine.float16), engine.ones(2, 2)))
    raises(NotImplementedError, "\"addmm_impl_cpu_\" not implemented for 'Bool'",
           lambda: engine.ones(2, 2, dtype=engine.bool) @ engine.ones(2, 2, dtype=engine.bool))


# ---- mm, bmm, mv, dot, outer ---------------------------------------------------------------

def test_mm_bmm_mv_dot_values_and_names():
    a, b = r(3, 4), r(4, 5)
    ta = engine.tensor(a, requires_grad=True)
    out = engine.mm(ta, engine.tensor(b))
    close(out, a @ b)
    assert out.grad_fn.name() == "MmBackward0"
    close(ta.mm(engine.tensor(b)), a @ b)
    b1, b2 = r(2, 3, 4), r(2, 4, 5)
    out = engine.bmm(engine.tensor(b1, requires_grad=True), engine.tensor(b2))
    close(out, b1 @ b2)
    assert out.grad_fn.name() == "BmmBackward0"
    v = r(4)
    out = engine.mv(ta, engine.tensor(v))
    close(out, a @ v)
    assert out.grad_fn.name() == "MvBackward0"
    out = engine.dot(engine.tensor(v, requires_grad=True), engine.tensor(v))
    assert out.shape == () and out.grad_fn.name() == "DotBackward0"
    close(out, v @ v)
    w = r(3)
    out = engine.outer(engine.tensor(v, requires_grad=True), engine.tensor(w))
    close(out, np.outer(v, w))
    assert out.grad_fn.name() == "MulBackward0"
    assert engine.outer(engine.arange(2), f32(3)).dtype == engine.float32
    assert engine.ger(f32(2), f32(3).double()).dtype == engine.float64


def test_mm_bmm_mv_dot_outer_gradients():
    gradcheck(lambda x, y: engine.mm(x, y), r(3, 4), r(4, 2))
    gradcheck(lambda x, y: engine.bmm(x, y), r(2, 3, 4), r(2, 4, 2))
    gradcheck(lambda x, y: engine.mv(x, y), r(3, 4), r(4))
    gradcheck(lambda x, y: engine.dot(x, y), r(4), r(4))
    gradcheck(lambda x, y: engine.outer(x, y), r(3), r(4))
    gradgradcheck(lambda x, y: engine.mm(x, y) * engine.mm(x, y), r(3, 4), r(4, 2))
    gradgradcheck(lambda x, y: (x @ y) ** 2, r(2, 3, 4), r(4, 2))


def test_mm_bmm_mv_dot_outer_errors():
    raises(RuntimeError, "self must be a matrix", lambda: engine.mm(f32(3), f32(3, 3)))
    raises(RuntimeError, "mat2 must be a matrix", lambda: engine.mm(f32(3, 3), f32(3)))
    raises(RuntimeError, "batch1 must be a 3D tensor", lambda: engine.bmm(f32(3, 3), f32(3, 3, 3)))
    raises(RuntimeError, "batch2 must be a 3D tensor", lambda: engine.bmm(f32(3, 3, 3), f32(3, 3)))
    raises(RuntimeError, "Expected size for first two dimensions of batch2 tensor to be: [2, 4] "
           "but got: [3, 4].", lambda: engine.bmm(f32(2, 3, 4), f32(3, 4, 5)))
    raises(RuntimeError, "vector + matrix @ vector expected, got 1, 1, 1",
           lambda: engine.mv(f32(3), f32(3)))
    raises(RuntimeError, "addmv input tensors must have the same dtype, but got Double, Float, "
           "and Double", lambda: engine.mv(f32(3, 3), f32(3).double()))
    raises(RuntimeError, "1D tensors expected, but got 2D and 2D tensors",
           lambda: engine.dot(f32(2, 2), f32(2, 2)))
    raises(RuntimeError, "outer: Expected 1-D argument self, but got 2-D",
           lambda: engine.outer(f32(2, 2), f32(3)))
    raises(RuntimeError, "outer: Expected 1-D argument vec2, but got 2-D",
           lambda: engine.outer(f32(3), f32(2, 2)))
    raises(TypeError, "mm(): argument 'mat2' (position 2) must be Tensor, not list",
           lambda: engine.mm(f32(2, 2), [[1.0]]))


# ---- addmm ---------------------------------------------------------------------------------

def test_addmm_values_gradients_and_names():
    bias, m1, m2 = r(3), r(2, 4), r(4, 3)
    out = engine.addmm(engine.tensor(bias, requires_grad=True), engine.tensor(m1),
                       engine.tensor(m2))
    close(out, bias + m1 @ m2)
    assert out.grad_fn.name() == "AddmmBackward0"
    close(engine.addmm(engine.tensor(bias), engine.tensor(m1), engine.tensor(m2), beta=0.5,
                       alpha=2), 0.5 * bias + 2 * (m1 @ m2))
    gradcheck(lambda b, x, y: engine.addmm(b, x, y), bias, m1, m2)
    gradcheck(lambda b, x, y: engine.addmm(b, x, y, beta=0.5, alpha=-2.0), r(2, 3), m1, m2)
    gradgradcheck(lambda x, y: engine.addmm(engine.zeros(3, dtype=engine.float64), x, y) ** 2,
                  m1, m2)
    nan_bias = engine.full((3,), float("nan"))
    assert engine.addmm(nan_bias, engine.ones(2, 2), engine.ones(2, 3), beta=0).tolist() == \
        [[2.0] * 3] * 2


def test_addmm_errors():
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (3x2 and 4x3)",
           lambda: engine.addmm(f32(3, 3), f32(3, 2), f32(4, 3)))
    raises(RuntimeError, "The expanded size of the tensor (3) must match the existing size (2) "
           "at non-singleton dimension 1.  Target sizes: [3, 3].  Tensor sizes: [2]",
           lambda: engine.addmm(f32(2), f32(3, 2), f32(2, 3)))
    raises(RuntimeError, "mat1 must be a matrix, got 1-D tensor",
           lambda: engine.addmm(f32(3), f32(2), f32(2, 3)))
    raises(RuntimeError, "mat2 must be a matrix, got 1-D tensor",
           lambda: engine.addmm(f32(3), f32(3, 2), f32(3)))
    raises(RuntimeError, "self and mat2 must have the same dtype, but got Float and Double",
           lambda: engine.addmm(f32(3), f32(3, 2).double(), f32(2, 3).double()))
    raises(RuntimeError, "mat1 and mat2 must have the same dtype, but got Double and Float",
           lambda: engine.addmm(f32(3), f32(3, 2).double(), f32(2, 3)))


def test_large_matmul_reaches_blas_and_folds_batches():
    # float32 results equal to NumPy's own BLAS product; (..., k) @ (k, p) is one 2-D product.
    x, w = f32(4, 64, 32), f32(32, 16)
    out = x @ w
    np.testing.assert_allclose(out.numpy(), (x.numpy().reshape(-1, 32) @ w.numpy())
                               .reshape(4, 64, 16), rtol=1e-6)
    assert chain(x.requires_grad_() @ w)[:2] == ["UnsafeViewBackward0", "MmBackward0"]


# ---- addmv, baddbmm, addbmm ----------------------------------------------------------------

def test_addmv_baddbmm_addbmm_values_gradients_and_names():
    i, m, v = r(3), r(3, 4), r(4)
    out = engine.addmv(engine.tensor(i, requires_grad=True), engine.tensor(m), engine.tensor(v),
                       beta=0.5, alpha=2)
    close(out, 0.5 * i + 2 * (m @ v))
    assert out.grad_fn.name() == "AddmvBackward0"
    b1, b2 = r(2, 3, 4), r(2, 4, 5)
    out = engine.baddbmm(engine.tensor(r(5)), engine.tensor(b1, requires_grad=True),
                         engine.tensor(b2), alpha=-1.5)
    assert out.grad_fn.name() == "BaddbmmBackward0" and out.shape == (2, 3, 5)
    bias = r(3, 5)
    out = engine.tensor(bias).addbmm(engine.tensor(b1, requires_grad=True), engine.tensor(b2))
    close(out, bias + (b1 @ b2).sum(0))
    assert out.grad_fn.name() == "AddbmmBackward0"
    for beta, alpha in ((1, 1), (0.5, -2.0)):
        gradcheck(lambda i, m, v: engine.addmv(i, m, v, beta=beta, alpha=alpha), r(1), m, v)
        gradcheck(lambda i, x, y: engine.baddbmm(i, x, y, beta=beta, alpha=alpha), r(3, 5),
                  b1, b2)
        gradcheck(lambda i, x, y: engine.addbmm(i, x, y, beta=beta, alpha=alpha), r(5), b1, b2)
    gradgradcheck(lambda x, y: engine.addbmm(engine.zeros(5, dtype=engine.float64), x, y) ** 2,
                  b1, b2)
    ints = engine.ones(2, 2, dtype=engine.int64)
    # PyTorch truncates alpha/beta for integer products: beta=0.5 acts as 0
    assert engine.addmm(ints, ints, ints, beta=0.5).tolist() == [[2, 2], [2, 2]]


def test_addmv_baddbmm_addbmm_errors():
    raises(RuntimeError, "size mismatch, got input (4), mat (3x2), vec (2)",
           lambda: engine.addmv(f32(4), f32(3, 2), f32(2)))
    raises(RuntimeError, "vector + matrix @ vector expected, got 2, 2, 1",
           lambda: engine.addmv(f32(3, 1), f32(3, 2), f32(2)))
    raises(RuntimeError, "addmv input tensors must have the same dtype, but got Double, Float, "
           "and Float", lambda: engine.addmv(f32(3).double(), f32(3, 2), f32(2)))
    raises(RuntimeError, "Expected size for first two dimensions of batch2 tensor to be: [2, 4] "
           "but got: [2, 5].", lambda: engine.baddbmm(f32(2, 3, 5), f32(2, 3, 4), f32(2, 5, 5)))
    raises(RuntimeError, "Input dtypes must be the same, got: input double, batch1: float, "
           "batch2: float",
           lambda: engine.baddbmm(f32(2, 3, 5).double(), f32(2, 3, 4), f32(2, 4, 5)))
    raises(RuntimeError, "batch1 and batch2 must have same number of batches, got 2 and 3",
           lambda: engine.addbmm(f32(3, 5), f32(2, 3, 4), f32(3, 4, 5)))
    raises(RuntimeError, "Incompatible matrix sizes for bmm (3x4 and 5x5)",
           lambda: engine.addbmm(f32(3, 5), f32(2, 3, 4), f32(2, 5, 5)))
    raises(RuntimeError, "batch1 must be a 3D tensor",
           lambda: engine.addbmm(f32(3, 5), f32(3, 4), f32(2, 4, 5)))


# ---- norms ---------------------------------------------------------------------------------

def test_norm_values():
    a = r(3, 4)
    x = engine.tensor(a, requires_grad=True)
    close(x.norm(), np.linalg.norm(a))
    close(engine.norm(x, p=1), np.abs(a).sum())
    close(x.norm(p=float("inf")), np.abs(a).max())
    close(x.norm(p=float("-inf")), np.abs(a).min())
    close(x.norm(3, 1), (np.abs(a) ** 3).sum(1) ** (1 / 3))
    close(x.norm(dim=(0, 1)), np.linalg.norm(a))
    close(x.norm(p=0), np.count_nonzero(a))
    assert x.norm(dim=1, keepdim=True).shape == (3, 1)
    assert x.norm().grad_fn.name() == "LinalgVectorNormBackward0"
    assert x.norm(p=1, dim=0).grad_fn.name() == "LinalgVectorNormBackward0"
    close(engine.linalg.vector_norm(x, ord=3.5, dim=0), (np.abs(a) ** 3.5).sum(0) ** (1 / 3.5))
    close(engine.linalg.norm(x), np.linalg.norm(a))
    close(engine.linalg.norm(x, dim=1), np.linalg.norm(a, axis=1))
    m = engine.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert engine.linalg.norm(m, ord=1).item() == 6.0
    assert engine.linalg.norm(m, ord=float("inf")).item() == 7.0
    assert engine.linalg.matrix_norm(m, ord=-1).item() == 4.0
    close(engine.linalg.matrix_norm(m), np.linalg.norm(m.numpy()))
    h = engine.tensor([3.0, 4.0], dtype=engine.float16).norm()
    assert h.dtype == engine.float16 and h.item() == 5.0


def test_norm_gradients():
    a = r(3, 4)
    for p in (2, 1, 3, 1.5, float("inf"), float("-inf")):
        gradcheck(lambda x: x.norm(p=p), a)
        gradcheck(lambda x: x.norm(p=p, dim=1), a)
    gradcheck(lambda x: engine.linalg.norm(x, ord=1), a)
    gradgradcheck(lambda x: x.norm(dim=1), a)
    gradgradcheck(lambda x: x.norm(p=3), a)
    # PyTorch 2.13: inf-norm ties share the gradient; zero norms and zero entries get zero.
    x = engine.tensor([[1.0, -3.0, 3.0], [2.0, 0.0, -2.0]], requires_grad=True)
    engine.linalg.vector_norm(x, float("inf")).backward()
    assert x.grad.tolist() == [[0.0, -0.5, 0.5], [0.0, 0.0, 0.0]]
    z = engine.zeros(2, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0.0, 0.0]
    z = engine.tensor([0.0, 1.0], requires_grad=True)
    z.norm(p=0.5).backward()
    assert z.grad.tolist() == [0.0, 1.0]


def test_norm_errors():
    ints = engine.tensor([[1, 2], [3, 4]])
    raises(RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as "
           "input. Got Long", lambda: ints.norm())
    raises(RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as "
           "input. Got Long", lambda: engine.linalg.vector_norm(ints))
    raises(TypeError, "linalg_vector_norm(): argument 'ord' must be Number, not str",
           lambda: engine.linalg.vector_norm(f32(2), ord="fro"))
    raises(RuntimeError, "linalg.matrix_norm: Order abc not supported.",
           lambda: f32(2, 2).norm(p="abc"))
    raises(RuntimeError, "linalg.norm: If dim is not specified but ord is, the input must be 1D "
           "or 2D. Got 3D.", lambda: engine.linalg.norm(f32(2, 2, 2), ord=1))
    raises(RuntimeError, "linalg.matrix_norm: The input tensor A must have at least 2 "
           "dimensions.", lambda: engine.linalg.matrix_norm(f32(3)))
    nuc = f32(2, 2)  # the nuclear norm sums the singular values (tests/engine/test_linalg_
    assert math.isclose(nuc.norm(p="nuc").item(),  # factorizations.py has PyTorch's values)
                        float(np.linalg.norm(nuc.numpy(), "nuc")), rel_tol=1e-6)
    m = f32(2, 2)
    assert math.isclose(engine.linalg.norm(m, ord="fro").item(),
                        float(np.linalg.norm(m.numpy())), rel_tol=1e-6)


# ---- inv, det, solve -----------------------------------------------------------------------

def test_inv_det_solve_values_names_and_gradients():
    a = r(3, 3) + 3 * np.eye(3)
    x = engine.tensor(a, requires_grad=True)
    close(engine.linalg.inv(x), np.linalg.inv(a))
    close(x.inverse(), np.linalg.inv(a))
    close(engine.det(x), np.linalg.det(a))
    assert engine.inverse(x).grad_fn.name() == "LinalgInvExBackward0"
    assert x.det().grad_fn.name() == "LinalgDetBackward0"
    b, v = r(3, 2), r(3)
    close(engine.linalg.solve(x, engine.tensor(b)), np.linalg.solve(a, b))
    close(engine.linalg.solve(x, engine.tensor(v)), np.linalg.solve(a, v))
    assert engine.linalg.solve(x, engine.tensor(b)).grad_fn.name() == "LinalgSolveExBackward0"
    c = r(4, 3)
    close(engine.linalg.solve(x, engine.tensor(c), left=False), c @ np.linalg.inv(a))
    batch = r(2, 3, 3) + 3 * np.eye(3)
    close(engine.linalg.det(engine.tensor(batch)), np.linalg.det(batch))
    assert engine.linalg.solve(engine.tensor(batch), engine.tensor(v)).shape == (2, 3)
    gradcheck(lambda m: engine.linalg.inv(m), a)
    gradcheck(lambda m: engine.linalg.det(m), batch)
    gradcheck(lambda m, y: engine.linalg.solve(m, y), a, b)
    gradcheck(lambda m, y: engine.linalg.solve(m, y), batch, v)
    gradcheck(lambda m, y: engine.linalg.solve(m, y, left=False), a, r(4, 3))
    gradgradcheck(lambda m: engine.linalg.inv(m), a)
    gradgradcheck(lambda m: engine.linalg.det(m), a)
    gradgradcheck(lambda m, y: engine.linalg.solve(m, y), a, b)


def test_det_gradient_at_a_singular_matrix_is_zero_as_in_pytorch():
    x = engine.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=engine.float64, requires_grad=True)
    d = engine.linalg.det(x)
    assert d.item() == 0.0
    d.backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_inv_det_solve_errors():
    raises(engine.linalg.LinAlgError, "linalg.inv: The diagonal element 2 is zero, the inversion "
           "could not be completed because the input matrix is singular.",
           lambda: engine.linalg.inv(engine.tensor([[1.0, 2.0], [2.0, 4.0]])))
    raises(engine.linalg.LinAlgError, "linalg.inv: (Batch element 1): The diagonal element 2 is "
           "zero, the inversion could not be completed because the input matrix is singular.",
           lambda: engine.linalg.inv(engine.tensor([[[1.0, 0.0], [0.0, 1.0]],
                                                    [[1.0, 2.0], [2.0, 4.0]]])))
    assert issubclass(engine.linalg.LinAlgError, RuntimeError)
    raises(RuntimeError, "linalg.inv: A must be batches of square matrices, but they are 2 by 3 "
           "matrices", lambda: engine.linalg.inv(f32(2, 3)))
    raises(RuntimeError, "linalg.inv: The input tensor A must have at least 2 dimensions.",
           lambda: engine.linalg.inv(f32(3)))
    raises(RuntimeError, "linalg.inv: Expected a floating point or complex tensor as input. Got "
           "Long", lambda: engine.linalg.inv(engine.ones(2, 2, dtype=engine.int64)))
    raises(RuntimeError, "linalg.inv: Low precision dtypes not supported. Got Half",
           lambda: engine.linalg.inv(f32(2, 2).half()))
    raises(RuntimeError, "linalg.solve: Incompatible shapes of A and B for the equation AX = B "
           "(3x3 and 4x1)", lambda: engine.linalg.solve(f32(3, 3), f32(4)))
    raises(engine.linalg.LinAlgError, "torch.linalg.solve: The solver failed because the input "
           "matrix is singular.", lambda: engine.linalg.solve(engine.zeros(2, 2), f32(2)))
    raises(RuntimeError, "linalg.solve: Expected A and B to have the same dtype, but found A of "
           "type Float and B of type Double instead",
           lambda: engine.linalg.solve(f32(3, 3), f32(3, 2).double()))
    raises(RuntimeError, "The size of tensor a (4) must match the size of tensor b (2) at "
           "non-singleton dimension 0", lambda: engine.linalg.solve(f32(2, 3, 3), f32(4, 3, 2)))


# ---- einsum --------------------------------------------------------------------------------

EINSUM_CASES = [  # (equation, operand shapes, top grad_fn as PyTorch 2.13 names it)
    ("ij,jk->ik", [(2, 3), (3, 4)], "ViewBackward0"),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)], "ViewBackward0"),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)], "ViewBackward0"),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)], "ViewBackward0"),
    ("...ij,jk->...ik", [(5, 2, 3), (3, 4)], "ViewBackward0"),
    ("ij,jk", [(2, 3), (3, 4)], "ViewBackward0"),
    ("i,i->", [(3,), (3,)], "ViewBackward0"),
    ("i,j->ij", [(3,), (4,)], "MulBackward0"),
    ("ij,ij->ij", [(2, 3), (2, 3)], "MulBackward0"),
    ("ii->", [(3, 3)], "SumBackward1"),
    ("ij->", [(2, 3)], "SumBackward1"),
    ("ij->ji", [(2, 3)], "PermuteBackward0"),
    ("ba", [(2, 3)], "PermuteBackward0"),
    ("ii->i", [(3, 3)], "PermuteBackward0"),
    ("iij->j", [(3, 3, 2)], "SumBackward1"),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)], None),
    ("...,...->...", [(2, 3), (3,)], "MulBackward0"),
]


@pytest.mark.parametrize("eq,shapes,name", EINSUM_CASES)
def test_einsum_values_names_and_gradients(eq, shapes, name):
    arrays = [r(*s) for s in shapes]
    tensors = [engine.tensor(a, requires_grad=True) for a in arrays]
    out = engine.einsum(eq, *tensors)
    close(out, np.einsum(eq, *arrays))
    if name is not None:
        assert out.grad_fn.name() == name
    gradcheck(lambda *ts: engine.einsum(eq, *ts), *arrays)


def test_einsum_list_operands_second_derivatives_and_errors():
    a, b = r(2, 3), r(3, 4)
    close(engine.einsum("ij,jk->ik", [engine.tensor(a), engine.tensor(b)]), a @ b)
    gradgradcheck(lambda x, y: engine.einsum("ij,jk->ik", x, y) ** 2, a, b)
    x, y = f32(2, 3), f32(3, 4)
    for fn, msg in [
            (lambda: engine.einsum("ij,jk->ik", x),
             "fewer operands were provided than specified in the equation"),
            (lambda: engine.einsum("ij->ij", x, y),
             "more operands were provided than specified in the equation"),
            (lambda: engine.einsum("ijk->ij", x), "the number of subscripts in the equation (3) "
             "does not match the number of dimensions (2) for operand 0 and no ellipsis was "
             "given"),
            (lambda: engine.einsum("ij,jk->ik", x, x), "subscript j has size 2 for operand 1 "
             "which does not broadcast with previously seen size 3"),
            (lambda: engine.einsum("i1->i", x), "invalid subscript given at index 1 in the "
             "equation string, subscripts must be in [a-zA-Z]"),
            (lambda: engine.einsum("ij->ik", x), "output subscript k does not appear in the "
             "equation for any input operand"),
            (lambda: engine.einsum("ij->ii", x), "output subscript i appears more than once in "
             "the output"),
            (lambda: engine.einsum("j,ii->i", f32(3), x), "subscript i is repeated for operand 1 "
             "but the sizes don't match, 3 != 2")]:
        raises(RuntimeError, "einsum(): " + msg, fn)
    raises(RuntimeError, "expected scalar type Float but found Double",
           lambda: engine.einsum("ij,jk->ik", x, y.double()))


def test_trace():
    a = r(3, 4)
    x = engine.tensor(a, requires_grad=True)
    out = x.trace()
    close(out, np.trace(a))
    assert out.grad_fn.name() == "TraceBackward0"
    out.backward()
    assert x.grad.tolist() == np.eye(3, 4).tolist()
    gradcheck(lambda m: engine.trace(m), a)
    ints = engine.arange(4).reshape(2, 2).trace()
    assert ints.item() == 3 and ints.dtype == engine.int64
    raises(RuntimeError, "trace: expected a matrix, but got tensor with dim 1",
           lambda: f32(3).trace())
    raises(NotImplementedError, "\"trace\" not implemented for 'Bool'",
           lambda: engine.tensor([[True]]).trace())


def test_inv_saves_only_its_result_as_pytorch_does():
    a = engine.tensor(r(3, 3) + 3 * np.eye(3), requires_grad=True)
    b = a * 1
    inverse = engine.linalg.inv(b)
    b.add_(1.0)  # PyTorch allows this: LinalgInvExBackward0 saved only the inverse
    inverse.sum().backward()
    assert a.grad is not None


# ---- tensordot, inner, vdot, kron, matrix_power, cross --------------------------------------

def test_tensordot_inner_vdot_kron():
    a, b = r(2, 3, 4), r(3, 4, 5)
    close(engine.tensordot(engine.tensor(a), engine.tensor(b)), np.tensordot(a, b))
    c = r(4, 5, 2)
    close(engine.tensordot(engine.tensor(a), engine.tensor(c), dims=([0, 2], [2, 0])),
          np.tensordot(a, c, axes=([0, 2], [2, 0])))
    out = engine.tensordot(engine.tensor(a, requires_grad=True), engine.tensor(b), dims=2)
    assert chain(out)[:3] == ["ViewBackward0", "MmBackward0", "ViewBackward0"]
    gradcheck(lambda x, y: engine.tensordot(x, y, dims=([1], [0])), a, b)
    v, m = r(4), r(5, 4)
    close(engine.inner(engine.tensor(v), engine.tensor(v)), v @ v)
    close(engine.tensor(a).inner(engine.tensor(m)), np.inner(a, m))
    gradcheck(lambda x, y: engine.inner(x, y), a, m)
    out = engine.vdot(engine.tensor(v, requires_grad=True), engine.tensor(v))
    assert out.grad_fn.name() == "VdotBackward0"
    gradcheck(lambda x, y: engine.vdot(x, y), v, r(4))
    k1, k2 = r(2, 3), r(2, 2)
    close(engine.kron(engine.tensor(k1), engine.tensor(k2)), np.kron(k1, k2))
    w = r(4)
    close(engine.kron(engine.tensor(k1), engine.tensor(w)), np.kron(k1, w))
    out = engine.kron(engine.tensor(k1, requires_grad=True), engine.tensor(k2))
    assert chain(out)[:2] == ["UnsafeViewBackward0", "MulBackward0"]
    gradcheck(lambda x, y: engine.kron(x, y), k1, k2)
    raises(RuntimeError, "contracted dimensions need to match, but first has size 2 in dim -3 "
           "and second has size 3 in dim 0",
           lambda: engine.tensordot(f32(2, 3, 4), f32(3, 4, 5), dims=3))
    raises(RuntimeError, "inner() the last dimension must match on both input tensors but got "
           "shapes [2, 3] and [4]", lambda: engine.inner(f32(2, 3), f32(4)))


def test_matrix_power():
    a = r(3, 3) + 3 * np.eye(3)
    x = engine.tensor(a, requires_grad=True)
    for n in (0, 1, 2, 3, 5, -1, -2):
        close(engine.linalg.matrix_power(x, n), np.linalg.matrix_power(a, n))
    batch = r(2, 3, 3) + 3 * np.eye(3)
    close(engine.matrix_power(engine.tensor(batch), 4), np.linalg.matrix_power(batch, 4))
    # PyTorch 2.13's graphs: n=3 is (A @ A) @ A; n=-1 is the inverse itself
    assert chain(engine.linalg.matrix_power(x, 3)) == ["MmBackward0", "MmBackward0"]
    assert chain(engine.linalg.matrix_power(x, -1)) == ["LinalgInvExBackward0"]
    assert chain(engine.linalg.matrix_power(x, 0))[0] == "CopyBackwards"
    for n in (2, 3, 5, -2):
        gradcheck(lambda m: engine.linalg.matrix_power(m, n), a)
    raises(RuntimeError, "linalg.matrix_power: A must be batches of square matrices, but they "
           "are 2 by 3 matrices", lambda: engine.linalg.matrix_power(f32(2, 3), 2))


def test_cross():
    a, b = r(4, 3), r(4, 3)
    out = engine.linalg.cross(engine.tensor(a, requires_grad=True), engine.tensor(b))
    close(out, np.cross(a, b))
    assert out.grad_fn.name() == "LinalgCrossBackward0"
    close(engine.cross(engine.tensor(a.T), engine.tensor(b.T), dim=0), np.cross(a, b).T)
    close(engine.cross(engine.tensor(a.T), engine.tensor(b.T)), np.cross(a, b).T)  # first dim of 3
    close(engine.linalg.cross(engine.tensor(a), engine.tensor(b[:1])), np.cross(a, b[:1]))
    gradcheck(lambda x, y: engine.linalg.cross(x, y), a, b)
    gradgradcheck(lambda x, y: engine.linalg.cross(x, y) ** 2, a, b)
    raises(RuntimeError, "linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2",
           lambda: engine.linalg.cross(f32(4, 2), f32(4, 2)))
    raises(RuntimeError, "no dimension of size 3 in input",
           lambda: engine.cross(f32(2, 4), f32(2, 4)))


def test_vecdot():
    a, b = r(3, 4), r(4)
    out = engine.linalg.vecdot(engine.tensor(a, requires_grad=True), engine.tensor(b))
    close(out, a @ b)
    assert out.grad_fn.name() == "SumBackward1"
    close(engine.linalg.vecdot(engine.tensor(a), engine.tensor(a), dim=0), (a * a).sum(0))


def test_check_order_and_empty_products_as_pytorch():
    # PyTorch 2.13 checks dtypes before shapes here, and runs no bool check on an empty product.
    raises(RuntimeError, "self and mat2 must have the same dtype, but got Float and Double",
           lambda: engine.addmm(f32(3), f32(2), f32(2, 3).double()))
    raises(RuntimeError, "dot : expected both vectors to have same dtype, but found Float and "
           "Double", lambda: engine.dot(f32(3), f32(4).double()))
    raises(RuntimeError, "both inputs should have same dtype",
           lambda: engine.tensordot(f32(2, 3), f32(3, 4).double(), dims=1))
    raises(RuntimeError, "tensordot expects dims < ndim_a or ndim_b, but got dims=2",
           lambda: engine.tensordot(f32(3), f32(3), dims=2))
    empty = engine.ones(2, 3, dtype=engine.bool) @ engine.ones(3, 0, dtype=engine.bool)
    assert empty.shape == (2, 0) and empty.dtype == engine.bool
    # a size-1 contracted dim broadcasts in tensordot
    a, b = r(3), r(1, 3, 4)
    close(engine.tensordot(engine.tensor(a), engine.tensor(b), dims=1),
          a.sum() * b[0])
    assert engine.tensordot(engine.zeros(0), engine.zeros(0), dims=1).item() == 0.0


def test_cdist():
    a, b = r(4, 3), r(5, 3)
    expected = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    out = engine.cdist(engine.tensor(a, requires_grad=True), engine.tensor(b))
    close(out, expected)
    assert out.grad_fn.name() == "CdistBackward0"
    big_a, big_b = r(30, 3), r(27, 3)  # more than 25 rows: the GEMM route, as PyTorch takes
    np.testing.assert_allclose(
        engine.cdist(engine.tensor(big_a), engine.tensor(big_b)).numpy(),
        np.sqrt(((big_a[:, None] - big_b[None]) ** 2).sum(-1)), rtol=1e-9, atol=1e-9)
    for p in (1.0, 3.0, float("inf"), 0.0):
        d = np.abs(a[:, None] - b[None])
        want = {1.0: d.sum(-1), 3.0: (d ** 3).sum(-1) ** (1 / 3), float("inf"): d.max(-1),
                0.0: (d != 0).sum(-1)}[p]
        close(engine.cdist(engine.tensor(a), engine.tensor(b), p=p), want)
    assert engine.cdist(engine.tensor(r(2, 4, 3)), engine.tensor(r(1, 5, 3))).shape == (2, 4, 5)
    for p in (2.0, 1.0, 3.0, float("inf")):
        gradcheck(lambda x, y: engine.cdist(x, y, p=p), a, b)
    gradgradcheck(lambda x, y: engine.cdist(x, y), a, b)
    # PyTorch 2.13: a zero distance passes no gradient; inf-norm ties each get all of it
    x = engine.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    engine.cdist(x, engine.tensor([[0.0, 0.0], [3.0, 2.0]])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-0.8320503, -0.5547002],
                                                [-0.5527864, 0.8944272]], rtol=1e-6)
    x = engine.tensor([[3.0, 3.0]], requires_grad=True)
    engine.cdist(x, engine.zeros(1, 2), p=float("inf")).sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0]]
    raises(RuntimeError, "X1 and X2 must have the same number of columns. X1: 3 X2: 2",
           lambda: engine.cdist(f32(4, 3), f32(5, 2)))
    raises(RuntimeError, "cdist only supports at least 2D tensors, X1 got: 1D",
           lambda: engine.cdist(f32(3), f32(5, 3)))
    raises(RuntimeError, "cdist only supports non-negative p values",
           lambda: engine.cdist(f32(4, 3), f32(5, 3), p=-1))
    raises(RuntimeError, "cdist only supports floating-point dtypes, X1 got: Long",
           lambda: engine.cdist(engine.ones(4, 3, dtype=engine.int64),
                                engine.ones(5, 3, dtype=engine.int64)))
