"""torch.vmap: a function of one example run over a batch. The engine has no batching rules,
so it calls the function once per slice along the mapped dims and stacks the results: the
same values and gradients, at the speed of a Python loop."""
from .tensor import Tensor


def _mapped_size(args, dims, name):
    sizes = []
    for a, d in zip(args, dims):
        if d is None or not isinstance(a, Tensor):
            continue
        if not -a.ndim <= d < max(a.ndim, 0) or a.ndim == 0:
            raise ValueError(f"vmap({name}, in_dims={d}, ...)(<inputs>): Got in_dim={d} for "
                             f"some input, but that input is a Tensor of dimensionality "
                             f"{a.ndim} so expected in_dim to satisfy -{a.ndim} <= in_dim < "
                             f"{a.ndim}.")
        sizes.append(a.shape[d])
    if not sizes:
        raise ValueError(f"vmap({name}, in_dims=..., ...)(<inputs>): at least one input must "
                         "be a Tensor mapped over a dim (in_dim not None)")
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return sizes[0]


def _stack(results, out_dim, name):
    from .ops.shape import stack
    first = results[0]
    if isinstance(first, Tensor):
        return stack(results, out_dim)
    if isinstance(first, (tuple, list)):
        dims = out_dim if isinstance(out_dim, (tuple, list)) else (out_dim,) * len(first)
        return type(first)(_stack([r[i] for r in results], dims[i], name)
                           for i in range(len(first)))
    raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                     f"{type(first)}. Did you mean to set out_dims= to None for output?")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    name = getattr(func, "__name__", repr(func))

    def batched(*args, **kwargs):
        dims = tuple(in_dims) if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of `inputs`. in_dims has structure "
                             f"of length {len(dims)} but inputs has length {len(args)}.")
        n = _mapped_size(args, dims, name)
        results = [func(*(a.select(d, i) if d is not None and isinstance(a, Tensor) else a
                          for a, d in zip(args, dims)), **kwargs) for i in range(n)]
        return _stack(results, out_dims, name)
    return batched
