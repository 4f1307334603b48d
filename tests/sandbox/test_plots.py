"""matplotlib in a sandboxed run: figures come back as image/png displays (plots.py)."""
import base64
import struct

import pytest

from playground import events
from playground.sandbox import run_in_sandbox

pytest.importorskip("matplotlib", reason="matplotlib is in requirements.txt")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(code, **limits):
    got = list(run_in_sandbox(code, limits={"wall_s": 30, "cpu_s": 20, **limits}))
    assert got[-1]["type"] == "finished"
    return got


def stdout(got):
    return "".join(e["text"] for e in got if e["type"] == "stdout")


def figures(got):
    return [e for e in got if e["type"] == "display" and e["mime"] == events.PNG_MIME]


def png_size(data):
    """(width, height) from the IHDR chunk of a base64 PNG, checking it is one."""
    raw = base64.b64decode(data, validate=True)
    assert raw[:8] == PNG_SIGNATURE
    assert raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


def test_show_sends_the_figure_as_a_png_of_its_size_and_closes_it():
    got = run("import matplotlib.pyplot as plt\n"
              "plt.figure(figsize=(4, 3), dpi=50)\n"
              "plt.plot([1, 2, 3], [1, 4, 9])\n"
              "plt.show()\n"
              "print(plt.get_fignums())\n")
    assert got[-1]["status"] == events.SUCCEEDED, got
    shown = figures(got)
    assert len(shown) == 1
    assert png_size(shown[0]["data"]) == (200, 150)
    assert stdout(got) == "[]\n"


def test_backend_is_agg_without_a_window_and_config_is_in_the_run_directory():
    got = run("import os, matplotlib\n"
              "print(matplotlib.get_backend())\n"
              "print(matplotlib.get_configdir().startswith(os.getcwd()))\n"
              "from matplotlib.backends.backend_agg import FigureCanvasAgg\n"
              "import matplotlib.pyplot as plt\n"
              "print(isinstance(plt.figure().canvas, FigureCanvasAgg))\n"
              "plt.close('all')\n")
    assert stdout(got).split() == ["module://playground.sandbox.plots", "True", "True"], got


def test_figures_left_open_are_shown_at_the_end_in_order_and_fig_show_shows_one():
    got = run("import matplotlib.pyplot as plt\n"
              "a = plt.figure(figsize=(2, 1), dpi=40)\n"
              "b = plt.figure(figsize=(3, 1), dpi=40)\n"
              "c = plt.figure(figsize=(1, 1), dpi=40)\n"
              "c.show()\n"
              "print('after')\n")
    assert got[-1]["status"] == events.SUCCEEDED, got
    sizes = [png_size(e["data"]) for e in figures(got)]
    assert sizes == [(40, 40), (80, 40), (120, 40)]  # c by c.show(), then a and b at the end


def test_savefig_writes_a_file_in_the_run_directory():
    got = run("import matplotlib.pyplot as plt\n"
              "plt.plot([0, 1])\n"
              "plt.savefig('x.png')\n"
              "plt.close()\n"
              "with open('x.png', 'rb') as f: print(f.read(8))\n")
    assert got[-1]["status"] == events.SUCCEEDED, got
    assert stdout(got) == "b'\\x89PNG\\r\\n\\x1a\\n'\n"
    assert figures(got) == []


def test_a_figure_too_big_for_one_event_gets_a_clear_message_instead():
    got = run("import numpy as np, matplotlib.pyplot as plt\n"
              "plt.figure(figsize=(10, 10), dpi=100)\n"
              "plt.imshow(np.random.default_rng(0).random((1000, 1000, 3)))\n"
              "plt.show()\n", max_event_bytes=64 * 1024)
    assert got[-1]["status"] == events.SUCCEEDED, got
    assert figures(got) == []
    notes = [e["data"] for e in got if e["type"] == "display"]
    assert len(notes) == 1 and notes[0].startswith("[figure not shown: this figure is ")
    assert "bytes as PNG" in notes[0] and "savefig" in notes[0]


def test_a_figure_of_too_many_pixels_is_refused_before_it_is_drawn():
    got = run("import matplotlib.pyplot as plt\n"
              "plt.figure(figsize=(100, 100), dpi=100)\n"
              "plt.show()\n")
    notes = [e["data"] for e in got if e["type"] == "display"]
    assert notes == ["[figure not shown: this figure is 10000 x 10000 pixels, more than the "
                     "16,777,216 pixels a figure may have; make figsize or dpi smaller]"]


def test_tensors_plot_as_in_pytorch_and_grad_tensors_are_refused_with_its_message():
    got = run("import torch, matplotlib.pyplot as plt\n"
              "x = torch.linspace(0, 1, 5)\n"
              "plt.figure(figsize=(1, 1), dpi=20)\n"
              "plt.plot(x, x * 2)\n"
              "plt.imshow(torch.rand(3, 4))\n"
              "plt.show()\n"
              "w = torch.ones(5, requires_grad=True)\n"
              "plt.plot(x, w)\n")
    assert len(figures(got)) == 2  # the shown one, then the one the error left open
    error = next(e for e in got if e["type"] == "error")
    assert (error["ename"], error["evalue"], error["line"]) == (
        "RuntimeError", "Can't call numpy() on Tensor that requires grad. Use "
        "tensor.detach().numpy() instead.", 8)
