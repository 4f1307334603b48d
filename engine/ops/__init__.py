"""Engine ops: each forward on the backend array module beside its backward (engine ops).

Every op module stands on _base.py (wrapping results, recording nodes, promotion, out=,
reduction bookkeeping, in-place writes, linear maps) and imports other op modules only for
the ops themselves. engine/__init__.py exports each module's ``__all__`` as engine.<name>
and as Tensor methods.
"""
