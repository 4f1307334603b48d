"""torch.save / torch.load in the sandbox: checkpoints in the run's own directory, a model
class the user defined, weights_only refusals and the missing-name message as users see them."""
from playground.sandbox import run_in_sandbox

CODE = '''
import torch, torch.nn as nn

class Net(nn.Module):  # defined by the user, in __main__ as in a script
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        return self.fc(x)

torch.manual_seed(0)
net = Net()
torch.save(net, "net.pt")
torch.save({"model": net.state_dict(), "epoch": 2}, "ckpt.pt")
back = torch.load("net.pt", weights_only=False)
print(type(back).__name__, torch.equal(back(torch.ones(1, 2)), net(torch.ones(1, 2))))
print(torch.load("ckpt.pt", map_location="cpu")["epoch"], torch.load("ckpt.pt", mmap=True)["epoch"])
try:
    torch.load("net.pt")
except Exception as e:
    print(type(e).__name__, "GLOBAL __main__.Net was not an allowed global" in str(e))
with torch.serialization.safe_globals([Net, nn.Linear]):
    print(type(torch.load("net.pt")).__name__)
try:
    torch.nn.SyncBatchNorm
except AttributeError as e:
    print(e)
'''


def test_checkpoints_in_the_sandbox():
    events = list(run_in_sandbox(CODE, limits={"wall_s": 30, "cpu_s": 20}))
    assert events[-1]["type"] == "finished" and events[-1]["status"] == "succeeded", events[-3:]
    out = "".join(e["text"] for e in events if e["type"] == "stdout").splitlines()
    assert out == ["Net True", "2 2", "UnpicklingError True", "Net",
                   "torch.nn.SyncBatchNorm is not implemented by this playground's engine "
                   "(see the coverage list)"]
