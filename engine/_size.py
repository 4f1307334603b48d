"""torch.Size: a tuple that prints as ``torch.Size([5, 3])``."""


class Size(tuple):
    __slots__ = ()
    __module__ = "torch"

    def __reduce__(self):  # through a function of the engine's: plain pickle needs no torch
        return (_size, (tuple(self),))

    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


def _size(values):
    return Size(values)
