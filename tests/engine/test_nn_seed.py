"""The seed tutorial's 神经网络 (neural networks) section runs unchanged on the engine.

The snippets are the tutorial's code, verbatim and in order, exec'd with ``torch`` (and
``torch.nn``, ``torch.nn.functional``, ``torch.optim``) resolving to the engine. Random values
differ from the tutorial's, so they are matched by format; everything else is compared with
what PyTorch 2.13 prints for the same code.
"""
import re

import numpy as np

import engine
from tests.helpers import run_as_torch

NUM = r"-?\d+\.\d{4}"

DEFINE = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


net = Net()
print(net)
'''

TEST_OUTPUT = '''\
input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)
#tensor([[ 0.1120,  0.0713,  0.1014, -0.0696, -0.1210,  0.0084, -0.0206,  0.1366, -0.0455, -0.0036]], grad_fn=<AddmmBackward>)
'''

LOSS = '''\
output = net(input) 
target = torch.randn(10)  # 随机值作为样例
target = target.view(1, -1)  # 使target和output的shape相同
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)
#tensor(0.8109, grad_fn=<MseLossBackward>)
'''

GRAD_FN = '''\
print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
#<MseLossBackward object at 0x7f3b49fe2470>
#<AddmmBackward object at 0x7f3bb05f17f0>
#<AccumulateGrad object at 0x7f3b4a3c34e0>
'''

NEXT_FUNCTIONS = '''\
a = torch.randn(1, requires_grad=True)
b = a*(a+2)
print (b.grad_fn.next_functions)
print (b.grad_fn.next_functions[1][0].next_functions)
print (b.grad_fn.next_functions[0][0].variable is a)
#((<AccumulateGrad object at 0x7fbe7aa96780>, 0), (<AddBackward0 object at 0x7fbe7aa96748>, 0))
#((<AccumulateGrad object at 0x7fbe7aa96780>, 0), (None, 0))
#True
'''

BACKWARD = '''\
net.zero_grad()     # 清除梯度

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
'''

OPTIMIZER = '''\
import torch.optim as optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
optimizer.zero_grad()   # zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()    # Does the update
'''


def run(code, env):
    return run_as_torch(code, env)


def obj(name):
    return rf"<{name} object at 0x[0-9a-f]+>"


def test_seed_neural_network_section():
    env = {"__name__": "seed"}
    assert run(DEFINE, env) == [
        "Net(",
        "  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))",
        "  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))",
        "  (fc1): Linear(in_features=400, out_features=120, bias=True)",
        "  (fc2): Linear(in_features=120, out_features=84, bias=True)",
        "  (fc3): Linear(in_features=84, out_features=10, bias=True)",
        ")"]
    assert env["torch"] is engine and len(list(env["net"].parameters())) == 10

    out = run(TEST_OUTPUT, env)
    # PyTorch wraps the 10 values after 8 (line width 80), each padded to one width
    num = r" ?-?\d+\.\d{4}"
    assert len(out) == 2
    assert re.fullmatch(rf"tensor\(\[\[(?:{num}, ){{7}}{num},", out[0]), out[0]
    assert re.fullmatch(rf"\s+{num}, {num}\]\], grad_fn=<AddmmBackward0>\)", out[1]), out[1]
    assert tuple(env["out"].shape) == (1, 10)

    out = run(LOSS, env)
    assert len(out) == 1 and re.fullmatch(rf"tensor\({NUM}, grad_fn=<MseLossBackward0>\)",
                                          out[0])

    out = run(GRAD_FN, env)
    assert [re.fullmatch(p, line) is not None for p, line in zip(
        (obj("MseLossBackward0"), obj("AddmmBackward0"), obj("AccumulateGrad")), out)] == \
        [True] * 3

    out = run(NEXT_FUNCTIONS, env)
    acc = obj("AccumulateGrad")
    assert re.fullmatch(rf"\(\({acc}, 0\), \({obj('AddBackward0')}, 0\)\)", out[0])
    assert re.fullmatch(rf"\(\({acc}, 0\), \(None, 0\)\)", out[1])
    assert out[2] == "True"

    out = run(BACKWARD, env)
    assert out[:3] == ["conv1.bias.grad before backward", "None",
                       "conv1.bias.grad after backward"]
    assert re.fullmatch(r"tensor\(\[" + ", ".join([rf" ?{NUM}"] * 6) + r"\]\)", out[3])
    assert tuple(env["net"].conv1.bias.grad.shape) == (6,)

    before = env["net"].fc3.bias.detach().numpy().copy()
    assert run(OPTIMIZER, env) == []
    grad = env["net"].fc3.bias.grad.numpy()
    np.testing.assert_allclose(env["net"].fc3.bias.detach().numpy(), before - 0.01 * grad,
                               rtol=1e-5, atol=1e-7)
