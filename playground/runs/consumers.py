"""The websocket at /ws/runs/: start, cancel and watch runs; every event of a watched run is
forwarded as it is published to the channel-layer group "run.<id>", with its sequence
number, so a client notices events that never reached it (a Redis outage drops what is
published meanwhile) and watches again (docs/api.md)."""
import asyncio
import json
import logging
import time
import uuid
from collections import Counter, deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from playground import policy
from playground.events import QUEUED

from . import frames, lifecycle, run_control
from .models import Run
from .publish import group_name, remember_consumer_loop
from .replay import stored_events

log = logging.getLogger(__name__)

# Open sockets per client address in this process: each holds a task and buffers, so one
# client may not open thousands (PLAYGROUND_MAX_SOCKETS_PER_ADDRESS).
_open_sockets = Counter()

# A watched run that sent nothing for this long is compared with its stored copy: events
# stored but never heard (published while Redis was away, the last one included) leave a
# hole in the client's copy that no later event shows, so the socket is closed with
# LOST_EVENTS and the client reconnects and watches again. Two looks in a row: a batch is
# stored a moment before it is published, and one look may fall in that moment.
SILENCE_CHECK_S = 5.0
LOST_EVENTS = 4009
TRY_AGAIN_LATER = 1013   # a watch while the channel layer is away


class Invalid(Exception):
    """A client message we cannot act on; the message says why, the socket stays open."""


class RunConsumer(AsyncWebsocketConsumer):
    counted_as = None   # the address this socket counts against, while it is open
    # message type -> the method that handles it (a subclass may add its own)
    COMMANDS = {"run": "start_run", "cancel": "cancel_run", "watch": "watch_run",
                "control": "control_run"}

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:  # also when the task is cancelled without a disconnect
            self._release_address()

    def _release_address(self):
        if self.counted_as is not None:
            _open_sockets[self.counted_as] -= 1
            if _open_sockets[self.counted_as] <= 0:
                del _open_sockets[self.counted_as]
            self.counted_as = None

    async def connect(self):
        # run id -> seq of the last event already sent to this socket (live ones at or
        # below it were part of the replay and are dropped).
        self.watching = {}
        self.heard_at = {}               # run id -> monotonic time of its last live event
        self.behind = set()              # runs found behind their stored copy at the last look
        self.lost_event_check = None
        self.recent_messages = deque()   # monotonic times of this minute's messages
        self.recent_replays = deque()    # (monotonic time, bytes) of this minute's replays
        # AllowedHostsOriginValidator (asgi.py) compares host names only: a page on another
        # port of the same host (another local app) would pass and act with this site's
        # cookies. As Django's CSRF check does, the origin must be this very site (the Host
        # the browser connected to) or one of CSRF_TRUSTED_ORIGINS.
        if not self._same_origin():
            await self.close(code=4003)
            return
        address = self.client_ip()
        if _open_sockets[address] >= settings.PLAYGROUND_MAX_SOCKETS_PER_ADDRESS:
            await self.close(code=4029)
            return
        _open_sockets[address] += 1
        self.counted_as = address
        remember_consumer_loop()
        await self.accept()
        self.lost_event_check = asyncio.create_task(self._check_for_lost_events())

    async def disconnect(self, code):
        self._release_address()
        if self.lost_event_check is not None:
            self.lost_event_check.cancel()
        # Runs go on without the page; a reconnecting page re-attaches with "watch".
        for run_id in list(self.watching):
            await self.channel_layer.group_discard(group_name(run_id), self.channel_name)

    # -- client -> server ----------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        try:
            self._check_message_rate()
            if text_data is None:
                raise Invalid("send text frames holding JSON objects, not binary frames")
            try:
                message = json.loads(text_data)
            except ValueError as exc:
                raise Invalid(f"message is not valid JSON: {exc}") from None
            except RecursionError:
                raise Invalid("message is not valid JSON: nested too deeply") from None
            if not isinstance(message, dict):
                raise Invalid("message must be a JSON object with a \"type\" key")
            kind = message.get("type")
            if not isinstance(kind, str) or kind not in self.COMMANDS:
                expected = ", ".join(f'"{name}"' for name in self.COMMANDS)
                raise Invalid(f"unknown message type {_short(kind)}; expected one of {expected}")
            await getattr(self, self.COMMANDS[kind])(message)
        except Invalid as exc:
            await self.send_json({"type": "invalid", "message": str(exc)})
        except Exception:  # a bug of ours: say so, and keep the connection serving
            log.exception("websocket message failed: %.200r", text_data)
            await self.send_json({"type": "invalid",
                                  "message": "the server could not handle this message"})

    def _check_message_rate(self):
        """Each watch replays a stored run (its series downsampled) and each cancel may wait
        on the executor: a client looping on them would keep the server busy and, if it
        never reads, buffer replies without end. So messages are counted per socket."""
        now, limit = time.monotonic(), settings.PLAYGROUND_WS_MESSAGES_PER_MINUTE
        while self.recent_messages and now - self.recent_messages[0] > 60:
            self.recent_messages.popleft()
        if len(self.recent_messages) >= limit:
            raise Invalid(f"too many messages: the limit is {limit} a minute per connection; "
                          "this one was ignored")
        self.recent_messages.append(now)

    def _spend_replay_budget(self, size):
        """A replay costs the server its reading and sending: each socket gets
        PLAYGROUND_WS_REPLAY_BYTES_PER_MINUTE of them, so a client looping on "watch" of a
        large run is refused instead of keeping the server busy (and its buffers full)."""
        now, budget = time.monotonic(), settings.PLAYGROUND_WS_REPLAY_BYTES_PER_MINUTE
        while self.recent_replays and now - self.recent_replays[0][0] > 60:
            self.recent_replays.popleft()
        spent = sum(n for _, n in self.recent_replays)
        if spent + size > budget:
            raise Invalid(f"replay refused: this connection was sent {spent >> 10} KiB of "
                          f"replays in the last minute and this one is {size >> 10} KiB (the "
                          f"limit is {budget >> 10} KiB a minute); watch again in a minute")
        self.recent_replays.append((now, size))

    async def start_run(self, message):
        if "code" not in message:
            raise Invalid('"run" needs "code": the Python source to run')
        device = message.get("device", policy.DEFAULT_DEVICE)
        name = message.get("name", "")   # the page names an example's run after its title
        if not isinstance(name, str):
            raise Invalid('"name" must be a string')
        kind = message.get("kind", "snippet")   # the page's choice: it picks the limits
        try:
            run_id = await database_sync_to_async(self._create_run)(
                message["code"], device, name[:lifecycle.MAX_NAME_CHARS], kind)
        except lifecycle.RunRejected as exc:
            raise Invalid(exc.message) from None
        # Subscribe before the executor starts, so no event of this run is missed.
        self.watching[run_id] = 0
        self.heard_at[run_id] = time.monotonic()
        await self.channel_layer.group_add(group_name(run_id), self.channel_name)
        await self.send_json({"type": "accepted", "run_id": run_id})
        await database_sync_to_async(self._submit)(run_id)

    def _create_run(self, code, device, name="", kind="snippet"):
        run = lifecycle.create_run(code, device, owner=self.owner(), ip=self.client_ip(),
                                   user=self.scope.get("user"), kind=kind, name=name)
        return str(run.id)

    def _submit(self, run_id):
        try:
            lifecycle.submit(Run.objects.get(pk=run_id))
        except lifecycle.RunRejected:
            pass  # the sink already published a "finished" event saying why

    async def cancel_run(self, message):
        run = await self._run_from(message)
        try:
            # Off the shared DB thread: cancelling a lost run may wait a moment for it.
            await database_sync_to_async(lifecycle.cancel_run, thread_sensitive=False)(
                run, self.owner())
        except lifecycle.RunRejected as exc:
            raise Invalid(exc.message) from None

    async def control_run(self, message):   # pause, resume, step, speed (run_control.py)
        try:
            await run_control.handle(self, message)
        except run_control.Refused as exc:
            raise Invalid(str(exc)) from None

    async def watch_run(self, message):
        run = await self._run_from(message)
        run_id = str(run.id)
        after = message.get("after_seq")
        if after is not None and (isinstance(after, bool) or not isinstance(after, int)
                                  or after < 0):
            raise Invalid('"after_seq" must be the seq (an integer >= 0) of the last event '
                          "of this run you have")
        # Each live watch is a group membership and a stream of events: bounded per socket.
        # (Finished runs are replayed and dropped, so they do not count.)
        limit = settings.PLAYGROUND_MAX_WATCHES_PER_SOCKET
        if run_id not in self.watching and len(self.watching) >= limit:
            raise Invalid(f"this connection already follows {len(self.watching)} runs that are "
                          f"still going (the limit is {limit}); open another page for more")
        try:
            await self.channel_layer.group_add(group_name(run_id), self.channel_name)
        except Exception as exc:  # the channel layer (Redis) is away: nothing live can come
            log.warning("cannot follow run %s now (%s: %s): closing for the client to come "
                        "back later", run_id, type(exc).__name__, exc)
            await self.close(code=TRY_AGAIN_LATER)
            return
        # Subscribed first, then read: whatever is stored after this read is published after
        # the subscription, and whatever the read saw is skipped by its sequence number.
        position = (await database_sync_to_async(lifecycle.executor().queue_position)(run_id)
                    if run.status == QUEUED else None)  # the Celery executor asks the DB
        # Off the shared DB thread (a read): many watches must not queue other users' runs.
        replay, last_seq = await database_sync_to_async(stored_events, thread_sensitive=False)(
            run_id, position)
        self.heard_at[run_id] = time.monotonic()
        if after is not None and after >= last_seq and replay[-1]["type"] != "finished":
            # The client has every event stored so far: it goes on from there, no replay.
            self.watching[run_id] = after
            return
        # The stored run as it is at last_seq: it replaces whatever the client had.
        max_bytes = settings.PLAYGROUND_WS_MAX_MESSAGE_BYTES
        texts = [text for event in replay for text in
                 frames.encode({**event, "seq": last_seq, "replay": True}, max_bytes)]
        try:
            self._spend_replay_budget(sum(map(frames.size, texts)))
        except Invalid:
            if run_id not in self.watching:
                await self._unwatch(run_id)
            raise
        self.watching[run_id] = last_seq
        for text in texts:
            await self.send(text_data=text)
        if replay and replay[-1]["type"] == "finished":   # nothing more will come
            await self._unwatch(run_id)
        else:
            await run_control.send_run_state(self, run_id)

    async def _unwatch(self, run_id):
        self.watching.pop(run_id, None)
        self.heard_at.pop(run_id, None)
        await self.channel_layer.group_discard(group_name(run_id), self.channel_name)

    async def _run_from(self, message):
        raw = message.get("run_id")
        if not isinstance(raw, str):
            raise Invalid(f'"{message["type"]}" needs "run_id": the id of a run')
        try:
            run_id = uuid.UUID(raw)
        except ValueError:
            raise Invalid(f"{_short(raw)} is not a run id") from None
        run = await database_sync_to_async(Run.objects.filter(pk=run_id).first)()
        if run is None:
            raise Invalid(f"no run with id {raw}")
        return run

    # -- server -> client ----------------------------------------------------------------------
    async def run_events(self, message):
        """A batch published by the event sink. Each event goes out with its ``seq``: one
        that skips numbers tells the client that events were lost on the way here."""
        run_id = message["run_id"]
        seen = self.watching.get(run_id)
        if seen is None:
            return
        self.heard_at[run_id] = time.monotonic()
        for event in message["events"]:
            if event["seq"] <= seen:
                continue
            seen = event["seq"]
            await self.send_json(event)
            if event["type"] == "finished":
                await self._unwatch(run_id)
                return
        self.watching[run_id] = seen

    async def _check_for_lost_events(self):
        """Every few seconds, the watched runs that went quiet: if the stored copy of one is
        ahead of what this socket sent, what follows was lost on the way (a Redis outage)
        and no later event will show the client the hole: close, so that it watches again."""
        while True:
            await asyncio.sleep(SILENCE_CHECK_S)
            now = time.monotonic()
            quiet = [rid for rid, at in self.heard_at.items() if now - at >= SILENCE_CHECK_S]
            if not quiet:
                continue
            try:
                stored = await database_sync_to_async(_stored_seqs)(quiet)
            except Exception:  # the database away: look again next time
                log.exception("could not compare watched runs with their stored copies")
                continue
            behind = {rid for rid in quiet if rid in self.watching
                      and stored.get(rid, 0) > self.watching[rid]}
            lost, self.behind = behind & self.behind, behind
            if lost:
                log.warning("a websocket missed events of run(s) %s (stored, never heard): "
                            "closing it for the client to watch again", ", ".join(sorted(lost)))
                await self.close(code=LOST_EVENTS)
                return

    async def send_json(self, content):
        """``content`` as one message, or as pieces that each fit (frames.py)."""
        for text in frames.encode(content, settings.PLAYGROUND_WS_MAX_MESSAGE_BYTES):
            await self.send(text_data=text)

    def _same_origin(self):
        headers = dict(self.scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1")
        host = headers.get(b"host", b"").decode("latin-1")
        if origin in settings.CSRF_TRUSTED_ORIGINS:
            return True
        scheme, _, rest = origin.partition("://")
        return scheme in ("http", "https") and bool(host) and rest == host

    # -- who is asking -------------------------------------------------------------------------
    def owner(self):
        session = self.scope.get("session")
        return lifecycle.owner_of(self.scope.get("user"),
                                  getattr(session, "session_key", None), self.client_ip())

    def client_ip(self):
        client = self.scope.get("client")
        return client[0] if client else None


def _stored_seqs(run_ids):
    """{run id: seq of its last stored event} for ``run_ids``."""
    return {str(rid): seq for rid, seq in
            Run.objects.filter(pk__in=run_ids).values_list("id", "last_seq")}


_short = lifecycle.short_repr

