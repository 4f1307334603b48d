"""The websocket at /ws/notebooks/: the kernel protocol (docs/api.md), on top of everything
/ws/runs/ does (the same origin check, quotas, and run/cancel/watch).

One socket drives at most one kernel, the one of the notebook it started it for; every event
of that kernel (published to "kernel.<id>" by the kernel sink) is forwarded. A kernel
outlives its page: reopening the notebook attaches to it again, and an idle kernel ends by
itself."""
import uuid

from channels.db import database_sync_to_async

from playground import events, policy
from playground.executors.base import KernelRefused
from playground.runs import lifecycle
from playground.runs.consumers import Invalid, RunConsumer, _short

from .cells import CELL_ID
from .models import Notebook
from .sink import group_name

MAX_REPLY = 64 * 1024


def _executor():
    return lifecycle.executor()


class NotebookConsumer(RunConsumer):
    COMMANDS = {**RunConsumer.COMMANDS, "kernel_start": "kernel_start", "execute": "execute",
                "interrupt": "interrupt", "restart": "restart", "shutdown": "shutdown",
                "input_reply": "input_reply"}
    kernel_id = None

    async def disconnect(self, code):
        await super().disconnect(code)
        await self._detach()  # the kernel goes on; its idle clock ends it

    # -- client -> server ------------------------------------------------------------------------
    async def kernel_start(self, message):
        """Attach to this notebook's live kernel, or start one ("attach": true: attach only,
        and answer nothing when there is none: a page opened again finds its kernel)."""
        notebook = await self._notebook(message.get("notebook_id"))
        owner = self.owner()
        if notebook.owner != owner:
            raise Invalid("only the notebook's owner can run it: make a copy to run your own")
        session = str(notebook.id)
        executor = await database_sync_to_async(_executor, thread_sensitive=False)()
        info = await database_sync_to_async(executor.find_kernel, thread_sensitive=False)(
            session, owner)
        if info is None and message.get("attach") is True:
            return
        await self._detach()
        kernel_id = info.kernel_id if info else uuid.uuid4().hex
        self.kernel_id = kernel_id
        # Subscribed before it starts: none of its events is missed.
        await self.channel_layer.group_add(group_name(kernel_id), self.channel_name)
        if info is not None:
            await self._attached(info)
            return
        spec = policy.run_spec("", run_id=kernel_id, kind="notebook", client=owner,
                               notebook_session=session)
        try:
            await database_sync_to_async(executor.start_kernel, thread_sensitive=False)(spec)
        except KernelRefused as exc:
            await self._detach()
            await self.send_json({"type": "kernel_status", "kernel_id": kernel_id,
                                  "state": events.KERNEL_DEAD, "message": exc.reason})

    async def _attached(self, info):
        """What a page attaching to a live kernel must know: its state, the cell it runs,
        and the input that cell waits for."""
        status = {"type": "kernel_status", "kernel_id": info.kernel_id, "state": info.state,
                  "message": "attached to the running kernel"}
        if info.cell_id is not None:
            status.update(cell_id=info.cell_id, execution_count=info.execution_count)
        await self.send_json(status)
        if info.input_request is not None:
            await self.send_json({"type": "input_request", "kernel_id": info.kernel_id,
                                  **info.input_request})

    async def execute(self, message):
        cell_id, code = message.get("cell_id"), message.get("code")
        if not isinstance(cell_id, str) or not CELL_ID.match(cell_id):
            raise Invalid('"execute" needs "cell_id": 1-64 letters, digits, "-" or "_"')
        try:
            lifecycle.validate(code, policy.DEFAULT_DEVICE)
        except lifecycle.RunRejected as exc:
            if isinstance(code, str) and not code.strip():  # an empty cell: nothing to do
                raise Invalid("the cell is empty") from None
            raise Invalid(exc.message) from None
        await self._control({"op": "execute", "cell_id": cell_id, "code": code})

    async def input_reply(self, message):
        text = message.get("text")
        if message.get("eof") is True:
            await self._control({"op": "input_reply", "eof": True})
            return
        if not isinstance(text, str) or len(text) > MAX_REPLY or "\x00" in text:
            raise Invalid(f'"input_reply" needs "text": a line of at most {MAX_REPLY} characters')
        await self._control({"op": "input_reply", "text": text})

    async def interrupt(self, message):
        await self._control({"op": "interrupt"})

    async def restart(self, message):
        await self._control({"op": "restart"})

    async def shutdown(self, message):
        await self._control({"op": "shutdown"})

    async def _control(self, message):
        if self.kernel_id is None:
            raise Invalid('no kernel: send "kernel_start" with the notebook\'s id first')
        executor = await database_sync_to_async(_executor, thread_sensitive=False)()
        # Scaled out this talks to Redis: never on the socket's event loop.
        sent = await database_sync_to_async(executor.control, thread_sensitive=False)(
            self.kernel_id, message)
        if not sent:
            kernel_id = self.kernel_id
            await self._detach()
            await self.send_json({"type": "kernel_status", "kernel_id": kernel_id,
                                  "state": events.KERNEL_DEAD,
                                  "message": "the kernel is not running any more: start it again"})

    async def _notebook(self, raw):
        try:
            key = uuid.UUID(str(raw))
        except ValueError:
            raise Invalid(f'"kernel_start" needs "notebook_id": {_short(raw)} is not one') from None
        notebook = await database_sync_to_async(Notebook.objects.filter(pk=key).first)()
        if notebook is None:
            raise Invalid(f"no notebook with id {key}")
        return notebook

    async def _detach(self):
        if self.kernel_id is not None:
            await self.channel_layer.group_discard(group_name(self.kernel_id), self.channel_name)
            self.kernel_id = None

    # -- server -> client ------------------------------------------------------------------------
    async def kernel_event(self, message):
        event = message["event"]
        if event.get("kernel_id") != self.kernel_id:
            return
        await self.send_json(event)
        if event["type"] == "kernel_status" and event["state"] == events.KERNEL_DEAD:
            await self._detach()
