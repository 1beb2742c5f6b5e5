"""The DuckDB baseline: the bench's CSV files in an in-memory DuckDB, the rules as hand-written SQL.

Each rule is written as one would for DuckDB (joins), with the compiler's semantics
(tests/integration/segmentation pins them): typed trait columns, `within` windows inclusive at both
ends (now - window <= time <= now), members are live profiles with a granted consent row for the
purpose and no seg_blocked row (none are loaded here).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.segments_data import CSV_COLUMNS, DAY, PURPOSE

# DuckDB's type for each CSV column (the files have a header row; empty fields are NULL).
_TYPES = {"id": "VARCHAR", "profile_id": "VARCHAR", "key": "VARCHAR", "str_value": "VARCHAR"}
_TYPES |= {"num_value": "DOUBLE", "name": "VARCHAR", "time": "BIGINT", "purpose": "VARCHAR"}
_TYPES |= {"granted": "BOOLEAN"}

# From one trait row per person (traits has one row per profile and key), kept when the profile is
# live and eligible: a granted consent row for the purpose and no seg_blocked row.
_FROM = """
    SELECT count(*) FROM traits t
    SEMI JOIN profiles p ON p.id = t.profile_id
    JOIN consent c ON c.profile_id = t.profile_id AND c.purpose = $purpose AND c.granted
    ANTI JOIN blocked b ON b.profile_id = t.profile_id"""

RULES = {
    "narrow": _FROM
    + """
        JOIN traits plan ON plan.profile_id = t.profile_id
            AND plan.key = 'plan' AND plan.str_value = 'enterprise'
        WHERE t.key = 'country' AND t.str_value = 'VN'""",
    "broad": _FROM + " WHERE t.key = 'country' AND t.str_value IN ('VN', 'TH')",
    "behavioural": _FROM
    + """
        SEMI JOIN (
            SELECT profile_id FROM events
            WHERE name = 'Order Completed' AND time BETWEEN $now - $d30 AND $now
            GROUP BY profile_id HAVING count(*) >= 2
        ) orders ON orders.profile_id = t.profile_id
        ANTI JOIN (
            SELECT profile_id FROM events
            WHERE name = 'Refund' AND time BETWEEN $now - $d90 AND $now
        ) refunds ON refunds.profile_id = t.profile_id
        WHERE t.key = 'country' AND t.str_value = 'VN'""",
}

# Who enters the behavioural rule with one more order now: they have exactly one order in the last
# 29 days (not 30: the load takes minutes, and an order near the edge could slide out meanwhile).
ONE_ORDER_AWAY = """
    SELECT id FROM profiles WHERE
    id IN (SELECT profile_id FROM traits WHERE key = 'country' AND str_value = 'VN')
    AND id IN (
        SELECT profile_id FROM events
        WHERE name = 'Order Completed' AND time BETWEEN $now - $d30 AND $now
        GROUP BY profile_id HAVING count(*) = 1 AND min(time) >= $now - $d29)
    AND id NOT IN (
        SELECT profile_id FROM events WHERE name = 'Refund' AND time BETWEEN $now - $d90 AND $now)
    AND id IN (SELECT profile_id FROM consent WHERE purpose = $purpose AND granted)
    ORDER BY id LIMIT $limit"""


class Baseline:
    """An in-memory DuckDB holding the same rows as the SQLite read model."""

    def __init__(self, csv_dir: Path) -> None:
        self._db = duckdb.connect()
        for table, columns in CSV_COLUMNS.items():
            self._db.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv($path, header = true, "
                f"columns = {_struct(columns)})",
                {"path": str(csv_dir / f"{table}.csv")},
            )
        self._db.execute("CREATE TABLE blocked (profile_id VARCHAR)")

    def count(self, rule: str, now: int) -> int:
        sql = RULES[rule]
        return self._db.execute(sql, _parameters(sql, now)).fetchone()[0]

    def one_order_away(self, now: int, limit: int) -> list[str]:
        parameters = _parameters(ONE_ORDER_AWAY, now) | {"limit": limit}
        return [row[0] for row in self._db.execute(ONE_ORDER_AWAY, parameters).fetchall()]

    def close(self) -> None:
        self._db.close()


def _parameters(sql: str, now: int) -> dict[str, object]:
    # DuckDB refuses parameters a statement does not use.
    every = {"now": now, "purpose": PURPOSE, "d29": 29 * DAY, "d30": 30 * DAY, "d90": 90 * DAY}
    return {name: value for name, value in every.items() if f"${name}" in sql}


def _struct(columns: tuple[str, ...]) -> str:
    return "{" + ", ".join(f"'{name}': '{_TYPES[name]}'" for name in columns) + "}"
