"""The Celery app of the scaled-out layout (PLAYGROUND_EXECUTOR=celery, see docs/deploy.md).

    celery -A playground worker -Q cpu -n cpu1@%h             # a CPU worker host
    celery -A playground worker -Q gpu -n gpu1@%h -c 1        # a GPU host

One task, ``playground.execute_run``, runs one stored run in the same sandbox as the local
executor; it and the worker's runtime (started and stopped by Celery's worker signals) are
in playground/executors/celery_tasks.py, which this app loads by name in worker processes
only. Settings named CELERY_* in playground/settings.py (or the environment, through it)
override the defaults below.
"""
import os
import warnings

from celery import Celery
from celery.exceptions import CPendingDeprecationWarning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

app = Celery("playground", include=["playground.executors.celery_tasks"])
app.add_defaults({
    # A run is acknowledged when it ended, not when it was taken: a message whose worker
    # died goes back to the queue. Claiming the run row (the run store's claim) makes such a
    # second delivery a no-op, so nothing runs twice and nothing is dropped.
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    # Each run's work happens in its sandbox child process, so threads are enough here, and
    # they let one process hold the sandbox slots, the leases and the cancel polling.
    "worker_pool": "threads",
    # A run goes on while the broker connection is lost: its output is stored and published
    # without the broker, and the claim keeps a redelivered message from running it twice.
    "worker_cancel_long_running_tasks_on_connection_loss": False,
    "task_default_queue": "cpu",
    "task_ignore_result": True,
    "task_serializer": "json",
    "accept_content": ["json"],
    "broker_connection_retry_on_startup": True,
    # Kombu's Redis transport, fixed so that a worker survives a Redis restart under a
    # running task instead of exiting ("Unrecoverable error: AttributeError ... hostname").
    "broker_transport": "playground.executors.broker:Transport",
    # Longer than any run may take (training runs get 10 minutes), so a message is only
    # handed out again when its worker is really gone.
    "broker_transport_options": {"visibility_timeout": 3600},
})
app.config_from_object("django.conf:settings", namespace="CELERY")
# ...which Celery warns may become True by default in Celery 6, after every broker
# reconnect; the setting above is the answer, so the warning says nothing new.
warnings.filterwarnings("ignore", category=CPendingDeprecationWarning,
                        message="(?s).*worker_cancel_long_running_tasks_on_connection_loss")
