"""torch.backends.mha: the fast path of nn.MultiheadAttention's inference, a switch recorded
here (the engine's attention has one path)."""
_fastpath = [True]


def get_fastpath_enabled():
    return _fastpath[0]


def set_fastpath_enabled(value):
    _fastpath[0] = bool(value)
