"""engine.return_types (torch.return_types): the named tuples that ops such as max(dim),
sort and topk return."""


def _return_type(name, fields=("values", "indices")):
    """A named pair printing like PyTorch's structseq: torch.return_types.max(values=..."""
    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(fields):
            raise TypeError(f"torch.return_types.{name} takes a {len(fields)}-sequence "
                            f"({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    ns = {"__new__": __new__, "__repr__": __repr__, "__str__": __repr__, "__slots__": (),
          "_fields": fields, "n_fields": len(fields), "__module__": "torch.return_types",
          "__getnewargs__": lambda self: (tuple(self),)}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: self[i])
    return type(name, (tuple,), ns)


max, min, sort, topk, kthvalue, median, nanmedian, mode, cummax, cummin = (
    _return_type(name) for name in ("max", "min", "sort", "topk", "kthvalue", "median",
                                    "nanmedian", "mode", "cummax", "cummin"))
aminmax = _return_type("aminmax", ("min", "max"))
frexp = _return_type("frexp", ("mantissa", "exponent"))
histogram = _return_type("histogram", ("hist", "bin_edges"))
histogramdd = _return_type("histogramdd", ("hist", "bin_edges"))
