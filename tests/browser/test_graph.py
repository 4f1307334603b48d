"""Autograd graphs laid out by dagre: no two nodes overlap, long chains and leaf groups fold
into one node that opens on click or Enter, and the drawing pans and zooms."""
import pytest

from tests.browser.conftest import ARTIFACTS, open_playground, set_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Screen boxes of every node of the graph in `sel`, and of every node label.
BOXES = """sel => [...document.querySelectorAll(sel + ' .graph-node')].map(g => {
    const r = g.querySelector('rect').getBoundingClientRect();
    const t = g.querySelector('text').getBoundingClientRect();
    return {id: g.dataset.id, x: r.x, y: r.y, w: r.width, h: r.height,
            tx: t.x, ty: t.y, tw: t.width, th: t.height};
})"""


def overlaps(a, b):
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and \
        a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def run_example(page, slug):
    open_playground(page)
    page.select_option("#examples", slug)
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]", timeout=60_000)
    page.wait_for_selector(".output > .graph .graph-node")


def test_the_walk_grad_fn_graph_has_no_overlapping_nodes_or_labels(page):
    run_example(page, "grad-fn")
    boxes = page.evaluate(BOXES, ".output > .graph")
    assert len(boxes) >= 15
    for i, a in enumerate(boxes):
        # each label sits inside its own node...
        assert a["tx"] >= a["x"] - 1 and a["tx"] + a["tw"] <= a["x"] + a["w"] + 1, a
        for b in boxes[i + 1:]:
            assert not overlaps(a, b), (a, b)       # ...and no node covers another
    page.locator(".output > .graph").screenshot(path=str(ARTIFACTS / "graph-grad-fn.png"))


def test_a_long_chain_and_many_leaves_fold_and_open(page):
    open_playground(page)
    set_code(page, "import torch\n"
                   "ws = [torch.randn(3, requires_grad=True) for _ in range(6)]\n"
                   "x = torch.stack(ws).sum()\n"
                   "z = torch.randn(3, requires_grad=True)\n"
                   "for i in range(12):\n    z = z.exp().log()\n"
                   "show_graph(z.sum() + x)\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    graph = ".output > .graph"
    page.wait_for_selector(f"{graph} .graph-node")
    chain = page.locator(f"{graph} .graph-node.kind-chain")
    assert chain.count() == 1
    assert chain.locator("text").text_content() == "25 ops: ExpBackward0 … SumBackward0"
    folded_nodes = int(page.get_attribute(graph, "data-nodes"))
    page.locator(f"{graph} .graph-svg").screenshot(path=str(ARTIFACTS / "graph-folded.png"))
    chain.click()                                          # opens: its 25 functions appear
    page.wait_for_function(f"Number(document.querySelector('{graph}').dataset.nodes) "
                           f"=== {folded_nodes} + 24")
    assert page.locator(f"{graph} .graph-node.kind-chain").count() == 0
    # The six leaves stacked together are one node; the keyboard opens it: focus, Enter.
    leaves = page.locator(f"{graph} .graph-node.kind-leaves")
    assert leaves.count() == 1 and leaves.locator("text").text_content() == "6 leaves"
    leaves.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"Number(document.querySelector('{graph}').dataset.nodes) "
                           f"=== {folded_nodes} + 24 + 5")


def test_the_graph_pans_and_zooms(page):
    run_example(page, "next-functions")
    graph = ".output > .graph"
    transform = f"document.querySelector('{graph} .graph-stage').getAttribute('transform')"
    start = page.evaluate(transform)
    page.click(f"{graph} .graph-zoom-in")
    zoomed = page.evaluate(transform)
    assert zoomed != start and "scale(" in zoomed
    box = page.locator(f"{graph} .graph-svg").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + 60, steps=5)
    page.mouse.up()
    assert page.evaluate(transform) != zoomed              # dragged
    page.click(f"{graph} .graph-fit")                      # the whole graph in view again
    svg = page.locator(f"{graph} .graph-svg").bounding_box()
    for b in page.evaluate(BOXES, graph):
        assert svg["x"] <= b["x"] and b["x"] + b["w"] <= svg["x"] + svg["width"] + 1
        assert svg["y"] <= b["y"] and b["y"] + b["h"] <= svg["y"] + svg["height"] + 1
