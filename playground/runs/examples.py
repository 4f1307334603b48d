"""The examples menu: every Python code block of the seed tutorial, each made self-contained
(with the lines it depends on from earlier blocks, and the tutorial's pasted output turned
into comments so the block is valid Python), plus a LeNet training example and a line fitted
and plotted with matplotlib.

The seed's non-Python blocks (a prose line, a conda command, pasted output) are not runnable
and are left out.
"""
from django.utils.translation import gettext_lazy as _

EXAMPLES = [
    {"slug": "dynamic-graph", "title": _("Dynamic graphs: a for loop"),
     "code": '''import torch

# Set up what the tutorial's loop uses.
T = 3
W = torch.randn(4, 4)
h = torch.randn(4)
b = torch.randn(4)

for _ in range(T):
    h = torch.matmul(W, h) + b
print(h)
'''},
    {"slug": "version", "title": _("Check the version"),
     "code": '''import torch
print(torch.__version__)
# The tutorial got '1.3.0'
'''},
    {"slug": "create-matrix", "title": _("Tensors: create a matrix"),
     "code": '''import torch
x = torch.empty(5, 3)  # a 5x3 matrix, not initialised
print(x)

x = torch.rand(5, 3)  # a randomly initialised matrix
print(x)
'''},
    {"slug": "create-tensor", "title": _("Tensors: from data"),
     "code": '''import torch
x = torch.tensor([5.5, 3])  # a tensor made from existing data
print(x)
# tensor([5.5000, 3.0000])

print(x.size())
# torch.Size([2])  (also available as x.shape)
'''},
    {"slug": "addition", "title": _("Operations: addition"),
     "code": '''import torch
x = torch.rand(5, 3)

y = torch.rand(5, 3)
print(x + y)
print(torch.add(x, y))
result = torch.empty(5, 3)
torch.add(x, y, out=result)  # give an output tensor as an argument
print(result)
y.add_(x)  # in place
print(y)
'''},
    {"slug": "indexing", "title": _("Operations: indexing"),
     "code": '''import torch
x = torch.rand(5, 3)

print(x[:, 1])  # NumPy-style indexing works on tensors
'''},
    {"slug": "view", "title": _("Operations: view and item"),
     "code": '''import torch
x = torch.randn(4, 4)
y = x.view(16)  # torch.view is like NumPy's reshape
z = x.view(-1, 8)  # size -1 is inferred from the other dimensions
print(x.size(), y.size(), z.size())
# torch.Size([4, 4]) torch.Size([16]) torch.Size([2, 8])

# A one-element tensor gives its Python number with .item()
x = torch.randn(1)
print(x)
print(x.item())
'''},
    {"slug": "numpy", "title": _("NumPy bridge"),
     "code": '''import torch

# A Torch Tensor to a NumPy array
a = torch.ones(5)
print(a)
b = a.numpy()
print(b)

# from_numpy shares memory with the array
import numpy as np
a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a)
print(b)
# [2. 2. 2. 2. 2.]
# tensor([2., 2., 2., 2., 2.], dtype=torch.float64)
'''},
    {"slug": "autograd", "title": _("Autograd: a first gradient"),
     "code": '''import torch
x = torch.rand(5, 5, requires_grad=True)
y = torch.rand(5, 5, requires_grad=True)
z = x**2 + y**3
# z is not a scalar, so backward needs a tensor of the same size: ones_like builds one
z.backward(torch.ones_like(x))
print(x.grad)
'''},
    {"slug": "no-grad", "title": _("Autograd: torch.no_grad()"),
     "code": '''import torch
x = torch.rand(5, 5, requires_grad=True)
y = torch.rand(5, 5, requires_grad=True)

with torch.no_grad():
    print((x + y * 2).requires_grad)  # False
'''},
]

NET = '''import torch
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
'''
NET_OUTPUT = '''input = torch.randn(1, 1, 32, 32)
out = net(input)
'''
NET_LOSS = '''output = net(input)
target = torch.randn(10)  # a random target, as an example
target = target.view(1, -1)  # the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
'''

EXAMPLES += [
    {"slug": "net", "title": _("Neural networks: define a Net"),
     "code": NET + "print(net)\n"},
    {"slug": "net-forward", "title": _("Neural networks: a forward pass"),
     "code": NET + "\n" + NET_OUTPUT + "print(out)\n"},
    {"slug": "loss", "title": _("Neural networks: a loss function"),
     "code": NET + "\n" + NET_OUTPUT + "\n" + NET_LOSS + "print(loss)\n"},
    {"slug": "grad-fn", "title": _("Autograd: walk grad_fn"),
     "code": NET + "\n" + NET_OUTPUT + "\n" + NET_LOSS + '''
print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
show_graph(loss)  # and see the whole graph drawn
'''},
    {"slug": "next-functions", "title": _("Autograd: next_functions of a*(a+2)"),
     "code": '''import torch
a = torch.randn(1, requires_grad=True)
b = a*(a+2)
print(b.grad_fn.next_functions)
print(b.grad_fn.next_functions[1][0].next_functions)
print(b.grad_fn.next_functions[0][0].variable is a)
show_graph(b)
'''},
    {"slug": "backward", "title": _("Neural networks: loss.backward()"),
     "code": NET + "\n" + NET_OUTPUT + "\n" + NET_LOSS + '''
net.zero_grad()     # zero the gradients

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
'''},
    {"slug": "optimizer", "title": _("Neural networks: update the weights"),
     "code": NET + "\n" + NET_OUTPUT + "\n" + NET_LOSS + '''
import torch.optim as optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
optimizer.zero_grad()   # zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()    # Does the update
print(loss)
'''},
    {"slug": "lenet-training", "title": _("Train LeNet (live loss chart)"), "kind": "training",
     "code": NET + '''
import torch.optim as optim
from torch.utils.tensorboard import SummaryWriter

# A small synthetic task: 10 classes, each a fixed random 32x32 pattern plus noise.
torch.manual_seed(0)
patterns = torch.randn(10, 1, 32, 32)


def batch(size=16):
    labels = torch.randint(0, 10, (size,))
    images = patterns[labels] + 0.5 * torch.randn(size, 1, 32, 32)
    return images, labels


criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
writer = SummaryWriter()  # its scalars draw the live loss chart

for step in range(150):
    images, labels = batch()
    optimizer.zero_grad()
    loss = criterion(net(images), labels)
    loss.backward()
    optimizer.step()
    writer.add_scalar("loss", loss.item(), step)
    if step % 25 == 0:
        print(f"step {step:3d}  loss {loss.item():.4f}")

images, labels = batch(100)
with torch.no_grad():
    accuracy = (net(images).argmax(dim=1) == labels).float().mean().item()
print(f"accuracy on fresh samples: {accuracy:.0%}")
'''},
    {"slug": "fit-a-line", "title": _("Fit a line and plot it (matplotlib)"),
     "code": '''import torch
import torch.nn as nn
import matplotlib.pyplot as plt

# Noisy points around y = 2x + 1, as in the linear regression tutorials.
torch.manual_seed(0)
x = torch.linspace(0, 5, 50).unsqueeze(1)
y = 2 * x + 1 + 0.5 * torch.randn(50, 1)

model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
for epoch in range(300):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"y = {model.weight.item():.2f} x + {model.bias.item():.2f}  (loss {loss.item():.3f})")

predicted = model(x).detach()  # a tensor that requires grad must be detached to plot
plt.plot(x, y, "ro", label="data")
plt.plot(x, predicted, label="fitted line")
plt.legend()
plt.show()  # the figure appears below, as in Jupyter
'''},
]
# The run kind each example asks for (it picks the limits; the page's "Limits" control
# shows it): a training loop of 150 steps needs more than a snippet's seconds.
for _example in EXAMPLES:
    _example.setdefault("kind", "snippet")
