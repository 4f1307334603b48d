"""The train page's presets: a form's choices checked, then turned into ordinary engine code.

The code is what runs (a normal sandboxed run of kind "training"), and the user can open it
in the editor and change it: so it is plain PyTorch-style code with no hidden helpers. It
logs train/test loss and accuracy with SummaryWriter and, for the 2-D data sets, a
decision-boundary heatmap with the data points every few epochs.
"""
import json
import math

from django.utils.translation import gettext_lazy as _

from playground import policy

DATASETS = {
    "circle": _("a disc inside a ring"),
    "xor": _("the four quadrants (XOR)"),
    "gaussian": _("two Gaussian clusters"),
    "spiral": _("two interleaved spirals"),
    "digits": _("8x8 handwritten digits (scikit-learn)"),
}
TWO_D = ("circle", "xor", "gaussian", "spiral")
MODELS = ("mlp", "cnn")
ACTIVATIONS = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()",
               "leaky_relu": "nn.LeakyReLU(0.01)", "gelu": "nn.GELU()"}
OPTIMIZERS = {
    "sgd": "torch.optim.SGD(model.parameters(), lr={lr})",
    "nesterov": "torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9, nesterov=True)",
    "adam": "torch.optim.Adam(model.parameters(), lr={lr})",
    "rmsprop": "torch.optim.RMSprop(model.parameters(), lr={lr})",
}
OPTIMIZER_LABELS = {"sgd": "SGD", "nesterov": _("SGD + Nesterov momentum"), "adam": "Adam",
                    "rmsprop": "RMSprop"}
DEFAULTS = {"dataset": "spiral", "samples": 400, "noise": 0.1, "train_fraction": 0.7,
            "model": "mlp", "hidden": [32, 32], "activation": "tanh", "optimizer": "adam",
            "lr": 0.03, "batch_size": 32, "epochs": 200, "device": policy.DEFAULT_DEVICE,
            "seed": 0}
PRESET_LINE = "# Preset: "   # the generated code's line with the settings (queries.preset_of)
BOUNDARY_GRID = 40          # cells a side of the decision-boundary heatmap
BOUNDARY_UPDATES = 20       # about this many heatmaps a run
# The page's speed control: the least seconds an epoch takes, slowest first (0: full speed).
# The default lets a run of 200 epochs be watched for ten seconds or so.
PACES = (1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.0)
DEFAULT_PACE = 4


class PresetError(ValueError):
    """A form value that cannot be trained; the message names the field, and ``field`` is its
    form name (the page marks that input)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _number(cfg, key, kind, low, high, field=None):
    field = field or key
    value = cfg[key]
    # Finite first: int() of an infinity or NaN raises, and JSON may carry both.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)) or (
            kind is int and value != int(value)):
        raise PresetError(f'"{key}" must be {"an integer" if kind is int else "a number"}, '
                          f"not {_short(value)}", field)
    if not low <= value <= high:  # exact for any int: no conversion to float
        raise PresetError(f'"{key}" must be between {low:g} and {high:g}, not {_short(value)}',
                          field)
    return kind(value)


def _short(value):
    """``value`` for a message: a 400-digit int does not fit "%g" (nor a message)."""
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _choice(cfg, key, options):
    value = cfg[key]
    if value not in options:
        raise PresetError(f'"{key}" must be one of {", ".join(options)}, not {value!r}', key)
    return value


def validate(raw):
    """The checked config (defaults filled in); PresetError says which field is wrong."""
    if not isinstance(raw, dict):
        raise PresetError("the preset must be a JSON object of form fields")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise PresetError(f"unknown field(s): {', '.join(unknown)}")
    cfg = {**DEFAULTS, **raw}
    out = {
        "dataset": _choice(cfg, "dataset", tuple(DATASETS)),
        "samples": _number(cfg, "samples", int, 50, 2000),
        "noise": _number(cfg, "noise", float, 0.0, 0.5),
        "train_fraction": _number(cfg, "train_fraction", float, 0.1, 0.9),
        "model": _choice(cfg, "model", MODELS),
        "activation": _choice(cfg, "activation", tuple(ACTIVATIONS)),
        "optimizer": _choice(cfg, "optimizer", tuple(OPTIMIZERS)),
        "lr": _number(cfg, "lr", float, 1e-6, 10.0),
        "batch_size": _number(cfg, "batch_size", int, 1, 1024),
        "epochs": _number(cfg, "epochs", int, 1, 500),
        "device": _choice(cfg, "device", policy.current().device_names),
        "seed": _number(cfg, "seed", int, 0, 2**31 - 1),
    }
    hidden = cfg["hidden"]
    if not isinstance(hidden, list) or len(hidden) > 4:
        raise PresetError('"hidden" must be a list of at most 4 layer widths, e.g. [16, 16]',
                          "hidden")
    out["hidden"] = [_number({"hidden layer width": h}, "hidden layer width", int, 1, 256,
                             "hidden") for h in hidden]
    if out["model"] == "cnn" and out["dataset"] != "digits":
        raise PresetError('the small CNN is for images: choose "digits" as the dataset, '
                          "or the MLP", "model")
    return out


def run_name(cfg):
    model = "CNN" if cfg["model"] == "cnn" else \
        "MLP " + ("x".join(map(str, cfg["hidden"])) or "linear") + f" {cfg['activation']}"
    return f"{cfg['dataset']} · {model} · {cfg['optimizer']} lr={cfg['lr']:g}"


def preview(raw):
    """The 2-D data set a preset would train on, before it runs: {"x", "y", "label", "test"}
    (test: the points held out for testing), or None for the digits. The same generator source
    and seed as the generated code, so the preview is exactly the run's data. It is our own
    code (the constants above with checked numbers), never the user's."""
    cfg = validate(raw)
    if cfg["dataset"] not in TWO_D:
        return None
    import numpy as np

    namespace = {"np": np, "rng": np.random.default_rng(cfg["seed"])}
    exec(_DATA_2D[cfg["dataset"]], namespace)   # defines make_data(n, noise), as the run does
    x, y = namespace["make_data"](cfg["samples"], noise=cfg["noise"])
    order = namespace["rng"].permutation(len(x))
    test = np.zeros(len(x), dtype=bool)
    test[order[int(cfg["train_fraction"] * len(x)):]] = True
    return {"x": np.round(x[:, 0], 4).tolist(), "y": np.round(x[:, 1], 4).tolist(),
            "label": y.astype(int).tolist(), "test": test.tolist()}


# -- code generation ----------------------------------------------------------------------------
_DATA_2D = {
    "circle": '''
def make_data(n, noise):
    """Inside a disc of radius 2 is class 1; a ring from 3 to 5 is class 0."""
    inner = n // 2
    radius = np.concatenate([rng.uniform(0, 2, inner), rng.uniform(3, 5, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    y = np.concatenate([np.ones(inner), np.zeros(n - inner)])
    return x + rng.normal(0, noise * 2, x.shape), y
''',
    "xor": '''
def make_data(n, noise):
    """Class 1 where x and y have the same sign (the XOR of their signs is 0)."""
    x = rng.uniform(-5, 5, (n, 2))
    x += np.sign(x) * 0.3                      # a small gap along the axes
    y = (x[:, 0] * x[:, 1] > 0).astype(float)
    return x + rng.normal(0, noise * 2, x.shape), y
''',
    "gaussian": '''
def make_data(n, noise):
    """Two round clusters, around (2, 2) (class 1) and (-2, -2) (class 0)."""
    y = (np.arange(n) < n // 2).astype(float)
    centre = np.where(y[:, None] == 1, 2.0, -2.0)
    return centre + rng.normal(0, 0.5 + noise * 4, (n, 2)), y
''',
    "spiral": '''
def make_data(n, noise):
    """Two spirals winding around each other, one per class."""
    half = n // 2
    t = np.concatenate([np.linspace(0, 1, half), np.linspace(0, 1, n - half)])
    y = np.concatenate([np.zeros(half), np.ones(n - half)])
    angle = 1.75 * t * 2 * np.pi + np.pi * y
    x = np.stack([t * 5 * np.sin(angle), t * 5 * np.cos(angle)], 1)
    return x + rng.normal(0, noise * 2, x.shape), y
''',
}

_DIGITS = '''
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")            # joblib: no multiprocessing in the sandbox
    from sklearn.datasets import load_digits

digits = load_digits()                         # 1797 images of 8x8 pixels, values 0..16
X = digits.data / 16.0
Y = digits.target
num_classes = 10
'''


def generate(raw):
    """(config, code) for a form's values: the code trains the preset when run."""
    cfg = validate(raw)
    digits = cfg["dataset"] == "digits"
    lines = [f"# Generated by the train page: {run_name(cfg)}.",
             "# An ordinary playground run: change anything and run it again.",
             f"{PRESET_LINE}{json.dumps(cfg, separators=(', ', ': '))}",
             "import numpy as np",
             "import torch",
             "import torch.nn as nn",
             "from torch.utils.tensorboard import SummaryWriter, progress",
             "",
             f"torch.manual_seed({cfg['seed']})",
             f"rng = np.random.default_rng({cfg['seed']})",
             f'device = "{cfg["device"]}"',
             f"epochs, batch_size = {cfg['epochs']}, {cfg['batch_size']}"]
    if digits:
        lines.append(_DIGITS)
    else:
        lines.append(_DATA_2D[cfg["dataset"]])
        lines.append(f"X, Y = make_data({cfg['samples']}, noise={cfg['noise']})")
        lines.append("num_classes = 2")
    lines.append(f'''
# Shuffle, then keep {cfg['train_fraction']:.0%} for training and the rest for testing.
order = rng.permutation(len(X))
split = int({cfg['train_fraction']} * len(X))
x_train = torch.tensor(X[order[:split]], dtype=torch.float32).to(device)
y_train = torch.tensor(Y[order[:split]], dtype=torch.int64).to(device)
x_test = torch.tensor(X[order[split:]], dtype=torch.float32).to(device)
y_test = torch.tensor(Y[order[split:]], dtype=torch.int64).to(device)
''')
    lines.append(_model(cfg))
    lines.append(f'''loss_fn = nn.CrossEntropyLoss()
optimizer = {OPTIMIZERS[cfg["optimizer"]].format(lr=cfg["lr"])}
writer = SummaryWriter()


def evaluate(x, y):
    with torch.no_grad():
        out = model(x)
        return loss_fn(out, y).item(), (out.argmax(dim=1) == y).float().mean().item()
''')
    if not digits:
        lines.append(_BOUNDARY.format(grid=BOUNDARY_GRID))
    every = max(1, cfg["epochs"] // BOUNDARY_UPDATES)
    loop = '''
for epoch in progress(range(epochs), desc="epochs"):
    model.train()
    perm = torch.randperm(len(x_train), device=device)
    for start in range(0, len(x_train), batch_size):
        batch = perm[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(x_train[batch]), y_train[batch])
        loss.backward()
        optimizer.step()
    model.eval()
    train_loss, train_acc = evaluate(x_train, y_train)
    test_loss, test_acc = evaluate(x_test, y_test)
    writer.add_scalars("loss", {"train": train_loss, "test": test_loss}, epoch)
    writer.add_scalars("accuracy", {"train": train_acc, "test": test_acc}, epoch)'''
    if not digits:
        loop += f'''
    # Every few epochs, and after a pause (step by step, or slowed down): each one.
    if epoch % {every} == 0 or epoch == epochs - 1 or time.monotonic() - shown_at > 0.1:
        show_boundary(epoch)'''
    loop += '''
    if epoch % 10 == 0 or epoch == epochs - 1:
        print(f"epoch {epoch:3d}  train loss {train_loss:.4f} acc {train_acc:.1%}  "
              f"test loss {test_loss:.4f} acc {test_acc:.1%}")
writer.close()
'''
    lines.append(loop)
    return cfg, "\n".join(lines)


def _model(cfg):
    if cfg["model"] == "cnn":
        return '''# A small CNN: two 3x3 convolutions with pooling, then a linear classifier.
x_train = x_train.reshape(-1, 1, 8, 8)
x_test = x_test.reshape(-1, 1, 8, 8)
model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # 8 x 4 x 4
    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 16 x 2 x 2
    nn.Flatten(), nn.Linear(64, num_classes),
).to(device)
'''
    act = ACTIVATIONS[cfg["activation"]]
    widths = ["x_train.shape[1]"] + [str(h) for h in cfg["hidden"]]
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers.append(f"    nn.Linear({a}, {b}), {act},")
    layers.append(f"    nn.Linear({widths[-1]}, num_classes),")
    return "# An MLP: {}.\nmodel = nn.Sequential(\n{}\n).to(device)\n".format(
        " -> ".join(["input"] + [str(h) for h in cfg["hidden"]] + ["classes"]), "\n".join(layers))


_BOUNDARY = '''
# The decision boundary: the model's probability of class 1 over a grid around the data.
import time
shown_at = 0.0
lo, hi = X.min(0) - 0.5, X.max(0) + 0.5
gx, gy = np.linspace(lo[0], hi[0], {grid}), np.linspace(lo[1], hi[1], {grid})
grid = torch.tensor(np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2), dtype=torch.float32).to(device)


def show_boundary(epoch):
    global shown_at
    shown_at = time.monotonic()
    with torch.no_grad():
        p = model(grid).softmax(dim=1)[:, 1].cpu().numpy().reshape({grid}, {grid})
    writer.add_heatmap("decision boundary", p, epoch, x=gx, y=gy,
                       points={{"x": X[order, 0], "y": X[order, 1], "label": Y[order]}})
'''
