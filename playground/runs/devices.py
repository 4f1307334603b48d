"""Which devices runs can use now, and why not: the executor's answer, for the pages' device
selectors and the check of every new run."""
from playground.executors import get_executor


def unavailable_reason(device):
    """None when runs on ``device`` can be served now, else a sentence a user can read."""
    return get_executor().unavailable_reason(device)
