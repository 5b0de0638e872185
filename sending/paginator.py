"""A paginator for the admin lists of tables that grow to millions of rows (messages, jobs).

Counting every row of a large table on every page view costs a full scan (PostgreSQL) or a full
index walk (SQLite). An unfiltered list therefore shows an estimate: PostgreSQL's planner statistic
(pg_class.reltuples, kept by autovacuum/ANALYZE); on SQLite the id range, max(id) - min(id) + 1,
two index lookups, exact while no row was deleted. A small table, or any filtered list, is counted
exactly.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this estimate an exact COUNT is cheap and right (and reltuples is unreliable on a table
# autovacuum has not analysed yet).
EXACT_BELOW = 50_000


class EstimatedCountPaginator(Paginator):
    is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        estimate = _estimate(queryset) if _unfiltered(queryset) else None
        if estimate is not None and estimate >= EXACT_BELOW:
            self.is_estimate = True
            return estimate
        return super().count


def _unfiltered(queryset) -> bool:
    query = getattr(queryset, "query", None)
    return query is not None and not query.where and not query.distinct and not query.combinator


def _estimate(queryset) -> int | None:
    model = queryset.model
    connection = connections[queryset.db]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
            # -1: never analysed (PostgreSQL 14+); 0 may mean the same on older servers.
            return int(row[0]) if row and row[0] and row[0] > 0 else None
        if connection.vendor == "sqlite":
            pk = connection.ops.quote_name(model._meta.pk.column)
            # Two scalar subqueries: SQLite answers a lone max()/min() from the index, but not an
            # expression over both (that scans the table).
            cursor.execute(
                f"SELECT (SELECT max({pk}) FROM {table}) - (SELECT min({pk}) FROM {table}) + 1"
            )
            row = cursor.fetchone()
            return int(row[0]) if row and row[0] is not None else None
    return None
