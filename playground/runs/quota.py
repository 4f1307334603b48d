"""Quotas on new runs, checked and spent atomically across threads and web processes.

A quota is a list of clauses, each "at most ``limit`` stored runs match ``runs``". A new run
is admitted only if every clause has room, and it is stored in the same transaction, under a
lock on every clause's ``key``: twenty submissions at once from one client are admitted one
after another, so they never exceed its limit (counting first and inserting afterwards let
4 to 14 through a limit of 3).

The lock: on PostgreSQL a transaction-scoped advisory lock per key (no table, released at
commit); on SQLite the transaction itself, which settings.py opens with BEGIN IMMEDIATE, so
writers are serialized anyway.

    clauses = quota.clauses_for(owner="session:abc", ip="203.0.113.9", kind="snippet")
    run = quota.admit(clauses, lambda: Run.objects.create(...))   # or RunRejected (429)

A new limit is one more ``Clause`` from ``clauses_for`` (its key says whose runs it counts;
clauses sharing a key share its lock).
"""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from playground import events, policy

from .models import Run

ACTIVE = Q(status__in=(events.QUEUED, events.RUNNING))


class QuotaExceeded(Exception):
    """A clause has no room; the message says which and how to get room."""


@dataclass(frozen=True)
class Clause:
    key: str        # whose runs it counts, e.g. "owner:session:abc" or "ip:203.0.113.9"
    runs: Q         # the stored runs it counts
    limit: int
    message: str    # said when full; "{count}" and "{limit}" are filled in

    def check(self):
        count = Run.objects.filter(self.runs).count()
        if count >= self.limit:
            raise QuotaExceeded(self.message.format(count=count, limit=self.limit))


def clauses_for(owner, ip=None, kind="snippet"):
    """The clauses a new run of ``owner`` from address ``ip`` must pass (the run policy's
    numbers). ``kind`` is the new run's kind, for clauses that count one kind of run."""
    p = policy.current()
    per_owner, per_address = f"owner:{owner}", f"ip:{ip}" if ip else f"owner:{owner}"
    clauses = [Clause(per_owner, ACTIVE & Q(owner=owner), p.active_runs_per_client,
                      "you already have {count} runs queued or running (the limit is "
                      "{limit}); wait for one to finish or stop it")]
    if ip:
        # A session costs one page load: a client that drops its cookie for each run is a
        # new "person" every time. Its address stays the same, so active runs are capped per
        # address too (more generously: a classroom shares one).
        clauses.append(Clause(per_address, ACTIVE & Q(client_ip=ip), p.active_runs_per_address,
                              "your network address already has {count} runs queued or "
                              "running (the limit is {limit}); wait for one to finish"))
    since = timezone.now() - timedelta(minutes=1)
    clauses.append(Clause(per_address, Q(queued_at__gte=since) & (Q(client_ip=ip) if ip
                                                                  else Q(owner=owner)),
                          p.runs_per_minute,
                          "too many runs: the limit is {limit} a minute; try again shortly"))
    if kind in p.long_kinds:
        long_runs = ACTIVE & Q(kind__in=p.long_kinds)
        clauses.append(Clause(per_owner, long_runs & Q(owner=owner), p.long_runs_per_client,
                              f"you already have {{count}} {kind} run(s) queued or running (the "
                              "limit is {limit} at a time); wait for it to finish or stop it"))
        # Site-wide: half of the pool's slots stay free for quick runs.
        clauses.append(Clause("long-runs", long_runs, p.long_run_slots,
                              "{count} long runs are queued or running, as many as the site "
                              "takes at once (the limit is {limit}); try again when one ends, "
                              "or run it as a snippet"))
    return clauses


def admit(clauses, create):
    """``create()`` (which stores the new run) once every clause has room, atomically with
    the checks; QuotaExceeded (nothing stored) when one has none."""
    with transaction.atomic():
        _lock(sorted({c.key for c in clauses}))  # sorted: two admits never wait on each other
        for clause in clauses:
            clause.check()
        return create()


def _lock(keys):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id(key)])
    # SQLite: this transaction began with BEGIN IMMEDIATE (settings.py), which already
    # serializes every writer of the database.


def lock_id(key):
    """A stable signed 64-bit id for ``key`` (advisory locks are named by integers)."""
    digest = hashlib.blake2b(f"playground.quota:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
