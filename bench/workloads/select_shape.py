"""Shape and select ops: per-op overhead on small tensors, and throughput on large ones."""
from . import workload


@workload("small shape/select ops: cat, split, gather, where, clamp on 16 float32 + backward",
          per=5, unit="op")
def small_shape_select(torch):
    a = torch.randn(16, requires_grad=True)
    b = torch.randn(16, requires_grad=True)
    index = torch.tensor([0, 3, 3, 7])
    mask = torch.randn(16) > 0

    def step():
        both = torch.cat([a, b])
        left, _ = both.split(16)
        picked = left.gather(0, index)
        mixed = torch.where(mask, a, b).clamp(-0.5, 0.5)
        (picked.sum() + mixed.sum()).backward()
    return step


@workload("embedding-style index_select: 4096 of 50000x128 float32 rows, forward + backward")
def index_select_rows(torch):
    table = torch.randn(50000, 128, requires_grad=True)
    rows = torch.randint(0, 50000, (4096,))

    def step():
        table.index_select(0, rows).sum().backward()
    return step


@workload("gather + scatter_add along dim 1 of 1024x1024 float32, forward + backward")
def gather_scatter_large(torch):
    x = torch.randn(1024, 1024, requires_grad=True)
    index = torch.randint(0, 1024, (1024, 256))

    def step():
        x.gather(1, index).sum().backward()
    return step


@workload("cat of 8 (256, 1024) float32 then split back, forward + backward")
def cat_split_large(torch):
    parts = [torch.randn(256, 1024, requires_grad=True) for _ in range(8)]

    def step():
        joined = torch.cat(parts, 0)
        sum(p.sum() for p in joined.split(256, 0)).backward()
    return step


@workload("masked_fill + where on 1024x1024 float32, forward + backward")
def masks_large(torch):
    x = torch.randn(1024, 1024, requires_grad=True)
    mask = torch.randn(1024, 1024) > 0

    def step():
        torch.where(mask, x, 0.0).masked_fill(~mask, 1.0).sum().backward()
    return step
