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

# torch.linalg's factorizations and the older torch.* spellings of some of them
linalg_cholesky_ex = _return_type("linalg_cholesky_ex", ("L", "info"))
linalg_eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_inv_ex = _return_type("linalg_inv_ex", ("inverse", "info"))
linalg_ldl_factor = _return_type("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = _return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
linalg_lstsq = _return_type("linalg_lstsq", ("solution", "residuals", "rank",
                                             "singular_values"))
linalg_lu = _return_type("linalg_lu", ("P", "L", "U"))
linalg_lu_factor = _return_type("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_qr = _return_type("linalg_qr", ("Q", "R"))
linalg_slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))
linalg_solve_ex = _return_type("linalg_solve_ex", ("result", "info"))
linalg_svd = _return_type("linalg_svd", ("U", "S", "Vh"))
svd = _return_type("svd", ("U", "S", "V"))
qr = _return_type("qr", ("Q", "R"))
slogdet = _return_type("slogdet", ("sign", "logabsdet"))
geqrf = _return_type("geqrf", ("a", "tau"))
triangular_solve = _return_type("triangular_solve", ("solution", "cloned_coefficient"))
lu_unpack = _return_type("lu_unpack", ("P", "L", "U"))
_lu_with_info = _return_type("_lu_with_info", ("LU", "pivots", "info"))
