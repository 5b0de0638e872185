"""Insert a batch of imported messages with a few multi-row INSERTs on the ORM's connection.

bulk_create prepares every value of every field through the ORM (about half of an import's
time, measured with bench/bulk.py); an import's rows are all alike, so the statement is built
once and the values are plain tuples. The columns are the Message model's own, read from its
fields, so a new field with a default still gets it.
"""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone

from sending.models import Message

_SET = ("profile_id", "job_id", "kind", "to", "row", "sender", "text", "language", "encoding",
        "parts_count", "data", "time_zone", "created_by_id")  # fmt: skip


_MAX_PARAMETERS = 30_000  # below SQLite's 32,766 and PostgreSQL's 65,535


def _columns():
    """(column, attribute or None, constant) for every concrete field but the primary key."""
    now_fields = {"created_at"}
    columns = []
    for field in Message._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in _SET:
            columns.append((field.column, field.attname, None))
        elif field.attname in now_fields:
            columns.append((field.column, None, "now"))
        else:
            default = field.get_default()  # "" for a text field without one, as the ORM does
            if isinstance(default, dict):
                default = json.dumps(default)
            columns.append((field.column, None, default))
    return columns


def insert_messages(messages: list) -> None:
    """Insert recipients.Recipient rows (anything with the attributes in _SET)."""
    if not messages:
        return
    columns = _columns()
    quote = connection.ops.quote_name
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    json_columns = {"data"}
    one_row = (
        "("
        + ", ".join(
            f"%s{json_cast}" if column in json_columns else "%s" for column, _a, _c in columns
        )
        + ")"
    )
    head = (
        f"INSERT INTO {quote(Message._meta.db_table)} "
        f"({', '.join(quote(column) for column, _a, _c in columns)}) VALUES "
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for message in messages:
        row = []
        for column, attribute, constant in columns:
            if attribute is None:
                row.append(now if constant == "now" else constant)
            elif column in json_columns:
                row.append(json.dumps(getattr(message, attribute), ensure_ascii=False))
            else:
                row.append(getattr(message, attribute))
        rows.append(row)
    # Multi-row VALUES: psycopg's executemany on Django's client-side cursor is one round trip
    # per row; one statement per chunk is one per few hundred (SQLite caps the parameters).
    chunk = max(1, min(500, _MAX_PARAMETERS // len(columns)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(head + ", ".join([one_row] * len(part)), [v for r in part for v in r])
