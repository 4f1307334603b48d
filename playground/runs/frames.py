"""Websocket messages that fit: each message the server sends is JSON text of at most
``limit`` bytes (settings.PLAYGROUND_WS_MAX_MESSAGE_BYTES, 256 KiB), far below daphne's 1 MiB
frame limit. A larger event is split into pieces of the same type, each with every field of
the event but the one it splits (a metrics event's points, an output's text), so each piece
keeps the event's ``seq`` and ``replay`` marker and a page appends them as they come. A
single display larger than the limit (the sandbox's event cap is 512 KiB) goes out whole
below the frame limit; beyond that it becomes a note, never a frame daphne refuses.

    for text in frames.encode(event, limit):
        await consumer.send(text_data=text)
"""
import json
import math

FRAME_LIMIT = 1024 * 1024 - 1024   # daphne refuses a message over 1 MiB: stay well below it


def dumps(content):
    """Strict JSON text (a NaN or infinity becomes null: browsers refuse the whole frame),
    non-ASCII as UTF-8 (an escape costs up to 6 bytes a character), unless a lone surrogate
    makes it unencodable: then escaped, as daphne must encode the text."""
    try:
        text = json.dumps(content, allow_nan=False, ensure_ascii=False)
    except ValueError:
        content = _finite(content)
        text = json.dumps(content, allow_nan=False, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(content, allow_nan=False)
    return text


def size(text):
    return len(text.encode())


def encode(content, limit):
    """The JSON texts to send for ``content``: one, or its pieces, each of at most ``limit``
    bytes where the event can be split."""
    text = dumps(content)
    if size(text) <= limit:
        return [text]
    kind = content.get("type") if isinstance(content, dict) else None
    if kind == "metrics" and isinstance(content.get("points"), list):
        return _split_points(content, limit)
    if isinstance(content.get("text") if kind else None, str):
        return _split_text(content, limit)
    if size(text) <= FRAME_LIMIT:
        return [text]
    if kind == "display":
        return [dumps({**content, "mime": "text/plain",
                       "data": f"[this value is too large to show: {size(text)} bytes]"})]
    return [dumps({k: (v[:1000] + "…" if isinstance(v, str) and len(v) > 1000 else v)
                   for k, v in content.items()})]


def _split_points(event, limit):
    head = size(dumps({**event, "points": []}))
    out, piece, used = [], [], head
    for point in event["points"]:
        # json.dumps' default (cached) encoder is fast; its escapes and "NaN" (3 bytes for
        # null's 4, hence + 1) make this an upper bound of the point's UTF-8 size.
        cost = len(json.dumps(point)) + 3   # with its comma and a space
        if piece and used + cost > limit:
            out.append(dumps({**event, "points": piece}))
            piece, used = [], head
        piece.append(point)
        used += cost
    out.append(dumps({**event, "points": piece}))
    return out


def _split_text(event, limit):
    text = event["text"]
    head = size(dumps({**event, "text": ""}))
    room = max(limit - head, 64)
    out, start = [], 0
    while start < len(text):
        # Up to ``room`` characters, fewer while their JSON is too long (escapes, non-ASCII):
        # scaled by how far over it was, so it takes a step or two.
        end = min(len(text), start + room)
        while True:
            piece = dumps({**event, "text": text[start:end]})
            used = size(piece)
            if used <= limit or end - start <= 1:
                break
            end = start + max(1, int((end - start) * room / (used - head) * 0.95))
        out.append(piece)
        start = end
    return out


def _finite(value):
    """``value`` with every NaN or infinite float replaced by None (JSON null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
