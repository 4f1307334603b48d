"""Issue 13's speed rows: the shapes public training scripts spend their time in.

    python3 bench/run.py resnet poly lstm gpt --threads 1 default

Each is our own small model in the style of such scripts (not a copy of one): a ResNet of
basic blocks on 32x32 images, polynomial fitting with hand-written gradients (no autograd),
a 2-layer LSTM over 28 steps (one and two directions), and a GPT of 3 blocks with AdamW.
"""
import importlib

from . import workload


def _optim(torch):
    return importlib.import_module(torch.__name__ + ".optim")


def _train_step(torch, model, optimizer, loss_of):
    def step():
        optimizer.zero_grad()
        loss_of(model).backward()
        optimizer.step()
    return step


def _resnet(torch, width=16, blocks=2, classes=10):
    nn, F = torch.nn, torch.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + x)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(width), nn.ReLU())
            self.blocks = nn.Sequential(*(BasicBlock(width) for _ in range(blocks)))
            self.fc = nn.Linear(width, classes)

        def forward(self, x):
            x = self.blocks(self.stem(x))
            return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
    return ResNet()


@workload("ResNet: stem + 2 basic blocks (conv3x3+BN+ReLU, residual add), 16x32x32, "
          "batch 100, CrossEntropy + SGD momentum")
def resnet_blocks(torch):
    model = _resnet(torch)
    optimizer = _optim(torch).SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(100, 3, 32, 32)
    y = torch.randint(0, 10, (100,))
    criterion = torch.nn.CrossEntropyLoss()
    return _train_step(torch, model, optimizer, lambda m: criterion(m(x), y))


POLY_OPS = 30  # tensor ops (and .item() calls) in one step of poly_fit below


@workload("polynomial fit, hand-written gradients, no autograd: pow(2|3), *, +, -, sum, "
          ".item() on 2,000 float32", per=POLY_OPS, unit="op")
def poly_fit(torch):
    x = torch.linspace(-3.0, 3.0, 2000)
    y = torch.sin(x)
    a, b, c, d = (torch.randn(()) for _ in range(4))
    lr = 1e-6

    def step():
        nonlocal a, b, c, d
        x2 = x ** 2                                        # 1
        x3 = x.pow(3)                                      # 2
        y_pred = a + b * x + c * x2 + d * x3               # 8
        diff = y_pred - y                                  # 9
        loss = diff.pow(2).sum().item()                    # 12
        grad_y_pred = 2.0 * diff                           # 13
        grad_a = grad_y_pred.sum()                         # 14
        grad_b = (grad_y_pred * x).sum()                   # 16
        grad_c = (grad_y_pred * x2).sum()                  # 18
        grad_d = (grad_y_pred * x3).sum()                  # 20
        a = a - lr * grad_a                                # 22
        b = b - lr * grad_b                                # 24
        c = c - lr * grad_c                                # 26
        d -= lr * grad_d                                   # 28
        return loss + d.item() + grad_a.item()             # 30
    return step


def _lstm_step(torch, bidirectional):
    nn = torch.nn

    class RNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 128, num_layers=2, batch_first=True,
                                bidirectional=bidirectional)
            self.fc = nn.Linear(128 * (2 if bidirectional else 1), 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1, :])
    model = RNN()
    optimizer = _optim(torch).Adam(model.parameters(), lr=1e-3)
    x = torch.randn(100, 28, 28)
    y = torch.randint(0, 10, (100,))
    criterion = nn.CrossEntropyLoss()
    return _train_step(torch, model, optimizer, lambda m: criterion(m(x), y))


@workload("nn.LSTM(28, 128, 2 layers), seq 28, batch 100, train step (CrossEntropy + Adam)")
def lstm_uni(torch):
    return _lstm_step(torch, False)


@workload("nn.LSTM(28, 128, 2 layers, bidirectional), seq 28, batch 100, train step")
def lstm_bi(torch):
    return _lstm_step(torch, True)


def _gpt(torch, vocab, n_embd, seq, n_layer=3, n_head=3):
    nn, F = torch.nn, torch.nn.functional

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(n_embd, 3 * n_embd)
            self.proj = nn.Linear(n_embd, n_embd)
            self.register_buffer("causal", torch.tril(torch.ones(seq, seq)).bool())

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).split(n_embd, dim=2)
            q, k, v = (t.view(B, T, n_head, C // n_head).transpose(1, 2) for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / (C // n_head) ** 0.5)
            att = att.masked_fill(~self.causal[:T, :T], float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
            return self.proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
            self.attn = SelfAttention()
            self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                     nn.Linear(4 * n_embd, n_embd), nn.Dropout(0.1))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, n_embd)
            self.pos = nn.Embedding(seq, n_embd)
            self.blocks = nn.Sequential(*(Block() for _ in range(n_layer)))
            self.ln_f = nn.LayerNorm(n_embd)
            self.head = nn.Linear(n_embd, vocab)

        def forward(self, idx, targets):
            T = idx.shape[1]
            x = self.tok(idx) + self.pos(torch.arange(T))
            logits = self.head(self.ln_f(self.blocks(x)))
            return F.cross_entropy(logits.view(-1, vocab), targets.view(-1))
    return GPT()


def _gpt_step(torch, vocab, n_embd, seq, batch):
    model = _gpt(torch, vocab, n_embd, seq)
    optimizer = _optim(torch).AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    idx = torch.randint(0, vocab, (batch, seq))
    targets = torch.randint(0, vocab, (batch, seq))
    return _train_step(torch, model, optimizer, lambda m: m(idx, targets))


@workload("GPT 3 blocks x 3 heads, embedding 48, seq 8, vocab 10, batch 32, AdamW step")
def gpt_tiny(torch):
    return _gpt_step(torch, vocab=10, n_embd=48, seq=8, batch=32)


@workload("GPT 3 blocks x 3 heads, embedding 126, seq 64, vocab 65, batch 32, AdamW step")
def gpt_char(torch):
    return _gpt_step(torch, vocab=65, n_embd=126, seq=64, batch=32)
