"""The engine's floor: one RemovableHandle for every hook, Node.needs_input_grad, one place
that records nodes, real torch.linalg / torch.return_types modules, and op modules that share
helpers only through engine/ops/_base.py. Expected values are PyTorch 2.13's."""
import ast
import gc
import subprocess
import sys
import weakref
from pathlib import Path

import engine
import engine.nn as nn
from engine.utils.hooks import RemovableHandle

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"


# ---- hooks -------------------------------------------------------------------------------

def test_every_register_hook_returns_the_one_removable_handle():
    seen = []
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    model = nn.Linear(2, 1)
    opt = engine.optim.SGD(model.parameters(), lr=0.1)
    handles = [x.register_hook(lambda g: seen.append("leaf")),
               y.register_hook(lambda g: seen.append("tensor")),
               y.grad_fn.register_hook(lambda gi, go: seen.append("node")),
               model.register_forward_hook(lambda m, i, o: seen.append("forward")),
               model.register_forward_pre_hook(lambda m, i: seen.append("pre")),
               nn.modules.module.register_module_forward_hook(lambda m, i, o: None),
               opt.register_step_pre_hook(lambda o, a, k: seen.append("step"))]
    assert all(type(h) is RemovableHandle for h in handles)
    assert len({h.id for h in handles}) == len(handles)
    for h in handles:
        h.remove()
        h.remove()  # a second remove is harmless, as in PyTorch
    y.sum().backward()
    model(engine.ones(1, 2))
    opt.step()
    assert seen == []


def test_a_handle_used_as_a_context_manager_removes_its_hook():
    seen = []
    model = nn.Linear(2, 1)
    with model.register_forward_hook(lambda m, i, o: seen.append(1), with_kwargs=False):
        model(engine.ones(1, 2))
    model(engine.ones(1, 2))
    assert seen == [1]
    assert not model._forward_hooks and not model._forward_hooks_with_kwargs


def test_removing_a_kwargs_hook_forgets_its_kwargs_flag():
    model = nn.Linear(2, 1)
    handle = model.register_forward_pre_hook(lambda m, a, k: None, with_kwargs=True)
    assert handle.id in model._forward_pre_hooks_with_kwargs
    handle.remove()
    assert handle.id not in model._forward_pre_hooks_with_kwargs


def test_a_kept_handle_does_not_keep_its_module_alive():
    model = nn.Linear(2, 1)
    handle = model.register_forward_hook(lambda m, i, o: None)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
    handle.remove()  # its dict is gone: nothing to do


def test_torch_utils_hooks_is_there_as_in_pytorch():
    assert engine.utils.hooks.RemovableHandle is RemovableHandle


# ---- needs_input_grad --------------------------------------------------------------------

def test_node_needs_input_grad_says_which_inputs_get_a_gradient():
    a = engine.tensor([1.0, 2.0], requires_grad=True)
    b = engine.tensor([3.0, 4.0])
    assert (a * b).grad_fn.needs_input_grad == (True, False)
    assert (b * a).grad_fn.needs_input_grad == (False, True)
    assert engine.addmm(b, a.reshape(2, 1), b.reshape(1, 2)).grad_fn.needs_input_grad == \
        (False, True, False)


def test_custom_function_ctx_needs_input_grad_like_pytorch():
    seen = []

    class Twice(engine.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, k):
            seen.append(("forward", ctx.needs_input_grad))
            return x * 2

        @staticmethod
        def backward(ctx, g):
            seen.append(("backward", ctx.needs_input_grad))
            return g * 2, None, None

    x = engine.ones(2, requires_grad=True)
    out = Twice.apply(x, engine.ones(2), 3)
    assert out.grad_fn.name() == "TwiceBackward"
    out.sum().backward()
    Twice.apply(engine.ones(2), engine.ones(2), 3)
    # torch 2.13 prints (True, False, False) twice, then (False, False, False)
    assert seen == [("forward", (True, False, False)), ("backward", (True, False, False)),
                    ("forward", (False, False, False))]
    assert x.grad.tolist() == [2.0, 2.0]


def test_multi_output_ops_number_their_outputs():
    x = engine.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    parts = x.split(1)
    std, mean = engine.std_mean(x, 0)
    assert parts[0].grad_fn is parts[1].grad_fn
    assert [p.output_nr for p in parts] == [0, 1]
    assert std.grad_fn is mean.grad_fn and (std.output_nr, mean.output_nr) == (0, 1)


# ---- real modules ------------------------------------------------------------------------

def test_torch_linalg_and_return_types_import_like_pytorch_under_the_alias():
    code = ("from playground.sandbox import torch_alias; torch_alias.install()\n"
            "import torch.linalg, torch.return_types\n"
            "from torch.linalg import norm\n"
            "import torch\n"
            "print(norm(torch.tensor([3.0, 4.0])).item(), torch.linalg.det(torch.eye(2)).item())\n"
            "print(type(torch.tensor([1.0, 3.0]).max(0)) is torch.return_types.max)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["5.0", "1.0", "True"]


def test_linalg_is_a_module_file():
    assert Path(engine.linalg.__file__).name == "linalg.py"
    assert engine.linalg.norm is engine.linalg.__dict__["norm"]
    assert engine.return_types.max.__module__ == "torch.return_types"


# ---- layering ----------------------------------------------------------------------------

def _sources(folder):
    return [(p, ast.parse(p.read_text())) for p in sorted(folder.rglob("*.py"))]


def test_op_modules_share_helpers_only_through_the_base_module():
    borrowed = []
    for path, tree in _sources(ENGINE / "ops"):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module != "_base":
                borrowed += [f"{path.name}: from .{node.module} import {a.name}"
                             for a in node.names if a.name.startswith("_")]
    assert borrowed == []


def test_only_the_graph_module_attaches_grad_fn():
    writers = []
    for path, tree in _sources(ENGINE):
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute) and t.attr == "grad_fn" and not (
                            isinstance(node.value, ast.Constant) and node.value.value is None):
                        writers.append(f"{path.relative_to(ENGINE)}:{node.lineno}")
    # record() (one output) and set_history() (any other)
    assert [w.split(":")[0] for w in writers] == ["autograd/graph.py", "autograd/graph.py"]
