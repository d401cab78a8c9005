"""CSV downloads: one table a file, laid out as the reader's spreadsheet opens it, formulas kept as text."""
import csv
import io
from decimal import Decimal

from babel.numbers import get_decimal_symbol
from flask import Response, abort
from flask_babel import get_locale


def _cell(value, decimal: str) -> str:
    """Numbers in the reader's decimal symbol; no figure, an empty cell; text a spreadsheet would run as a
    formula, kept as text."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return str(value).replace(".", decimal)
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def table_csv(rows: list[list]) -> str:
    """A table as CSV text. Where the decimal symbol is a comma (Russian), the cells are separated by
    semicolons, as Excel in that locale expects; elsewhere by commas."""
    decimal = get_decimal_symbol(str(get_locale() or "en"))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";" if decimal == "," else ",").writerows(
        [_cell(value, decimal) for value in row] for row in rows)
    return buffer.getvalue()


def download(tables: dict[str, list[list]], table: str | None, filename: str) -> Response:
    """One of the tables as a CSV attachment named `filename-<table>.csv` (the first table when none is
    asked for); a table that is not there is not found."""
    name = table or next(iter(tables))
    if name not in tables:
        abort(404)
    # The byte-order mark tells Excel the file is UTF-8, so Cyrillic names open correctly.
    response = Response("\ufeff" + table_csv(tables[name]), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}-{name}.csv"'
    return response
