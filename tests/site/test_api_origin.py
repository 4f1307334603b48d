"""Cross-site requests on the REST API: a page on another site must not stop or start runs
with its visitor's cookie or address; scripts (no Origin header) and our own pages may."""
import json

import pytest
from django.test import Client

from playground.runs.models import Run

pytestmark = pytest.mark.django_db

EVIL = "http://evil.example"


def test_a_page_on_another_site_cannot_cancel_the_visitors_run():
    # Started by a script on the visitor's machine: it belongs to their address, which a
    # cross-site fetch from their browser shares.
    run = Run.objects.create(owner="ip:127.0.0.1", code="x", status="running")
    for origin in (EVIL, "http://127.0.0.1:9999", "null"):
        res = Client().post(f"/api/runs/{run.id}/cancel/", HTTP_ORIGIN=origin)
        assert res.status_code == 403, res.content
        assert "cross-site request refused" in res.json()["detail"]
    run.refresh_from_db()
    assert run.status == "running"


def test_a_page_on_another_site_cannot_start_runs():
    res = Client().post("/api/runs/", data=json.dumps({"code": "print(1)"}),
                        content_type="application/json", HTTP_ORIGIN=EVIL)
    assert res.status_code == 403 and "cross-site" in res.json()["detail"]
    assert Run.objects.count() == 0


@pytest.mark.parametrize("origin", ["http://testserver", "https://trusted.example"])
def test_our_own_pages_and_trusted_origins_may(settings, origin):
    settings.CSRF_TRUSTED_ORIGINS = ["https://trusted.example"]
    done = Run.objects.create(owner="ip:127.0.0.1", code="x", status="succeeded")
    res = Client().post(f"/api/runs/{done.id}/cancel/", HTTP_ORIGIN=origin)
    assert res.status_code == 409   # past the origin check: the run had finished


def test_the_train_form_needs_its_csrf_token():
    """The train page's endpoints are for our own page only: Django's CSRF check holds."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/dashboard/train/")
    token = page.cookies["csrftoken"].value
    for url in ("/dashboard/api/train/", "/dashboard/api/train/code/"):
        res = client.post(url, data="{}", content_type="application/json")
        assert res.status_code == 403
    res = client.post("/dashboard/api/train/code/", data="{}", content_type="application/json",
                      HTTP_X_CSRFTOKEN=token)
    assert res.status_code == 200
    assert Run.objects.count() == 0
