"""Kombu's Redis transport with the one change that lets a Celery worker survive a Redis
restart under a running task (playground/celery.py names it as ``broker_transport``).

When the broker connection drops, Celery's consumer first ``collect()``s the connection and
then ``close()``s it. ``collect()`` detaches the transport (sets its ``client`` to None);
if the channel's first close was cut short by the dead socket, the second close restores
the unacknowledged messages through a new connection pool, whose parameters kombu reads
from ``transport.client``: ``AttributeError: 'NoneType' object has no attribute
'hostname'``, which Celery treats as unrecoverable, and the worker exits. The same lookup
fails when a task that was running across the outage is acknowledged afterwards.

Here the transport keeps its client once it has one: whatever still talks through a
detached transport (that restore, those late acks) reaches the Redis it was configured
with, and fails, if Redis is still away, with a connection error that Celery handles.
"""
from kombu.transport import redis


class Transport(redis.Transport):
    _client = None

    @property
    def client(self):
        return self._client

    @client.setter
    def client(self, value):
        if value is not None:  # Connection._do_close_transport sets None: keep where Redis is
            self._client = value
