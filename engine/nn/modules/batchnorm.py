"""The batch-norm family under PyTorch's module name (torch.nn.modules.batchnorm): BatchNorm1d
and 2d live in normalization.py; BatchNorm3d is here."""
from .normalization import _BatchNorm, BatchNorm1d, BatchNorm2d  # noqa: F401


class BatchNorm3d(_BatchNorm):
    _expected_dims = (5,)
