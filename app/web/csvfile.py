"""An uploaded CSV file, as every import reads it: UTF-8 text with or without a byte order mark, any line
ends, comma, semicolon or tab between cells; what Python's csv module refuses becomes a clear message.
The checked file kept between an import's preview and its confirm, and the import page that runs the three."""
import csv
import io
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import flash, request
from flask_babel import gettext as _

from app.extensions import db
from app.time import utcnow
from app.web.forms import UNSTORABLE, UNSTORABLE_MESSAGE, ImportConfirmForm, ImportUploadForm
from app.web.htmx import redirect_to, render
from app.web.models import StagedUpload

DELIMITERS = ",;\t"
PREVIEW_ROWS = 200  # rows a preview shows: every row with a problem, then the first good ones
KEPT_FOR = timedelta(hours=2)  # how long a checked file waits for its confirm


class CsvFileError(Exception):
    """The file cannot be read as an import needs it; the message is shown to the user."""


@dataclass
class Row:
    """A row of an imported file: its line, its cells by column, and what is wrong with it."""

    line: int
    values: dict
    problems: list[str] = field(default_factory=list)


def decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")) from None
    if UNSTORABLE.search(text):  # a NUL: the checked file is kept in the database until its confirm
        raise CsvFileError(str(UNSTORABLE_MESSAGE))
    return text


def _dialect(text: str, columns: int) -> type[csv.Dialect]:
    """The Sniffer's guess if the header line agrees (it holds `columns` cells at least), else the
    delimiter the header line has most of."""
    header = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=DELIMITERS)
        if header.count(dialect.delimiter) >= columns - 1:
            return dialect
    except csv.Error:
        pass

    class Header(csv.excel):
        delimiter = max(DELIMITERS, key=header.count)

    return Header


def records(text: str, required: Sequence[str], expected: Sequence[str]) -> Iterator[tuple[int, dict]]:
    """Each row as (its line number, {column name in lower case: the cell, stripped}), once the first line
    is found to name the `required` columns (`expected` lists every column the import knows)."""
    # Line ends made "\n": old Macs end lines with a lone CR, which the Sniffer does not see as a line end.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=_dialect(text, len(required)))
    header = [(name or "").strip().lower() for name in _read(reader, lambda: reader.fieldnames) or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvFileError(_("The first line must name the columns; missing: %(columns)s. Expected: %(all)s.",
                             columns=", ".join(missing), all=", ".join(expected)))
    return _rows(reader)


def _rows(reader: csv.DictReader) -> Iterator[tuple[int, dict]]:
    while (row := _read(reader, lambda: next(reader, None))) is not None:
        # cells beyond the header's columns come as a list under None: left out
        yield reader.line_num, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()
                                if k and isinstance(v, str | None)}


def _read(reader: csv.DictReader, step):
    try:
        return step()
    except csv.Error as error:
        line = reader.reader.line_num  # the DictReader's own count stops at the last row it gave
        if "field limit" in str(error):
            raise CsvFileError(_("A cell on line %(line)d is too long: cells may hold at most %(limit)d "
                                 "characters.", line=line, limit=csv.field_size_limit())) from None
        raise CsvFileError(_("Line %(line)d cannot be read as CSV.", line=line)) from None


def check(user, kind: str, upload, confirm, refused: type[Exception], parse: Callable) -> list[Row] | None:
    """The uploaded file's rows as `parse` checks them, staged for the confirm if no row has a problem;
    None, the reason at the file field, when the file cannot be read or `parse` raises `refused`."""
    try:
        text = decode(upload.file.data.read())
        rows = parse(text)
    except (CsvFileError, refused) as error:
        upload.file.errors.append(str(error))
        return None
    if not any(row.problems for row in rows):
        confirm.staged.data = stage(user, kind, text)
    return rows


def preview(rows: list[Row]) -> dict:
    """Every row with a problem, then the first rows otherwise (a 30,000-row table helps nobody, and took
    longer to build than the whole check); of how many, how many with a problem."""
    bad = [row for row in rows if row.problems]
    shown = bad + [row for row in rows if not row.problems][: max(PREVIEW_ROWS - len(bad), 0)]
    return {"rows": shown, "total": len(rows), "bad": len(bad)}


# Between the preview and the confirm -------------------------------------------------------------

def stage(user, kind: str, text: str) -> str:
    """Keep a checked file for its uploader's confirm; returns the key the confirm sends back. The
    uploader's earlier file of this kind, and every file left longer than KEPT_FOR, are deleted."""
    now = utcnow()
    db.session.execute(sa.delete(StagedUpload).where(sa.or_(
        StagedUpload.created_at < now - KEPT_FOR,
        sa.and_(StagedUpload.user_id == user.id, StagedUpload.kind == kind))))
    key = secrets.token_urlsafe(32)
    db.session.add(StagedUpload(key=key, kind=kind, user_id=user.id, created_at=now, text=text))
    db.session.flush()
    return key


def take(user, kind: str, confirm) -> str | None:
    """The file `user` staged for this kind of import under the key the confirm form sends, deleted as it
    is read (one confirm each); None, the person told, if the form is stale or there is no such file: never
    staged, someone else's, confirmed already or too old."""
    key = confirm.staged.data if confirm.validate_on_submit() else None
    text = db.session.scalar(
        sa.delete(StagedUpload)
        .where(StagedUpload.key == key, StagedUpload.user_id == user.id, StagedUpload.kind == kind,
               StagedUpload.created_at >= utcnow() - KEPT_FOR)
        .returning(StagedUpload.text).execution_options(synchronize_session=False)) if key else None
    if text is None:
        flash(_("Nothing was imported: the form expired. Choose the file again."), "error")
    return text


# The page ----------------------------------------------------------------------------------------

def import_page(user, kind: str, parse: Callable[[str], list[Row]], refused: type[Exception],
                save: Callable, page: str, counts: Callable[[list[Row]], dict] = lambda rows: {}, **context):
    """Every import's one path: the upload (`<page>.html`), every row checked on a preview
    (`<page>_preview.html`, with `counts` of the rows), then the confirm, which parses the staged file again
    (a name or a right may have changed since the preview) and hands its rows to `save`; `save` calls the
    service, commits and answers. What the service refuses as `refused` is flashed and nothing is saved."""
    upload, confirm = ImportUploadForm(), ImportConfirmForm()
    if "staged" in request.form:
        text = take(user, kind, confirm)
        if text is None:
            return redirect_to(request.path)
        try:
            return save(parse(text))
        except refused as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect_to(request.path)
    if upload.validate_on_submit():
        rows = check(user, kind, upload, confirm, refused, parse)
        if rows is not None:
            db.session.commit()  # the file staged for the confirm
            return render(f"{page}_preview.html", **preview(rows), **counts(rows), confirm=confirm, **context)
    return render(f"{page}.html", form=upload, **context)
