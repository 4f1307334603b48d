"""A run's life on the site: the one place that checks input and quotas, creates the Run
row, hands its spec to the executor and cancels it. The websocket consumer, the REST API
and the dashboard all call it."""
import re
import time

from playground import events, policy
from playground.executors import get_executor
from playground.executors.base import Unavailable

from . import devices, quota
from .models import Run
from .sink import event_sink

LOST_RUN_GRACE_S = 1.5


def executor():
    """The process-wide executor; created on first use (by a page, a run or a question
    about one), so management commands never start sandboxes."""
    return get_executor()


class RunRejected(Exception):
    """A run request that cannot be served; ``status`` is the HTTP code that says why, and
    ``retry_after_s`` when to try again (a 503 while the run queue cannot be reached)."""

    def __init__(self, message, status=400, retry_after_s=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s


def owner_of(user=None, session_key=None, ip=None):
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    if session_key:
        return f"session:{session_key}"
    return f"ip:{ip or 'unknown'}"


def check_text(field, text):
    """``text`` as UTF-8 bytes, refusing what no database column can store: a lone
    surrogate (which JSON can carry) or a NUL character (PostgreSQL refuses it)."""
    try:
        data = text.encode()
    except UnicodeEncodeError as exc:
        raise RunRejected(f'"{field}" has a character that is not valid Unicode at position '
                          f'{exc.start}', 400) from None
    if "\x00" in text:
        raise RunRejected(f'"{field}" contains a NUL character at position '
                          f'{text.index(chr(0))}', 400)
    return data


def validate(code, device):
    p = policy.current()
    if not isinstance(code, str):
        raise RunRejected('"code" must be a string of Python source', 400)
    if not code.strip():
        raise RunRejected('"code" is empty: write some Python to run', 400)
    size = len(check_text("code", code))
    if size > p.max_code_bytes:
        raise RunRejected(f'"code" is {size} bytes; the limit is {p.max_code_bytes} bytes', 413)
    if device not in p.device_names:
        raise RunRejected(f'"device" must be one of {", ".join(p.device_names)}, '
                          f'not {device!r}', 400)
    reason = devices.unavailable_reason(device)
    if reason:
        raise RunRejected(f"{p.device(device).label} runs are not available: {reason}", 409)


def check_kind(kind):
    """``kind`` as the caller asked for it: it picks the run's limits, so it comes from how
    the run was asked for (the page's control, the API body), never from the code."""
    kinds = policy.current().run_kinds
    if not isinstance(kind, str) or kind not in kinds:
        raise RunRejected(f'"kind" must be one of {", ".join(kinds)}, not {short_repr(kind)}', 400)


def short_repr(value, limit=60):
    """``value``'s repr for a message, cut short: the client sent it, it may be huge."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def create_run(code, device=policy.DEFAULT_DEVICE, *, owner, ip=None, user=None, kind="snippet",
               name=""):
    """Validate, check quotas and store the Run (queued). Returns it, not yet submitted."""
    validate(code, device)
    check_kind(kind)
    check_text("name", name)
    # Checked and stored in one locked transaction: runs submitted at once are admitted one
    # after another, so none slips past a limit (quota.py).
    try:
        return quota.admit(quota.clauses_for(owner, ip, kind), lambda: Run.objects.create(
            owner=owner, user=user if getattr(user, "is_authenticated", False) else None,
            client_ip=ip, code=code, device=device, kind=kind, name=name or default_name(code)))
    except quota.QuotaExceeded as exc:
        raise RunRejected(str(exc), 429) from None


def submit(run):
    """Hand a stored run's spec to the executor; its events flow to the event sink."""
    try:
        executor().submit(run.spec())
    except Unavailable as exc:  # e.g. Redis away: the run could not be queued
        event_sink.finish_lost_run(run.id, events.REJECTED, str(exc))
        raise RunRejected(str(exc), 503, retry_after_s=exc.retry_after_s) from exc
    except Exception as exc:  # the service refused it (shutting down, bad limits...)
        event_sink.finish_lost_run(run.id, events.REJECTED, f"The executor refused the run: {exc}")
        raise RunRejected(f"the executor refused the run: {exc}", 503) from exc


def start_run(code, device=policy.DEFAULT_DEVICE, **who):
    run = create_run(code, device, **who)
    submit(run)
    return run


def cancel_run(run, owner):
    """Stop a queued or running run of ``owner``. Returns a message for the caller."""
    if run.owner != owner:
        raise RunRejected("only the person who started a run can stop it", 403)
    if run.is_finished:
        raise RunRejected(f"run {run.id} already finished ({run.status})", 409)
    if executor().cancel(str(run.id)):
        return "cancelling"
    # The executor no longer knows it: either it just ended and its "finished" is on the
    # way, or it was lost (the server restarted under it). Give the first a moment.
    deadline = time.monotonic() + LOST_RUN_GRACE_S
    while time.monotonic() < deadline:
        run.refresh_from_db(fields=["status"])
        if run.is_finished:
            return f"it had already finished ({run.status})"
        time.sleep(0.1)
    event_sink.finish_lost_run(run.id, events.CANCELLED,
                               "Cancelled (the run was no longer executing).")
    return "cancelled: the run was no longer executing"


MAX_NAME_CHARS = 200


def default_name(code):
    """A short label for a run without a name (the page names an example's run after its
    title, the train page after its preset): the code's first comment, else its first def or
    class ("class Net"), else its first statement that is not an import."""
    lines = [line.strip() for line in code.splitlines()]
    for line in lines:
        text = line.lstrip("#").strip()
        if line.startswith("#") and text and not line.startswith(("#!", "# -*-")):
            return text[:60]
    for line in lines:
        match = re.match(r"(?:async\s+)?(def|class)\s+(\w+)", line)
        if match:
            return f"{match[1]} {match[2]}"
    for line in lines:
        if line and not line.startswith(("import ", "from ")):
            return line[:60]
    return "run"


def rename_run(run, owner, name):
    """Give a run of ``owner`` a new name (what histories and dashboard legends show)."""
    if run.owner != owner:
        raise RunRejected("only the person who started a run can rename it", 403)
    if not isinstance(name, str) or not name.strip():
        raise RunRejected('"name" must be a non-empty string', 400)
    check_text("name", name)
    run.name = name.strip()[:MAX_NAME_CHARS]
    run.save(update_fields=["name"])
    return run
