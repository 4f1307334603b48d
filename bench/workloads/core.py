"""Issue 2's speed targets (per-op overhead, BLAS matmul) and the reductions around them."""
from . import workload


@workload("small-op overhead: c = (a*b + a).sum(); c.backward(), 16 float32", per=3,
          unit="op")
def small_ops(torch):
    a = torch.randn(16, requires_grad=True)
    b = torch.randn(16, requires_grad=True)

    def step():
        c = (a * b + a).sum()
        c.backward()
    return step


@workload("matmul 1024x1024 float32, forward + backward")
def matmul_1024(torch):
    a = torch.randn(1024, 1024, requires_grad=True)
    b = torch.randn(1024, 1024, requires_grad=True)

    def step():
        (a @ b).sum().backward()
    return step


@workload("batched linear (32,128,256) @ (256,256) float32, forward + backward")
def batched_linear(torch):
    x = torch.randn(32, 128, 256, requires_grad=True)
    w = torch.randn(256, 256, requires_grad=True)

    def step():
        (x @ w).sum().backward()
    return step


@workload("log_softmax(dim=1) 512x1024 float32, forward + backward")
def log_softmax_rows(torch):
    x = torch.randn(512, 1024, requires_grad=True)

    def step():
        x.log_softmax(1).sum().backward()
    return step


@workload("small reductions: x.max(1).values, x.std(), x.norm() on 4x4 float32 + backward",
          per=3, unit="op")
def small_reductions(torch):
    x = torch.randn(4, 4, requires_grad=True)

    def step():
        (x.max(1).values.sum() + x.std() + x.norm()).backward()
    return step


@workload("attention softmax(q @ k^T / 8) @ v, (8,4,128,64) float32, forward + backward")
def attention(torch):
    q, k, v = (torch.randn(8, 4, 128, 64, requires_grad=True) for _ in range(3))

    def step():
        weights = (q @ k.transpose(-2, -1) / 8).softmax(-1)
        (weights @ v).sum().backward()
    return step


@workload("einsum 'bhqd,bhkd->bhqk' (8,4,128,64) float32, forward + backward")
def einsum_scores(torch):
    q, k = (torch.randn(8, 4, 128, 64, requires_grad=True) for _ in range(2))

    def step():
        torch.einsum("bhqd,bhkd->bhqk", q, k).sum().backward()
    return step
