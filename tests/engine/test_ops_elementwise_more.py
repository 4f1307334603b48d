"""Elementwise ops beyond the basic arithmetic: hypot, copysign, heaviside, gcd/lcm,
ldexp/frexp, float_power, fmax/fmin, nextafter, logaddexp(2), exp2, deg2rad/rad2deg, sign
tests, bit shifts, the complex-number API on real tensors, and their in-place forms.

Each expression's outcome (dtype, shape, values, requires_grad and grad_fn name, or the error
type and message) is written as PyTorch 2.13 gave it; gradients are checked by finite
differences below."""
import math

import numpy as np
import pytest

import engine as torch
from tests.engine.torch_outcomes import recorded_test

nan, inf = math.nan, math.inf  # as the recorded values print them
RECORDED = [('torch.hypot(torch.tensor([3.,1.]), torch.tensor([4.,1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [5.0, 1.4142135381698608], False, None))),
 ('torch.hypot(torch.tensor([3,1]), torch.tensor([4,1]))',
  ('error', 'NotImplementedError', '"hypot_cpu" not implemented for \'Long\'')),
 ('torch.hypot(torch.tensor([3.,1.]), 2)',
  ('error', 'TypeError', "hypot(): argument 'other' (position 2) must be Tensor, not int")),
 ('torch.hypot(torch.tensor([3.,1.],dtype=torch.float64), torch.tensor([4.,1.]))',
  ('ok', ('tensor', 'torch.float64', (2,), [5.0, 1.4142135623730951], False, None))),
 ('torch.copysign(torch.tensor([3.,-1., 0.]), torch.tensor([-4.,1.,-0.]))',
  ('ok', ('tensor', 'torch.float32', (3,), [-3.0, 1.0, -0.0], False, None))),
 ('torch.copysign(torch.tensor([3,-1]), torch.tensor([-4,1]))',
  ('ok', ('tensor', 'torch.float32', (2,), [-3.0, 1.0], False, None))),
 ('torch.copysign(torch.tensor([3,-1]), -1)',
  ('ok', ('tensor', 'torch.float32', (2,), [-3.0, -1.0], False, None))),
 ('torch.copysign(torch.tensor([3.,-1.]), -1.5)',
  ('ok', ('tensor', 'torch.float32', (2,), [-3.0, -1.0], False, None))),
 ('torch.copysign(torch.tensor([True, False]), -1)',
  ('ok', ('tensor', 'torch.float32', (2,), [-1.0, -0.0], False, None))),
 ('torch.heaviside(torch.tensor([-1.,0.,2.]), torch.tensor([0.5]))',
  ('ok', ('tensor', 'torch.float32', (3,), [0.0, 0.5, 1.0], False, None))),
 ('torch.heaviside(torch.tensor([-1,0,2]), torch.tensor([5]))',
  ('ok', ('tensor', 'torch.int64', (3,), [0, 5, 1], False, None))),
 ('torch.heaviside(torch.tensor([-1.,0.,2.]), torch.tensor([5]))',
  ('error', 'RuntimeError', 'heaviside is not yet implemented for tensors with different dtypes.')),
 ('torch.heaviside(torch.tensor([-1.,0.,2.]), 0.5)',
  ('error', 'TypeError', "heaviside(): argument 'values' (position 2) must be Tensor, not float")),
 ('torch.gcd(torch.tensor([12, -18, 0]), torch.tensor([8, 12, 0]))',
  ('ok', ('tensor', 'torch.int64', (3,), [4, 6, 0], False, None))),
 ('torch.lcm(torch.tensor([12, -18, 0]), torch.tensor([8, 12, 5]))',
  ('ok', ('tensor', 'torch.int64', (3,), [24, 36, 0], False, None))),
 ('torch.gcd(torch.tensor([12.]), torch.tensor([8.]))',
  ('error', 'NotImplementedError', '"gcd_cpu" not implemented for \'Float\'')),
 ('torch.gcd(torch.tensor([12], dtype=torch.uint8), torch.tensor([8]))',
  ('ok', ('tensor', 'torch.int64', (1,), [4], False, None))),
 ('torch.lcm(torch.tensor([True]), torch.tensor([True]))',
  ('error', 'NotImplementedError', '"lcm_cpu" not implemented for \'Bool\'')),
 ('torch.ldexp(torch.tensor([1., 3.]), torch.tensor([2, 3]))',
  ('ok', ('tensor', 'torch.float32', (2,), [4.0, 24.0], False, None))),
 ('torch.ldexp(torch.tensor([1, 3]), torch.tensor([2, 3]))',
  ('ok', ('tensor', 'torch.float32', (2,), [4.0, 24.0], False, None))),
 ('torch.frexp(torch.tensor([8., -3., 0., 0.1]))',
  ('ok',
   ('tuple',
    [('tensor', 'torch.float32', (4,), [0.5, -0.75, 0.0, 0.800000011920929], False, None),
     ('tensor', 'torch.int32', (4,), [4, 2, 0, -3], False, None)]))),
 ('torch.frexp(torch.tensor([8, 3]))',
  ('error', 'RuntimeError', 'torch.frexp() only supports floating-point dtypes')),
 ('torch.frexp(torch.tensor([8., -3.], dtype=torch.float64))',
  ('ok',
   ('tuple',
    [('tensor', 'torch.float64', (2,), [0.5, -0.75], False, None),
     ('tensor', 'torch.int32', (2,), [4, 2], False, None)]))),
 ('torch.float_power(torch.tensor([2, 3]), 2)',
  ('ok', ('tensor', 'torch.float64', (2,), [4.0, 9.0], False, None))),
 ('torch.float_power(torch.tensor([2., 3.]), torch.tensor([0.5, 2]))',
  ('ok', ('tensor', 'torch.float64', (2,), [1.4142135623730951, 9.0], False, None))),
 ('torch.float_power(2, torch.tensor([1, 2]))',
  ('ok', ('tensor', 'torch.float64', (2,), [2.0, 4.0], False, None))),
 ("torch.fmax(torch.tensor([1., float('nan'), 3., float('nan')]), torch.tensor([2., 1., "
  "float('nan'), float('nan')]))",
  ('ok', ('tensor', 'torch.float32', (4,), [2.0, 1.0, 3.0, nan], False, None))),
 ("torch.fmin(torch.tensor([1., float('nan'), 3.]), torch.tensor([2., 1., float('nan')]))",
  ('ok', ('tensor', 'torch.float32', (3,), [1.0, 1.0, 3.0], False, None))),
 ('torch.fmax(torch.tensor([1, 5]), torch.tensor([2., 1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [2.0, 5.0], False, None))),
 ('torch.fmax(torch.tensor([1, 5]), 2)',
  ('error', 'TypeError', "fmax(): argument 'other' (position 2) must be Tensor, not int")),
 ('torch.nextafter(torch.tensor([1., 2.]), torch.tensor([2., 1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0000001192092896, 1.9999998807907104], False, None))),
 ('torch.nextafter(torch.tensor([1., 2.], dtype=torch.float64), torch.tensor([2., 1.], '
  'dtype=torch.float64))',
  ('ok', ('tensor', 'torch.float64', (2,), [1.0000000000000002, 1.9999999999999998], False, None))),
 ('torch.nextafter(torch.tensor([1, 2]), torch.tensor([2, 1]))',
  ('error', 'NotImplementedError', '"nextafter_cpu" not implemented for \'Long\'')),
 ('torch.logaddexp(torch.tensor([1., -100., 1000.]), torch.tensor([2., -100., 1000.]))',
  ('ok',
   ('tensor', 'torch.float32', (3,), [2.3132617473602295, -99.30685424804688, 1000.6931762695312],
    False, None))),
 ('torch.logaddexp(torch.tensor([1, 2]), torch.tensor([2, 3]))',
  ('error', 'NotImplementedError', '"logaddexp_cpu" not implemented for \'Long\'')),
 ('torch.logaddexp2(torch.tensor([1., -100., 1000.]), torch.tensor([2., -100., 1000.]))',
  ('ok', ('tensor', 'torch.float32', (3,), [2.5849623680114746, -99.0, 1001.0], False, None))),
 ("torch.logaddexp(torch.tensor([float('inf'), float('-inf')]), torch.tensor([float('inf'), "
  "float('-inf')]))",
  ('ok', ('tensor', 'torch.float32', (2,), [inf, -inf], False, None))),
 ('torch.exp2(torch.tensor([1, 2, -1]))',
  ('ok', ('tensor', 'torch.float32', (3,), [2.0, 4.0, 0.5], False, None))),
 ('torch.exp2(torch.tensor([0.5, 10.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.4142135381698608, 1024.0], False, None))),
 ('torch.deg2rad(torch.tensor([180, 90]))',
  ('ok', ('tensor', 'torch.float32', (2,), [3.1415927410125732, 1.5707963705062866], False, None))),
 ('torch.deg2rad(torch.tensor([180., 90.], requires_grad=True))',
  ('ok',
   ('tensor', 'torch.float32', (2,), [3.1415927410125732, 1.5707963705062866], True,
    'Deg2RadBackward0'))),
 ('torch.rad2deg(torch.tensor([math.pi]))',
  ('ok', ('tensor', 'torch.float32', (1,), [180.0], False, None))),
 ('torch.rad2deg(torch.tensor([True]))',
  ('ok', ('tensor', 'torch.float32', (1,), [57.295780181884766], False, None))),
 ('torch.fix(torch.tensor([-1.5, 2.7], requires_grad=True))',
  ('ok', ('tensor', 'torch.float32', (2,), [-1.0, 2.0], True, 'TruncBackward0'))),
 ('torch.signbit(torch.tensor([-1., 0., -0., 2.]))',
  ('ok', ('tensor', 'torch.bool', (4,), [True, False, True, False], False, None))),
 ('torch.signbit(torch.tensor([-1, 0]))',
  ('ok', ('tensor', 'torch.bool', (2,), [True, False], False, None))),
 ('torch.signbit(torch.tensor([True]))',
  ('ok', ('tensor', 'torch.bool', (1,), [False], False, None))),
 ('torch.sgn(torch.tensor([-2., 0., 3.], requires_grad=True))',
  ('ok', ('tensor', 'torch.float32', (3,), [-1.0, 0.0, 1.0], True, 'SgnBackward0'))),
 ('torch.sgn(torch.tensor([-2, 0, 3]))',
  ('ok', ('tensor', 'torch.int64', (3,), [-1, 0, 1], False, None))),
 ('torch.positive(torch.tensor([-2, 0, 3]))',
  ('ok', ('tensor', 'torch.int64', (3,), [-2, 0, 3], False, None))),
 ('torch.positive(torch.tensor([True]))',
  ('error', 'RuntimeError', 'The `+` operator, on a bool tensor is not supported.')),
 ("torch.isneginf(torch.tensor([-float('inf'), float('inf'), 1.]))",
  ('ok', ('tensor', 'torch.bool', (3,), [True, False, False], False, None))),
 ("torch.isposinf(torch.tensor([-float('inf'), float('inf'), 1.]))",
  ('ok', ('tensor', 'torch.bool', (3,), [False, True, False], False, None))),
 ('torch.isposinf(torch.tensor([1, 2]))',
  ('ok', ('tensor', 'torch.bool', (2,), [False, False], False, None))),
 ('torch.isreal(torch.tensor([1., 2.]))',
  ('ok', ('tensor', 'torch.bool', (2,), [True, True], False, None))),
 ('torch.bitwise_left_shift(torch.tensor([1, 2, 3]), 2)',
  ('ok', ('tensor', 'torch.int64', (3,), [4, 8, 12], False, None))),
 ('torch.bitwise_left_shift(torch.tensor([1, 2, 3]), torch.tensor([1, 2, 3]))',
  ('ok', ('tensor', 'torch.int64', (3,), [2, 8, 24], False, None))),
 ('torch.bitwise_right_shift(torch.tensor([-8, 16]), 2)',
  ('ok', ('tensor', 'torch.int64', (2,), [-2, 4], False, None))),
 ('torch.bitwise_right_shift(torch.tensor([8, 16], dtype=torch.uint8), torch.tensor([1]))',
  ('ok', ('tensor', 'torch.int64', (2,), [4, 8], False, None))),
 ('torch.bitwise_left_shift(torch.tensor([1.]), 2)',
  ('error', 'NotImplementedError', '"lshift_cpu" not implemented for \'Float\'')),
 ('torch.tensor([1, 2]) << 2', ('ok', ('tensor', 'torch.int64', (2,), [4, 8], False, None))),
 ('torch.tensor([1, 2]) >> 1', ('ok', ('tensor', 'torch.int64', (2,), [0, 1], False, None))),
 ('3 << torch.tensor([1, 2])', ('ok', ('tensor', 'torch.int64', (2,), [6, 12], False, None))),
 ('torch.bitwise_left_shift(torch.tensor([1], dtype=torch.int8), 9)',
  ('ok', ('tensor', 'torch.int8', (1,), [0], False, None))),
 ('torch.bitwise_left_shift(torch.tensor([1]), 64)',
  ('ok', ('tensor', 'torch.int64', (1,), [0], False, None))),
 ('torch.bitwise_right_shift(torch.tensor([-8]), 100)',
  ('ok', ('tensor', 'torch.int64', (1,), [-1], False, None))),
 ("torch.angle(torch.tensor([-1., 0., 2., float('nan')]))",
  ('ok', ('tensor', 'torch.float32', (4,), [3.1415927410125732, 0.0, 0.0, nan], False, None))),
 ('torch.angle(torch.tensor([-1, 0, 2]))',
  ('ok', ('tensor', 'torch.float32', (3,), [3.1415927410125732, 0.0, 0.0], False, None))),
 ('torch.angle(torch.tensor([-1., 0., 2.], requires_grad=True))',
  ('ok',
   ('tensor', 'torch.float32', (3,), [3.1415927410125732, 0.0, 0.0], True, 'AngleBackward0'))),
 ('torch.conj(torch.tensor([1., 2.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 2.0], False, None))),
 ('torch.conj_physical(torch.tensor([1., 2.], requires_grad=True))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 2.0], True, None))),
 ('torch.resolve_conj(torch.tensor([1., 2.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 2.0], False, None))),
 ('torch.real(torch.tensor([1., 2.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 2.0], False, None))),
 ('torch.hypot(torch.tensor([3.,1.], requires_grad=True), torch.tensor([4.,1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [5.0, 1.4142135381698608], True, 'HypotBackward0'))),
 ('torch.copysign(torch.tensor([3.,-1.], requires_grad=True), torch.tensor([-4.,1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [-3.0, 1.0], True, 'CopysignBackward0'))),
 ('torch.fmax(torch.tensor([3.,-1.], requires_grad=True), torch.tensor([-4.,1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [3.0, 1.0], True, 'FmaxBackward0'))),
 ('torch.logaddexp(torch.tensor([3.,-1.], requires_grad=True), torch.tensor([-4.,1.]))',
  ('ok',
   ('tensor', 'torch.float32', (2,), [3.0009114742279053, 1.1269279718399048], True,
    'LogaddexpBackward0'))),
 ('torch.logaddexp2(torch.tensor([3.,-1.], requires_grad=True), torch.tensor([-4.,1.]))',
  ('ok',
   ('tensor', 'torch.float32', (2,), [3.0112273693084717, 1.3219281435012817], True,
    'Logaddexp2Backward0'))),
 ('torch.exp2(torch.tensor([3.,-1.], requires_grad=True))',
  ('ok', ('tensor', 'torch.float32', (2,), [8.0, 0.5], True, 'Exp2Backward0'))),
 ('torch.ldexp(torch.tensor([3.,-1.], requires_grad=True), torch.tensor([1, 2]))',
  ('ok', ('tensor', 'torch.float32', (2,), [6.0, -4.0], True, 'LdexpBackward0'))),
 ('torch.float_power(torch.tensor([3.,1.], requires_grad=True), 2)',
  ('ok', ('tensor', 'torch.float64', (2,), [9.0, 1.0], True, 'PowBackward0'))),
 ('torch.heaviside(torch.tensor([3.,-1.], requires_grad=True), torch.tensor([1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 0.0], True, 'NotImplemented'))),
 ('torch.nextafter(torch.tensor([3.,-1.], requires_grad=True), torch.tensor([1., 2.]))',
  ('ok',
   ('tensor', 'torch.float32', (2,), [2.999999761581421, -0.9999999403953552], True,
    'NextafterBackward0'))),
 ('torch.hypot(torch.tensor([3.,1.]), torch.tensor([4.,1., 2.]))',
  ('error', 'RuntimeError',
   'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0')),
 ('torch.copysign(torch.tensor(3.), torch.tensor([-1., 1.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [-3.0, 3.0], False, None))),
 ('torch.fmax(torch.tensor([1.]), torch.tensor([2.], dtype=torch.float64))',
  ('ok', ('tensor', 'torch.float64', (1,), [2.0], False, None))),
 ('torch.logaddexp(torch.tensor([1.], dtype=torch.float16), torch.tensor([2.], '
  'dtype=torch.float16))',
  ('ok', ('tensor', 'torch.float16', (1,), [2.3125], False, None))),
 ('torch.tensor([1., 2.]).hypot_(torch.tensor([3., 4.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [3.1622776985168457, 4.4721360206604], False, None))),
 ('torch.tensor([1, 2]).hypot_(torch.tensor([3, 4]))',
  ('error', 'NotImplementedError', '"hypot_cpu" not implemented for \'Long\'')),
 ('torch.tensor([1., 2.]).copysign_(-1)',
  ('ok', ('tensor', 'torch.float32', (2,), [-1.0, -2.0], False, None))),
 ('torch.tensor([12, 18]).gcd_(torch.tensor([8, 12]))',
  ('ok', ('tensor', 'torch.int64', (2,), [4, 6], False, None))),
 ('torch.tensor([1., 2.]).ldexp_(torch.tensor([1, 2]))',
  ('ok', ('tensor', 'torch.float32', (2,), [2.0, 8.0], False, None))),
 ('torch.tensor([1, 2]).float_power_(2)',
  ('error', 'RuntimeError',
   "the base given to float_power_ has dtype Long but the operation's result requires dtype "
   'Double')),
 ('torch.tensor([1., 2.]).float_power_(2)',
  ('error', 'RuntimeError',
   "the base given to float_power_ has dtype Float but the operation's result requires dtype "
   'Double')),
 ('torch.tensor([1., 2.], dtype=torch.float64).float_power_(2)',
  ('ok', ('tensor', 'torch.float64', (2,), [1.0, 4.0], False, None))),
 ('torch.tensor([1., 2.]).exp2_()',
  ('ok', ('tensor', 'torch.float32', (2,), [2.0, 4.0], False, None))),
 ('torch.tensor([1, 2]).bitwise_left_shift_(1)',
  ('ok', ('tensor', 'torch.int64', (2,), [2, 4], False, None))),
 ('torch.tensor([-1., 2.]).sgn_()',
  ('ok', ('tensor', 'torch.float32', (2,), [-1.0, 1.0], False, None))),
 ('torch.tensor([-1., 2.]).fix_()',
  ('ok', ('tensor', 'torch.float32', (2,), [-1.0, 2.0], False, None))),
 ('torch.tensor([-1., 2.]).heaviside_(torch.tensor([0.5]))',
  ('ok', ('tensor', 'torch.float32', (2,), [0.0, 1.0], False, None))),
 ('torch.tensor([-1., 2.]).nextafter_(torch.tensor([0.5, 3.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [-0.9999999403953552, 2.000000238418579], False, None))),
 ('torch.tensor([180., 2.]).deg2rad_()',
  ('ok',
   ('tensor', 'torch.float32', (2,), [3.1415927410125732, 0.03490658476948738], False, None))),
 ('torch.tensor([180, 2]).deg2rad_()',
  ('error', 'RuntimeError', "result type Float can't be cast to the desired output type Long")),
 ('torch.tensor([-1., 2.]).lcm_(torch.tensor([1., 2.]))',
  ('error', 'NotImplementedError', '"lcm_cpu" not implemented for \'Float\''))]

test_outcome_like_pytorch = recorded_test(RECORDED, torch)


# ---- gradients (finite differences) -------------------------------------------------------------

from tests.gradcheck import gradcheck, gradgradcheck  # noqa: E402

A = np.array([[1.5, -0.7, 2.0], [0.3, -1.2, 0.8]])
B = np.array([[0.4, 1.1, -2.5], [-0.9, 0.6, 1.7]])


@pytest.mark.parametrize("fn", [torch.hypot, torch.logaddexp, torch.logaddexp2, torch.fmax,
                                torch.fmin, torch.copysign],
                         ids=["hypot", "logaddexp", "logaddexp2", "fmax", "fmin", "copysign"])
def test_binary_gradients(fn):
    gradcheck(fn, A, B)


@pytest.mark.parametrize("fn", [torch.hypot, torch.logaddexp, torch.logaddexp2],
                         ids=["hypot", "logaddexp", "logaddexp2"])
def test_binary_second_derivatives(fn):
    gradgradcheck(fn, A, B)


def test_unary_gradients():
    gradcheck(torch.exp2, A)
    gradgradcheck(torch.exp2, A)
    gradcheck(torch.deg2rad, A)
    gradcheck(torch.rad2deg, A)
    gradcheck(lambda x: torch.float_power(x, 3), A)
    gradcheck(lambda x: torch.frexp(x).mantissa, A * 1.1)  # away from the jumps at 2**k
    gradcheck(lambda x, e: torch.ldexp(x, e), A, np.array([[1., 2, 0], [3, -1, 2]]))


def test_gradients_pytorch_defines_by_convention():
    # PyTorch 2.13: copysign passes 0 at x == 0 and nothing to the sign source
    a = torch.tensor([-1., 0., 2.], requires_grad=True)
    b = torch.tensor([1., -1., 0.], requires_grad=True)
    torch.copysign(a, b).sum().backward()
    assert a.grad.tolist() == [-1.0, 0.0, 1.0] and b.grad.tolist() == [0.0, 0.0, 0.0]
    # fmax: a tie goes to input, a NaN other too
    a = torch.tensor([1., 2., 3.], requires_grad=True)
    b = torch.tensor([1., 3., float("nan")], requires_grad=True)
    torch.fmax(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 0.0, 1.0] and b.grad.tolist() == [0.0, 1.0, 0.0]
    # nextafter: the gradient passes to input unchanged
    x = torch.tensor([3., -1.], requires_grad=True)
    torch.nextafter(x, torch.tensor([1., 2.])).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    # heaviside has no derivative
    y = torch.heaviside(torch.tensor([3., -1.], requires_grad=True), torch.tensor([1.]))
    with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
        y.sum().backward()


def test_in_place_comparisons_and_shifts_keep_the_dtype():
    x = torch.tensor([1., 2., 3.])
    assert x.eq_(2) is x and x.tolist() == [0.0, 1.0, 0.0]
    y = torch.tensor([1, 2])
    y <<= 2
    assert y.tolist() == [4, 8]
    y >>= 1
    assert y.tolist() == [2, 4]
    y |= 1
    assert y.tolist() == [3, 5]
    y **= 2
    assert y.tolist() == [9, 25]
    z = torch.tensor([5., 7.])
    assert z.lt_(6).tolist() == [1.0, 0.0] and z.dtype is torch.float32
