"""Insert a batch of imported messages on the ORM's connection: COPY on PostgreSQL, a few
multi-row INSERTs on SQLite.

bulk_create prepares every value of every field through the ORM (about half of an import's
time, measured with bench/bulk.py); an import's rows are all alike, so the statement is built
once and the values are plain tuples. The columns are the Message model's own, read from its
fields, so a new field with a default still gets it.
"""

from __future__ import annotations

import json
from functools import cache
from operator import attrgetter

from django.db import connection
from django.utils import timezone

from sending.models import Message

# What an import sets, in this order; "data" (JSON) last.
_SET = ("profile_id", "job_id", "kind", "to", "row", "sender", "text", "language", "encoding",
        "parts_count", "time_zone", "created_by_id", "data")  # fmt: skip
_NOW = object()

_MAX_PARAMETERS = 30_000  # below SQLite's 32,766


@cache
def _columns() -> tuple[list[str], list[tuple[str, object]]]:
    """(the columns of _SET, [(column, constant)] for every other concrete field but the primary
    key: its default, or _NOW for created_at)."""
    by_attribute = {field.attname: field for field in Message._meta.concrete_fields}
    constants = []
    for field in Message._meta.concrete_fields:
        if field.primary_key or field.attname in _SET:
            continue
        if field.attname == "created_at":
            constants.append((field.column, _NOW))
            continue
        default = field.get_default()  # "" for a text field without one, as the ORM does
        if isinstance(default, dict):
            default = json.dumps(default)
        constants.append((field.column, default))
    return [by_attribute[name].column for name in _SET], constants


def insert_messages(messages: list) -> None:
    """Insert recipients.Recipient rows (anything with the attributes in _SET)."""
    if not messages:
        return
    set_columns, constants = _columns()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    fixed = tuple(now if value is _NOW else value for _column, value in constants)
    values = attrgetter(*_SET)
    rows = []
    for message in messages:
        row = values(message)
        rows.append((*row[:-1], json.dumps(row[-1], ensure_ascii=False), *fixed))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in set_columns + [c for c, _v in constants])
    table = quote(Message._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one statement; text format, so data's JSON is read as jsonb.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Multi-row VALUES: one statement per few hundred rows (SQLite caps the parameters).
        one_row = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        chunk = max(1, min(500, _MAX_PARAMETERS // len(rows[0])))
        head = f"INSERT INTO {table} ({columns}) VALUES "
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(head + ", ".join([one_row] * len(part)), [v for r in part for v in r])
