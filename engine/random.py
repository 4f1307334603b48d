"""The random state behind every random function: engine.manual_seed makes runs repeatable."""
import numpy as np


class Generator:
    __module__ = "torch._C"  # <torch._C.Generator object at 0x...>, as PyTorch prints it
    def __init__(self, device="cpu"):
        self.device = device
        self.seed()  # like PyTorch: each process starts from a fresh random seed

    def manual_seed(self, seed):
        seed = int(seed)
        self._seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed & ((1 << 64) - 1)))
        return self

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy) & ((1 << 63) - 1))._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from .creation import tensor
        state = self.numpy.bit_generator.state
        raw = [state["state"]["state"], state["state"]["inc"], state["has_uint32"],
               state["uinteger"]]
        data = [b for v in raw for b in int(v).to_bytes(16, "little")]
        return tensor(np.array(data, dtype=np.uint8))

    def set_state(self, new_state):
        data = bytes(new_state.tolist())
        vals = [int.from_bytes(data[i:i + 16], "little") for i in range(0, 64, 16)]
        self.numpy.bit_generator.state = {
            "bit_generator": "PCG64", "state": {"state": vals[0], "inc": vals[1]},
            "has_uint32": vals[2], "uinteger": vals[3]}


default_generator = Generator()


def manual_seed(seed):
    # Seeds NumPy's global state too, so user code mixing np.random stays repeatable.
    np.random.seed(int(seed) % (2 ** 32))
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
