"""Which device the engine's value tests run on.

``ENGINE_TEST_DEVICE`` (or ``--engine-device`` when pytest is pointed at tests/engine):

- ``cpu`` (the default): NumPy;
- ``cuda``: real CuPy on a GPU (``bench/gpu_check.py`` runs this on a GPU machine);
- ``fakecuda``: ``fake_cupy``, the test double of CuPy, behind "cuda". It checks the device
  LOGIC (nothing may fall back to NumPy unnoticed, nothing may mix devices), not that a GPU
  computes right.

In the modules of ``DEVICE_MODULES`` every test runs with the device as the factories'
default (``torch.set_default_device``), so ``engine.tensor(...)``, ``nn.Linear(...)`` and
the like put their data there, and results are read back through ``.cpu()`` (the value tests
read with ``.numpy()``; PyTorch refuses that on a cuda tensor, and ``test_fake_device.py``
checks the engine does too). A test that checks host-only behaviour (``from_numpy`` memory
sharing, ...) is marked ``host_only``. Tests may also ask for the ``device`` fixture by name.

In the default run (cpu) the modules of ``FAKE_IN_CI`` run a second time on the double, so CI
keeps the device path honest without a GPU.
"""
import os

import numpy as np
import pytest

import engine
from engine import _backend
from engine.tensor import Tensor

DEVICE_MODULES = {
    "test_elementwise", "test_ops_elementwise_more", "test_reduce", "test_shape",
    "test_select", "test_indexing", "test_index_range", "test_erf", "test_special",
    "test_fmod_remainder", "test_floor", "test_ops_stats", "test_ops_misc_more",
    "test_ops_strided", "test_ops_build_and_factories", "test_linalg", "test_fft",
    "test_autograd", "test_nn_gradcheck", "test_nn_layers", "test_nn_losses",
    "test_nn_training", "test_optim_optimizers", "test_optim_training",
    "test_optim_more_optimizers", "test_optim_lr_scheduler", "test_serialization",
    "test_creation", "test_linalg_factorizations", "test_distributions", "test_nn_init",
    "test_nn_module", "test_optim_lbfgs", "test_optim_version_counter",
    "test_serialization_torch", "test_tensor_copy_pickle", "test_tensor_factories",
    "test_data_loading", "test_samplers_lazy", "test_nn_reference"}
# Not listed: modules that compare printed output or reprs with PyTorch CPU's (test_repr,
# the seed scripts), type names (test_dtype, test_legacy_constructors), or build their cases
# at import time, before a device is chosen (test_inplace_variants).

FAKE_IN_CI = {"test_elementwise", "test_reduce", "test_erf", "test_nn_gradcheck",
              "test_nn_layers", "test_optim_optimizers", "test_serialization"}

DEVICES = ("cpu", "cuda", "fakecuda")

# Tests of what only a CPU tensor does (or says), skipped on a device: "module::test[param]".
_TYPE_NAME = "expects the CPU tensor's type name (torch.FloatTensor) in a message or repr"
_REPR = "expects a CPU tensor's repr (a cuda one adds device='cuda:0')"
_SHARING = "checks memory shared with NumPy or a storage view, which a device copy cannot be"
HOST_ONLY = {
    "test_reduce::test_max_min_with_dim_named_tuple": _REPR,
    "test_reduce::test_aminmax": _REPR,
    "test_reduce::test_median_nanmedian": _REPR,
    "test_select::test_sort_values_indices_and_named_tuple": _REPR,
    "test_linalg_factorizations::test_return_types_fields_and_dtypes": _REPR,
    "test_nn_module::test_parameter_repr_and_identity": _REPR,
    "test_distributions::test_validation_messages_as_pytorch[<lambda>-Expected parameter scale":
        _REPR,
    "test_nn_module::test_setattr_errors_match_pytorch": _TYPE_NAME,
    "test_nn_reference::test_case_matches_pytorch[lazy_LazyBatchNorm": _REPR,
    "test_nn_reference::test_case_matches_pytorch[lazy_LazyInstanceNorm": _REPR,
    "test_nn_reference::test_case_matches_pytorch[repr_containers_and_types": _REPR,
    "test_nn_reference::test_case_matches_pytorch[packed_sequences":
        "builds batch_sizes with the default device, which PyTorch requires on the CPU",
    "test_serialization_torch::test_a_whole_pytorch_model_loads_as_the_engines_modules":
        "loads a CPU checkpoint and feeds it the default device's input",
    "test_serialization_torch::test_engine_to_pytorch_to_engine":
        "the PyTorch installed beside the tests is a CPU build: it cannot load cuda tensors",
    "test_optim_optimizers::test_state_dict_layout_matches_pytorch": _REPR,
    "test_optim_optimizers::test_adagrad_has_state_from_construction_like_pytorch": _REPR,
    "test_optim_more_optimizers::test_rprop_state_and_repr_match_pytorch": _REPR,
    "test_shape::test_expand_error_names_the_tensor_type": _TYPE_NAME,
    "test_indexing::test_setitem_on_leaf_and_stale_saved_tensor": _TYPE_NAME,
    "test_autograd::test_inplace_change_of_saved_tensor_is_caught_by_version_counter":
        _TYPE_NAME,
    "test_optim_optimizers::test_bad_params_are_refused_with_pytorchs_messages[tensor-":
        _TYPE_NAME,
    "test_ops_build_and_factories::test_outcome_like_pytorch[torch.typename": _TYPE_NAME,
    "test_indexing::test_copies_do_not_share_storage": _SHARING,
    "test_indexing::test_numpy_and_from_numpy_share_memory": _SHARING,
    "test_ops_strided::test_as_strided_is_a_view_of_the_storage": _SHARING,
    "test_ops_strided::test_outcome_like_pytorch[torch.as_strided(torch.arange(9.)": _SHARING,
    "test_ops_build_and_factories::test_asarray_frombuffer_and_dlpack_share_memory": _SHARING,
    "test_ops_build_and_factories::test_outcome_like_pytorch[torch.empty_strided": _SHARING,
    "test_ops_build_and_factories::test_outcome_like_pytorch[torch.zeros(2).new_empty_strided":
        _SHARING,
    "test_serialization::test_views_of_one_tensor_keep_sharing_one_storage": _SHARING,
    "test_serialization::test_mmap_maps_the_file_copy_on_write": _SHARING,
    "test_optim_optimizers::test_large_parameter_is_updated_in_pieces_like_a_small_one":
        "its parameter comes from from_numpy (a CPU tensor)",
    "test_ops_build_and_factories::test_outcome_like_pytorch[torch.zeros(3).apply_":
        "apply_/map_ are CPU-only in PyTorch too",
    "test_ops_build_and_factories::test_outcome_like_pytorch[torch.tensor([1., 2.]).map":
        "apply_/map_ are CPU-only in PyTorch too",
    "test_ops_build_and_factories::test_outcome_like_pytorch[torch.tensor([1, 2]).apply_":
        "apply_/map_ are CPU-only in PyTorch too",
    "test_ops_misc_more::test_outcome_like_pytorch[torch.get_device_module('cuda').":
        "records a machine without a GPU",
    "test_serialization::test_map_location_forms": "expects CPU tensors to load",
    "test_serialization::test_a_checkpoint_saved_on_a_gpu_loads_on_the_cpu_with_map_location":
        "checks the refusal of a machine without a GPU",
    "test_serialization::test_a_first_format_checkpoint_saved_from_a_gpu_loads_with_map_location":
        "checks the refusal of a machine without a GPU",
    "test_erf::test_erf_values_like_pytorch":
        "exact to the last bit against PyTorch's CPU kernel; the device's erf differs in ulps "
        "(test_fake_device compares the device with a tolerance)",
    "test_erf::test_erf_in_place_and_out": "exact to the last bit, as above",
    "test_nn_gradcheck::test_packed_lstm_gradients":
        "builds batch_sizes with the default device, which PyTorch requires on the CPU",
}

# Known gaps of the engine's device path (strict xfail: fixing one makes its test fail here
# until it is taken off this list).
DEVICE_GAPS = {
}


def _listed(table, request):
    """The reason ``table`` gives for this test, if any (a key's [param] part is a prefix of
    the test's parameters)."""
    module = request.module.__name__.rpartition(".")[2]
    params = request.node.name[len(request.node.originalname):]
    for key, reason in table.items():
        name, _, param = key.partition("::")[2].partition("[")
        if key.startswith(module + "::") and name == request.node.originalname and (
                not param or param in params):
            return reason
    return None


def pytest_addoption(parser):
    parser.addoption("--engine-device", choices=DEVICES, default=None,
                     help="run the engine's value tests on this device (ENGINE_TEST_DEVICE)")


def run_device(config):
    chosen = config.getoption("--engine-device", default=None) or \
        os.environ.get("ENGINE_TEST_DEVICE", "cpu")
    if chosen not in DEVICES:
        raise pytest.UsageError(f"ENGINE_TEST_DEVICE must be one of {', '.join(DEVICES)}, "
                                f"not {chosen!r}")
    return chosen


def pytest_configure(config):
    config.addinivalue_line("markers", "host_only(reason): an engine test of CPU-only "
                            "behaviour, skipped when the value tests run on a device")
    device = run_device(config)
    if device == "cuda" and _backend.cuda_unavailable_reason():
        raise pytest.UsageError("ENGINE_TEST_DEVICE=cuda needs a GPU: "
                                f"{_backend.cuda_unavailable_reason()}")
    if device == "fakecuda":  # the whole session sees the double as its GPU
        from tests.engine import fake_cupy
        _backend.use_cuda_backend(fake_cupy.cupy, fake_cupy.cupyx)


def pytest_generate_tests(metafunc):
    module = metafunc.module.__name__.rpartition(".")[2]
    if ("engine_device" in metafunc.fixturenames and module in FAKE_IN_CI
            and run_device(metafunc.config) == "cpu"):
        metafunc.parametrize("engine_device", ["cpu", "fakecuda"], indirect=True)


@pytest.fixture
def engine_device(request):
    return getattr(request, "param", None) or run_device(request.config)


@pytest.fixture
def device(engine_device):
    """The device name ("cpu" or "cuda") this test's tensors live on."""
    return "cpu" if engine_device == "cpu" else "cuda"


def _read_back(method):
    def read(self, *args, **kwargs):
        return method(self.cpu() if self.device.type != "cpu" else self, *args, **kwargs)
    return read


@pytest.fixture(autouse=True)
def _tensors_on_engine_device(request, engine_device, monkeypatch):
    module = request.module.__name__.rpartition(".")[2]
    if engine_device == "cpu" or module not in DEVICE_MODULES:
        yield
        return
    marker = request.node.get_closest_marker("host_only")
    reason = _listed(HOST_ONLY, request) or (marker and (marker.args or ("",))[0])
    if reason is not None:
        pytest.skip(f"host-only behaviour: {reason}")
    gap = _listed(DEVICE_GAPS, request)
    if gap:
        request.node.add_marker(pytest.mark.xfail(reason=f"device gap: {gap}", strict=True))
    if engine_device == "fakecuda" and not _backend.is_device_array(_fake_probe()):
        from tests.engine import fake_cupy
        previous = _backend.use_cuda_backend(fake_cupy.cupy, fake_cupy.cupyx)
        request.addfinalizer(lambda: _backend.use_cuda_backend(*previous))
    monkeypatch.setattr(Tensor, "numpy", _read_back(Tensor.numpy))
    monkeypatch.setattr(Tensor, "__array__", _read_back(Tensor.__array__))
    engine.set_default_device("cuda")
    try:
        yield
    finally:
        engine.set_default_device(None)
        if engine_device == "fakecuda":
            from tests.engine import fake_cupy
            fake_cupy.reset()


def _fake_probe():
    """An array of whatever backs "cuda" now (None when nothing does)."""
    if _backend.cupy is None or not getattr(_backend.cupy, "__test_double__", False):
        return np.zeros(0)
    return _backend.cupy.zeros(0)
