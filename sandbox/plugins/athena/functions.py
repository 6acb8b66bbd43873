"""Trino functions that sqlglot leaves untranslated, defined in DuckDB under their Trino names.

sqlglot's athena -> duckdb translation maps most of Trino's function library (json_extract_scalar,
date_parse, from_iso8601_timestamp, regexp_like, split, cardinality ...). The ones below reach
DuckDB with their Trino name, so they are added as SQL macros (DuckDB's Python functions would need
numpy). Semantics: Trino documentation, "URL functions", "Date and time functions", "JSON
functions".
"""

from __future__ import annotations

from sqlglot import exp

# scheme://[user@]host[:port][/path][?query][#fragment] (RFC 3986 appendix B, simplified)
_URL = r"'^([A-Za-z][A-Za-z0-9+.-]*):(?://(?:[^@/?#]*@)?([^/:?#]*)(?::([0-9]+))?)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$'"

# Joda-Time pattern letters used by format_datetime / parse_datetime -> strftime (longest first)
_JODA = [("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("hh", "%I"),
         ("mm", "%M"), ("ss", "%S"), ("SSS", "%g"), ("EEE", "%a"), ("a", "%p")]


def joda_to_strftime(fmt: str) -> str:
    out = fmt.replace("%", "%%")
    for joda, strf in _JODA:
        out = out.replace(joda, strf)
    return out


def _url_part(group: int) -> str:
    return f"nullif(regexp_extract(url, {_URL}, {group}), '')"


MACROS = [
    f"CREATE OR REPLACE MACRO url_extract_protocol(url) AS {_url_part(1)}",
    f"CREATE OR REPLACE MACRO url_extract_host(url) AS {_url_part(2)}",
    f"CREATE OR REPLACE MACRO url_extract_port(url) AS CAST({_url_part(3)} AS BIGINT)",
    f"CREATE OR REPLACE MACRO url_extract_path(url) AS {_url_part(4)}",
    f"CREATE OR REPLACE MACRO url_extract_query(url) AS {_url_part(5)}",
    f"CREATE OR REPLACE MACRO url_extract_fragment(url) AS {_url_part(6)}",
    "CREATE OR REPLACE MACRO url_extract_parameter(url, name) AS "
    f"url_decode(nullif(regexp_extract({_url_part(5)}, '(?:^|&)' || name || '=([^&]*)', 1), ''))",
    # to_iso8601 renders a timestamp as ISO 8601 text (Trino: 2024-01-02T03:04:05.000Z)
    "CREATE OR REPLACE MACRO to_iso8601(ts) AS strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ')",
    "CREATE OR REPLACE MACRO from_iso8601_date(s) AS CAST(s AS DATE)",
    "CREATE OR REPLACE MACRO with_timezone(ts, zone) AS CAST(ts AS TIMESTAMPTZ)",
    "CREATE OR REPLACE MACRO json_size(j, path) AS json_array_length(json_extract(j, path))",
    "CREATE OR REPLACE MACRO is_json_scalar(j) AS json_type(j) NOT IN ('OBJECT', 'ARRAY')",
    "CREATE OR REPLACE MACRO format_datetime(ts, fmt) AS strftime(ts, fmt)",
]


def rewrite(stmt: exp.Expression) -> None:
    """format_datetime / parse_datetime take Joda patterns; DuckDB's strftime / strptime want
    strftime patterns, and strptime a constant one: translate literal patterns in place."""
    for call in list(stmt.find_all(exp.Anonymous)):
        name = call.name.lower()
        args = call.expressions
        if name in ("format_datetime", "parse_datetime") and len(args) == 2 and isinstance(args[1], exp.Literal):
            pattern = exp.Literal.string(joda_to_strftime(args[1].name))
            target = "strftime" if name == "format_datetime" else "strptime"
            call.replace(exp.Anonymous(this=target, expressions=[args[0].copy(), pattern]))


def install(con) -> None:
    for macro in MACROS:
        con.execute(macro)
