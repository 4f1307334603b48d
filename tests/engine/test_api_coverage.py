"""The API coverage table (bench/api_coverage.py) and the message a missing PyTorch name
gives ("torch.X is not implemented by this playground's engine (see the coverage list)")."""
import importlib.util
import pathlib
import subprocess
import sys

import pytest

import engine
from engine import _missing
from tests.helpers import run_as_torch

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def _coverage_module():
    spec = importlib.util.spec_from_file_location("api_coverage", ROOT / "bench/api_coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_in_docs_engine_md_is_current_and_needs_no_pytorch():
    # PyTorch made unimportable: the check reads only the committed snapshot.
    code = ("import runpy, sys; sys.modules['torch'] = None; "
            "sys.argv = ['api_coverage.py', '--check']; "
            "runpy.run_path('bench/api_coverage.py', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "`torch.nn.functional`" in done.stdout


def test_every_listed_exclusion_names_something_pytorch_has():
    coverage = _coverage_module()
    api = _missing.torch_api()
    for exclusion in coverage.EXCLUDED:
        for name in exclusion.names:
            assert any(name in api[ns] for ns in exclusion.namespaces), (exclusion.reason, name)


def test_rows_count_only_names_of_their_kind_and_never_an_excluded_one():
    coverage = _coverage_module()
    snapshot = {"torch_version": "test", "namespaces": _missing.torch_api()}
    for result in coverage.coverage(snapshot):
        row = result["row"]
        assert set(result["missing"]) <= set(result["counted"])
        for name in result["counted"]:
            assert coverage.exclusion_of(row.namespace, name, snapshot["namespaces"]) is None
            assert snapshot["namespaces"][row.namespace][name].split()[0] in row.kinds
    by_label = {r["row"].label: r for r in coverage.coverage(snapshot)}
    assert "Linear" in by_label["`torch.nn` classes"]["counted"]
    assert "relu" in by_label["`torch.nn.functional`"]["counted"]
    assert "view_as_complex" not in by_label["`torch.*` functions"]["counted"]
    assert "index_copy" in by_label["`torch.*` functions"]["counted"]  # an op, not a *_copy
    assert "view_copy" not in by_label["`torch.*` functions"]["counted"]


def _message(qualified):
    return f"{qualified} is not implemented by this playground's engine (see the coverage list)"


MISSING = {  # names PyTorch 2.13 has that the engine leaves out on purpose (so stay missing)
    "torch": "view_as_complex", "torch.nn": "SyncBatchNorm", "torch.nn.functional": "grouped_mm",
    "torch.linalg": "eigvals",
}


@pytest.mark.parametrize("namespace", sorted(MISSING))
def test_a_missing_pytorch_name_says_the_engine_lacks_it(namespace):
    name = MISSING[namespace]
    holder = importlib.import_module("engine" + namespace[len("torch"):])
    with pytest.raises(AttributeError) as info:
        getattr(holder, name)
    assert str(info.value) == _message(f"{namespace}.{name}")
    assert not hasattr(holder, name)


def test_a_name_pytorch_lacks_too_gets_pytorchs_own_wording():
    for holder, namespace in ((engine, "torch"), (engine.linalg, "torch.linalg"),
                              (engine.nn.functional, "torch.nn.functional")):
        with pytest.raises(AttributeError) as info:
            holder.no_such_name
        assert str(info.value) == f"module '{namespace}' has no attribute 'no_such_name'"
    with pytest.raises(ImportError, match="cannot import name 'view_as_complex'"):
        from engine import view_as_complex  # noqa: F401


def test_a_missing_submodule_is_named_as_pytorchs():
    with pytest.raises(AttributeError) as info:
        engine.sparse.mm
    assert str(info.value) == _message("torch.sparse")


def test_tensor_attributes():
    t = engine.zeros(2)
    with pytest.raises(AttributeError) as info:
        t.cfloat
    assert str(info.value) == _message("torch.Tensor.cfloat")
    assert not hasattr(t, "cfloat") and hasattr(t, "add")
    assert not hasattr(t, "view_as_real")  # a function in PyTorch, not a method
    with pytest.raises(AttributeError) as info:
        t.no_such_method
    assert str(info.value) == "'Tensor' object has no attribute 'no_such_method'"
    with pytest.raises(AttributeError, match="'Parameter' object has no attribute 'nope'"):
        engine.nn.Parameter(t).nope


def test_an_attribute_error_inside_a_property_is_not_disguised():
    class Probe(engine.Tensor):
        @property
        def shape(self):
            raise AttributeError("the property's own error")

    probe = engine.zeros(1)
    probe.__class__ = Probe
    with pytest.raises(AttributeError, match="the property's own error"):
        probe.shape


def test_user_code_sees_the_message_as_torch():
    lines = run_as_torch("import torch\n"
                         "try:\n    torch.nn.SyncBatchNorm\n"
                         "except AttributeError as e:\n    print(e)\n")
    assert lines == [_message("torch.nn.SyncBatchNorm")]
