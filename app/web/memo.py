"""What one app process keeps between requests: parts of pages rendered once for everything they show."""
import threading
from collections import OrderedDict

from flask import current_app

_lock = threading.Lock()  # gunicorn's threaded workers share a process


def kept_many(kind: str, wanted: dict, make, size: int) -> dict:
    """The values kept for the keys of `wanted` ({key: what make needs for it}); those not kept yet are
    made together by `make(list of what they need) -> {what it needed: value}` and kept, with the `size`
    most recently used of their kind.

    Kept per app (each test's app starts empty): two keys that differ in anything shown never meet.
    """
    with _lock:
        store = current_app.extensions.setdefault(f"kept_{kind}", OrderedDict())
        found = {key: store[key] for key in wanted if key in store}
        for key in found:
            store.move_to_end(key)
    missing = [key for key in wanted if key not in found]
    if missing:
        made = make([wanted[key] for key in missing])
        with _lock:
            for key in missing:
                found[key] = store[key] = made[wanted[key]]
            while len(store) > size:
                store.popitem(last=False)
    return found


def kept(kind: str, key, make, size: int):
    """The value kept for `key`, else `make()` (see kept_many)."""
    return kept_many(kind, {key: key}, lambda _keys: {key: make()}, size)[key]
