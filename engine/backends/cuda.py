"""torch.backends.cuda: is a GPU backend built in (CuPy importable), and the cuBLAS and
scaled-dot-product-attention switches scripts set. The switches are recorded; CuPy's kernels
compute the same either way."""
from .. import _backend, _config


def is_built():
    return _backend.cupy is not None


class cuBLASModule:
    """``torch.backends.cuda.matmul``: allow_tf32 follows
    torch.set_float32_matmul_precision, as in PyTorch."""
    __module__ = "torch.backends.cuda"
    _settings = {"allow_fp16_reduced_precision_reduction": True,
                 "allow_fp16_reduced_precision_reduction_split_k": True,
                 "allow_bf16_reduced_precision_reduction": True,
                 "allow_bf16_reduced_precision_reduction_split_k": True,
                 "allow_fp16_accumulation": False, "fp32_precision": "none"}

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _config.get_float32_matmul_precision() != "highest"
        if name in self._settings:
            return self._settings[name]
        raise AttributeError("Unknown attribute " + name)

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            _config.set_float32_matmul_precision("high" if value else "highest")
            return
        if name in self._settings:
            self._settings[name] = value
            return
        raise AttributeError("Unknown attribute " + name)


matmul = cuBLASModule()

# scaled_dot_product_attention backends: which kernels PyTorch may pick on a GPU
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def _sdp_switch(kernel):
    """(<kernel>_sdp_enabled, enable_<kernel>_sdp) over one entry of _sdp."""
    def enabled():
        return _sdp[kernel]

    def enable(enabled):
        _sdp[kernel] = bool(enabled)
    enabled.__name__, enable.__name__ = f"{kernel}_sdp_enabled", f"enable_{kernel}_sdp"
    return enabled, enable


flash_sdp_enabled, enable_flash_sdp = _sdp_switch("flash")
mem_efficient_sdp_enabled, enable_mem_efficient_sdp = _sdp_switch("mem_efficient")
math_sdp_enabled, enable_math_sdp = _sdp_switch("math")
cudnn_sdp_enabled, enable_cudnn_sdp = _sdp_switch("cudnn")


def is_flash_attention_available():
    return False
