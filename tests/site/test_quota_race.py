"""Quotas under concurrent submissions: twenty requests at once from one client, or from one
address with a fresh session each, never get more runs admitted than the limit (the check
and the insert are one locked transaction, playground/runs/quota.py)."""
import json
import threading

import pytest
from django.db import connections
from django.test import Client

from playground import events
from playground.runs import lifecycle, quota
from playground.runs.models import Run

pytestmark = pytest.mark.django_db(transaction=True)

SUBMISSIONS = 20
SLEEPER = json.dumps({"code": "import time\ntime.sleep(30)\n"})


def submit_at_once(make_client, n=SUBMISSIONS):
    """POST /api/runs/ from ``n`` threads released together; their status codes."""
    barrier = threading.Barrier(n)
    codes = [None] * n

    def submit(i):
        client = make_client(i)
        try:
            barrier.wait(timeout=30)
            codes[i] = client.post("/api/runs/", data=SLEEPER,
                                   content_type="application/json").status_code
        finally:
            connections.close_all()  # this thread's own database connection

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


@pytest.fixture
def stop_runs_afterwards():
    yield
    for run in Run.objects.filter(status__in=(events.QUEUED, events.RUNNING)):
        lifecycle.cancel_run(run, run.owner)


def test_twenty_submissions_at_once_from_one_client_admit_only_its_limit(
        settings, stop_runs_afterwards):
    settings.PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT = 3
    codes = submit_at_once(lambda i: Client())   # no session: the client is its address
    assert (codes.count(201), codes.count(429)) == (3, 17), codes
    assert Run.objects.filter(owner="ip:127.0.0.1").count() == 3


def test_twenty_fresh_sessions_from_one_address_admit_only_the_address_limit(
        settings, stop_runs_afterwards):
    settings.PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT = 3
    settings.PLAYGROUND_MAX_ACTIVE_RUNS_PER_ADDRESS = 5

    def new_person(i):
        client = Client()
        client.get("/")   # a session of its own
        return client

    codes = submit_at_once(new_person)
    assert (codes.count(201), codes.count(429)) == (5, 15), codes
    assert Run.objects.filter(client_ip="127.0.0.1").count() == 5
    assert Run.objects.values("owner").distinct().count() == 5


def test_a_full_clause_names_its_limit_and_stores_nothing():
    Run.objects.create(owner="session:a", client_ip="10.0.0.1", code="x")
    clauses = [quota.Clause("owner:session:a", quota.ACTIVE, 1, "{count} of {limit} in use")]
    with pytest.raises(quota.QuotaExceeded, match="^1 of 1 in use$"):
        quota.admit(clauses, lambda: Run.objects.create(owner="session:a", code="y"))
    assert Run.objects.count() == 1


def test_lock_ids_are_stable_and_differ_per_key():
    assert quota.lock_id("ip:10.0.0.1") == quota.lock_id("ip:10.0.0.1")
    assert quota.lock_id("ip:10.0.0.1") != quota.lock_id("ip:10.0.0.2")
    assert -2 ** 63 <= quota.lock_id("owner:x") < 2 ** 63
