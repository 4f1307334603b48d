"""Pausing, stepping and pacing a run from its page (the train page's play/pause, step and
speed): the websocket's "control" message, checked here and handed to the executor, which
sends it down the sandbox's control channel (sandbox/pacing.py). The run answers with
run_state events, published to every page watching it.

    {"type": "control", "run_id", "action": "pause" | "resume"}
    {"type": "control", "run_id", "action": "step", "n": 1, "unit": "epoch" | "batch"}
    {"type": "control", "run_id", "action": "speed", "pace_s": 0.25, "unit": "epoch"}

Only the run's owner may send them (as only they may cancel it).
"""
from channels.db import database_sync_to_async

from playground.sandbox.pacing import ControlError, check_message

from . import lifecycle

# What each action takes besides "action" (and the websocket's type, run_id): a field of
# another action is refused, never ignored, so a typo or a wrong type is heard of.
ACTION_FIELDS = {"pause": (), "resume": (), "step": ("n", "unit"), "speed": ("pace_s", "unit")}


def message_of(fields):
    """The executor's control message for a client's ``fields`` (the websocket message's or
    the REST body's), checked in full; RunRejected (400) names what is wrong."""
    if "action" not in fields:
        raise lifecycle.RunRejected('"control" needs "action": pause, resume, step or speed', 400)
    action = fields["action"]
    if not isinstance(action, str) or action not in ACTION_FIELDS:
        raise lifecycle.RunRejected(
            f'"action" must be one of pause, resume, step, speed, not {action!r}'
            if isinstance(action, str) and len(action) < 40 else
            '"action" must be one of pause, resume, step, speed', 400)
    takes = ACTION_FIELDS[action]
    unknown = sorted(set(fields) - {"action", *takes})
    if unknown:
        raise lifecycle.RunRejected(
            f'"control" does not take {", ".join(map(repr, unknown))[:120]} with "action": '
            f'"{action}"; it takes {", ".join(takes) or "nothing more"}', 400)
    try:
        return check_message({"op": action, **{k: fields[k] for k in takes if k in fields}})
    except ControlError as exc:
        raise lifecycle.RunRejected(str(exc), 400) from None


def control_run(run, owner, message):
    """Hand a message checked by message_of to the executor running ``run``; RunRejected
    says why not (HTTP status and sentence)."""
    if run.owner != owner:
        raise lifecycle.RunRejected("only the person who started a run can pause, step or "
                                    "pace it", 403)
    if run.is_finished:
        raise lifecycle.RunRejected(f"run {run.id} already finished ({run.status})", 409)
    ex = lifecycle.executor()
    why_not = ex.run_control_refusal()
    if why_not is not None:
        raise lifecycle.RunRejected(why_not, 409)
    if not ex.control_run(str(run.id), message):
        raise lifecycle.RunRejected(f"run {run.id} is not executing on this server now", 409)


class Refused(Exception):
    """A control message the consumer answers with "invalid" (the message says why)."""


async def handle(consumer, message):
    """The websocket's "control" message, for ``consumer`` (a RunConsumer)."""
    try:
        checked = message_of({k: v for k, v in message.items() if k not in ("type", "run_id")})
        run = await consumer._run_from(message)
        await database_sync_to_async(control_run)(run, consumer.owner(), checked)
    except lifecycle.RunRejected as exc:
        raise Refused(exc.message) from None


async def send_run_state(consumer, run_id):
    """A page that starts watching a paused or paced run hears its state at once."""
    state = await database_sync_to_async(lambda: lifecycle.executor().run_state(run_id))()
    if state is not None and run_id in consumer.watching:
        await consumer.send_json({**state, "run_id": run_id, "seq": consumer.watching[run_id],
                                  "replay": True})
