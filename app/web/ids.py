"""Ids and page numbers from addresses and forms: a number beyond the database's integer range is no id at all
(a 404 or an empty filter), never an error from the database (PostgreSQL's integer stops at 2³¹ − 1)."""
from flask import request

MAX_ID = 2**31 - 1


def id_arg(name: str, values=None) -> int | None:
    """The id in the query string (or in `values`), or None if there is none that could exist."""
    value = (request.args if values is None else values).get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def page_arg(count: int, size: int) -> tuple[int, int]:
    """(the page asked for in the query string, the number of pages) for `count` items `size` a page: a page
    out of range or not a number shows the nearest one."""
    pages = max(1, -(-count // size))
    return min(max(request.args.get("page", 1, type=int), 1), pages), pages
