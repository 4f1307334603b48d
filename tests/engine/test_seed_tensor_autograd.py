"""The seed tutorial's 张量 (tensors) and Autograd sections run unchanged on the engine.

Each snippet below is the tutorial's code, line for line (the tutorial interleaves the
output PyTorch printed; those lines are the expectations here, not code). Values drawn at
random differ from the tutorial's, so those are matched by format; everything deterministic
is compared exactly with what PyTorch 2.13 prints.
"""
import re

import engine
from tests.helpers import run_as_torch

NUM = r"-?\d+\.\d{4}"


def run(code, env=None):
    env = {} if env is None else env
    return run_as_torch(code, env), env


CREATE = """\
import torch
x = torch.empty(5, 3) #创建一个 5x3 矩阵, 但是未初始化
print(x)
x = torch.rand(5, 3) #创建一个随机初始化的矩阵:
print(x)
x = torch.tensor([5.5, 3]) #创建tensor并使用现有数据初始化:
print(x)
print(x.size())
"""


def test_creating_tensors():
    lines, env = run(CREATE)
    assert lines[0] == "tensor([[0., 0., 0.],"  # empty() is zero-filled here
    row = rf"\[{NUM}, {NUM}, {NUM}\]"
    assert re.fullmatch(rf"tensor\(\[{row},", lines[5])
    assert all(re.fullmatch(rf"        {row}[,\]]\)?,?", ln) for ln in lines[6:10])
    assert lines[10:] == ["tensor([5.5000, 3.0000])", "torch.Size([2])"]
    assert env["torch"] is engine


ADDITION = """\
import torch
x = torch.rand(5, 3)
y = torch.rand(5, 3)
print(x + y)
print(torch.add(x, y))
result = torch.empty(5, 3)
torch.add(x, y, out=result) #提供输出tensor作为参数
print(result)
y.add_(x) #有替换效果
print(y) 
print(x[:, 1]) #你可以使用与NumPy索引方式相同的操作来进行对张量的操作
"""


def test_addition_out_and_inplace_and_indexing():
    lines, env = run(ADDITION)
    blocks = ["\n".join(lines[i:i + 5]) for i in range(0, 20, 5)]
    assert blocks[0] == blocks[1] == blocks[2] == blocks[3]  # +, add, out=, add_
    x = env["x"].numpy()
    assert lines[20] == "tensor([" + ", ".join(f"{v:.4f}" for v in x[:, 1]) + "])"


RESHAPE = """\
import torch
x = torch.randn(4, 4)
y = x.view(16) #torch.view 与Numpy的reshape类似
z = x.view(-1, 8)  #  size -1 从其他维度推断
print(x.size(), y.size(), z.size())
x = torch.randn(1)
print(x)
print(x.item())
"""


def test_view_and_item():
    lines, env = run(RESHAPE)
    assert lines[0] == "torch.Size([4, 4]) torch.Size([16]) torch.Size([2, 8])"
    assert re.fullmatch(rf"tensor\(\[{NUM}\]\)", lines[1])
    assert float(lines[2]) == env["x"].item()
    assert isinstance(env["x"].item(), float)


NUMPY = """\
import torch
a = torch.ones(5)
print(a)
b = a.numpy()
print(b)
import numpy as np
a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a)
print(b)
"""


def test_numpy_bridge_shares_memory():
    lines, _ = run(NUMPY)
    assert lines == ["tensor([1., 1., 1., 1., 1.])", "[1. 1. 1. 1. 1.]", "[2. 2. 2. 2. 2.]",
                     "tensor([2., 2., 2., 2., 2.], dtype=torch.float64)"]


AUTOGRAD = """\
import torch
x = torch.rand(5, 5, requires_grad=True)
y = torch.rand(5, 5, requires_grad=True)
z= x**2+y**3
#我们的返回值不是一个标量，所以需要输入一个大小相同的张量作为参数，这里我们用ones_like函数根据x生成一个张量
z.backward(torch.ones_like(x))
print(x.grad)
with torch.no_grad():
    print((x +y*2).requires_grad) #result is Fasle
"""


def test_autograd_example():
    lines, env = run(AUTOGRAD)
    expected = 2 * env["x"].detach().numpy()
    got = [float(v) for v in re.findall(r"-?\d+\.\d+", "\n".join(lines[:5]))]
    assert [round(v, 4) for v in got] == [round(float(f"{v:.4f}"), 4) for v in expected.ravel()]
    assert lines[5] == "False"


GRAPH = """\
import torch
a = torch.randn(1, requires_grad=True)
b = a*(a+2)
print (b.grad_fn.next_functions)
print (b.grad_fn.next_functions[1][0].next_functions)
print (b.grad_fn.next_functions[0][0].variable is a)
"""


def test_next_functions_walk():
    lines, _ = run(GRAPH)
    acc = r"<AccumulateGrad object at 0x[0-9a-f]+>"
    assert re.fullmatch(rf"\(\({acc}, 0\), \(<AddBackward0 object at 0x[0-9a-f]+>, 0\)\)",
                        lines[0])
    assert re.fullmatch(rf"\(\({acc}, 0\), \(None, 0\)\)", lines[1])
    assert lines[0].split(",")[0] == lines[1].split(",")[0]  # the same AccumulateGrad node
    assert lines[2] == "True"


def test_version_check_snippet():
    lines, _ = run("import torch\nprint(torch.__version__ >= '2')\n")
    assert lines == ["True"]


def test_explicit_float64_keeps_full_precision():
    # PyTorch: torch.tensor(-984206.8556, dtype=torch.float64) prints the digits back.
    assert repr(engine.tensor(-984206.8556, dtype=engine.float64)) == \
        "tensor(-984206.8556, dtype=torch.float64)"
    assert engine.tensor([1e300], dtype=engine.float64).item() == 1e300
