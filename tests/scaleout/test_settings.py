"""Scaling out is configuration only: the same settings module, read in a fresh process with
and without DATABASE_URL / REDIS_URL / PLAYGROUND_EXECUTOR, picks the embedded default or
PostgreSQL, the Redis channel layer and the Celery executor (settings are read once per
process, hence the subprocesses)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCALE_OUT_VARS = ("DATABASE_URL", "REDIS_URL", "PLAYGROUND_EXECUTOR", "CELERY_BROKER_URL",
                  "PLAYGROUND_WORKER_LEASE_S")

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from playground.executors import _load
from playground.celery import app
db = settings.DATABASES["default"]
layer = settings.CHANNEL_LAYERS["default"]
print(json.dumps({
    "db_engine": db["ENGINE"], "db_name": str(db["NAME"]), "db_host": db.get("HOST"),
    "db_port": db.get("PORT"), "db_user": db.get("USER"),
    "layer": layer["BACKEND"],
    "layer_hosts": [h["address"] for h in layer.get("CONFIG", {}).get("hosts", [])],
    "cache": settings.CACHES["default"]["BACKEND"],
    "executor": _load(settings.PLAYGROUND_EXECUTOR).__name__,
    "broker": app.conf.broker_url, "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "prefetch": app.conf.worker_prefetch_multiplier, "pool": app.conf.worker_pool,
    "default_queue": app.conf.task_default_queue,
    "lease": settings.PLAYGROUND_WORKER_LEASE_S,
}))
"""


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if k not in SCALE_OUT_VARS}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=60,
                         env={**clean, "DJANGO_SETTINGS_MODULE": "playground.settings", **env})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_unset_the_site_stays_on_the_embedded_default():
    s = settings_with()
    assert s["db_engine"] == "django.db.backends.sqlite3"
    assert s["layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["executor"] == "LocalExecutor"


def test_the_environment_switches_to_postgresql_redis_and_celery():
    s = settings_with(DATABASE_URL="postgres://play:secret@db.internal:6543/playground",
                      REDIS_URL="redis://cache.internal:6380/2", PLAYGROUND_EXECUTOR="celery")
    assert s["db_engine"] == "django.db.backends.postgresql"
    assert (s["db_name"], s["db_host"], s["db_port"], s["db_user"]) == (
        "playground", "db.internal", 6543, "play")
    assert s["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert s["layer_hosts"] == ["redis://cache.internal:6380/2"]
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["executor"] == "CeleryExecutor"
    assert s["broker"] == "redis://cache.internal:6380/2"  # the broker defaults to REDIS_URL
    # Late acks (a run whose worker died is not dropped), one run per free slot.
    assert s["acks_late"] is True and s["reject_on_worker_lost"] is True
    assert s["prefetch"] == 1 and s["pool"] == "threads" and s["default_queue"] == "cpu"
    assert s["lease"] == 10.0


def test_a_separate_broker_and_lease_can_be_set():
    s = settings_with(REDIS_URL="redis://cache.internal:6379/0",
                      CELERY_BROKER_URL="redis://queue.internal:6379/1",
                      PLAYGROUND_WORKER_LEASE_S="4")
    assert s["broker"] == "redis://queue.internal:6379/1" and s["lease"] == 4.0
    assert s["executor"] == "LocalExecutor"  # a channel layer alone does not move the runs


def test_the_celery_executor_without_redis_says_what_is_missing():
    clean = {k: v for k, v in os.environ.items() if k not in SCALE_OUT_VARS}
    probe = ("import django; django.setup()\n"
             "from playground.executors import get_executor\n"
             "try:\n    get_executor()\nexcept RuntimeError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={**clean, "DJANGO_SETTINGS_MODULE": "playground.settings",
                                          "PLAYGROUND_EXECUTOR": "celery"})
    assert "PLAYGROUND_EXECUTOR=celery needs REDIS_URL" in out.stdout, out.stderr
