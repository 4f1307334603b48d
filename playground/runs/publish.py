"""Publish to a channel-layer group from any thread.

The event sink runs on executor service threads, not on an asyncio loop. A Redis layer can
be reached from any loop, but the in-memory layer's queues belong to the loop the consumers
run on, and waking them from another thread is not thread-safe. So consumers record their
loop here, and publishing from a thread hands the send to that loop. Where no consumer runs
(a Celery worker), threads publish to the Redis layer through one long-lived loop of this
module's, which keeps its connections.
"""
import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

_consumer_loop = None
_loop = None                # where threads publish to a Redis layer (see publish)
_loop_lock = threading.Lock()


def group_name(run_id):
    return f"run.{run_id}"


def remember_consumer_loop():
    """Called by a consumer (on its loop) so threads know where to deliver."""
    global _consumer_loop
    _consumer_loop = asyncio.get_running_loop()


def publish(group, message, timeout=10):
    layer = get_channel_layer()
    loop = _consumer_loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).result(timeout)
            return
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
        return
    # A Redis layer from a thread of a worker: on one long-lived loop, whose connections stay
    # open. async_to_sync made a loop, and a connection, per event: 2-10 ms each, where this
    # costs a fraction of one (it is most of a kernel cell's round trip scaled out).
    asyncio.run_coroutine_threadsafe(layer.group_send(group, message),
                                     _publishing_loop()).result(timeout)


def _publishing_loop():
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, daemon=True, name="publish").start()
        return _loop
