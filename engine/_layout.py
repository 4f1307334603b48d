"""torch.layout and torch.memory_format: the names PyTorch tags tensors with. Every tensor here
is dense and strided (torch.strided); memory formats are accepted where PyTorch takes them
and change nothing (NumPy and CuPy arrays keep their own strides)."""


class _Named:
    """A singleton named torch.<name>, pickled as a reference to that singleton."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_named, (self.name,))


class layout(_Named):
    __module__ = "torch"
    __slots__ = ()


class memory_format(_Named):
    __module__ = "torch"
    __slots__ = ()


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


def _named(name):
    return globals()[name]
