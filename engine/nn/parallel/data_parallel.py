"""nn.DataParallel on the engine's devices: without a GPU it wraps the module and calls it,
exactly as PyTorch does on a machine without one (device_ids == []); with GPUs it runs the
module on device_ids[0], moving the inputs there (PyTorch's one-device path). With several
devices PyTorch would split the batch over replicas; the engine runs the whole batch on the
first device, which gives the same outputs and gradients (BatchNorm's running statistics are
then those of the whole batch, not of device 0's slice)."""
from ... import _backend
from ..._device import device as Device
from ...tensor import Tensor
from ..modules.module import Module


def _device_index(d):
    if isinstance(d, Device):
        return d.index or 0
    if isinstance(d, str):
        return Device(d).index or 0
    return int(d)


def _move(obj, device):
    """Tensors inside (nested tuples, lists, dicts of) ``obj`` moved to ``device``."""
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_move(o, device) for o in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(_move(o, device) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _move(v, device)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    __module__ = "torch.nn.parallel.data_parallel"

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if _backend.cuda_unavailable_reason() is not None:
            self.module = module
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(_backend.cuda_device_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_device_index(d) for d in device_ids]
        self.output_device = _device_index(output_device)
        self.src_device_obj = Device("cuda", self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError("module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of "
                                   f"them on device: {t.device}")
        outputs = self.module(*_move(inputs, self.src_device_obj),
                              **_move(kwargs, self.src_device_obj))
        return _move(outputs, Device("cuda", self.output_device))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """The functional DataParallel: module(*inputs) on the first device."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return DataParallel(module, device_ids, output_device, dim)(*inputs,
                                                                **(module_kwargs or {}))
