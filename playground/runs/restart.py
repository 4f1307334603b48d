"""A web process's start and its end, for the runs it executes itself (embedded mode).

Embedded, runs execute in the web process (the local executor): when it dies, so do they,
and their rows would stay "running" or "queued" for good, counted by every quota. So:

- ``recover()`` (on start-up, ``install()`` from playground/asgi.py): the runs a
  predecessor left running end ``failed``, "the server restarted while this run was
  running"; those it left queued are submitted again, oldest first.
- ``drain()`` (on SIGTERM, through the server's shutdown hook): stop taking runs, let the
  running ones finish within ``PLAYGROUND_SHUTDOWN_GRACE_S``, end the rest ``failed``
  ("the server shut down ..."); runs still waiting stay queued for the next start.

Scaled out, runs belong to Celery workers, not to web processes: a web restart changes
nothing of them, and the reaper (executors/reaper.py) ends the runs of workers that died.

Two embedded processes on one database would take each other's runs for lost: the first
holds a host-wide lock (named after the database) for its lifetime, and a second one
skips the recovery (the log says so).
"""
import fcntl
import hashlib
import logging
import os
import tempfile

from django.conf import settings
from django.db import DatabaseError

from playground import events, policy
from playground.executors import current_executor

from . import lifecycle
from .models import Run
from .store import run_store

log = logging.getLogger(__name__)

RESTARTED = "the server restarted while this run was running"
SHUT_DOWN = "the server shut down before this run finished ({grace:g} s grace)"

_lock_fd = None


def embedded():
    return policy.current().executor == "local"


def recover():
    """End what a dead predecessor left running, queue again what it left waiting.
    Returns (ended run ids, resubmitted run ids); nothing scaled out."""
    if not embedded() or not _hold_database_lock():
        return [], []
    try:
        return _recover()
    except DatabaseError as exc:  # e.g. not migrated yet: serve anyway, say why
        log.error("could not look for runs left by a restart: %s", exc)
        return [], []


def _recover():
    ended = [str(run_id) for run_id in run_store.running()
             if run_store.finish(str(run_id), events.FAILED, RESTARTED,
                                 expected=(events.RUNNING,))]
    resubmitted = []
    for run in Run.objects.filter(status=events.QUEUED).order_by("queued_at"):
        try:
            lifecycle.submit(run)
            resubmitted.append(str(run.id))
        except lifecycle.RunRejected as exc:  # it ended "rejected", saying why
            log.warning("run %s could not be queued again: %s", run.id, exc.message)
    if ended or resubmitted:
        log.warning("the server restarted: %d run(s) it left running failed, %d queued "
                    "again", len(ended), len(resubmitted))
    return ended, resubmitted


def drain(grace_s=None):
    """Stop taking runs; wait up to ``grace_s`` for the running ones; end the rest."""
    if not embedded():
        return
    grace = settings.PLAYGROUND_SHUTDOWN_GRACE_S if grace_s is None else grace_s
    executor = current_executor()
    if executor is not None:  # none started: no run of this process to wait for
        executor.drain(grace, SHUT_DOWN.format(grace=grace))


def install():
    """Under daphne (Twisted): recover() as the reactor starts, before it serves a request
    (and before its event loop runs: the ORM may be called); drain() before it stops, on
    SIGTERM or SIGINT (Twisted waits for the Deferred, so the process ends only once every
    run has a final status). Elsewhere (tests importing the app, another server) nothing:
    the executor's own shutdown (atexit) ends its runs."""
    import sys
    if "twisted.internet.reactor" not in sys.modules or not embedded():
        return False
    from twisted.internet import reactor, threads
    reactor.addSystemEventTrigger("before", "startup", recover)
    reactor.addSystemEventTrigger("before", "shutdown", lambda: threads.deferToThread(drain))
    return True


def _hold_database_lock():
    """True when this process is (or just became) the one embedded process of its database."""
    global _lock_fd
    if _lock_fd is not None:
        return True
    db = settings.DATABASES["default"]
    name = hashlib.blake2b(f"{db.get('HOST')}|{db.get('NAME')}".encode(),
                           digest_size=8).hexdigest()
    path = os.path.join(tempfile.gettempdir(), f"tensor-playground-embedded-{name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        log.warning("another embedded server process uses this database: its runs are "
                    "left alone (one web process per database embedded; see docs/deploy.md)")
        return False
    _lock_fd = fd  # held until this process ends; the kernel drops it even on SIGKILL
    return True
