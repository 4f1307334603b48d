"""Every example of the examples menu runs on its own in the real sandbox and succeeds."""
import pytest

from playground.executors.base import CallbackSink
from playground.executors.local import LocalExecutor
from playground.runs.examples import EXAMPLES
from tests.sandbox.test_executor_local import submit


@pytest.fixture(scope="module")
def executor():
    ex = LocalExecutor(CallbackSink())
    yield ex
    ex.shutdown()


def run_example(executor, example):
    events = []
    handle, _ = submit(executor, example["code"], events.append,
                       kind=example["kind"], limits=None)
    assert handle.wait(700), f"{example['slug']} never finished"
    return events


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[ex["slug"] for ex in EXAMPLES])
def test_example_runs_alone_and_succeeds(executor, example):
    events = run_example(executor, example)
    errors = [e for e in events if e["type"] == "error"]
    assert not errors, f"{errors[0]['ename']}: {errors[0]['evalue']} (line {errors[0]['line']})"
    finished = events[-1]
    assert finished["type"] == "finished" and finished["status"] == "succeeded", finished
    assert any(e["type"] in ("stdout", "display") for e in events)   # it showed something
    if example["slug"] == "lenet-training":
        losses = [p["value"] for e in events if e["type"] == "metrics" for p in e["points"]
                  if p["name"] == "loss"]
        assert len(losses) == 150 and sum(losses[-10:]) < sum(losses[:10])   # it learns
    if example["slug"] == "fit-a-line":  # plt.show(): one figure, as a PNG
        assert [e["data"][:8] for e in events if e.get("mime") == "image/png"] == ["iVBORw0K"]


def test_the_training_example_asks_for_the_training_limits():
    kinds = {ex["slug"]: ex["kind"] for ex in EXAMPLES}
    assert kinds["lenet-training"] == "training"
    assert kinds["create-matrix"] == "snippet" and kinds["optimizer"] == "snippet"
