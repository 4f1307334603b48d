"""engine.utils.data: datasets, random_split, samplers, DataLoader and default_collate, with
PyTorch 2.13's behaviour and messages (copied as literals) as the spec."""
import collections

import numpy as np
import pytest

import engine
from engine import optim
from engine.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                               IterableDataset, RandomSampler, Sampler, SequentialSampler,
                               Subset, TensorDataset, default_collate, random_split)
from tests.helpers import raises


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"x": float(i), "y": i * i, "name": f"item{i}"}


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_torch_utils_data_is_reachable_from_the_package():
    assert engine.utils.data.DataLoader is DataLoader


# ---- default_collate --------------------------------------------------------------------

def test_collate_numbers_like_pytorch():
    ints, floats, bools = (default_collate([1, 2, 3]), default_collate([1.0, 2.0]),
                           default_collate([True, False]))
    assert (ints.dtype, ints.tolist()) == (engine.int64, [1, 2, 3])
    assert (floats.dtype, floats.tolist()) == (engine.float64, [1.0, 2.0])  # not float32
    assert (bools.dtype, bools.tolist()) == (engine.bool, [True, False])
    assert default_collate([np.int32(1), np.int32(2)]).dtype is engine.int32
    assert default_collate([np.float64(1.5)]).dtype is engine.float64


def test_collate_tensors_and_arrays_stack_on_a_new_first_dim():
    out = default_collate([engine.ones(2, 3), engine.zeros(2, 3)])
    assert out.shape == (2, 2, 3) and out.sum().item() == 6
    arr = default_collate([np.array([1, 2]), np.array([3, 4])])
    assert arr.dtype is engine.int64 and arr.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(RuntimeError, match=r"^stack expects each tensor to be equal size, but "
                                           r"got \[2\] at entry 0 and \[3\] at entry 1$"):
        default_collate([engine.ones(2), engine.ones(3)])


def test_collate_containers_recursively():
    pairs = default_collate([(engine.ones(2), 1), (engine.zeros(2), 0)])
    assert isinstance(pairs, list) and len(pairs) == 2     # tuples come back as a list
    assert pairs[0].tolist() == [[1.0, 1.0], [0.0, 0.0]] and pairs[1].tolist() == [1, 0]
    lists = default_collate([[1, 2], [3, 4]])
    assert [t.tolist() for t in lists] == [[1, 3], [2, 4]]
    dicts = default_collate([{"a": 1, "b": engine.ones(1)}, {"a": 2, "b": engine.zeros(1)}])
    assert list(dicts) == ["a", "b"] and dicts["a"].tolist() == [1, 2]
    ordered = default_collate([collections.OrderedDict(k=1), collections.OrderedDict(k=2)])
    assert type(ordered) is collections.OrderedDict
    Point = collections.namedtuple("Point", "x y")
    point = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(point) is Point and point.x.tolist() == [1, 3]
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_collate_errors_match_pytorch():
    with pytest.raises(RuntimeError, match="^each element in list of batch should be of "
                                           "equal size$"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="^default_collate: batch must contain tensors, numpy "
                                        "arrays, numbers, dicts or lists; found <class "
                                        "'object'>$"):
        default_collate([object(), object()])


# ---- datasets ------------------------------------------------------------------------------

def test_tensor_dataset_rows_and_size_check():
    x, y = engine.arange(10.0).reshape(5, 2), engine.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    row = ds[3]
    assert isinstance(row, tuple) and row[0].tolist() == [6.0, 7.0] and row[1].item() == 3
    with pytest.raises(AssertionError, match="^Size mismatch between tensors$"):
        TensorDataset(engine.ones(3), engine.ones(4))
    with pytest.raises(TypeError, match="TensorDataset expects tensors, got list"):
        TensorDataset([1, 2])


def test_subset_and_concat():
    base = Squares(10)
    sub = Subset(base, [7, 2, 5])
    assert len(sub) == 3 and sub[0]["y"] == 49 and sub[2]["y"] == 25
    both = base + Squares(3)
    assert isinstance(both, ConcatDataset) and len(both) == 13
    assert both[10]["y"] == 0 and both[-1]["y"] == 4 and both[9]["y"] == 81


def test_random_split_with_lengths_is_a_partition_reproducible_under_manual_seed():
    engine.manual_seed(3)
    parts = random_split(range(10), [3, 7])
    engine.manual_seed(3)
    again = random_split(range(10), [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert [parts[0][i] for i in range(3)] == parts[0].indices  # range(10)[i] == i


def test_random_split_with_fractions_gives_pytorchs_sizes():
    # PyTorch 2.13: random_split(range(10), [0.3, 0.3, 0.4]) -> sizes [3, 3, 4];
    # random_split(range(11), [0.5, 0.5]) -> [6, 5] (the remainder goes round-robin).
    assert [len(p) for p in random_split(range(10), [0.3, 0.3, 0.4])] == [3, 3, 4]
    assert [len(p) for p in random_split(range(11), [0.5, 0.5])] == [6, 5]
    gen = engine.Generator().manual_seed(1)
    a = random_split(range(8), [0.5, 0.5], generator=gen)
    b = random_split(range(8), [0.5, 0.5], generator=engine.Generator().manual_seed(1))
    assert [p.indices for p in a] == [p.indices for p in b]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [0.9, 0.1])


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6]])
def test_random_split_bad_lengths(lengths):
    with pytest.raises(ValueError, match="^Sum of input lengths does not equal the length of "
                                         "the input dataset!$"):
        random_split(range(10), lengths)


# ---- DataLoader ----------------------------------------------------------------------------

def test_batches_in_order_with_len():
    dl = DataLoader(range(10), batch_size=3)
    assert len(dl) == 4
    assert [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    dropped = DataLoader(range(10), batch_size=3, drop_last=True)
    assert len(dropped) == 3 and [len(b) for b in dropped] == [3, 3, 3]


def test_default_batch_size_is_one():
    batches = list(DataLoader(range(3)))
    assert [b.tolist() for b in batches] == [[0], [1], [2]]


def test_shuffle_is_a_permutation_reproducible_under_manual_seed_and_new_each_epoch():
    dl = DataLoader(range(20), batch_size=6, shuffle=True)
    engine.manual_seed(0)
    epoch1 = [i for b in dl for i in b.tolist()]
    epoch2 = [i for b in dl for i in b.tolist()]
    engine.manual_seed(0)
    again1 = [i for b in dl for i in b.tolist()]
    assert sorted(epoch1) == list(range(20)) and sorted(epoch2) == list(range(20))
    assert epoch1 == again1
    assert epoch1 != epoch2 and epoch1 != list(range(20))


def test_shuffle_with_own_generator():
    def order(seed):
        gen = engine.Generator().manual_seed(seed)
        return [i for b in DataLoader(range(12), batch_size=5, shuffle=True, generator=gen)
                for i in b.tolist()]
    assert order(7) == order(7) and order(7) != order(8)


def test_dict_samples_collate_per_key():
    batch = next(iter(DataLoader(Squares(5), batch_size=4)))
    assert batch["x"].dtype is engine.float64 and batch["x"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert batch["y"].tolist() == [0, 1, 4, 9]
    assert batch["name"] == ["item0", "item1", "item2", "item3"]


def test_tensor_dataset_batches_equal_row_by_row_stacking():
    engine.manual_seed(1)
    x, y = engine.randn(23, 3, 2), engine.randint(0, 5, (23,))
    ds = TensorDataset(x, y)
    engine.manual_seed(5)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True))
    engine.manual_seed(5)
    slow = list(DataLoader(ds, batch_size=4, shuffle=True,
                           collate_fn=lambda rows: default_collate(rows)))
    assert len(fast) == len(slow) == 6
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.shape == sx.shape and np.array_equal(fx.numpy(), sx.numpy())
        assert np.array_equal(fy.numpy(), sy.numpy()) and fy.dtype is engine.int64


def test_batches_of_a_random_split_of_a_tensor_dataset_are_its_rows():
    engine.manual_seed(2)
    x, y = engine.randn(30, 3), engine.arange(30)
    train, val = random_split(TensorDataset(x, y), [0.8, 0.2])
    nested = Subset(train, [4, 0, 7])
    for part in (train, val, nested):
        for xb, yb in DataLoader(part, batch_size=7):
            rows = yb.tolist()
            assert np.array_equal(xb.numpy(), x.numpy()[rows])
    got = [i for _, yb in DataLoader(nested, batch_size=2) for i in yb.tolist()]
    assert got == [train.indices[4], train.indices[0], train.indices[7]]


def test_custom_collate_sampler_and_batch_sampler():
    dl = DataLoader(range(6), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(dl) == [1, 5, 9]
    dl = DataLoader(range(6), sampler=[5, 4, 3], batch_size=2)
    assert [b.tolist() for b in dl] == [[5, 4], [3]]
    dl = DataLoader(range(6), batch_sampler=[[0, 5], [1]])
    assert [b.tolist() for b in dl] == [[0, 5], [1]] and len(dl) == 2


def test_batch_size_none_returns_converted_samples():
    samples = list(DataLoader([np.array([1.0, 2.0]), 3], batch_size=None))
    assert isinstance(samples[0], engine.Tensor) and samples[0].dtype is engine.float64
    assert samples[1] == 3


def test_iterable_dataset_streams_in_batches():
    dl = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5], [6]] and len(dl) == 3
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    with pytest.raises(ValueError, match="expected unspecified shuffle option, but got "
                                         "shuffle=True"):
        DataLoader(Stream(3), shuffle=True)


def test_num_workers_loads_the_same_batches_in_process():
    assert [b.tolist() for b in DataLoader(range(5), batch_size=2, num_workers=2)] == \
        [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size should be a positive integer value, but got "
                         "batch_size=0"),
    (dict(shuffle=True, sampler=[1, 2]), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive "
                                              "with batch_size, shuffle, sampler, and "
                                              "drop_last"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching "
                                            "and is mutually exclusive with drop_last"),
    (dict(num_workers=-1), "num_workers option should be non-negative; use num_workers=0 to "
                           "disable multiprocessing."),
])
def test_bad_options_are_refused_with_pytorchs_messages(kwargs, message):
    raises(ValueError, message, lambda: DataLoader(range(10), **kwargs))


def test_samplers():
    assert list(SequentialSampler(range(3))) == [0, 1, 2]
    gen = engine.Generator().manual_seed(2)
    drawn = list(RandomSampler(range(5), replacement=True, num_samples=50, generator=gen))
    assert len(drawn) == 50 and set(drawn) <= set(range(5))
    more = list(RandomSampler(range(4), num_samples=10))
    assert len(more) == 10 and sorted(more[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, "
                                         "but got num_samples=0"):
        RandomSampler([])
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(5), 2, drop_last="yes")


def test_training_loop_over_a_dataloader_learns_a_line():
    # The usual epoch loop: shuffled batches, a tiny model, SGD; the loss must fall.
    engine.manual_seed(0)
    x = engine.rand(64, 1)
    y = 3 * x + 1
    w = engine.zeros(1, requires_grad=True)
    b = engine.zeros(1, requires_grad=True)
    opt = optim.SGD([w, b], lr=0.5)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    for _ in range(60):
        for xb, yb in loader:
            opt.zero_grad()
            loss = ((xb * w + b - yb) ** 2).mean()
            loss.backward()
            opt.step()
    assert w.item() == pytest.approx(3, abs=0.05) and b.item() == pytest.approx(1, abs=0.05)


def test_weighted_random_sampler():
    from engine.utils.data import WeightedRandomSampler, get_worker_info
    gen = engine.Generator().manual_seed(0)
    drawn = list(WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=gen))
    assert len(drawn) == 400 and 0 not in drawn
    assert 200 < drawn.count(2) < 400                      # about 300 expected
    once = list(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(once) == [0, 1, 2]
    with pytest.raises(ValueError, match="^weights should be a 1d sequence but given weights "
                                         "have shape \\(1, 2\\)$"):
        WeightedRandomSampler([[1, 2]], 3)
    with pytest.raises(ValueError, match="^replacement should be a boolean value, but got "
                                         "replacement=1$"):
        WeightedRandomSampler([1, 2], 3, replacement=1)
    assert get_worker_info() is None
    batches = list(DataLoader(range(10), batch_size=5,
                              sampler=WeightedRandomSampler([1.0] * 10, 10)))
    assert len(batches) == 2


def test_datasets_and_samplers_take_type_parameters_like_pytorchs():
    class Pairs(Dataset[tuple]):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return (engine.tensor([float(i)]), i)

    class Evens(Sampler[int]):
        def __iter__(self):
            return iter([0])

    xb, yb = next(iter(DataLoader(Pairs(), batch_size=2)))
    assert xb.tolist() == [[0.0], [1.0]] and yb.tolist() == [0, 1]
    assert list(Evens()) == [0] and issubclass(Stream, IterableDataset)


def test_iter_of_a_loader_is_pytorchs_iterator_with_a_length():
    # PyTorch 2.13: type(iter(loader)) is torch.utils.data.dataloader._SingleProcessDataLoaderIter
    # (_MultiProcessingDataLoaderIter with num_workers > 0); len(it) == len(loader); the
    # Python 2 spelling it.next() raises AttributeError naming that class.
    ds = TensorDataset(engine.arange(10.0))
    it = iter(DataLoader(ds, batch_size=3))
    assert type(it).__name__ == "_SingleProcessDataLoaderIter"
    assert type(it).__module__ == "torch.utils.data.dataloader"
    assert len(it) == 4 and iter(it) is it
    assert next(it)[0].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(AttributeError,
                       match="'_SingleProcessDataLoaderIter' object has no attribute 'next'"):
        it.next()
    assert [b[0].tolist() for b in it] == [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [9.0]]
    workers = iter(DataLoader(ds, batch_size=5, num_workers=2))
    assert type(workers).__name__ == "_MultiProcessingDataLoaderIter"
    assert [b[0].tolist() for b in workers] == [[0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0, 9.0]]
