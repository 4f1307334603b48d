"""The dashboard's JSON endpoints against hostile input: a caller's own regex and run names
must not hold a server thread (ReDoS), and bad values get a specific 400."""
import threading

import pytest
from django.test import Client

from playground.runs.models import Run

pytestmark = pytest.mark.django_db(transaction=True)


def session_client():
    client = Client()
    assert client.get("/dashboard/").status_code == 200   # gives the browser its session
    return client, f"session:{client.session.session_key}"


def answer_within(seconds, fn):
    """fn()'s result, or a failure when it takes longer (a daemon thread: a hang without
    the fix must fail the test, not freeze the suite)."""
    out = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert out, f"no answer within {seconds} s: the request is stuck matching"
    return out[0]


def test_a_backtracking_filter_is_stopped_with_a_clear_error():
    client, owner = session_client()
    # Python's re needs about 2**32 steps for this pattern on this name: minutes of CPU.
    Run.objects.create(owner=owner, code="x", name="a" * 32 + "!")
    res = answer_within(10, lambda: client.get("/dashboard/api/runs/", {"q": "(a|a)+$"}))
    assert res.status_code == 400
    assert "took longer than" in res.json()["detail"]


def test_an_ordinary_filter_still_matches_case_insensitively():
    client, owner = session_client()
    Run.objects.create(owner=owner, code="x", name="Spiral adam")
    Run.objects.create(owner=owner, code="x", name="xor sgd")
    res = client.get("/dashboard/api/runs/", {"q": "^spiral|ADAM"})
    assert [r["name"] for r in res.json()["runs"]] == ["Spiral adam"]


@pytest.mark.parametrize("q, says", [("(", "not a valid regular expression"),
                                     ("a" * 201, "the limit is 200")])
def test_a_bad_filter_says_why(q, says):
    client, _ = session_client()
    res = client.get("/dashboard/api/runs/", {"q": q})
    assert res.status_code == 400 and says in res.json()["detail"]


@pytest.mark.parametrize("raw, says", [("9" * 5000, "must be an integer, not '999"),
                                       ("-1", "between 5 and 100000, not -1"),
                                       ("1e5", "must be an integer, not '1e5'")])
def test_a_bad_max_points_says_why_briefly(raw, says):
    client, owner = session_client()
    run = Run.objects.create(owner=owner, code="x")
    res = client.get(f"/dashboard/api/runs/{run.id}/series/", {"max_points": raw})
    assert res.status_code == 400 and says in res.json()["detail"]
    assert len(res.json()["detail"]) < 200
