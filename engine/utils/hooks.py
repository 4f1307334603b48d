"""What every register_*_hook returns (torch.utils.hooks.RemovableHandle)."""
import itertools
import weakref

_next_id = itertools.count()


class RemovableHandle:
    """A hook's key in the dict that holds it: ``handle.remove()`` (or leaving a ``with``
    block) takes the hook out again.

    The handle holds its dicts weakly, so a kept handle does not keep a module, optimizer or
    graph node alive. ``extra_dict`` names more dicts keyed by the same id (a module's
    "with kwargs" flags), cleaned up with it.
    """

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_next_id)
        extra = extra_dict if isinstance(extra_dict, (list, tuple)) else \
            (() if extra_dict is None else (extra_dict,))
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra)

    def remove(self):
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks_dict, hook):
    """Keep ``hook`` in ``hooks_dict`` (a global hook table); the handle that takes it out."""
    handle = RemovableHandle(hooks_dict)
    hooks_dict[handle.id] = hook
    return handle
