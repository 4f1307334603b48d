"""The status page (/status/): staff only, queue depth and workers; embedded, the local pool."""
import pytest

from playground import events
from playground.runs.models import Run
from playground.sandbox import gpu

pytestmark = pytest.mark.django_db


def test_the_status_page_is_for_staff_only_and_says_so(client):
    response = client.get("/status/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only the site&#x27;s staff" in page or "Only the site's staff" in page
    assert 'href="/admin/login/?next=/status/"' in page       # where to sign in
    data = client.get("/status/?format=json")
    assert data.status_code == 403 and "staff" in data.json()["detail"]


@pytest.fixture(autouse=True)
def no_gpu(monkeypatch):
    monkeypatch.setattr(gpu, "host_gpus", lambda: [])


def test_embedded_it_counts_the_runs_of_the_local_pool(admin_client, settings):
    settings.PLAYGROUND_POOL_SIZE = 3
    for status in (events.QUEUED, events.QUEUED, events.RUNNING, events.SUCCEEDED):
        Run.objects.create(owner="ip:127.0.0.1", code="print(1)", status=status)
    data = admin_client.get("/status/?format=json").json()
    assert data == {"executor": "local", "problems": [], "workers": [], "gpus": [], "queues": [
        {"name": "local", "queued": 2, "running": 1, "waiting_in_broker": None, "workers": 1,
         "slots": 3, "busy": None}]}
    page = admin_client.get("/status/")
    assert page.status_code == 200
    assert b'<table id="queues">' in page.content and b"<td>local</td>" in page.content


def test_the_page_shows_the_gpus_or_says_there_is_none(admin_client, monkeypatch):
    assert b'<p id="gpus">no GPU</p>' in admin_client.get("/status/").content
    monkeypatch.setattr(gpu, "host_gpus", lambda: [{
        "index": 0, "name": "NVIDIA H100 80GB HBM3", "memory_total": 80 << 30,
        "memory_used": 3 << 30, "utilization": 42}])
    page = admin_client.get("/status/").content.decode()
    assert "NVIDIA H100 80GB HBM3" in page and "42 %" in page
    assert "3.0\xa0GB / 80.0\xa0GB" in page  # filesizeformat: no-break spaces
    assert admin_client.get("/status/?format=json").json()["gpus"][0]["utilization"] == 42


def test_without_nvml_or_nvidia_smi_there_is_no_gpu(monkeypatch):
    monkeypatch.setattr(gpu, "_nvml_gpus", lambda: 1 / 0)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert gpu.host_gpus() == []
