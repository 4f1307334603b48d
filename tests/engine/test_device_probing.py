"""What scripts probe at their top: torch.accelerator, torch.backends, the default device and
dtype, Tensor.is_* probes, seeds and determinism switches, torch.compile, torch.onnx,
torch.distributed, nn.DataParallel. Expected values and messages are PyTorch 2.13's on a
machine without a GPU (tests that need one's absence skip where CuPy finds a GPU)."""
import subprocess
import sys

import numpy as np
import pytest

import engine as torch
from engine import _backend
from tests.helpers import raises

HAS_GPU = _backend.cuda_unavailable_reason() is None
no_gpu = pytest.mark.skipif(HAS_GPU, reason="checks the answers of a machine without a GPU")
NONE_AVAILABLE = "Cannot access accelerator device when none is available."


@pytest.fixture(autouse=True)
def _restore_defaults():
    yield
    torch.set_default_device(None)
    torch.set_default_dtype(torch.float32)
    torch.use_deterministic_algorithms(False)
    torch.set_float32_matmul_precision("highest")


# ---- torch.accelerator ----------------------------------------------------------------------

@no_gpu
def test_accelerator_answers_as_pytorch_without_a_gpu():
    assert torch.accelerator.is_available() is False
    assert torch.accelerator.device_count() == 0
    assert torch.accelerator.current_accelerator(check_available=True) is None
    expected = None if _backend.cupy is None else torch.device("cuda")
    assert torch.accelerator.current_accelerator() == expected
    for call in (torch.accelerator.current_device_index, torch.accelerator.synchronize,
                 torch.accelerator.memory_allocated, torch.accelerator.empty_cache,
                 torch.accelerator.get_device_capability, lambda: torch.accelerator.
                 set_device_index(0), lambda: torch.accelerator.device_index(0).__enter__()):
        raises(RuntimeError, NONE_AVAILABLE, call)
    with torch.accelerator.device_index(None):  # None switches nothing, device or not
        pass


def test_the_usual_device_line_picks_the_cpu_or_cuda():
    acc = torch.accelerator.current_accelerator(check_available=True)
    device = acc.type if torch.accelerator.is_available() else "cpu"
    assert device == ("cuda" if HAS_GPU else "cpu")
    x = torch.ones(2, device=device)
    assert x.device.type == device


def test_accelerator_lacks_streams_and_says_so():
    raises(AttributeError, "torch.accelerator.current_stream is not implemented by this "
           "playground's engine (see the coverage list)",
           lambda: torch.accelerator.current_stream)


# ---- torch.backends -------------------------------------------------------------------------

def test_backends_availability_like_a_cpu_build_of_pytorch():
    assert torch.backends.mps.is_available() is False
    assert torch.backends.mps.is_built() is False
    assert torch.backends.cudnn.is_available() is False
    assert torch.backends.cudnn.version() is None
    assert torch.backends.mkldnn.is_available() is False
    assert torch.backends.openmp.is_available() is False
    assert torch.backends.cuda.is_built() is (_backend.cupy is not None)
    assert torch.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")


def test_cudnn_flags_are_settable_and_restored_by_the_flags_context():
    cudnn = torch.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == \
        (True, False, False, True)
    cudnn.benchmark = True
    cudnn.deterministic = True
    try:
        assert cudnn.benchmark and cudnn.deterministic
        with cudnn.flags(enabled=False, benchmark=False):
            assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (False, False, False)
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, True, True)
    finally:
        cudnn.benchmark = cudnn.deterministic = False


def test_cuda_matmul_allow_tf32_follows_matmul_precision():
    matmul = torch.backends.cuda.matmul
    assert matmul.allow_tf32 is False
    torch.set_float32_matmul_precision("high")
    assert matmul.allow_tf32 is True and torch.get_float32_matmul_precision() == "high"
    matmul.allow_tf32 = False
    assert torch.get_float32_matmul_precision() == "highest"
    assert matmul.allow_fp16_reduced_precision_reduction is True
    raises(AttributeError, "Unknown attribute foo", lambda: matmul.foo)
    with pytest.warns(UserWarning, match="foo is not one of 'highest', 'high', or 'medium'"):
        torch.set_float32_matmul_precision("foo")


def test_backends_import_as_modules_under_the_alias():
    code = ("from playground.sandbox import torch_alias; torch_alias.install()\n"
            "import torch.backends.cudnn as cudnn\n"
            "import torch.backends.mps, torch.accelerator, torch.onnx, torch.distributed\n"
            "import torch.nn.parallel\n"
            "from torch.nn.parallel import DistributedDataParallel as DDP\n"
            "cudnn.benchmark = True\n"
            "import torch\n"
            "print(torch.backends.cudnn.benchmark, torch.distributed.is_available())\n"
            "try:\n    torch.backends.mps.foo\nexcept AttributeError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["True False",
                                        "module 'torch.backends.mps' has no attribute 'foo'"]


# ---- default device and dtype ---------------------------------------------------------------

def test_device_names_every_type_pytorch_parses():
    assert repr(torch.device("mps")) == "device(type='mps')"
    assert repr(torch.device("cuda", 1)) == "device(type='cuda', index=1)"
    raises(RuntimeError, "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, "
           "hip, ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device "
           "type at start of device string: foo", lambda: torch.device("foo"))
    raises(RuntimeError, "type (string) must not include an index because index was passed "
           "explicitly: cuda:1", lambda: torch.device("cuda:1", 0))
    raises(RuntimeError, "Invalid device string: 'cuda:-1'", lambda: torch.device("cuda:-1"))
    raises(RuntimeError, "Cannot put a tensor on mps: this playground's engine has no 'mps' "
           "backend (tensors live on 'cpu', and on 'cuda' where a GPU is present)",
           lambda: torch.zeros(2).to("mps"))


def test_default_device_is_used_by_factories_only():
    assert torch.get_default_device() == torch.device("cpu")
    torch.set_default_device("meta")
    assert torch.get_default_device() == torch.device("meta")
    with pytest.raises(RuntimeError, match="no 'meta' backend"):
        torch.zeros(2)
    with pytest.raises(RuntimeError, match="no 'meta' backend"):
        torch.tensor([1.0])
    torch.set_default_device(None)
    assert torch.zeros(2).device == torch.device("cpu")
    with torch.device("meta"):
        with pytest.raises(RuntimeError, match="no 'meta' backend"):
            torch.arange(3)
    assert torch.arange(3).device == torch.device("cpu")


@no_gpu
def test_default_cuda_device_without_a_gpu_fails_at_the_factory():
    torch.set_default_device("cuda")
    with pytest.raises(RuntimeError, match="Cannot move a tensor to cuda"):
        torch.nn.Linear(2, 2)


def test_default_dtype_reaches_factories_and_python_floats():
    torch.set_default_dtype(torch.float64)
    # PyTorch 2.13: every one of these is float64, integers stay int64
    made = [torch.tensor([1.5]), torch.zeros(1), torch.arange(0., 1.), torch.rand(1),
            torch.tensor([1, 2]) * 0.5, torch.tensor([1, 2]) / 2, torch.nn.Linear(2, 2).weight,
            torch.linspace(0, 1, 3), torch.full((1,), 1.5), torch.Tensor(1), torch.empty(1),
            torch.randn(1), torch.eye(1), torch.FloatTensor([1]).double()]
    assert [t.dtype for t in made] == [torch.float64] * len(made)
    assert torch.tensor(2).dtype is torch.int64
    assert torch.FloatTensor([1]).dtype is torch.float32
    raises(TypeError, "only floating-point types are supported as the default type",
           lambda: torch.set_default_dtype(torch.int32))


# ---- Tensor probes --------------------------------------------------------------------------

def test_tensor_device_probes_like_pytorch():
    x = torch.arange(6.).reshape(2, 3)
    # [(name, getattr(x, name)) for the is_* attributes], PyTorch 2.13, a CPU tensor
    expected = {"is_cpu": True, "is_cuda": False, "is_ipu": False, "is_leaf": True,
                "is_maia": False, "is_meta": False, "is_mkldnn": False, "is_mps": False,
                "is_mtia": False, "is_nested": False, "is_quantized": False,
                "is_sparse": False, "is_sparse_csr": False, "is_vulkan": False,
                "is_xla": False, "is_xpu": False}
    assert {name: getattr(x, name) for name in expected} == expected
    assert repr(x.layout) == "torch.strided" and x.layout is torch.strided
    assert repr(torch.channels_last) == "torch.channels_last"
    assert x.get_device() == -1
    assert x[1:].storage_offset() == 3 and x[:, 1].storage_offset() == 1
    assert x.nbytes == 24 and x.itemsize == 4
    assert x.dim_order() == (0, 1) and x.t().dim_order() == (1, 0)
    assert x.is_pinned() is False and x.name is None
    assert x.to_dense() is x
    assert x.is_set_to(x) and not x.is_set_to(x.view(6))
    raises(RuntimeError, "Cannot put a tensor on xpu: this playground's engine has no 'xpu' "
           "backend (tensors live on 'cpu', and on 'cuda' where a GPU is present)", x.xpu)


def test_tensor_predicates_like_pytorch():
    x = torch.arange(6.).reshape(2, 3)
    assert (x.is_complex(), x.is_conj(), x.is_neg(), x.is_signed()) == (False, False, False,
                                                                         True)
    assert torch.tensor([1], dtype=torch.uint8).is_signed() is False
    assert torch.tensor([0.]).is_nonzero() is False and torch.tensor(3).is_nonzero() is True
    raises(RuntimeError, "Boolean value of Tensor with more than one value is ambiguous",
           x.is_nonzero)
    raises(RuntimeError, "Boolean value of Tensor with no values is ambiguous",
           torch.tensor([]).is_nonzero)
    assert x.is_same_size(x.clone()) and not x.is_same_size(x.t())


def test_inference_mode_marks_tensors_and_works_as_a_bare_decorator():
    with torch.inference_mode():
        y = torch.ones(2)
        z = y * 2
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
        with torch.inference_mode(False):
            assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
            assert not torch.ones(1).is_inference()
    assert (y.is_inference(), z.is_inference(), y.view(2).is_inference()) == (True, True, True)
    assert not torch.ones(1).is_inference() and not torch.is_inference_mode_enabled()

    @torch.inference_mode
    def double(x):
        return x * 2

    @torch.no_grad
    def triple(x):
        return x * 3

    leaf = torch.ones(1, requires_grad=True)
    assert double(leaf).is_inference() and not double(leaf).requires_grad
    assert not triple(leaf).requires_grad


def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    w = torch.ones(2, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    assert seen == [[3.0, 3.0], [6.0, 6.0]]
    handle.remove()
    (w * 3).sum().backward()
    assert len(seen) == 2
    raises(RuntimeError, "post accumulate grad hooks cannot be registered on non-leaf tensors",
           lambda: (w * 2).register_post_accumulate_grad_hook(print))


# ---- seeds, determinism, threads, anomaly ---------------------------------------------------

def test_seeds_and_rng_state():
    assert repr(torch.manual_seed(3)).startswith("<torch._C.Generator object at 0x")
    assert torch.initial_seed() == 3
    torch.cuda.manual_seed(4)
    torch.cuda.manual_seed_all(5)
    assert torch.initial_seed() == 5
    state = torch.get_rng_state()
    a = torch.rand(3)
    torch.set_rng_state(state)
    assert torch.equal(a, torch.rand(3))
    assert isinstance(torch.seed(), int)


def test_deterministic_switches_like_pytorch():
    assert torch.are_deterministic_algorithms_enabled() is False
    torch.use_deterministic_algorithms(True, warn_only=True)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()
    assert torch.get_deterministic_debug_mode() == 1
    torch.set_deterministic_debug_mode("error")
    assert torch.get_deterministic_debug_mode() == 2
    torch.set_deterministic_debug_mode(0)
    assert not torch.are_deterministic_algorithms_enabled()
    raises(TypeError, "_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
           "bool, not int", lambda: torch.use_deterministic_algorithms(1))
    raises(RuntimeError, "invalid value of debug_mode, expected one of `default`, `warn`, "
           "`error`, but got foo", lambda: torch.set_deterministic_debug_mode("foo"))
    raises(RuntimeError, "invalid value of debug_mode, expected 0, 1, or 2, but got 5",
           lambda: torch.set_deterministic_debug_mode(5))


def test_set_num_threads_sets_the_engines_thread_count():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    raises(RuntimeError, "set_num_threads expects a positive integer",
           lambda: torch.set_num_threads(0))
    assert torch.get_num_interop_threads() >= 1
    assert torch.set_flush_denormal(True) is False


def test_anomaly_detection_names_the_node_that_returned_nan():
    x = torch.tensor([0., 1.], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ctx = torch.autograd.detect_anomaly()
    with ctx:
        assert torch.is_anomaly_enabled() and torch.is_anomaly_check_nan_enabled()
        y = (x.sqrt() * 0).sum()
        raises(RuntimeError, "Function 'SqrtBackward0' returned nan values in its 0th output.",
               y.backward)
    assert not torch.is_anomaly_enabled()
    (x.sqrt() * 0).sum().backward()  # off again: NaN flows through, as in PyTorch
    assert np.isnan(x.grad.numpy()[0])
    torch.autograd.set_detect_anomaly(True)
    assert torch.is_anomaly_enabled()
    torch.autograd.set_detect_anomaly(False)
    assert not torch.is_anomaly_enabled()


# ---- compile, onnx, distributed, DataParallel -----------------------------------------------

def test_compile_returns_the_module_or_function_unchanged():
    model = torch.nn.Linear(2, 2)
    assert torch.compile(model) is model
    assert torch.compile(model, mode="max-autotune", fullgraph=True) is model

    @torch.compile
    def f(x):
        return x + 1

    @torch.compile(dynamic=True)
    def g(x):
        return x * 2

    assert f(torch.ones(1)).item() == 2.0 and g(torch.ones(1)).item() == 2.0
    raises(RuntimeError, "Unrecognized mode=foo, should be one of: default, reduce-overhead, "
           "max-autotune, max-autotune-no-cudagraphs", lambda: torch.compile(model, mode="foo"))


def test_onnx_imports_and_export_refuses_clearly():
    assert torch.onnx.is_in_onnx_export() is False
    with pytest.raises(RuntimeError, match="torch.onnx.export is not available in this "
                                           "playground's engine"):
        torch.onnx.export(torch.nn.Linear(2, 2), torch.ones(1, 2), "model.onnx")


def test_distributed_is_not_available():
    assert torch.distributed.is_available() is False
    assert torch.distributed.is_initialized() is False
    with pytest.raises(RuntimeError, match="torch.distributed is not available"):
        torch.distributed.init_process_group("gloo")
    raises(AttributeError, "torch.distributed.all_reduce is not implemented by this "
           "playground's engine (see the coverage list)", lambda: torch.distributed.all_reduce)


@no_gpu
def test_data_parallel_on_one_device_wraps_the_module_like_pytorch():
    inner = torch.nn.Linear(2, 3)
    dp = torch.nn.DataParallel(inner)
    assert torch.nn.parallel.DataParallel is torch.nn.DataParallel
    assert dp.module is inner and dp.device_ids == []
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    assert repr(dp) == ("DataParallel(\n  (module): Linear(in_features=2, out_features=3, "
                        "bias=True)\n)")
    x = torch.ones(4, 2)
    assert torch.equal(dp(x), inner(x))
    dp(x).sum().backward()
    assert inner.weight.grad is not None
    assert str(type(dp)) == "<class 'torch.nn.parallel.data_parallel.DataParallel'>"
    fresh = torch.nn.Linear(2, 3)
    torch.nn.DataParallel(fresh).load_state_dict(dp.state_dict())
    assert torch.equal(fresh.weight, inner.weight)


def test_distributed_data_parallel_imports_and_refuses():
    from engine.nn.parallel import DistributedDataParallel
    with pytest.raises(RuntimeError, match="DistributedDataParallel needs torch.distributed"):
        DistributedDataParallel(torch.nn.Linear(2, 2))


# ---- what type(x) prints ----------------------------------------------------------------------

def test_types_print_their_torch_paths():
    x = torch.zeros(2, requires_grad=True)
    y = x * 2
    got = [str(type(o)) for o in (x, x.shape, x.dtype, x.device, torch.Generator(),
                                  x.max(0), torch.finfo(), torch.iinfo(torch.int8),
                                  torch.no_grad(), torch.enable_grad(), torch.inference_mode(),
                                  torch.strided, torch.contiguous_format, y.grad_fn,
                                  y.grad_fn.next_functions[0][0])]
    # the same objects' types printed by PyTorch 2.13
    assert got == ["<class 'torch.Tensor'>", "<class 'torch.Size'>", "<class 'torch.dtype'>",
                   "<class 'torch.device'>", "<class 'torch._C.Generator'>",
                   "<class 'torch.return_types.max'>", "<class 'torch.finfo'>",
                   "<class 'torch.iinfo'>", "<class 'torch.autograd.grad_mode.no_grad'>",
                   "<class 'torch.autograd.grad_mode.enable_grad'>",
                   "<class 'torch.autograd.grad_mode.inference_mode'>",
                   "<class 'torch.layout'>", "<class 'torch.memory_format'>",
                   "<class 'MulBackward0'>", "<class 'AccumulateGrad'>"]
    assert str(torch.autograd.Function) == "<class 'torch.autograd.function.Function'>"
    assert str(torch.FloatTensor) == "<class 'torch.FloatTensor'>"
    assert str(torch.cuda.LongTensor) == "<class 'torch.cuda.LongTensor'>"
    assert str(torch.autograd.Variable) == "<class 'torch.autograd.variable.Variable'>"
