"""Publish to a channel-layer group from any thread.

The event sink runs on executor service threads, not on an asyncio loop. A Redis layer can
be reached from any loop, but the in-memory layer's queues belong to the loop the consumers
run on, and waking them from another thread is not thread-safe. So consumers record their
loop here, and publishing from a thread hands the send to that loop.
"""
import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

_consumer_loop = None


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
    async_to_sync(layer.group_send)(group, message)
