"""Close a websocket whose client does not read: daphne writes every message into the
connection's transport at once, and a client that asks for replays and never reads made the
server buffer 150 MB for it (kept after it left). Each send first looks at what the transport
still holds unsent; past PLAYGROUND_WS_MAX_UNREAD_BYTES the connection is dropped, its buffer
freed, and the consumer hears a disconnect like any other.

ASGI gives an application no view of the transport, so this wraps daphne's own send
(``install()``, called by asgi.py; nothing happens where daphne is not the server).
"""
import logging

from django.conf import settings

log = logging.getLogger(__name__)


def unsent_bytes(transport):
    """Bytes a Twisted transport (TCP or Unix socket) holds that the peer has not taken."""
    try:
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    except AttributeError:   # another kind of transport: nothing to measure
        return 0


def guarded(send):
    def serverSend(protocol, content, binary=False):
        if getattr(protocol, "dropped_unread", False):
            return
        unsent = unsent_bytes(protocol.transport)
        if unsent > settings.PLAYGROUND_WS_MAX_UNREAD_BYTES:
            protocol.dropped_unread = True
            log.warning("closing the websocket of %s: it left %d bytes unread (the limit is "
                        "%d)", protocol.client_addr, unsent,
                        settings.PLAYGROUND_WS_MAX_UNREAD_BYTES)
            protocol.dropConnection(abort=True)
            return
        send(protocol, content, binary)
    serverSend.guarded = True
    return serverSend


def install():
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    if not getattr(WebSocketProtocol.serverSend, "guarded", False):
        WebSocketProtocol.serverSend = guarded(WebSocketProtocol.serverSend)
