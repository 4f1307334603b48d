"""Optimizer steps, data loading and checkpoints: engine against PyTorch, side by side.

    python3 bench/bench_optim.py            # all of this file's workloads
    python3 bench/bench_optim.py adam       # only names containing "adam"
    python3 bench/bench_optim.py --quick    # (any option of bench/run.py)

Uses bench/run.py's runner (alternating rounds, best round, ratio in the same run). The
optimizer workloads time ``optimizer.step()`` alone over the parameters of issue 3's
MLP 784-256-256-10 (fixed gradients of a realistic size), which is what the MLP + Adam
training step spends outside forward and backward.
"""
import importlib
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py; puts the repository on sys.path)
from workloads import workload  # noqa: E402

MLP_SHAPES = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
SEED_NET_SHAPES = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120),
                   (84,), (10, 84), (10,)]


def _params(torch, shapes):
    params = [torch.randn(*s, requires_grad=True) for s in shapes]
    for p in params:
        p.grad = torch.randn(*p.shape) * 1e-2
    return params


def _step(torch, name, shapes, **options):
    optim = importlib.import_module(torch.__name__ + ".optim")
    opt = getattr(optim, name)(_params(torch, shapes), **options)
    return opt.step


@workload("Adam step, MLP 784-256-256-10 parameters (269k)")
def optim_adam_mlp(torch):
    return _step(torch, "Adam", MLP_SHAPES, lr=1e-3)


@workload("AdamW step, MLP parameters")
def optim_adamw_mlp(torch):
    return _step(torch, "AdamW", MLP_SHAPES, lr=1e-3)


@workload("SGD step (momentum 0.9), MLP parameters")
def optim_sgd_momentum_mlp(torch):
    return _step(torch, "SGD", MLP_SHAPES, lr=1e-3, momentum=0.9)


@workload("SGD step (plain), seed Net parameters (62k in 10 tensors)")
def optim_sgd_seed_net(torch):
    return _step(torch, "SGD", SEED_NET_SHAPES, lr=1e-3)


@workload("RMSprop step, MLP parameters")
def optim_rmsprop_mlp(torch):
    return _step(torch, "RMSprop", MLP_SHAPES, lr=1e-3)


@workload("Adagrad step, MLP parameters")
def optim_adagrad_mlp(torch):
    return _step(torch, "Adagrad", MLP_SHAPES, lr=1e-3)


@workload("zero_grad + Adam step, seed Net parameters")
def optim_zero_grad_adam_seed(torch):
    params = _params(torch, SEED_NET_SHAPES)
    optim = importlib.import_module(torch.__name__ + ".optim")
    opt = optim.Adam(params, lr=1e-3)
    grads = [p.grad for p in params]

    def step():
        opt.zero_grad()
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
    return step


@workload("DataLoader epoch: TensorDataset 10000x784, batch 64, shuffle")
def data_loader_epoch(torch):
    data = importlib.import_module(torch.__name__ + ".utils.data")
    ds = data.TensorDataset(torch.randn(10000, 784), torch.randint(0, 10, (10000,)))
    loader = data.DataLoader(ds, batch_size=64, shuffle=True)

    def step():
        for _ in loader:
            pass
    return step


@workload("save + load of the MLP's state_dict (1 MiB) in memory")
def save_load_state_dict(torch):
    params = _params(torch, MLP_SHAPES)
    state = {f"p{i}": p.detach() for i, p in enumerate(params)}

    def step():
        buf = io.BytesIO()
        torch.save(state, buf)
        buf.seek(0)
        torch.load(buf)
    return step


NAMES = ["optim_", "data_loader", "save_load"]

if __name__ == "__main__":
    # Words pick workloads; without any, this file's. "--threads 1" is an option and its
    # value, not a word.
    argv = sys.argv[1:]
    valued = {"--threads", "--rounds", "--round"}
    words = [a for i, a in enumerate(argv)
             if not a.startswith("-") and (i == 0 or argv[i - 1] not in valued)]
    sys.exit(run.main(argv if words else NAMES + argv))
