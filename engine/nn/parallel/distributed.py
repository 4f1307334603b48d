"""nn.parallel.DistributedDataParallel: importable, as scripts import it at the top; building
one needs a torch.distributed process group, which this engine does not provide."""
from ..modules.module import Module


class DistributedDataParallel(Module):
    __module__ = "torch.nn.parallel.distributed"

    def __init__(self, module, *args, **kwargs):
        raise RuntimeError("DistributedDataParallel needs torch.distributed, which this "
                           "playground's engine does not provide (torch.distributed."
                           "is_available() is False): train the module itself, or wrap it in "
                           "nn.DataParallel")
