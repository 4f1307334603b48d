"""nn.Module: registration, traversal, state_dict, modes, hooks, to(), and PyTorch's reprs.

Expected strings were printed by PyTorch 2.13 for the same code and pasted here.
"""
import copy

import numpy as np
import pytest

import engine
import engine.nn as nn
import engine.nn.functional as F


class SeedNet(nn.Module):
    def __init__(self):
        super(SeedNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 400)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


SEED_NET_REPR = """SeedNet(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)"""


def test_seed_net_repr_is_pytorchs():
    assert repr(SeedNet()) == SEED_NET_REPR
    assert str(SeedNet()) == SEED_NET_REPR


# PyTorch 2.13: print(nn.Sequential(<the same layers>))
ALL_LAYERS_REPR = """Sequential(
  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)
  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  (2): ReLU(inplace=True)
  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (4): AvgPool2d(kernel_size=3, stride=1, padding=1)
  (5): AdaptiveAvgPool2d(output_size=(1, 1))
  (6): Flatten(start_dim=1, end_dim=-1)
  (7): Dropout(p=0.25, inplace=False)
  (8): Linear(in_features=8, out_features=4, bias=True)
  (9): LeakyReLU(negative_slope=0.2)
  (10): ELU(alpha=1.0)
  (11): GELU(approximate='none')
  (12): SiLU()
  (13): Sigmoid()
  (14): Tanh()
  (15): Softmax(dim=1)
  (16): LogSoftmax(dim=-1)
  (17): Softplus(beta=1.0, threshold=20.0)
  (18): Identity()
  (19): LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
  (20): Embedding(10, 3, padding_idx=0)
  (21): Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,), groups=2)
  (22): ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))
  (23): BatchNorm1d(4, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)
  (24): MSELoss()
  (25): CrossEntropyLoss()
  (26): LSTM(4, 8, num_layers=2, batch_first=True, bidirectional=True)
  (27): GRU(3, 5)
  (28): RNN(3, 5, bias=False)
)"""


def test_layer_reprs_are_pytorchs():
    m = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8),
        nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.AvgPool2d(3, stride=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Dropout(0.25), nn.Linear(8, 4),
        nn.LeakyReLU(0.2), nn.ELU(), nn.GELU(), nn.SiLU(), nn.Sigmoid(), nn.Tanh(),
        nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Softplus(), nn.Identity(),
        nn.LayerNorm(4), nn.Embedding(10, 3, padding_idx=0),
        nn.Conv1d(2, 4, 3, padding="same", dilation=2, groups=2),
        nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1), nn.BatchNorm1d(4, momentum=None),
        nn.MSELoss(), nn.CrossEntropyLoss(label_smoothing=0.1),
        nn.LSTM(4, 8, num_layers=2, batch_first=True, bidirectional=True), nn.GRU(3, 5),
        nn.RNN(3, 5, nonlinearity="relu", bias=False))
    assert repr(m) == ALL_LAYERS_REPR


def test_container_reprs():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(ml) == ("ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, "
                        "bias=True)\n  (3): ReLU()\n)")
    md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Sequential(nn.Linear(1, 1))})
    assert repr(md) == ("ModuleDict(\n  (a): ReLU()\n  (b): Sequential(\n    (0): Linear("
                        "in_features=1, out_features=1, bias=True)\n  )\n)")
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_parameter_repr_and_identity():
    p = nn.Parameter(engine.tensor([1., 2.]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert p.requires_grad and p.is_leaf and isinstance(p, engine.Tensor)
    frozen = nn.Parameter(engine.tensor([1.]), requires_grad=False)
    assert repr(frozen) == "Parameter containing:\ntensor([1.])"
    base = engine.zeros(2)
    shared = nn.Parameter(base)
    base.add_(1)
    assert shared.tolist() == [1.0, 1.0]  # shares storage with the tensor it wraps
    assert type(p * 2) is engine.Tensor  # ops on parameters give plain tensors


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 3)
        self.register_buffer("buf", engine.zeros(2))
        self.register_buffer("tmp", engine.zeros(1), persistent=False)


def test_registration_and_traversal():
    outer = nn.Module()
    outer.block = Block()
    outer.head = nn.Linear(3, 1)
    outer.scale = nn.Parameter(engine.ones(1))
    outer.plain = 5  # a plain attribute is not registered
    names = [n for n, _ in outer.named_parameters()]
    assert names == ["scale", "block.l.weight", "block.l.bias", "head.weight", "head.bias"]
    assert [n for n, _ in outer.named_buffers()] == ["block.buf", "block.tmp"]
    assert [n for n, _ in outer.named_children()] == ["block", "head"]
    assert [n for n, _ in outer.named_modules()] == ["", "block", "block.l", "head"]
    assert len(list(outer.modules())) == 4
    assert outer.get_submodule("block.l") is outer.block.l
    assert outer.get_parameter("block.l.bias") is outer.block.l.bias
    assert list(outer.state_dict()) == ["scale", "block.buf", "block.l.weight",
                                        "block.l.bias", "head.weight", "head.bias"]
    del outer.head
    assert "head" not in dict(outer.named_children())
    outer.block.l = None
    assert [n for n, _ in outer.named_parameters()] == ["scale"]


def test_shared_parameters_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4


def test_setattr_errors_match_pytorch():
    a = Block()
    with pytest.raises(TypeError, match=r"^cannot assign 'torch.FloatTensor' as child module "
                                        r"'l' \(torch.nn.Module or None expected\)$"):
        a.l = engine.zeros(1)
    with pytest.raises(KeyError, match="attribute 'l' already exists"):
        a.register_buffer("l", engine.zeros(1))
    with pytest.raises(KeyError, match="attribute 'buf' already exists"):
        a.register_parameter("buf", nn.Parameter(engine.zeros(1)))
    with pytest.raises(AttributeError, match="^'Block' object has no attribute 'nothing'$"):
        a.nothing
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter "
                                        r"'weight' \(torch.nn.Parameter or None expected\)"):
        a.l.weight = engine.zeros(3, 2)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(engine.zeros(1))
    with pytest.raises(AttributeError, match=r"cannot assign parameters before "
                                             r"Module.__init__\(\) call"):
        Early()
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the '
                                                  'required "forward" function'):
        nn.Module()(1)


def test_buffer_assignment_keeps_it_a_buffer():
    a = Block()
    a.buf = engine.ones(2)
    assert a._buffers["buf"].tolist() == [1.0, 1.0]
    assert "tmp" not in a.state_dict()  # non-persistent


def test_state_dict_round_trip():
    engine.manual_seed(0)
    src, dst = SeedNet(), SeedNet()
    sd = src.state_dict()
    assert list(sd) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight",
                        "fc3.bias"]
    assert all(not v.requires_grad and type(v) is engine.Tensor for v in sd.values())
    result = dst.load_state_dict(sd)
    assert repr(result) == "<All keys matched successfully>"
    x = engine.randn(2, 1, 32, 32)
    np.testing.assert_array_equal(src(x).detach().numpy(), dst(x).detach().numpy())
    # load copies values: the destination's parameters stay its own objects
    w = dst.fc1.weight
    dst.load_state_dict(src.state_dict())
    assert dst.fc1.weight is w and not np.shares_memory(w._data, src.fc1.weight._data)
    # keep_vars gives the parameters themselves
    assert src.state_dict(keep_vars=True)["fc1.weight"] is src.fc1.weight


def test_load_state_dict_errors_are_pytorchs():
    a = Block()
    sd = a.state_dict()
    sd["extra"] = engine.zeros(1)
    del sd["l.bias"]
    with pytest.raises(RuntimeError) as err:
        a.load_state_dict(sd)
    assert str(err.value) == ('Error(s) in loading state_dict for Block:\n\tMissing key(s) in '
                              'state_dict: "l.bias". \n\tUnexpected key(s) in state_dict: '
                              '"extra". ')
    result = a.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["l.bias"] and result.unexpected_keys == ["extra"]
    assert repr(result) == ("_IncompatibleKeys(missing_keys=['l.bias'], "
                            "unexpected_keys=['extra'])")
    sd = a.state_dict()
    sd["l.weight"] = engine.zeros(4, 2)
    with pytest.raises(RuntimeError) as err:
        a.load_state_dict(sd)
    assert str(err.value) == ("Error(s) in loading state_dict for Block:\n\tsize mismatch for "
                              "l.weight: copying a param with shape torch.Size([4, 2]) from "
                              "checkpoint, the shape in current model is torch.Size([3, 2]).")
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        a.load_state_dict([1, 2])


def test_batchnorm_state_dict_has_running_stats():
    bn = nn.BatchNorm1d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert bn.state_dict()["num_batches_tracked"].dtype == engine.int64


def test_train_eval_zero_grad_requires_grad_and_apply():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Sequential(nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    net(engine.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())  # PyTorch 2: set to None
    net(engine.randn(4, 2)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Dropout", "BatchNorm1d", "Sequential", "Sequential"]


def test_to_dtype_keeps_parameter_objects():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    w = net[0].weight
    assert net.double() is net
    assert net[0].weight is w and w.dtype == engine.float64 and isinstance(w, nn.Parameter)
    assert net[1].running_mean.dtype == engine.float64
    assert net[1].num_batches_tracked.dtype == engine.int64  # integer buffers are kept
    out = net(engine.randn(4, 2, dtype=engine.float64))
    assert out.dtype == engine.float64
    net.to(engine.float32)
    assert w.dtype == engine.float32
    net.to("cpu")
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        net.to(engine.int64)


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    out = lin(engine.ones(1, 2))
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1)
    h1.remove()
    h2.remove()
    lin(engine.ones(1, 2))
    assert calls == ["pre", "post"]


def test_containers_behave_like_pytorchs():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    sub = seq[:2]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[0] is seq[0]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        seq[5]
    seq.append(nn.Sigmoid())
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("first", nn.Linear(1, 1)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_parameters()] == ["first.weight", "first.bias"]
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.ReLU())
    ml += [nn.Tanh()]
    assert len(ml) == 3 and [type(m).__name__ for m in ml] == ["Linear", "ReLU", "Tanh"]
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    assert list(md.keys()) == ["a", "b"] and "a" in md
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    pl = nn.ParameterList([nn.Parameter(engine.ones(1)), engine.zeros(2)])
    assert len(list(pl.parameters())) == 2 and isinstance(pl[1], nn.Parameter)


def test_deepcopy_gives_independent_module():
    net = nn.Linear(2, 2)
    clone = copy.deepcopy(net)
    assert isinstance(clone.weight, nn.Parameter)
    clone.weight.data.add_(1)
    assert not np.allclose(clone.weight.detach().numpy(), net.weight.detach().numpy())


def test_clip_grad_norm_and_value_and_parameter_vectors():
    # PyTorch 2.13: norm 5.2915, each grad scaled to 0.3780
    ps = [nn.Parameter(engine.ones(3)), nn.Parameter(engine.ones(2, 2))]
    for p in ps:
        p.grad = engine.full_like(p, 2.0)
    total = nn.utils.clip_grad_norm_(ps, 1.0)
    assert total.item() == pytest.approx(np.sqrt(28.0), rel=1e-6)
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.3780] * 3, atol=1e-4)
    assert nn.utils.clip_grad_norm_(ps, 100.0).item() == pytest.approx(1.0, rel=1e-4)
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.3780] * 3, atol=1e-4)  # untouched
    ps[0].grad = engine.tensor([5.0, -5.0, 0.5])
    nn.utils.clip_grad_value_(ps, 1.0)
    assert ps[0].grad.tolist() == [1.0, -1.0, 0.5]
    vec = nn.utils.parameters_to_vector(ps)
    assert vec.shape == (7,)
    nn.utils.vector_to_parameters(engine.arange(7.0), ps)
    assert ps[1].tolist() == [[3.0, 4.0], [5.0, 6.0]] and isinstance(ps[1], nn.Parameter)


def test_a_parameter_or_submodule_assigned_again_keeps_its_place():
    """As in PyTorch 2.13 (orders recorded from it): word_language_model's TransformerModel
    replaces nn.Transformer's decoder with a Linear, and its state_dict keeps the decoder
    where nn.Transformer put it."""
    m = nn.Linear(2, 3)
    m.weight = nn.Parameter(engine.zeros(3, 2))
    assert list(dict(m.named_parameters())) == ["weight", "bias"]
    s = nn.Sequential()
    s.a, s.b = nn.Linear(1, 1), nn.ReLU()
    s.a = nn.Tanh()
    assert list(s._modules) == ["a", "b"]

    class Replaced(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.dec, self.x = nn.Linear(1, 1), nn.Linear(1, 2), nn.Linear(1, 1)
            self.dec = nn.Linear(1, 3)

    assert list(Replaced().state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias",
                                             "x.weight", "x.bias"]
