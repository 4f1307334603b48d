"""torch.backends.opt_einsum: whether einsum orders its contractions with the opt_einsum
package. The engine's einsum contracts in the order written; these flags are recorded."""
import importlib.util

_FLAG_DEFAULTS = {"enabled": None, "strategy": None}

enabled = False
strategy = None


def is_available():
    return importlib.util.find_spec("opt_einsum") is not None


def get_opt_einsum():
    if not is_available():
        return None
    import opt_einsum
    return opt_einsum
