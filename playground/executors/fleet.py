"""What the web processes and the Celery workers tell each other through Redis.

Keys (all under ``playground:``), each with a time to live so a dead process leaves nothing
behind for long:

  worker:<hostname>   JSON {hostname, queues, concurrency, busy, pid, kernels}: a live
                      worker's heartbeat, renewed every lease/4 seconds
  lease:<run_id>      the worker executing the run; renewed like the heartbeat. A run whose
                      lease stays gone is "worker lost" (see reaper.py)
  cancel:<run_id>     a cancel asked by any web process; the executing worker polls it
  enqueued:<run_id>   the run's task was sent to the broker. A queued run without it lost
                      its message (Redis restarted empty, a web process died before sending)
                      and is sent again: claiming is idempotent, so a duplicate is harmless

Redis only coordinates: every run's state and output live in the database.
"""
import json
import os
import threading

from django.conf import settings

from playground import policy

PREFIX = "playground:"
# What users read says what happened; how to fix it is for operators (logs, /status/).
NO_WORKER = "no {label} worker is running right now"
START_WORKER = "start one with: celery -A playground worker -Q {queue} (see docs/deploy.md)"
CANCEL_TTL_S = 24 * 3600
ENQUEUED_TTL_S = 7 * 24 * 3600

_clients = {}
_clients_lock = threading.Lock()


def queue_for(device):
    """The Celery queue of a run on ``device`` (each device has its own worker hosts)."""
    return policy.current().device(device).queue


def lease_seconds():
    return float(settings.PLAYGROUND_WORKER_LEASE_S)


def redis_url():
    """REDIS_URL: the Redis that carries the channel layer (workers publish events there)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        raise RuntimeError("PLAYGROUND_EXECUTOR=celery needs REDIS_URL (the Redis that brokers "
                           "runs and carries events), e.g. REDIS_URL=redis://127.0.0.1:6379/0")
    return url


def client(url=None):
    """A Redis client for ``url`` (default REDIS_URL), one per process and URL; short
    timeouts, so a Redis outage slows nobody down for long."""
    import redis

    url = url or redis_url()
    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3,
                                                 health_check_interval=30, decode_responses=True)
        return _clients[url]


def _key(kind, name):
    return f"{PREFIX}{kind}:{name}"


# -- workers ----------------------------------------------------------------------------------
def beat(hostname, queues, concurrency, busy, kernels=None):
    """``kernels``: the notebook kernels it hosts, {"slots", "live"} (kernel_fleet.py)."""
    client().set(_key("worker", hostname), json.dumps({
        "hostname": hostname, "queues": sorted(queues), "concurrency": concurrency,
        "busy": busy, "pid": os.getpid(), "kernels": kernels}),
        ex=max(1, round(lease_seconds())))


def forget_worker(hostname):
    client().delete(_key("worker", hostname))


def live_workers():
    """Heartbeats of the workers alive now, by hostname."""
    r = client()
    keys = sorted(r.scan_iter(match=_key("worker", "*"), count=500))
    out = {}
    for key, raw in zip(keys, r.mget(keys) if keys else []):
        if raw:
            info = json.loads(raw)
            out[info["hostname"]] = info
    return out


def workers_on(queue):
    return [w for w in live_workers().values() if queue in w["queues"]]


def unavailable_reason(device):
    """None when a live worker serves the queue of ``device``, else why its runs cannot be
    served right now."""
    try:
        workers = list(live_workers().values())
    except Exception as exc:  # Redis down: say so rather than queue runs nobody takes
        return unreachable(exc)
    return no_worker_reason(device, workers)


def no_worker_reason(device, workers):
    """None when one of ``workers`` (heartbeats) serves the queue of ``device``, else why not."""
    device = policy.current().device(device)
    if any(device.queue in w["queues"] for w in workers):
        return None
    return NO_WORKER.format(label=device.label, queue=device.queue)


def start_worker_hint(device):
    """What an operator runs to serve ``device``'s queue."""
    return START_WORKER.format(queue=policy.current().device(device).queue)


def unreachable(exc):
    return f"the run queue cannot be reached ({type(exc).__name__})"


# -- runs -------------------------------------------------------------------------------------
def mark_enqueued(run_id, only_if_missing=False):
    """Record that run_id's task is in the broker; False if ``only_if_missing`` and it was."""
    return bool(client().set(_key("enqueued", run_id), "1", ex=ENQUEUED_TTL_S,
                             nx=only_if_missing))


def enqueued(run_ids):
    r = client()
    keys = [_key("enqueued", rid) for rid in run_ids]
    return {rid for rid, v in zip(run_ids, r.mget(keys) if keys else []) if v}


def take_lease(run_id, hostname):
    r = client()
    with r.pipeline() as p:
        p.set(_key("lease", run_id), hostname, ex=max(1, round(lease_seconds())))
        p.delete(_key("enqueued", run_id))
        p.execute()


def renew_leases(run_ids, hostname):
    if not run_ids:
        return
    ttl = max(1, round(lease_seconds()))
    with client().pipeline() as p:
        for rid in run_ids:
            p.set(_key("lease", rid), hostname, ex=ttl)
        p.execute()


def drop_lease(run_id):
    client().delete(_key("lease", run_id), _key("cancel", run_id))


def leased(run_ids):
    """The subset of ``run_ids`` some live worker holds a lease on."""
    r = client()
    keys = [_key("lease", rid) for rid in run_ids]
    return {rid for rid, v in zip(run_ids, r.mget(keys) if keys else []) if v}


def request_cancel(run_id):
    client().set(_key("cancel", run_id), "1", ex=CANCEL_TTL_S)


def cancel_requested(run_ids):
    r = client()
    keys = [_key("cancel", rid) for rid in run_ids]
    return {rid for rid, v in zip(run_ids, r.mget(keys) if keys else []) if v}


def queue_depth(queue, broker_url=None):
    """Task messages waiting in the broker's list for ``queue`` (not yet taken by a worker)."""
    return int(client(broker_url or settings.CELERY_BROKER_URL or None).llen(queue))
