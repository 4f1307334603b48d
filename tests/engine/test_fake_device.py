"""Device semantics of "cuda" tensors, checked on fake_cupy, a test double of CuPy.

The double is a CuPy-like library on NumPy (its own array type, no implicit mixing with NumPy,
device ids, a memory pool): it lets CI check the engine's DEVICE LOGIC on machines with no
GPU. It is not evidence that anything works on a GPU; ``bench/gpu_check.py`` runs the engine's
tests on real CuPy (ENGINE_TEST_DEVICE=cuda). Expected messages are PyTorch 2.13's.
"""
import io

import numpy as np
import pytest

import engine as torch
from engine import _backend, nn
from tests.engine import fake_cupy
from tests.helpers import raises


@pytest.fixture(autouse=True)
def fake_gpu():
    previous = _backend.use_cuda_backend(fake_cupy.cupy, fake_cupy.cupyx)
    fake_cupy.reset()
    try:
        yield fake_cupy
    finally:
        _backend.use_cuda_backend(*previous)
        torch.set_default_device(None)
        fake_cupy.reset()


def on_device(t):
    return isinstance(t._data, fake_cupy.ndarray)


# ---- the double itself refuses what CuPy refuses ----------------------------------------------

def test_the_double_refuses_numpy_arrays_and_implicit_conversion():
    cp = fake_cupy.cupy
    a = cp.asarray([1.0, 2.0])
    assert not isinstance(a, np.ndarray)
    raises(TypeError, "Unsupported type <class 'numpy.ndarray'>", lambda: a + np.ones(2))
    raises(TypeError, "Unsupported type <class 'numpy.ndarray'>", lambda: cp.add(a, np.ones(2)))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        np.asarray(a)
    assert isinstance(cp.sum(a), fake_cupy.ndarray)  # reductions stay on the device, 0-d
    assert cp.asnumpy(a).tolist() == [1.0, 2.0]
    with cp.cuda.Device(1):
        b = cp.zeros(2)
    assert b.device.id == 1
    with pytest.raises(ValueError, match="Array device must be same"):
        a + b


# ---- device propagation, moves, mixing --------------------------------------------------------

def test_ops_and_gradients_stay_on_the_device():
    x = torch.tensor([[1.0, -2.0], [3.0, 0.5]], device="cuda", requires_grad=True)
    assert x.device == torch.device("cuda", 0) and x.is_cuda and on_device(x)
    y = (x.exp() * 2 + x @ x.T).relu().sum(dim=1).mean()
    assert y.device == torch.device("cuda:0") and on_device(y)
    y.backward()
    assert x.grad.device == torch.device("cuda:0") and on_device(x.grad)
    cpu = torch.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    (cpu.exp() * 2 + cpu @ cpu.T).relu().sum(dim=1).mean().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), cpu.grad.numpy(), rtol=1e-6)


def test_to_cuda_cpu_move_and_keep_values():
    x = torch.arange(6.0).reshape(2, 3)
    g = x.cuda()
    assert str(g.device) == "cuda:0" and on_device(g)
    assert g.cuda() is g and g.to("cuda") is g and g.to("cuda:0") is g
    back = g.cpu()
    assert back.device == torch.device("cpu") and isinstance(back._data, np.ndarray)
    assert back.tolist() == x.tolist()
    one = x.to("cuda:1")
    assert one.device == torch.device("cuda", 1) and one.get_device() == 1
    assert x.to(torch.device("cuda"), torch.float64).dtype == torch.float64
    assert torch.zeros(2, device=0).device == torch.device("cuda:0")


def test_default_device_cuda_makes_indexed_cuda_tensors():
    torch.set_default_device("cuda")
    t = torch.ones(2)
    assert repr(t.device) == "device(type='cuda', index=0)"
    assert repr(t) == "tensor([1., 1.], device='cuda:0')"


def test_mixing_devices_raises_pytorchs_message():
    g = torch.ones(3, device="cuda")
    c = torch.ones(3)
    raises(RuntimeError, "Expected all tensors to be on the same device, but found at least "
           "two devices, cuda:0 and cpu!", lambda: g + c)
    raises(RuntimeError, "Expected all tensors to be on the same device, but found at least "
           "two devices, cuda:0 and cpu!", lambda: c * g)  # the non-CPU device first
    model = nn.Linear(3, 2).cuda()
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        model(c)


def test_numpy_of_a_cuda_tensor_is_refused_as_in_pytorch():
    g = torch.ones(2, device="cuda")
    raises(TypeError, "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to "
           "copy the tensor to host memory first.", g.numpy)
    assert g.cpu().numpy().tolist() == [1.0, 1.0]


def test_pin_memory_and_non_blocking_are_accepted():
    x = torch.ones(4).pin_memory()  # a host copy: the engine locks no pages (is_pinned False)
    assert x.device == torch.device("cpu")
    g = x.to("cuda", non_blocking=True)
    assert on_device(g)
    assert g.cpu().tolist() == [1.0] * 4
    assert x.cuda(non_blocking=True).device.type == "cuda"
    assert torch.tensor([1.0], pin_memory=True).tolist() == [1.0]


# ---- modules, optimizers, checkpoints ---------------------------------------------------------

def _train_step(model, opt, x, y):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def test_optimizer_state_and_state_dict_follow_the_parameters():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).cuda()
    assert all(on_device(p) for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = torch.randn(16, 4, device="cuda"), torch.randn(16, 1, device="cuda")
    _train_step(model, opt, x, y)
    for state in opt.state.values():
        assert on_device(state["exp_avg"]) and on_device(state["exp_avg_sq"])
        assert state["step"].device == torch.device("cpu")  # as PyTorch: step stays on the CPU
    saved = opt.state_dict()
    assert on_device(saved["state"][0]["exp_avg"])
    # a CPU copy loads the state onto its own parameters' device, as PyTorch casts it
    cpu_model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    cpu_model.load_state_dict({k: v.cpu() for k, v in model.state_dict().items()})
    cpu_opt = torch.optim.Adam(cpu_model.parameters(), lr=0.01)
    cpu_opt.load_state_dict(saved)
    assert cpu_opt.state[cpu_model[0].weight]["exp_avg"].device == torch.device("cpu")
    gpu_loss = _train_step(model, opt, x, y)
    cpu_loss = _train_step(cpu_model, cpu_opt, x.cpu(), y.cpu())
    assert gpu_loss == pytest.approx(cpu_loss, rel=1e-5)


def test_save_and_load_with_map_location():
    g = torch.arange(4.0, device="cuda")
    buf = io.BytesIO()
    torch.save({"w": g, "n": 3}, buf)
    buf.seek(0)
    loaded = torch.load(buf)
    assert loaded["w"].device == torch.device("cuda:0") and on_device(loaded["w"])
    for location in ("cpu", torch.device("cpu"), {"cuda:0": "cpu"},
                     lambda storage, loc: storage):
        buf.seek(0)
        w = torch.load(buf, map_location=location)["w"]
        assert w.device == torch.device("cpu") and isinstance(w._data, np.ndarray), location
        assert w.tolist() == [0.0, 1.0, 2.0, 3.0]
    buf.seek(0)
    assert torch.load(buf, map_location="cuda:1")["w"].device == torch.device("cuda:1")


def test_a_cpu_checkpoint_loads_onto_the_gpu():
    buf = io.BytesIO()
    torch.save(nn.Linear(2, 2).state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, map_location="cuda")
    assert all(on_device(v) for v in state.values())


# ---- torch.cuda ------------------------------------------------------------------------------

def test_torch_cuda_probes():
    assert torch.cuda.is_available() and torch.accelerator.is_available()
    assert torch.cuda.device_count() == fake_cupy.DEVICE_COUNT
    assert torch.cuda.current_device() == 0
    assert torch.cuda.get_device_name() == "Fake CUDA device (test double)"
    assert torch.cuda.get_device_capability() == (9, 0)
    torch.cuda.synchronize()
    with torch.cuda.device(1):
        assert torch.cuda.current_device() == 1
        assert torch.ones(1, device="cuda").device == torch.device("cuda:1")
    assert torch.cuda.current_device() == 0
    free, total = torch.cuda.mem_get_info()
    assert total == fake_cupy.TOTAL_MEMORY and 0 < free <= total


def test_memory_counters_follow_live_tensors():
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    big = torch.zeros(1024, 1024, device="cuda")  # 4 MiB of float32
    assert torch.cuda.memory_allocated() - base >= 4 * 2 ** 20
    peak = torch.cuda.max_memory_allocated()
    assert peak >= base + 4 * 2 ** 20
    del big
    assert torch.cuda.memory_allocated() == base
    assert torch.cuda.max_memory_allocated() == peak  # the peak stays until reset
    assert torch.cuda.memory_reserved() >= peak  # the pool keeps the freed block
    torch.cuda.empty_cache()
    assert torch.cuda.memory_reserved() == torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    assert torch.cuda.max_memory_allocated() == torch.cuda.memory_allocated()


def test_manual_seed_repeats_the_stream_on_the_device():
    def draw():
        torch.cuda.manual_seed(123)
        net = nn.Linear(3, 3).cuda()
        x = torch.randn(4, 3, device="cuda")
        return torch.cat([net.weight.flatten(), nn.functional.dropout(x).flatten(),
                          torch.rand(2, device="cuda"),
                          torch.randint(0, 9, (2,), device="cuda").float()])
    first, second = draw(), draw()
    assert on_device(first)
    assert first.tolist() == second.tolist()
    torch.manual_seed(123)  # torch.manual_seed seeds the device too
    assert first.tolist() == draw().tolist()


# ---- ops whose CuPy path is their own ----------------------------------------------------------

def both(fn, *arrays, grad=True):
    """fn on CPU tensors and on cuda tensors: (cpu result, cuda result, cpu grads, cuda grads)."""
    outs, grads = [], []
    for device in ("cpu", "cuda"):
        ts = [torch.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f")
              for a in arrays]
        out = fn(*ts)
        if grad:
            if out.requires_grad:
                out.float().sum().backward()
        outs.append(out)
        grads.append([t.grad for t in ts if t.requires_grad])
    cpu, gpu = outs
    assert on_device(gpu), "the cuda result must be a device array"
    np.testing.assert_allclose(gpu.detach().cpu().numpy(), cpu.detach().numpy(), rtol=1e-6, atol=1e-7)
    for gc, gg in zip(*grads):
        assert on_device(gg)
        np.testing.assert_allclose(gg.cpu().numpy(), gc.numpy(), rtol=1e-6, atol=1e-7)


rng = np.random.default_rng(5)


@pytest.mark.parametrize("name,fn,arrays", [
    ("embedding scatter-add", lambda w, i: nn.functional.embedding(i, w),
     (rng.standard_normal((5, 3)), np.array([0, 2, 2, 4, 0]))),
    ("index_add", lambda x, i, v: x.index_add(0, i, v),
     (rng.standard_normal((4, 2)), np.array([1, 1, 3]), rng.standard_normal((3, 2)))),
    ("scatter_add", lambda x, i, v: x.scatter_add(0, i, v),
     (np.zeros((3, 2)), np.array([[0, 1], [0, 1], [2, 0]]), rng.standard_normal((3, 2)))),
    ("erf", lambda x: torch.erf(x) + torch.special.erfinv(x.tanh() * 0.5),
     (rng.standard_normal(6),)),
    ("max_pool2d indices", lambda x: nn.functional.max_pool2d(x, 2),
     (rng.standard_normal((1, 2, 4, 4)),)),
    ("conv2d im2col", lambda x, w: nn.functional.conv2d(x, w, padding=1),
     (rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)))),
    ("sort", lambda x: x.sort(dim=1).values * torch.arange(1, 4.0, device=x.device),
     (rng.standard_normal((2, 3)),)),
    ("topk", lambda x: x.topk(2).values, (rng.standard_normal((3, 4)),)),
    ("boolean mask read", lambda x: x[x > 0] * 2, (rng.standard_normal(8),)),
    ("boolean mask write", lambda x: x.masked_fill(x < 0, 0.5), (rng.standard_normal(8),)),
    ("cumsum", lambda x: x.cumsum(0), (rng.standard_normal(5),)),
])
def test_ops_with_their_own_cuda_path_match_the_cpu(name, fn, arrays):
    both(fn, *arrays)


def test_unique_and_nonzero_on_the_device():
    x = torch.tensor([3, 1, 3, 2, 1], device="cuda")
    values, counts = torch.unique(x, return_counts=True)
    assert on_device(values) and values.tolist() == [1, 2, 3] and counts.tolist() == [2, 1, 2]
    nz = torch.nonzero(x > 1)
    assert on_device(nz) and nz.flatten().tolist() == [0, 2, 3]
    assert x.argsort(stable=True).tolist() == [1, 4, 3, 0, 2]


@pytest.mark.parametrize("name,fn,arrays", [
    ("scatter_reduce prod (multiply.at)",
     lambda x, i, v: x.scatter_reduce(0, i, v, "prod"),
     (rng.standard_normal(4) + 2, np.array([0, 0, 3]), rng.standard_normal(3))),
    ("scatter_reduce amax", lambda x, i, v: x.scatter_reduce(0, i, v, "amax"),
     (rng.standard_normal(4), np.array([1, 1, 2]), rng.standard_normal(3))),
    ("index_reduce prod", lambda x, i, v: x.index_reduce(0, i, v, "prod"),
     (rng.standard_normal((3, 2)) + 2, np.array([0, 0]), rng.standard_normal((2, 2)))),
    ("cummax (maximum.accumulate)", lambda x: x.cummax(0).values + x.cummax(0).indices,
     (rng.standard_normal(6),)),
    ("embedding_bag max (reduceat)",
     lambda w, i: nn.functional.embedding_bag(i, w, torch.tensor([0, 2], device=w.device),
                                              mode="max"),
     (rng.standard_normal((5, 3)), np.array([0, 4, 1, 1]))),
    ("embedding_bag sum (reduceat)",
     lambda w, i: nn.functional.embedding_bag(i, w, torch.tensor([0, 1], device=w.device),
                                              mode="sum"),
     (rng.standard_normal((5, 3)), np.array([0, 4, 1, 1]))),
])
def test_ufunc_methods_cupy_lacks_have_a_path(name, fn, arrays):
    """CuPy has ufunc.at only for add/maximum/minimum and no reduce/accumulate/reduceat (the
    double refuses them as CuPy does): these ops go through _backend.ufunc_at/ufunc_method."""
    both(fn, *arrays)
