"""Linear maps with a known adjoint (pooling, padding, gathers, nll_loss, ...).

An op that is linear in its input, y = A(x), has the gradient A^T(g), which is linear again
with gradient A(h). So each such op is written once as a pair of array functions
(forward, adjoint); the backward applies the adjoint as an engine op of its own, and double
backward works with no extra code.
"""
from ..autograd.graph import Node
from ..ops._util import record, wrap


class LinearMapBackward(Node):
    """Base of every linear op's node; ``adjoint_cls`` names the node of its backward."""
    adjoint_cls = None

    def backward(self, g):
        return (apply_linear(g, self.adjoint, self.forward_map, self.adjoint_cls,
                             type(self)),)


def linear_node(name):
    """(node class named ``name``, node class of its backward) for a new linear op."""
    cls = type(name, (LinearMapBackward,), {})
    adj = type(name.replace("Backward0", "BackwardBackward0"), (LinearMapBackward,), {})
    cls.adjoint_cls = adj
    adj.adjoint_cls = cls
    return cls, adj


def apply_linear(x, forward_map, adjoint, node_cls, adjoint_cls=None, out_data=None):
    """Run ``forward_map`` on x's array (or take its result ``out_data`` when the caller has
    it already) and record ``node_cls``, whose backward applies ``adjoint``."""
    out = wrap(forward_map(x._data) if out_data is None else out_data, x)
    node = record(node_cls, out, (x,))
    if node is not None:
        node.forward_map = forward_map
        node.adjoint = adjoint
    return out
