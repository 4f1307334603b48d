"""A PyTorch-compatible tensor library on NumPy (and CuPy for cuda tensors).

``import engine as torch`` runs PyTorch tutorial code unchanged.
"""
__version__ = "2.13.0"
