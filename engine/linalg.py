"""engine.linalg (torch.linalg): norms, inverses, determinants, solves, factorizations and
products.

The ops are engine ops like any other (engine/ops/linalg.py, decomp.py, solvers.py,
matmul.py); this module gives them torch.linalg's names, so ``import torch.linalg`` and
``from torch.linalg import norm`` work. eig and eigvals return complex tensors in PyTorch and
stay missing names (the engine has no complex dtype).
"""
from .ops.decomp import (cholesky, cholesky_ex, eigh, eigvalsh, householder_product,  # noqa
                         ldl_factor, ldl_factor_ex, ldl_solve, lu, lu_factor, lu_factor_ex, qr,
                         solve_triangular, svd, svdvals)
from .ops.linalg import (LinAlgError, det, inv, linalg_cross as cross,  # noqa: F401
                         linalg_norm as norm, matrix_norm, matrix_power, solve, vecdot,
                         vector_norm)
from .ops.matmul import matmul  # noqa: F401
from .ops.solvers import (cond, inv_ex, linalg_diagonal as diagonal,  # noqa: F401
                          linalg_vander as vander, lstsq, lu_solve, matrix_exp, matrix_rank,
                          multi_dot, pinv, slogdet, solve_ex, tensorinv, tensorsolve)

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
           "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex",
           "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul",
           "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm",
           "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals",
           "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm"]
