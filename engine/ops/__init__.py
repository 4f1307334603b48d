"""Engine ops: each forward on the backend array module beside its backward (engine ops)."""
