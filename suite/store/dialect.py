"""The few differences between the suite's DuckDB SQL and PostgreSQL, translated in one place.

The suite writes its SQL once, for DuckDB. Most of it is PostgreSQL as well; what is not is rewritten here,
textually, before a statement reaches PostgreSQL (`to_postgres`), or provided as functions of the same name
and meaning created on the server (`COMPAT_FUNCTIONS`: `to_days`, `round(double, int)`, `list_contains`,
`json_extract_string`, `median`, `count_if`, ...). What is rewritten:

| DuckDB | PostgreSQL |
|---|---|
| `?` parameters (`%` in the text) | `%s` (`%%`) |
| `INSERT OR IGNORE INTO t ...` | `INSERT INTO t ... ON CONFLICT DO NOTHING` |
| `INSERT OR REPLACE INTO t (cols) ...` | `... ON CONFLICT (primary key) DO UPDATE SET col = EXCLUDED.col` |
| `DOUBLE`, `BLOB`, `TINYINT`, `HUGEINT` | `DOUBLE PRECISION`, `BYTEA`, `SMALLINT`, `NUMERIC` |
| `INTERVAL 7 DAY` | `INTERVAL '7 DAY'` |
| `quantile_cont(x, 0.95)` | `percentile_cont(0.95) WITHIN GROUP (ORDER BY x)` |
| `arg_max(a, b)` | `(array_agg(a ORDER BY b DESC) FILTER (WHERE b IS NOT NULL))[1]` |
| `GROUP BY ALL` | `GROUP BY 1, 2, ...` (the select items without an aggregate) |

Text inside quotes ('...', "...") and comments is never rewritten. SQL that uses DuckDB features with no
counterpart here (`COLUMNS(*)`, `read_parquet`, `strftime`...) fails on PostgreSQL with PostgreSQL's message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TYPES = {
    "DOUBLE": "DOUBLE PRECISION",
    "BLOB": "BYTEA",
    "TINYINT": "SMALLINT",
    "HUGEINT": "NUMERIC",
    "UTINYINT": "SMALLINT",
}
_TYPE_RE = re.compile(r"\b(DOUBLE|BLOB|TINYINT|UTINYINT|HUGEINT)\b(?!\s+PRECISION)", re.IGNORECASE)
_INTERVAL_RE = re.compile(
    r"\bINTERVAL\s+(\d+(?:\.\d+)?)\s+(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?|SECONDS?)\b", re.IGNORECASE
)
_QUANTILE_RE = re.compile(r"\bquantile_cont\s*\(\s*([A-Za-z_][\w.\"]*)\s*,\s*([0-9.]+)\s*\)", re.IGNORECASE)
_ARG_RE = re.compile(r"\barg_(max|min)\s*\(\s*([^(),]+?)\s*,\s*([^(),]+?)\s*\)", re.IGNORECASE)
_INSERT_OR_RE = re.compile(r"\bINSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+", re.IGNORECASE)
_INSERT_TARGET_RE = re.compile(r'\s*("?[A-Za-z_][\w]*"?)\s*(\(([^()]*)\))?', re.IGNORECASE)
_RETURNING_RE = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_GROUP_ALL_RE = re.compile(r"\bGROUP\s+BY\s+ALL\b", re.IGNORECASE)
_AGGREGATES = re.compile(
    r"\b(count|sum|avg|min|max|median|quantile_cont|percentile_cont|string_agg|array_agg|list|bool_or|bool_and|"
    r"any_value|arg_max|arg_min|count_if|stddev|stddev_samp|stddev_pop|variance|first|last|histogram)\s*\(",
    re.IGNORECASE,
)

# Created on PostgreSQL before the migrations (idempotent): DuckDB functions the suite's SQL calls.
COMPAT_FUNCTIONS = """
CREATE OR REPLACE FUNCTION to_days(integer) RETURNS interval
    LANGUAGE sql IMMUTABLE AS $$ SELECT make_interval(days => $1) $$;
CREATE OR REPLACE FUNCTION to_hours(integer) RETURNS interval
    LANGUAGE sql IMMUTABLE AS $$ SELECT make_interval(hours => $1) $$;
CREATE OR REPLACE FUNCTION round(double precision, integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$ SELECT round($1::numeric, $2)::double precision $$;
CREATE OR REPLACE FUNCTION epoch(timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$ SELECT extract(epoch FROM $1)::double precision $$;
CREATE OR REPLACE FUNCTION list_contains(anycompatiblearray, anycompatible) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS $$ SELECT $2 = ANY($1) $$;
CREATE OR REPLACE FUNCTION len(anyarray) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$ SELECT cardinality($1) $$;
CREATE OR REPLACE FUNCTION len(text) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$ SELECT length($1) $$;
CREATE OR REPLACE FUNCTION json_extract_string(json, text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT $1::jsonb #>> string_to_array(regexp_replace($2, '^\\$\\.?', ''), '.') $$;
CREATE OR REPLACE FUNCTION json_extract(json, text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$ SELECT $1::jsonb #> string_to_array(regexp_replace($2, '^\\$\\.?', ''), '.') $$;
CREATE OR REPLACE FUNCTION hash(text) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended($1, 0) $$;
CREATE OR REPLACE FUNCTION suite_median_final(double precision[]) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$ SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest($1) AS v $$;
CREATE OR REPLACE FUNCTION suite_count_if_step(bigint, boolean) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$ SELECT $1 + CASE WHEN $2 THEN 1 ELSE 0 END $$;
CREATE OR REPLACE FUNCTION suite_any_value_step(anyelement, anyelement) RETURNS anyelement
    LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce($1, $2) $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'median' AND prokind = 'a') THEN
        CREATE AGGREGATE median(double precision) (
            SFUNC = array_append, STYPE = double precision[], FINALFUNC = suite_median_final, INITCOND = '{}');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'count_if' AND prokind = 'a') THEN
        CREATE AGGREGATE count_if(boolean) (SFUNC = suite_count_if_step, STYPE = bigint, INITCOND = '0');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'any_value' AND prokind = 'a') THEN
        CREATE AGGREGATE any_value(anyelement) (SFUNC = suite_any_value_step, STYPE = anyelement);
    END IF;
END $$;
"""


def _split(sql: str) -> list[tuple[bool, str]]:
    """The statement as (is_code, text) pieces: quoted strings, quoted names and comments are not code."""
    pieces: list[tuple[bool, str]] = []
    i, start, n = 0, 0, len(sql)
    while i < n:
        ch = sql[i]
        end = -1
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # '' or "" inside: an escaped quote
                        end += 2
                        continue
                    break
                end += 1
            end = min(end + 1, n)
        elif sql.startswith("--", i):
            nl = sql.find("\n", i)
            end = n if nl < 0 else nl
        elif sql.startswith("/*", i):
            close = sql.find("*/", i + 2)
            end = n if close < 0 else close + 2
        elif sql.startswith("$$", i):  # a dollar-quoted body (only in COMPAT_FUNCTIONS-like text)
            close = sql.find("$$", i + 2)
            end = n if close < 0 else close + 2
        if end >= 0:
            if start < i:
                pieces.append((True, sql[start:i]))
            pieces.append((False, sql[i:end]))
            i = start = end
        else:
            i += 1
    if start < n:
        pieces.append((True, sql[start:]))
    return pieces


def _map_code(sql: str, change: Callable[[str], str]) -> str:
    return "".join(change(text) if code else text for code, text in _split(sql))


def _top_level_items(select_list: str) -> list[str]:
    items, depth, start = [], 0, 0
    for i, ch in enumerate(select_list):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(select_list[start:i])
            start = i + 1
    items.append(select_list[start:])
    return items


def _group_by_all(sql: str) -> str:
    """`GROUP BY ALL` -> `GROUP BY <positions of the select items that hold no aggregate>`."""
    match = _GROUP_ALL_RE.search(sql)
    if not match:
        return sql
    head = sql[: match.start()]
    masked = "".join(text if code else " " * len(text) for code, text in _split(head))  # quotes cannot mislead
    select = re.search(r"\bSELECT\b(\s+DISTINCT\b)?", masked, re.IGNORECASE)
    from_ = None
    if select:
        depth = 0
        for m in re.finditer(r"\(|\)|\bFROM\b", masked[select.end() :], re.IGNORECASE):
            token = m.group(0)
            depth += 1 if token == "(" else -1 if token == ")" else 0
            if token.upper() == "FROM" and depth == 0:
                from_ = select.end() + m.start()
                break
    if select is None or from_ is None:
        return sql
    items = _top_level_items(masked[select.end() : from_])
    keys = [str(i) for i, item in enumerate(items, start=1) if not _AGGREGATES.search(item)]
    replacement = f"GROUP BY {', '.join(keys)}" if keys else ""
    return sql[: match.start()] + replacement + sql[match.end() :]


def _insert_or(sql: str, primary_key: Callable[[str], list[str]], columns_of: Callable[[str], list[str]]) -> str:
    match = _INSERT_OR_RE.search(sql)
    if not match:
        return sql
    mode = match.group(1).upper()
    target = _INSERT_TARGET_RE.match(sql, match.end())
    body = sql[: match.start()] + "INSERT INTO " + sql[match.end() :]
    if mode == "IGNORE":
        conflict = " ON CONFLICT DO NOTHING"
    else:
        if target is None:
            raise ValueError("INSERT OR REPLACE needs a table name")
        table = target.group(1).strip('"')
        listed = target.group(3)
        columns = [c.strip().strip('"') for c in listed.split(",")] if listed else columns_of(table)
        keys = primary_key(table)
        if not keys:
            raise ValueError(f"INSERT OR REPLACE into {table!r}, which has no primary key")
        updates = [c for c in columns if c not in keys]
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in updates)
        keys_sql = ", ".join(f'"{k}"' for k in keys)
        conflict = f" ON CONFLICT ({keys_sql}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
    masked = "".join(text if code else " " * len(text) for code, text in _split(body))
    returning = _RETURNING_RE.search(masked)
    if returning:
        return body[: returning.start()].rstrip() + conflict + " " + body[returning.start() :]
    stripped = body.rstrip()
    semicolon = stripped.endswith(";")
    return (stripped[:-1] if semicolon else stripped) + conflict + (";" if semicolon else "")


def _no_keys(_table: str) -> list[str]:
    return []


def to_postgres(
    sql: str,
    *,
    with_params: bool = True,
    primary_key: Callable[[str], list[str]] = _no_keys,
    columns_of: Callable[[str], list[str]] = _no_keys,
) -> str:
    """A DuckDB statement as PostgreSQL (for psycopg: `%s` parameters when `with_params`).

    `primary_key(table)` and `columns_of(table)` answer from the server's catalog, for `INSERT OR REPLACE`.

    Example:
        >>> to_postgres("INSERT OR IGNORE INTO t VALUES (?, '50%')")
        "INSERT INTO t VALUES (%s, '50%%') ON CONFLICT DO NOTHING"
    """

    def code(text: str) -> str:
        text = _TYPE_RE.sub(lambda m: _TYPES[m.group(1).upper()], text)
        text = _INTERVAL_RE.sub(lambda m: f"INTERVAL '{m.group(1)} {m.group(2)}'", text)
        text = _ARG_RE.sub(
            lambda m: (
                f"(array_agg({m.group(2)} ORDER BY {m.group(3)} {'DESC' if m.group(1).lower() == 'max' else 'ASC'})"
                f" FILTER (WHERE {m.group(3)} IS NOT NULL))[1]"
            ),
            text,
        )
        text = _QUANTILE_RE.sub(lambda m: f"percentile_cont({m.group(2)}) WITHIN GROUP (ORDER BY {m.group(1)})", text)
        return text

    sql = _group_by_all(sql)
    sql = _insert_or(sql, primary_key, columns_of)
    sql = _map_code(sql, code)
    if with_params:
        # psycopg reads `%` everywhere (quotes included) as the start of a placeholder
        sql = "".join(
            text.replace("%", "%%").replace("?", "%s") if is_code else text.replace("%", "%%")
            for is_code, text in _split(sql)
        )
    return sql
