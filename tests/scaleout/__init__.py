"""Helpers of the scaled-out tests."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def use_services(redis_url, monkeypatch, settings, lease_s):
    """Redis and PostgreSQL up on 127.0.0.1 (.ci/services), and this process pointed at the
    Redis database ``redis_url`` (broker and coordination), with leases of ``lease_s``."""
    up = subprocess.run(["bash", str(ROOT / ".ci" / "services"), "--test"], capture_output=True,
                        text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    monkeypatch.setenv("REDIS_URL", redis_url)
    settings.CELERY_BROKER_URL = redis_url
    settings.PLAYGROUND_WORKER_LEASE_S = lease_s
