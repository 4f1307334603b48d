"""Convolution as engine ops: convolution, conv_input_grad (also ConvTranspose's forward) and
conv_weight_grad, each bilinear and each other's adjoints, so each op's backward is written
with the other two and double backward needs nothing more. The array kernels (one GEMM per
batch chunk, im2col by strided view) are in _im2col.py.
"""
from ..autograd.graph import Node, _grad_state
from ..ops._base import record, wrap
from . import _convnd, _im2col
from ._im2col import Geometry  # noqa: F401


def _kernels(geo):
    """The array kernels for a geometry: 3-d convolutions have their own (_convnd.py)."""
    return _convnd if type(geo) is _convnd.GeometryNd else _im2col


# ---- engine ops ---------------------------------------------------------------------------

def _to4d(arr, one_d):
    return arr[:, :, None, :] if one_d else arr


def _from4d(arr, one_d):
    return arr[:, :, 0, :] if one_d else arr


def _shape4d(shape, one_d):
    return (shape[0], shape[1], 1, shape[2]) if one_d else tuple(shape)


class ConvolutionBackward0(Node):
    """Node of convolution(x, w, b)."""

    def backward(self, g):
        x, w = self.saved_tensors
        geo = self.geo
        need = self.needs_input_grad
        both = _both_grads(x, g, w, geo) if need[0] and need[1] else None
        if both is not None:
            gx, gw = both
        else:
            gx = conv_input_grad(g, w, x.shape, geo) if need[0] else None
            gw = conv_weight_grad(x, g, w.shape, geo) if need[1] else None
        gb = None
        if len(need) > 2 and need[2]:
            gb = g.sum((0,) + tuple(range(2, g.dim())))
        return gx, gw, gb


def _both_grads(x, g, w, geo):
    """(gx, gw) from one pass of the kernels over g, or None where they have none for this
    layout or a graph of the gradients is wanted (then the two ops record their nodes)."""
    if _grad_state[0] or type(geo) is not Geometry:
        return None
    one_d = geo.one_d
    arrays = _im2col.grads(_to4d(x._data, one_d), _to4d(g._data, one_d),
                           _to4d(w._data, one_d), geo)
    if arrays is None:
        return None
    dx, dw = arrays
    return wrap(_from4d(dx, one_d), g), wrap(dw.reshape(w.shape), g)


def convolution(x, w, b, geo):
    one_d = geo.one_d
    y = _kernels(geo).conv(_to4d(x._data, one_d), _to4d(w._data, one_d), geo)
    if b is not None:
        y += b._data.reshape((-1,) + (1,) * (y.ndim - 2))
    out = wrap(_from4d(y, one_d), x)
    node = record(ConvolutionBackward0, out, (x, w) if b is None else (x, w, b), (x, w))
    if node is not None:
        node.geo = geo
    return out


class ConvInputGradBackward(Node):
    """Node of conv_input_grad(g, w [, b]): also what ConvTranspose's output carries."""

    def backward(self, h):
        g, w = self.saved_tensors
        geo = self.geo
        need = self.needs_input_grad
        gg = convolution(h, w, None, geo) if need[0] else None
        gw = conv_weight_grad(h, g, w.shape, geo) if need[1] else None
        gb = None
        if len(need) > 2 and need[2]:
            gb = h.sum((0,) + tuple(range(2, h.dim())))
        return gg, gw, gb


def conv_input_grad(g, w, x_shape, geo, b=None, node_cls=None):
    one_d = geo.one_d
    dx = _kernels(geo).input_grad(_to4d(g._data, one_d), _to4d(w._data, one_d),
                                  _shape4d(x_shape, one_d), geo)
    if b is not None:
        dx += b._data.reshape((-1,) + (1,) * (dx.ndim - 2))
    out = wrap(_from4d(dx, one_d), g)
    node = record(node_cls or ConvolutionBackwardBackward0, out,
                  (g, w) if b is None else (g, w, b), (g, w))
    if node is not None:
        node.geo = geo
    return out


class ConvolutionBackwardBackward0(ConvInputGradBackward):
    pass


class ConvWeightGradBackward(Node):
    def backward(self, k):
        x, g = self.saved_tensors
        geo = self.geo
        need = self.needs_input_grad
        gx = conv_input_grad(g, k, x.shape, geo) if need[0] else None
        gg = convolution(x, k, None, geo) if need[1] else None
        return gx, gg


def conv_weight_grad(x, g, w_shape, geo):
    one_d = geo.one_d
    dw = _kernels(geo).weight_grad(_to4d(x._data, one_d), _to4d(g._data, one_d),
                                   _shape4d(w_shape, one_d), geo)
    out = wrap(dw.reshape(tuple(w_shape)), x)
    node = record(ConvWeightGradBackward, out, (x, g), (x, g))
    if node is not None:
        node.geo = geo
    return out


# ConvTranspose's output: conv_input_grad with a bias, under PyTorch's node name.
TransposedConvolutionBackward0 = type("ConvolutionBackward0", (ConvInputGradBackward,), {})
