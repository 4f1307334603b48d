"""Run all of the seed tutorial as a notebook prints, block by block, what PyTorch 2.13 prints
(tests/fixtures/seed_notebook_torch.json, recorded with real torch): the same errors at the
same lines, the same text around the numbers. Random values and object addresses differ
from run to run, so they are masked on both sides."""
import json
import os
import re
from pathlib import Path

import pytest

from playground import events

from .kernels import Kernel, executor

ROOT = Path(__file__).resolve().parents[2]
RECORDED = json.loads((ROOT / "tests" / "fixtures" / "seed_notebook_torch.json").read_text())


def masked(text):
    text = re.sub(r"0x[0-9a-f]+", "0x?", text or "")
    text = re.sub(r"-?\d+\.\d+(e[+-]?\d+)?", "#", text)
    text = re.sub(r"\s+", " ", text)   # widths and wrapping follow the values
    return re.sub(r"\[ ", "[", text).strip()


def seed_code_cells():
    for path in (ROOT.parent / "shared" / "seed" / "pytorch-tutorial.md",
                 Path(os.environ.get("PLAYGROUND_TUTORIAL_PATH", "/nonexistent"))):
        if path.is_file():
            from playground.notebooks.tutorial import cells_from_markdown
            return [c["source"] for c in cells_from_markdown(path.read_text())
                    if c["cell_type"] == "code"]
    pytest.skip("the seed tutorial is not beside this checkout")


def test_run_all_of_the_seed_tutorial_prints_what_pytorch_prints():
    code = seed_code_cells()
    assert code == [c["source"] for c in RECORDED["cells"]], (
        "the seed changed: record tests/fixtures/seed_notebook_torch.json again")
    ex, sink = executor()
    try:
        kernel = Kernel(ex, sink, wall_s=30, cpu_s=30)
        cell_ids = [kernel.send(source) for source in code]   # Run all: every cell queued
        for n, (cell_id, want) in enumerate(zip(cell_ids, RECORDED["cells"]), 1):
            cell = kernel.result(cell_id, timeout=60)
            got_error = cell.error
            where = f"cell {n}: {want['source'][:40]!r}"
            if want["error"] is None:
                assert cell.status == events.SUCCEEDED, (where, cell.result, got_error)
            else:
                assert got_error is not None, (where, cell.output())
                assert (got_error["ename"], got_error["evalue"], got_error["line"]) == (
                    want["error"]["ename"], want["error"]["evalue"], want["error"]["line"]), where
            assert masked(cell.output()) == masked(want["stdout"]), where
            value = want["value"].replace("+cpu", "") if want["value"] else None
            assert masked(cell.value) == masked(value), where   # torch's wheel says 2.13.0+cpu
    finally:
        ex.shutdown()
