"""Stored XSS through the charts: a run's metric tags, run names and autograd node names come
from hostile user code (the child can forge any display or metric event) and are shown to
other visitors on permalinks and the dashboard. Plotly renders a subset of HTML (links,
styled spans, line breaks) in trace names, titles and hover text, so every such string must
reach it escaped: it shows literally, and no element of the attacker's making appears."""
import pytest


pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE = ('<a href="https://evil.example/">click</a><b>bold</b>'
           '<span style="font-size:90px">big</span><img src=x onerror="window.pwned=1">')


def open_page(page):
    page.goto("/")
    page.evaluate("async () => (await import('/static/js/dom.js')).loadPlotly()")   # on demand


def assert_inert(page, selector):
    """The hostile text shows as text, and Plotly made no link or styled span from it."""
    page.wait_for_selector(f"{selector} .main-svg")
    svg = page.locator(selector)
    assert svg.locator(".main-svg a").count() == 0  # (the modebar's buttons are <a> too)
    assert page.evaluate(f"""[...document.querySelectorAll('{selector} tspan, {selector} text')]
        .filter((n) => /90px/.test(n.getAttribute('style') || '')).length""") == 0
    assert page.evaluate("window.pwned === undefined")
    return svg.inner_text()


def test_graph_node_names_are_shown_as_text(page):
    open_page(page)
    page.evaluate("""async hostile => {
        const { OutputView } = await import('/static/js/render.js');
        const { MIME } = await import('/protocol.js');
        const box = document.createElement('div');
        box.id = 'xss-out';
        document.body.append(box);
        new OutputView(box).handle({type: 'display', run_id: 'r', mime: MIME.GRAPH, data: {
            root: 1, nodes: [{id: 1, name: hostile, kind: 'function'},
                             {id: 2, name: 'AccumulateGrad', kind: 'leaf', shape: [2]}],
            edges: [{from: 2, to: 1}]}});
    }""", HOSTILE)
    page.wait_for_selector("#xss-out .graph .graph-node")
    # SVG text nodes: the name shows literally, in the label and in the hover title alike.
    labels = page.eval_on_selector_all("#xss-out .graph .graph-node text", "ns => ns.map(n => n.textContent)")
    assert HOSTILE in labels
    titles = page.eval_on_selector_all("#xss-out .graph .graph-node title", "ns => ns.map(n => n.textContent)")
    assert any(t.startswith(HOSTILE) for t in titles)
    assert page.locator("#xss-out .graph a, #xss-out .graph b, #xss-out .graph img").count() == 0
    assert page.evaluate("window.pwned === undefined")


def test_metric_tags_and_run_names_in_chart_legends_are_shown_as_text(page):
    open_page(page)
    page.evaluate("""async hostile => {
        const { ChartGrid, PALETTE } = await import('/static/js/chart-grid.js');
        const { RunData } = await import('/static/js/run-data.js');
        const box = document.createElement('div');
        box.id = 'xss-charts';
        document.body.append(box);
        const grid = new ChartGrid(box, {groupByPrefix: true});
        grid.options.smoothing = 0;
        const runs = ['a', 'b'].map((id, i) => {
            const data = new RunData(id, {id, name: hostile + id, status: 'succeeded'});
            data.addPoints([{name: 'loss/' + hostile, step: 0, value: 1, wall_time: 1},
                            {name: 'loss/' + hostile, step: 1, value: 0.5, wall_time: 2}]);
            return {data, colour: PALETTE[i], label: data.summary.name};
        });
        grid.setRuns(runs);
    }""", HOSTILE)
    text = assert_inert(page, "#xss-charts .metric-chart")
    assert "<b>bold</b>" in text


def test_forged_heatmap_and_histogram_coordinates_do_not_become_html_labels(page):
    open_page(page)
    page.evaluate("""async hostile => {
        const { drawHeatmaps, drawHistograms } = await import('/static/js/histograms.js');
        for (const id of ['xss-heat', 'xss-hist']) {
            const box = document.createElement('div');
            box.id = id;
            document.body.append(box);
        }
        drawHeatmaps(document.getElementById('xss-heat'), [{tag: 'boundary', step: 1,
            x: [hostile, 'b'], y: [hostile, 'd'], z: [[0, 1], [1, 0]],
            points: {x: [hostile], y: [hostile], label: [1]}}]);
        drawHistograms(document.getElementById('xss-hist'), [
            {tag: 'w', step: hostile, edges: [0, 1], counts: [3]},
            {tag: 'w', step: 2, edges: [0, 1], counts: [4]}]);
    }""", HOSTILE)
    assert_inert(page, "#xss-heat .heatmap-chart")
    assert_inert(page, "#xss-hist .histogram-chart")


def test_a_forged_tensor_heatmap_shows_no_html(page):
    open_page(page)
    page.evaluate("""async hostile => {
        const { OutputView } = await import('/static/js/render.js');
        const { MIME } = await import('/protocol.js');
        const box = document.createElement('div');
        box.id = 'xss-tensor';
        document.body.append(box);
        new OutputView(box).handle({type: 'display', run_id: 'r', mime: MIME.TENSOR, data: {
            shape: [2, 2], dtype: hostile, device: 'cpu', repr: hostile,
            values: [[hostile, 1], [2, 3]]}});
    }""", HOSTILE)
    assert "<b>bold</b>" in page.inner_text("#xss-tensor .tensor-head")
    page.click("#xss-tensor .heatmap-toggle")
    page.hover("#xss-tensor .heatmap .nsewdrag", position={"x": 5, "y": 5})
    assert_inert(page, "#xss-tensor .heatmap")
