"""Issue 3's speed table: the seed's Net, an MLP with Adam, and a large conv2d.

    python3 bench/run.py seed_net mlp_adam conv2d_large --threads 1 default
    python3 bench/nn_memory.py                               # peak memory of the steps alone
"""
import importlib

from . import workload


def _optim(torch):
    """torch.optim (the engine's is a subpackage that ``import engine`` does not load)."""
    return importlib.import_module(torch.__name__ + ".optim")


def _seed_net(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net()


def _net_step(torch, batch):
    net = _seed_net(torch)
    optimizer = _optim(torch).SGD(net.parameters(), lr=0.01)
    criterion = torch.nn.MSELoss()
    x = torch.randn(batch, 1, 32, 32)
    target = torch.randn(batch, 10)

    def step():
        optimizer.zero_grad()
        loss = criterion(net(x), target)
        loss.backward()
        optimizer.step()
    return step


@workload("seed Net train step (MSELoss + SGD), batch 64, 1x32x32")
def seed_net_b64(torch):
    return _net_step(torch, 64)


@workload("seed Net train step (MSELoss + SGD), batch 1, 1x32x32")
def seed_net_b1(torch):
    return _net_step(torch, 1)


@workload("MLP 784-256-256-10 train step (CrossEntropy + Adam), batch 128")
def mlp_adam_b128(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    optimizer = _optim(torch).Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    x = torch.randn(128, 784)
    y = torch.randint(0, 10, (128,))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    return step


@workload("conv2d 64->64 3x3 pad 1 on 32x64x56x56, forward + backward")
def conv2d_large(torch):
    conv = torch.nn.Conv2d(64, 64, 3, padding=1)
    x = torch.randn(32, 64, 56, 56, requires_grad=True)

    def step():
        conv.zero_grad()
        x.grad = None
        conv(x).sum().backward()
    return step
