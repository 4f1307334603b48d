"""segment_reduce, the adjoint family (adjoint, H, mH), copying variants, resize_as, and
the device modules (torch.get_device_module, torch.cpu).

Each expression's outcome (dtype, shape, values, requires_grad and grad_fn name, or the error
type and message) is written as PyTorch 2.13 gave it; gradients are checked by finite
differences below."""
import math

import numpy as np

import engine as torch
from tests.engine.torch_outcomes import recorded_test

nan, inf = math.nan, math.inf  # as the recorded values print them
RECORDED = [("torch.segment_reduce(torch.tensor([1., 2., 3., 4.]), 'sum', lengths=torch.tensor([1, 3]))",
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 9.0], False, None))),
 ("torch.segment_reduce(torch.tensor([1., 2., 3., 4.]), 'mean', lengths=torch.tensor([1, 0, 3]))",
  ('ok', ('tensor', 'torch.float32', (3,), [1.0, nan, 3.0], False, None))),
 ("torch.segment_reduce(torch.tensor([1., 2., 3., 4.]), 'max', lengths=torch.tensor([2, 0, 2]))",
  ('ok', ('tensor', 'torch.float32', (3,), [2.0, -inf, 4.0], False, None))),
 ("torch.segment_reduce(torch.tensor([1., 2., 3., 4.]), 'min', lengths=torch.tensor([2, 0, 2]), "
  'initial=7.)',
  ('ok', ('tensor', 'torch.float32', (3,), [1.0, 7.0, 3.0], False, None))),
 ("torch.segment_reduce(torch.tensor([1., 2., 3., 4.]), 'prod', offsets=torch.tensor([0, 1, 4]))",
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 24.0], False, None))),
 ("torch.segment_reduce(torch.tensor([[1., 2.], [3., 4.], [5., 6.]]), 'sum', "
  'lengths=torch.tensor([2, 1]))',
  ('ok', ('tensor', 'torch.float32', (2, 2), [[4.0, 6.0], [5.0, 6.0]], False, None))),
 ("torch.segment_reduce(torch.tensor([1., 2., 3., 4.]), 'sum', lengths=torch.tensor([1, 2]))",
  ('error', 'RuntimeError',
   'segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) '
   'when !unsafe.')),
 ("torch.segment_reduce(torch.tensor([1., 2., 3., 4.]), 'foo', lengths=torch.tensor([1, 3]))",
  ('error', 'RuntimeError',
   'reduce argument must be either sum, prod, mean, amax or amin, got foo')),
 ("torch.segment_reduce(torch.tensor([1, 2, 3, 4]), 'sum', lengths=torch.tensor([1, 3]))",
  ('error', 'NotImplementedError', '"_segment_reduce_cpu" not implemented for \'Long\'')),
 ('torch.adjoint(torch.arange(6.).reshape(2, 3))',
  ('ok', ('tensor', 'torch.float32', (3, 2), [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], False, None))),
 ('torch.arange(6.).reshape(2, 3).H',
  ('ok', ('tensor', 'torch.float32', (3, 2), [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], False, None))),
 ('torch.arange(6.).reshape(1, 2, 3).mH.shape',
  ('ok', ('tuple', [('value', 1), ('value', 3), ('value', 2)]))),
 ('torch.arange(3.).H',
  ('error', 'RuntimeError',
   'tensor.H is only supported on matrices (2-D tensors). Got 1-D tensor.')),
 ('torch.arange(3.).mH',
  ('error', 'RuntimeError',
   'tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor.')),
 ('torch.adjoint(torch.arange(3.))',
  ('error', 'RuntimeError',
   'tensor.adjoint() is only supported on matrices or batches of matrices. Got 1-D tensor.')),
 ('torch.alias_copy(torch.tensor([1, 2]))',
  ('ok', ('tensor', 'torch.int64', (2,), [1, 2], False, None))),
 ('torch.slice_copy(torch.arange(6), 0, 1, 5, 2)',
  ('ok', ('tensor', 'torch.int64', (2,), [1, 3], False, None))),
 ('torch.resize_as_(torch.arange(6.), torch.zeros(2, 1))',
  ('ok', ('tensor', 'torch.float32', (2, 1), [[0.0], [1.0]], False, None))),
 ('torch.arange(6.).resize_as(torch.zeros(2, 1))',
  ('error', 'RuntimeError',
   'requested resize to 2x1 (2 elements in total), but the given tensor has a size of 6 (6 '
   "elements). autograd's resize can only change the shape of a given tensor, while preserving the "
   'number of elements. ')),
 ('torch.ones(2).grad_dtype', ('ok', ('dtype', 'torch.float32'))),
 ('torch.ones(2, dtype=torch.long).grad_dtype', ('ok', ('dtype', 'torch.int64'))),
 ('torch.thread_safe_generator()', ('ok', ('value', None))),
 ("torch.get_device_module('cpu').is_available()", ('ok', ('value', True))),
 ("torch.get_device_module('cpu').device_count()", ('ok', ('value', 1))),
 ("torch.get_device_module('cuda').is_available()", ('ok', ('value', False))),
 ("torch.get_device_module('foo')",
  ('error', 'RuntimeError',
   'Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, '
   'lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: foo')),
 ('torch.cpu.current_device()', ('ok', ('value', 'cpu'))),
 ('torch.cpu.synchronize()', ('ok', ('value', None)))]

test_outcome_like_pytorch = recorded_test(RECORDED, torch)


def test_segment_reduce_gradient():
    from tests.gradcheck import gradcheck
    gradcheck(lambda x: torch.segment_reduce(x, "sum", lengths=torch.tensor([1, 3])),
              np.array([1., 2., 3., 4.]))
