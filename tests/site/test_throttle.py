"""Request-rate limits per address: a made-up X-Forwarded-For must not make a client new,
and the dashboard's JSON endpoints (several queries a run) count too."""
import pytest
from django.core.cache import cache
from django.test import Client

from playground.runs.api import request_throttle

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(request_throttle, "num_requests", 3)
    cache.clear()
    yield
    cache.clear()


def test_a_made_up_forwarded_for_header_does_not_escape_the_api_rate_limit(three_a_minute):
    client = Client()
    codes = [client.get("/api/runs/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
             for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("path", ["/dashboard/api/runs/",
                                  "/dashboard/api/runs/00000000-0000-0000-0000-000000000001/series/"])
def test_the_dashboards_json_is_rate_limited_too(three_a_minute, path):
    client = Client()
    codes = [client.get(path).status_code for _ in range(5)]
    assert codes[3:] == [429, 429], codes
    res = client.get(path)
    assert "too many requests" in res.json()["detail"]
