"""What one app process keeps between requests: the results of published rounds, which never change."""
import threading
from collections import OrderedDict

from flask import current_app

_lock = threading.Lock()  # gunicorn's threaded workers share a process


def kept(kind: str, key, make, size: int):
    """The value kept for `key`, else `make()`, kept with the `size` most recently used of its kind.

    Kept per app (each test's app starts empty): two keys that differ in anything shown never meet.
    """
    with _lock:
        store = current_app.extensions.setdefault(f"kept_{kind}", OrderedDict())
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = make()
    with _lock:
        store[key] = value
        while len(store) > size:
            store.popitem(last=False)
    return value
