"""DataLoader: batches from a dataset through a sampler and a collate function.

Loading happens in the calling process whatever num_workers says: the sandbox runs user code
in one locked-down process, and the batches (and their order) are the same either way.
"""
import collections.abc

import numpy as np

from ..._dtype import float64
from ...creation import as_tensor, tensor
from ...ops.shape import stack
from ...tensor import Tensor
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                  "or lists; found {}")


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into tuples, lists and dicts:
    tensors and arrays are stacked, Python floats become float64, ints int64, bools bool,
    strings stay a list, as PyTorch's default_collate does."""
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "USO":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(elem, (np.number, np.bool_)):
        return tensor(np.array(batch))
    if isinstance(elem, bool):
        return tensor(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return elem_type(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return elem_type([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_COLLATE_ERROR.format(elem_type))


def default_convert(data):
    """Without batching: NumPy arrays and numbers become tensors, containers are walked."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return as_tensor(data)
    if isinstance(data, (np.number, np.bool_)):
        return tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers = num_workers
        self.timeout = timeout
        self.pin_memory = pin_memory
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None and self._iterable:
            BatchSampler(range(1), batch_size, drop_last)  # the same checks on its options
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if batch_size is not None or \
                batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __iter__(self):
        if self._iterable:
            batches = self._iter_stream()
        elif self._auto_collation:
            batches = self._iter_batches()
        else:
            batches = (self.collate_fn(self.dataset[i]) for i in self.sampler)
        kind = _MultiProcessingDataLoaderIter if self.num_workers else _SingleProcessDataLoaderIter
        return kind(self, batches)

    def _iter_batches(self):
        dataset, collate = self.dataset, self.collate_fn
        rows = self._tensor_rows()
        getitems = getattr(dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if rows is not None:
                yield rows(indices)
            elif getitems is not None:
                yield collate(getitems(indices))
            else:
                yield collate([dataset[i] for i in indices])

    def _tensor_rows(self):
        """For a TensorDataset (or Subsets of one, as random_split makes) with the default
        collate: a function giving a batch by one fancy index per tensor, the same batch
        as stacking rows one by one, without a Python call per row. Else None."""
        if self.collate_fn is not default_collate:
            return None
        subsets, source = [], self.dataset
        while type(source) is Subset:
            subsets.append(source.indices)
            source = source.dataset
        if type(source) is not TensorDataset or not source.tensors or \
                any(t.requires_grad for t in source.tensors):
            return None
        tensors = source.tensors

        def rows(indices):
            for mapping in subsets:
                indices = [mapping[i] for i in indices]
            idx = as_tensor(np.asarray(indices, dtype=np.int64))
            return [t[idx if t.device.type == "cpu" else idx.to(t.device)] for t in tensors]
        return rows

    def _iter_stream(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else \
                (n + self.batch_size - 1) // self.batch_size
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)


class _BaseDataLoaderIter:
    """What ``iter(loader)`` gives, as in PyTorch: an iterator with ``len()``, not a bare
    generator (tutorials call ``len(iter(loader))``, and ``data_iter.next()`` must fail with
    PyTorch's message, naming this class)."""

    def __init__(self, loader, batches):
        self._loader, self._batches = loader, batches

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._batches)

    def __len__(self):
        return len(self._loader)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    pass


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """``num_workers > 0``: the sandbox has no worker processes to spare, so the batches are
    made in this process, in the same order PyTorch's workers deliver them (in_order)."""


for _cls in (_BaseDataLoaderIter, _SingleProcessDataLoaderIter, _MultiProcessingDataLoaderIter):
    _cls.__module__ = "torch.utils.data.dataloader"
