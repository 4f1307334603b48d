"""Run names: a run without one is named after its first comment or def, the page names an
example's run after its title, and the owner (only) renames a run over the REST API."""
import json

import pytest
from django.test import Client

from playground.runs import lifecycle
from playground.runs.models import Run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code, name", [
    ("import torch\n# Fit a line\nx = 1\n", "Fit a line"),
    ("#!/usr/bin/env python\nimport torch.nn as nn\nclass Net(nn.Module):\n    pass\n", "class Net"),
    ("import torch\n\ndef train(model):\n    pass\n", "def train"),
    ("import torch\nx = torch.ones(2)\n", "x = torch.ones(2)"),
    ("import torch\n", "run"),
])
def test_a_run_without_a_name_is_named_after_its_comment_def_or_first_line(code, name):
    assert lifecycle.default_name(code) == name


def patch(client, run, body, **headers):
    return client.generic("PATCH", f"/api/runs/{run.id}/", json.dumps(body),
                          content_type="application/json", **headers)


def test_the_owner_renames_a_run_and_no_one_else_may():
    owner = Client()
    owner.get("/")                                         # a session, as the page has
    key = owner.session.session_key
    run = Run.objects.create(owner=f"session:{key}", code="print(1)", name="print(1)",
                             status="succeeded")
    res = patch(owner, run, {"name": "  baseline, lr 0.03 "})
    assert res.status_code == 200 and res.json()["name"] == "baseline, lr 0.03"
    run.refresh_from_db()
    assert run.name == "baseline, lr 0.03"
    assert owner.get("/api/runs/").json()["runs"][0]["name"] == "baseline, lr 0.03"
    stranger = patch(Client(), run, {"name": "mine now"})
    assert stranger.status_code == 403 and "only the person who started" in stranger.json()["detail"]
    assert patch(owner, run, {"name": ""}).status_code == 400
    assert patch(owner, run, {"name": 3}).status_code == 400
    assert "unknown field" in patch(owner, run, {"name": "x", "code": "y"}).json()["detail"]
    assert patch(owner, run, {"name": "x"}, HTTP_ORIGIN="https://evil.example").status_code == 403
    run.refresh_from_db()
    assert run.name == "baseline, lr 0.03"
