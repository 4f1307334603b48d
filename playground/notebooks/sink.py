"""The kernel sink: the executors' port for notebook kernels' events. Each event goes, as the
protocol defines it, to the pages attached to its kernel (the channel-layer group
``kernel.<id>``), in order, from the kernel's own thread. Nothing is stored here: a notebook
keeps its outputs when its page saves it."""
import logging

from playground import events
from playground.runs.publish import publish
from playground.runs.sink import _valid_points

from .cells import storable

log = logging.getLogger(__name__)

TAGS = ("kernel_id", "cell_id")
OPTIONAL = {"kernel_status": ("message", "start_ms")}
VARIABLE_FIELDS = ("name", "type", "value", "shape", "dtype", "device", "requires_grad",
                   "parameters", "size")


def group_name(kernel_id):
    return f"kernel.{kernel_id}"


def protocol_event(event):
    """Only the fields the protocol gives the event's type, as strict JSON."""
    kind = event["type"]
    keep = (*TAGS, *events.EVENT_FIELDS[kind], *OPTIONAL.get(kind, ()))
    out = {"type": kind, **{k: storable(event[k]) for k in keep if k in event}}
    if kind == "metrics":
        out["points"] = _valid_points(event.get("kernel_id"), event.get("points") or [])
    elif kind == "variables":
        out["variables"] = [{k: row[k] for k in VARIABLE_FIELDS if k in row}
                            for row in out["variables"] if isinstance(row, dict)]
    return out


class KernelSink:
    def emit(self, event):
        kernel_id = event.get("kernel_id")
        if event.get("type") not in events.EVENT_FIELDS or not kernel_id:
            log.warning("kernel sink dropped a malformed event: %.200r", event)
            return
        try:
            publish(group_name(kernel_id), {"type": "kernel.event",
                                            "event": protocol_event(event)})
        except Exception:
            log.exception("kernel sink could not publish a %s event of kernel %s",
                          event["type"], kernel_id)


kernel_sink = KernelSink()
