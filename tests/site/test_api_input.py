"""The REST API and the train form against hostile input: infinities, huge numbers, unicode
that is not text, NUL characters. Each gets a specific 400, never a 500, nothing is stored."""
import json

import pytest
from django.test import Client

from playground.runs.models import Run

pytestmark = pytest.mark.django_db


def post(client, url, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


@pytest.mark.parametrize("body, words", [
    ('{"code": "print(1)", "name": "run\\ud800"}', '"name" has a character that is not valid'),
    ({"code": "print(1)", "name": "a\x00b"}, '"name" contains a NUL character'),
    ({"code": "print(1)", "device": ["cpu"]}, '"device" must be one of cpu, cuda'),
    ('{"code": NaN}', '"code" must be a string'),
    ('{"code": "print(1)", "device": 1e999}', '"device" must be one of cpu, cuda'),
])
def test_odd_run_requests_get_a_specific_400(body, words):
    res = post(Client(), "/api/runs/", body)
    assert res.status_code == 400, res.content
    assert words in res.json()["detail"]
    assert Run.objects.count() == 0


@pytest.mark.parametrize("body, words", [
    ('{"epochs": Infinity}', '"epochs" must be an integer, not inf'),
    ('{"epochs": NaN}', '"epochs" must be an integer, not nan'),
    ('{"lr": -Infinity}', '"lr" must be a number, not -inf'),
    ({"lr": 10 ** 400}, '"lr" must be between'),
    ({"epochs": 10 ** 400}, '"epochs" must be between'),
    ({"hidden": [10 ** 400]}, '"hidden layer width" must be between'),
    ({"hidden": [1e308 * 10]}, '"hidden layer width" must be an integer'),
    ({"dataset": ["spiral"]}, '"dataset" must be one of'),
])
def test_odd_train_forms_get_a_specific_400(body, words):
    client = Client()
    client.get("/dashboard/train/")
    for url in ("/dashboard/api/train/code/", "/dashboard/api/train/"):
        res = post(client, url, body)
        assert res.status_code == 400, res.content
        assert words in res.json()["detail"]
    assert Run.objects.count() == 0


DEEP = "[" * 3000 + "]" * 3000   # past Python's recursion limit: json.loads raises RecursionError


@pytest.mark.parametrize("url, method", [("/api/runs/", "post"),
                                         ("/dashboard/api/train/code/", "post"),
                                         ("/dashboard/api/train/", "post")])
def test_a_deeply_nested_body_is_a_json_400_not_a_500(url, method):
    client = Client()
    client.get("/dashboard/train/")
    res = getattr(client, method)(url, data='{"code": ' + DEEP + "}",
                                  content_type="application/json")
    assert res.status_code == 400, res.content[:300]
    assert "nested too deeply" in res.json()["detail"]
    assert Run.objects.count() == 0


def test_a_deeply_nested_rename_is_a_json_400():
    run = Run.objects.create(owner="ip:127.0.0.1", code="x", status="succeeded")
    res = Client().patch(f"/api/runs/{run.id}/", data=DEEP, content_type="application/json")
    assert res.status_code == 400 and "nested too deeply" in res.json()["detail"]
