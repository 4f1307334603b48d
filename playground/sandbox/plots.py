"""matplotlib inside the sandbox: figures become "display" events, as Jupyter's inline backend.

The zygote selects this module as matplotlib's backend (``MPLBACKEND=module://...``) and
imports pyplot before it forks, so runs start without a font scan. It is Agg (no window, no
GUI toolkit) whose ``plt.show()`` and ``fig.show()`` send each figure to the page as an
``image/png`` display (base64 PNG, as Jupyter's) and close it; figures still open when a
run or a notebook cell ends are shown the same way (``show_open_figures``).
"""
import base64
import io
import os
import sys

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

from playground import events

PNG_MIME = events.PNG_MIME
BACKEND = "module://playground.sandbox.plots"
MAX_PIXELS = 4096 * 4096            # rendered before the byte check: bounds Agg's buffer
EVENT_OVERHEAD = 200                 # the JSON around the base64 text of one event line

_emit = None                         # the child's event writer (bind)
_max_event_bytes = 512 * 1024


def bind(emit, run_dir, max_event_bytes):
    """In the child, after lock-down: where figures go, how big one event may be, and the
    run's own directory as matplotlib's config and cache dir (the zygote's is not writable
    by the run's uid). The getters were cached when the zygote imported matplotlib."""
    global _emit, _max_event_bytes
    _emit, _max_event_bytes = emit, int(max_event_bytes)
    config_dir = os.path.join(run_dir, ".matplotlib")
    import matplotlib
    matplotlib.get_configdir = matplotlib.get_cachedir = lambda: _made(config_dir)
    matplotlib.use(BACKEND)  # already so where the zygote preloaded it; here for the rest


def _made(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def figure_event(figure):
    """The display event of ``figure``: its PNG, or a text display saying why not."""
    width, height = (round(n) for n in figure.get_size_inches() * figure.dpi)
    if width * height > MAX_PIXELS:
        return _refusal(f"this figure is {width} x {height} pixels, more than the "
                        f"{MAX_PIXELS:,} pixels a figure may have; make figsize or dpi smaller")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    png = buffer.getvalue()
    size = 4 * -(-len(png) // 3) + EVENT_OVERHEAD  # base64 grows 4/3
    if size > _max_event_bytes:
        return _refusal(f"this figure is {len(png):,} bytes as PNG, more than the "
                        f"{_max_event_bytes * 3 // 4 - EVENT_OVERHEAD:,} bytes one display "
                        f"may carry; make figsize or dpi smaller, or plt.savefig() it to a file")
    return events.event("display", mime=PNG_MIME, data=base64.b64encode(png).decode("ascii"))


def _refusal(reason):
    return events.event("display", mime="text/plain", data=f"[figure not shown: {reason}]")


def show_figure(figure):
    """Send ``figure`` to the page and close it in pyplot (shown once, as in Jupyter)."""
    event = figure_event(figure)
    if _emit is not None:
        _emit(event)
    import matplotlib.pyplot as plt
    plt.close(figure)


def show_open_figures():
    """Every figure pyplot still holds, in creation order: the end of a run or a cell.
    Nothing when the user's code never imported pyplot."""
    if "matplotlib.pyplot" not in sys.modules:
        return
    import matplotlib.pyplot as plt
    for number in sorted(plt.get_fignums()):
        show_figure(plt.figure(number))


class FigureManager(FigureManagerBase):
    def show(self):  # fig.show(); plt.show() too, through show() below
        show_figure(self.canvas.figure)


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def show(*args, **kwargs):
    """plt.show(): every open figure (``block`` means nothing without a window)."""
    show_open_figures()
