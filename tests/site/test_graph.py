"""show_graph(t): the autograd graph display, built in the sandbox from grad_fn.next_functions."""
import pytest

import engine as torch
from playground.sandbox.displays import GRAPH_MIME, graph_data, tensor_data


def by_name(graph):
    return {n["id"]: n for n in graph["nodes"]}


def test_graph_of_the_seeds_a_times_a_plus_2():
    a = torch.randn(1, requires_grad=True)
    b = a * (a + 2)
    g = graph_data(b)
    nodes = by_name(g)
    assert g["root"] == "t" and nodes["t"] == {"id": "t", "name": "tensor", "kind": "tensor",
                                               "shape": [1]}
    names = sorted(n["name"] for n in g["nodes"] if n["kind"] != "tensor")
    assert names == ["AccumulateGrad", "AddBackward0", "MulBackward0"]   # one AccumulateGrad for a
    edges = {(nodes[e["from"]]["name"], nodes[e["to"]]["name"]) for e in g["edges"]}
    assert edges == {("MulBackward0", "tensor"), ("AccumulateGrad", "MulBackward0"),
                     ("AddBackward0", "MulBackward0"), ("AccumulateGrad", "AddBackward0")}
    leaf = next(n for n in g["nodes"] if n["kind"] == "leaf")
    assert leaf["shape"] == [1]


def test_leaves_carry_their_shapes():
    w = torch.randn(3, 4, requires_grad=True)
    y = (w * 2.0).sum()
    g = graph_data(y)
    assert [n["shape"] for n in g["nodes"] if n["kind"] == "leaf"] == [[3, 4]]
    assert g["nodes"][0]["shape"] == []


def test_a_tensor_without_grad_fn_is_a_clear_error():
    with pytest.raises(ValueError, match="needs a tensor with a grad_fn"):
        graph_data(torch.ones(2))
    with pytest.raises(ValueError, match="grad_fn=None"):
        graph_data(torch.ones(2, requires_grad=True))   # a leaf has no grad_fn either


def test_huge_graphs_are_cut_and_say_so():
    x = torch.ones(1, requires_grad=True)
    y = x
    for _ in range(400):
        y = y * 1.0
    g = graph_data(y)
    assert g["truncated"] is True and len(g["nodes"]) <= 301


def test_a_tensor_display_with_a_grad_fn_carries_its_graph_for_the_button():
    a = torch.randn(2, requires_grad=True)
    data = tensor_data(a * 2)
    assert data["grad_fn"] == "MulBackward0"
    assert {n["name"] for n in data["graph"]["nodes"]} == {"tensor", "MulBackward0",
                                                          "AccumulateGrad"}
    assert "graph" not in tensor_data(torch.ones(2))
    assert GRAPH_MIME == "application/vnd.playground.graph+json"
