"""Ids from addresses and forms: a number beyond the database's integer range is no id at all (a 404 or an
empty filter), never an error from the database (PostgreSQL's integer stops at 2³¹ − 1)."""
from flask import request

MAX_ID = 2**31 - 1


def id_arg(name: str, values=None) -> int | None:
    """The id in the query string (or in `values`), or None if there is none that could exist."""
    value = (request.args if values is None else values).get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None
