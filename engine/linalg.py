"""engine.linalg (torch.linalg): norms, inverse, determinant, solve and products.

The ops are engine ops like any other (engine/ops/linalg.py, engine/ops/matmul.py); this
module gives them torch.linalg's names, so ``import torch.linalg`` and
``from torch.linalg import norm`` work.
"""
from .ops.linalg import (LinAlgError, det, inv, linalg_cross as cross,  # noqa: F401
                         linalg_norm as norm, matrix_norm, matrix_power, solve, vecdot,
                         vector_norm)
from .ops.matmul import matmul  # noqa: F401

__all__ = ["LinAlgError", "cross", "det", "inv", "matmul", "matrix_norm", "matrix_power",
           "norm", "solve", "vecdot", "vector_norm"]
