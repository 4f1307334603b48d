"""matplotlib in a notebook kernel: each cell shows the figures it left open, once."""
import base64

import pytest

from playground import events

from .kernels import SUCCEEDED

pytest.importorskip("matplotlib", reason="matplotlib is in requirements.txt")


def pngs(cell):
    return [base64.b64decode(e["data"]) for e in cell.of("display")
            if e["mime"] == events.PNG_MIME]


def test_each_cell_shows_its_own_figures_and_later_cells_do_not_repeat_them(kernel):
    first = kernel.run("import matplotlib.pyplot as plt\n"
                       "fig, ax = plt.subplots(figsize=(2, 2), dpi=30)\n"
                       "ax.plot([3, 1, 2])\n"
                       "n = len(ax.lines)")
    assert first.status == SUCCEEDED
    assert [p[:8] for p in pngs(first)] == [b"\x89PNG\r\n\x1a\n"]
    second = kernel.run("plt.plot([1, 2]); plt.show()\nprint(plt.get_fignums(), n)")
    assert second.status == SUCCEEDED and second.output() == "[] 1\n"
    assert len(pngs(second)) == 1
    third = kernel.run("fig.savefig('f.png')\nimport os\nos.path.getsize('f.png') > 0")
    assert third.value == "True" and pngs(third) == []  # fig was closed once shown
