"""The status page (/status/): staff only, queue depth and workers; embedded, the local pool."""
import pytest

from playground import events
from playground.runs.models import Run

pytestmark = pytest.mark.django_db


def test_the_status_page_is_for_staff_only_and_says_so(client):
    response = client.get("/status/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only the site&#x27;s staff" in page or "Only the site's staff" in page
    assert 'href="/admin/login/?next=/status/"' in page       # where to sign in
    data = client.get("/status/?format=json")
    assert data.status_code == 403 and "staff" in data.json()["detail"]


def test_embedded_it_counts_the_runs_of_the_local_pool(admin_client, settings):
    settings.PLAYGROUND_POOL_SIZE = 3
    for status in (events.QUEUED, events.QUEUED, events.RUNNING, events.SUCCEEDED):
        Run.objects.create(owner="ip:127.0.0.1", code="print(1)", status=status)
    data = admin_client.get("/status/?format=json").json()
    assert data == {"executor": "local", "problems": [], "workers": [], "queues": [
        {"name": "local", "queued": 2, "running": 1, "waiting_in_broker": None, "workers": 1,
         "slots": 3, "busy": None}]}
    page = admin_client.get("/status/")
    assert page.status_code == 200
    assert b'<table id="queues">' in page.content and b"<td>local</td>" in page.content
