"""Notebook kernels scaled out: what web processes and worker hosts tell each other about
them through Redis (the same Redis and key prefix as fleet.py).

A kernel lives on one worker host from start to death. Keys, each with a time to live so a
dead host leaves nothing behind for long:

  kernel:<id>           JSON {kernel_id, host, session, client, state, cell_id,
                        execution_count, input_request}: a live kernel, renewed by its host
                        every lease/4 s. Gone: its host died (or the kernel ended)
  kernel-of:<client>:<session>   the id of that client's kernel for that notebook
  kernel-cells:<id>     the cells sent to it that have not ended (a set, kept 3 leases): what
                        a dead host leaves unanswered, ended by whoever sees it die
  kernel-dead:<id>      set once by whoever announces the kernel's death (its host, or a web
                        process that saw its lease go): the page hears "dead" exactly once
  kernel-control:<host> the host's inbox (a list): {"kernel_id", "message"}, oldest first;
                        "start" (with the spec) and every control op of its kernels
"""
import json

from . import fleet

DEAD_TTL_S = 24 * 3600
CELLS_LEASES = 3  # the cells outlive the record: whoever sees it lapse still finds them


def _key(kind, name):
    return fleet._key(kind, name)


def _ttl():
    return max(1, round(fleet.lease_seconds()))


def _index(client, session):
    return _key("kernel-of", f"{client}:{session}")


# -- the kernel's record ----------------------------------------------------------------------
def record(kernel_id, host, session, client, state, cell_id=None, execution_count=None,
           input_request=None):
    """Store (or renew) the record of a live kernel on ``host``."""
    body = json.dumps({"kernel_id": kernel_id, "host": host, "session": session,
                       "client": client, "state": state, "cell_id": cell_id,
                       "execution_count": execution_count, "input_request": input_request})
    ttl = _ttl()
    with fleet.client().pipeline() as p:
        p.set(_key("kernel", kernel_id), body, ex=ttl)
        p.set(_index(client, session), kernel_id, ex=ttl)
        p.expire(_key("kernel-cells", kernel_id), CELLS_LEASES * ttl)
        p.execute()


def renew(kernel_ids):
    """Renew the records of ``kernel_ids``; the ids whose record was gone (not renewed)."""
    ttl = _ttl()
    kernel_ids = list(kernel_ids)
    with fleet.client().pipeline() as p:
        for kernel_id in kernel_ids:
            p.expire(_key("kernel", kernel_id), ttl)
            p.expire(_key("kernel-cells", kernel_id), CELLS_LEASES * ttl)
        renewed = p.execute()[::2]
    for info in records(kernel_ids).values():  # the index, renewed from what the record says
        fleet.client().set(_index(info["client"], info["session"]), info["kernel_id"], ex=ttl)
    return [k for k, ok in zip(kernel_ids, renewed) if not ok]


def announced_dead(kernel_id):
    return bool(fleet.client().exists(_key("kernel-dead", kernel_id)))


def get(kernel_id):
    raw = fleet.client().get(_key("kernel", kernel_id))
    return json.loads(raw) if raw else None


def records(kernel_ids):
    """{kernel_id: record} of those of ``kernel_ids`` still alive."""
    kernel_ids = list(kernel_ids)
    raws = fleet.client().mget([_key("kernel", k) for k in kernel_ids]) if kernel_ids else []
    return {k: json.loads(raw) for k, raw in zip(kernel_ids, raws) if raw}


def find(client, session):
    kernel_id = fleet.client().get(_index(client, session))
    return get(kernel_id) if kernel_id else None


def of_client(client):
    """The live kernels of ``client``, anywhere."""
    r = fleet.client()
    keys = list(r.scan_iter(match=_key("kernel", "*"), count=500))
    raws = r.mget(keys) if keys else []
    return [info for info in (json.loads(raw) for raw in raws if raw)
            if info["client"] == client]


def forget(kernel_id, client, session):
    r = fleet.client()
    with r.pipeline() as p:
        p.delete(_key("kernel", kernel_id), _key("kernel-cells", kernel_id))
        p.execute()
    if r.get(_index(client, session)) == kernel_id:
        r.delete(_index(client, session))


def claim_death(kernel_id):
    """True for the one caller who announces this kernel's death."""
    return bool(fleet.client().set(_key("kernel-dead", kernel_id), "1", nx=True, ex=DEAD_TTL_S))


# -- cells not yet ended ----------------------------------------------------------------------
def cell_sent(kernel_id, cell_id):
    with fleet.client().pipeline() as p:
        p.sadd(_key("kernel-cells", kernel_id), cell_id)
        p.expire(_key("kernel-cells", kernel_id), CELLS_LEASES * _ttl())
        p.execute()


def cell_ended(kernel_id, cell_id):
    fleet.client().srem(_key("kernel-cells", kernel_id), cell_id)


def cells_left(kernel_id):
    return sorted(fleet.client().smembers(_key("kernel-cells", kernel_id)))


# -- a host's inbox ---------------------------------------------------------------------------
def send(host, kernel_id, message):
    key = _key("kernel-control", host)
    with fleet.client().pipeline() as p:
        p.rpush(key, json.dumps({"kernel_id": kernel_id, "message": message}))
        p.expire(key, 3 * _ttl())  # a dead host's inbox goes with it
        p.execute()


def clear_inbox(host):
    fleet.client().delete(_key("kernel-control", host))


def receive(host, timeout_s):
    """The next message for ``host``'s kernels, or None after ``timeout_s``."""
    got = fleet.client().blpop([_key("kernel-control", host)], timeout=timeout_s)
    return json.loads(got[1]) if got else None
