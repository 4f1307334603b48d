"""``torch.utils.tensorboard`` for the engine: log scalars and histograms from training code.

    from torch.utils.tensorboard import SummaryWriter, log, progress

    with SummaryWriter() as writer:
        for step in progress(range(100), desc="train"):
            ...
            writer.add_scalar("loss", loss, step)   # or: log(step=step, loss=loss)

``log`` and ``progress`` are importable from here (``torch.utils.tensorboard`` in the
playground, ``engine.utils.tensorboard`` elsewhere); the writer also has ``add_scalars``,
``add_histogram`` and ``add_heatmap`` (the playground's own: a 2-D grid with points on top).

In the playground the points stream to the page as live charts (and the dashboard at
/dashboard/). Anywhere else they are appended to ``runs/<name>/metrics.jsonl``, one JSON
object per line; no TensorBoard is needed. ``set_sink`` redirects every writer.
"""
from .helpers import log, progress
from .sinks import JsonlFileSink, installed_sink, set_sink
from .writer import SummaryWriter

__all__ = ["SummaryWriter", "log", "progress", "set_sink", "installed_sink", "JsonlFileSink"]
