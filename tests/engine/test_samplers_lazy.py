"""Samplers draw lazily: RandomSampler(replacement=True, num_samples=10**10) is how a
well-known GPT teaching repository makes an endless loader, so nothing may be allocated in
proportion to num_samples, and a loader over it keeps its memory flat batch after batch."""
import gc
import itertools
import tracemalloc

import numpy as np

import engine as torch
from engine.utils.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler,
                               SubsetRandomSampler, TensorDataset, WeightedRandomSampler)

ENDLESS = 10 ** 10
MIB = 1 << 20


def _peak_while(fn):
    """(result, peak bytes Python allocated while fn ran)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _dataset(n=100):
    return TensorDataset(torch.arange(float(n)), torch.arange(n))


def test_random_sampler_with_replacement_allocates_nothing_of_num_samples():
    sampler = RandomSampler(_dataset(), replacement=True, num_samples=ENDLESS)
    assert len(sampler) == ENDLESS
    first, peak = _peak_while(lambda: list(itertools.islice(iter(sampler), 1000)))
    assert peak < MIB and len(first) == 1000
    assert all(0 <= i < 100 for i in first)


def test_random_sampler_is_repeatable_and_uniform():
    gen = torch.Generator().manual_seed(0)
    a = list(itertools.islice(RandomSampler(_dataset(10), True, ENDLESS, gen), 20000))
    gen.manual_seed(0)
    b = list(itertools.islice(RandomSampler(_dataset(10), True, ENDLESS, gen), 20000))
    assert a == b
    counts = np.bincount(a, minlength=10)
    assert counts.min() > 1800 and counts.max() < 2200  # 2000 expected per value
    # the count is exact for a num_samples that is not a multiple of the chunk
    assert len(list(RandomSampler(_dataset(10), True, 70, gen))) == 70


def test_weighted_sampler_with_replacement_is_lazy_and_follows_the_weights():
    sampler = WeightedRandomSampler([0.1, 0.9], ENDLESS, generator=torch.Generator()
                                    .manual_seed(1))
    drawn, peak = _peak_while(lambda: list(itertools.islice(iter(sampler), 10000)))
    assert peak < MIB
    assert 8700 < sum(drawn) < 9300  # index 1 with probability 0.9
    exact = WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)
    assert sorted(exact) == [0, 1, 2]


def test_subset_sequential_and_batch_samplers_stay_lazy():
    batches = BatchSampler(RandomSampler(_dataset(), True, ENDLESS), 64, drop_last=True)
    first, peak = _peak_while(lambda: list(itertools.islice(iter(batches), 100)))
    assert peak < MIB and len(first) == 100 and all(len(b) == 64 for b in first)
    assert len(batches) == ENDLESS // 64
    seq = SequentialSampler(range(ENDLESS))
    assert list(itertools.islice(iter(seq), 3)) == [0, 1, 2]
    subset = SubsetRandomSampler([5, 7, 9])
    assert sorted(subset) == [5, 7, 9]


def test_an_endless_loader_keeps_memory_flat_over_thousands_of_batches():
    loader = DataLoader(_dataset(), batch_size=8,
                        sampler=RandomSampler(_dataset(), replacement=True, num_samples=ENDLESS))
    assert len(loader) == ENDLESS // 8
    batches = iter(loader)
    for _ in range(200):  # warm up caches first
        next(batches)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(1000):
            next(batches)
        gc.collect()
        after_1000 = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            x, y = next(batches)
        gc.collect()
        after_4000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert x.shape == (8,) and torch.equal(x.long(), y)
    assert after_4000 - after_1000 < 64 * 1024  # flat: 3000 more batches hold nothing more


def test_training_from_an_endless_loader_keeps_memory_flat_and_learns():
    """The GPT-teaching pattern whole: an endless iterator over the loader feeding a model,
    backward and an optimizer step each batch; memory held after 600 steps is what it was
    after 200, and the model learns (y = 3x - 1 on x in [0, 1))."""
    x = torch.arange(100.0).reshape(100, 1) / 100
    data = TensorDataset(x, 3 * x - 1)
    loader = DataLoader(data, batch_size=16,
                        sampler=RandomSampler(data, replacement=True, num_samples=ENDLESS,
                                              generator=torch.Generator().manual_seed(0)))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    batches = iter(loader)

    def train(steps):
        for _ in range(steps):
            xb, yb = next(batches)
            loss = torch.nn.functional.mse_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss.item()

    first = train(1)
    train(200)  # warm up: optimizer state, caches
    gc.collect()
    tracemalloc.start()
    try:
        train(200)
        gc.collect()
        held_after_200 = tracemalloc.get_traced_memory()[0]
        last = train(400)
        gc.collect()
        held_after_600 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held_after_600 - held_after_200 < 64 * 1024
    assert last < first / 20
