"""einsum: PyTorch's subscript language, run as permutes, diagonals, sums and one bmm per
pair of operands (so its gradient is those ops' gradients)."""
import math

from ._base import check_tensor
from .matmul import bmm


# ---- einsum --------------------------------------------------------------------------------

def _einsum_error(msg):
    return RuntimeError(f"einsum(): {msg}")


def _parse_subscripts(equation, start, text):
    """Labels of one term: letters, and -1 for an ellipsis ('...')."""
    labels, i = [], 0
    while i < len(text):
        ch = text[i]
        if text.startswith("...", i):
            if -1 in labels:
                raise _einsum_error("found more than one ellipsis ('...') in one operand")
            labels.append(-1)
            i += 3
            continue
        if not ("a" <= ch <= "z" or "A" <= ch <= "Z"):
            raise _einsum_error(f"invalid subscript given at index {start + i} in the equation "
                                "string, subscripts must be in [a-zA-Z]")
        labels.append(ch)
        i += 1
    return labels


def _einsum_terms(equation, n_ops):
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms, pos = [], 0
    for text in lhs.split(","):
        terms.append(_parse_subscripts(eq, pos, text))
        pos += len(text) + 1
    if len(terms) > n_ops:
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < n_ops:
        raise _einsum_error("more operands were provided than specified in the equation")
    if arrow:
        out = _parse_subscripts(eq, len(lhs) + 2, rhs)
        seen = set()
        for lab in out:
            if lab in seen and lab != -1:
                raise _einsum_error(f"output subscript {lab} appears more than once in the "
                                    "output")
            seen.add(lab)
            if lab != -1 and not any(lab in t for t in terms):
                raise _einsum_error(f"output subscript {lab} does not appear in the equation "
                                    "for any input operand")
    else:  # implicit output: the labels seen once, in alphabetical order, after the ellipsis
        counts = {}
        for t in terms:
            for lab in t:
                if lab != -1:
                    counts[lab] = counts.get(lab, 0) + 1
        out = ([-1] if any(-1 in t for t in terms) else []) + sorted(
            lab for lab, c in counts.items() if c == 1)
    return terms, out


def _take_diagonal(t, labels, index):
    """Repeated labels in one operand ('ii'): keep their diagonal (a view, as in PyTorch)."""
    while True:
        dup = next((lab for lab in labels if labels.count(lab) > 1), None)
        if dup is None:
            return t, labels
        p = labels.index(dup)
        q = labels.index(dup, p + 1)
        if t._data.shape[q] != t._data.shape[p]:
            raise _einsum_error(f"subscript {dup} is repeated for operand {index} but the sizes "
                                f"don't match, {t._data.shape[q]} != {t._data.shape[p]}")
        t = t.diagonal(0, p, q)  # drops dims p and q, appends the diagonal
        labels = [lab for i, lab in enumerate(labels) if i not in (p, q)] + [dup]


def einsum(equation, *operands):
    """Einstein summation, built from permute/reshape/mul/sum/bmm (so gradients of every
    order come from those ops, and the grad_fns are the ones PyTorch's einsum shows)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        check_tensor("einsum", f"operands[{i}]", i + 2, t)
    terms, out_labels = _einsum_terms(equation, len(operands))
    n_ell = 0
    for i, (t, labels) in enumerate(zip(operands, terms)):
        n_named = len([lab for lab in labels if lab != -1])
        nd = t._data.ndim
        if -1 in labels:
            if nd < n_named:
                raise _einsum_error(f"the number of subscripts in the equation ({n_named}) is "
                                    f"more than the number of dimensions ({nd}) for operand "
                                    f"{i}")
            n_ell = max(n_ell, nd - n_named)
        elif nd != n_named:
            raise _einsum_error(f"the number of subscripts in the equation ({n_named}) does not "
                                f"match the number of dimensions ({nd}) for operand "
                                f"{i} and no ellipsis was given")
    ell = [("...", i) for i in range(n_ell)]  # ellipsis dims get labels of their own

    def expand_ellipsis(labels, nd):
        if -1 not in labels:
            return list(labels)
        k = labels.index(-1)
        count = nd - (len(labels) - 1)
        return labels[:k] + ell[n_ell - count:] + labels[k + 1:]

    out = expand_ellipsis(out_labels, len(out_labels) - 1 + n_ell) if -1 in out_labels \
        else list(out_labels)
    # One dim order for every operand: the output's labels, then those summed away.
    order = list(out)
    for labels, t in zip(terms, operands):
        for lab in expand_ellipsis(labels, t._data.ndim):
            if lab not in order:
                order.append(lab)
    sizes = {}
    aligned = []
    for i, (t, labels) in enumerate(zip(operands, terms)):
        t, labs = _take_diagonal(t, expand_ellipsis(labels, t._data.ndim), i)
        for lab, size in zip(labs, t._data.shape):
            seen = sizes.get(lab, 1)
            if size != 1 and seen != 1 and size != seen:
                raise _einsum_error(f"subscript {lab if isinstance(lab, str) else '...'} has "
                                    f"size {size} for operand {i} which does not broadcast with "
                                    f"previously seen size {seen}")
            sizes[lab] = max(size, seen)
        present = [lab for lab in order if lab in labs]
        perm = [labs.index(lab) for lab in present]
        if perm != list(range(len(perm))) or len(operands) == 1:  # PyTorch always permutes
            t = t.permute(*perm)
        full = tuple(t._data.shape[present.index(lab)] if lab in present else 1
                     for lab in order)
        aligned.append((t.reshape(full) if full != t._data.shape else t,
                        set(labs)))
    n_out = len(out)
    result = aligned[0][0]
    for j, (t, _) in enumerate(aligned[1:], 1):
        later = set().union(*(labs for _, labs in aligned[j + 1:]))
        done = [d for d in range(n_out, len(order)) if order[d] not in later]
        result = _sum_product(result, t, done)
    if any(result._data.shape[d] != 1 for d in range(n_out, len(order))):
        return result.sum(list(range(n_out, len(order))))
    shape = result._data.shape[:n_out]
    return result.reshape(shape) if result._data.shape != shape else result


def _sum_product(a, b, sum_dims):
    """Multiply two aligned operands (same number of dims, size 1 where a label is absent) and
    sum over ``sum_dims``, keeping them as size 1: one bmm when something is contracted."""
    sa, sb = a._data.shape, b._data.shape
    if not sum_dims:
        return a * b
    # A summed dim present in only one operand is summed there first.
    only_a = [d for d in sum_dims if sa[d] != 1 and sb[d] == 1]
    only_b = [d for d in sum_dims if sb[d] != 1 and sa[d] == 1]
    if only_a:
        a = a.sum(only_a, keepdim=True)
    if only_b:
        b = b.sum(only_b, keepdim=True)
    sa, sb = a._data.shape, b._data.shape
    k_dims = [d for d in sum_dims if sa[d] != 1 and sb[d] != 1]
    if not k_dims:
        return a * b
    rest = [d for d in range(len(sa)) if d not in sum_dims]
    batch = [d for d in rest if sa[d] != 1 and sb[d] != 1]
    lo = [d for d in rest if d not in batch and sa[d] != 1]
    ro = [d for d in rest if d not in batch and d not in lo and sb[d] != 1]
    ones = [d for d in range(len(sa)) if d not in batch + lo + ro + k_dims]
    size = lambda shape, dims: math.prod(shape[d] for d in dims)  # noqa: E731
    a3 = _permuted(a, batch + lo + k_dims).reshape(size(sa, batch), size(sa, lo),
                                                   size(sa, k_dims))
    b3 = _permuted(b, batch + k_dims + ro).reshape(size(sb, batch), size(sb, k_dims),
                                                   size(sb, ro))
    prod = bmm(a3, b3)
    # Back to the aligned layout: batch, lo, ro dims in place, size 1 everywhere else.
    dims = batch + lo + ro
    out_shape = [sa[d] for d in batch] + [sa[d] for d in lo] + [sb[d] for d in ro]
    prod = prod.reshape(*out_shape, *([1] * (len(sa) - len(dims))))
    inverse = [0] * len(sa)
    for pos, d in enumerate(dims + k_dims + ones):
        inverse[d] = pos
    return prod if inverse == sorted(inverse) else prod.permute(*inverse)


def _permuted(t, first):
    """t with the dims ``first`` moved to the front (the rest, all of size 1, after them)."""
    perm = first + [d for d in range(t._data.ndim) if d not in first]
    return t if perm == sorted(perm) else t.permute(*perm)


__all__ = ["einsum"]
NOT_METHODS = {"einsum"}
