"""torch.onnx: importable; exporting needs PyTorch's tracer and ONNX, which this playground's
engine does not have, so export refuses with a message that says so."""
import sys

from . import _missing


_REFUSAL = ("torch.onnx.{} is not available in this playground's engine: ONNX export traces "
            "the model with PyTorch's JIT, which the engine does not have. Save the weights "
            "with torch.save(model.state_dict(), path) and export with PyTorch itself.")


def export(*args, **kwargs):
    raise RuntimeError(_REFUSAL.format("export"))


def dynamo_export(*args, **kwargs):
    raise RuntimeError(_REFUSAL.format("dynamo_export"))


def is_in_onnx_export():
    return False


_missing.install(sys.modules[__name__], "torch.onnx")  # PyTorch names it lacks say so
