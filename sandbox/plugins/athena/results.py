"""Query results as Athena returns them: text values, column metadata, the CSV in S3.

- GetQueryResults gives every value as `VarCharValue` text in Trino's rendering (timestamps
  `2024-01-02 03:04:05.000`, `... UTC` with a zone, doubles as Java prints them, arrays `[a, b]`,
  rows and maps `{k=v}`); NULL is a datum without VarCharValue. A SELECT's first row holds the
  column names; DDL statements (SHOW, DESCRIBE ...) have no such row (Athena API Reference,
  "GetQueryResults" and "ResultSet").
- ColumnInfo: CatalogName `hive`, empty SchemaName/TableName, Name = Label, Trino type name,
  Nullable UNKNOWN, CaseSensitive for character types.
- Output files ("Working with query results, recent queries, and output files"): a SELECT writes
  `<QueryExecutionId>.csv` (header row; every value double-quoted, NULL as an empty field) and
  `<QueryExecutionId>.csv.metadata`; DDL writes `<QueryExecutionId>.txt`. Athena's .metadata file
  is a binary format it does not document; awslab writes the ResultSetMetadata as JSON there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

_PRECISION = {
    "varchar": 2147483647,
    "char": 2147483647,
    "bigint": 19,
    "integer": 10,
    "smallint": 5,
    "tinyint": 3,
    "double": 17,
    "real": 7,
    "boolean": 0,
    "date": 0,
    "timestamp": 3,
    "timestamp with time zone": 3,
}


def column_info(name: str, trino_type: str) -> dict:
    base = trino_type.split("(", 1)[0]
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": trino_type if base not in ("varchar", "char", "decimal") else base,
        "Precision": _PRECISION.get(base, 0),
        "Scale": 0,
        "Nullable": "UNKNOWN",
        "CaseSensitive": base in ("varchar", "char"),
    }


def java_double(x: float) -> str:
    """Double.toString: plain from 1e-3 up to 1e7, else d.dddE<n>."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        s = repr(float(x))
        if "e" in s or "E" in s:
            s = format(Decimal(s), "f")
        return s if "." in s else s + ".0"
    sign, digits, exponent = Decimal(repr(float(x))).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = exponent + len(text) - 1
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


def render(v) -> str:
    """Trino's text for a value inside an array, row or map (and for Python-side scalars)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return java_double(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{render(k)}={render(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(render(x) for x in v) + "]"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.") + f"{v.microsecond // 1000:03d}"
    if isinstance(v, bytes):
        return v.hex(" ")
    return str(v)


def format_sql(position: int, duck_type) -> str | None:
    """A DuckDB expression that renders result column #position as Trino text, or None when
    the value is rendered in Python (floats, arrays, rows, maps)."""
    ref = f"#{position}"
    name = str(duck_type)
    tid = duck_type.id
    if name == "VARCHAR":
        return ref
    if tid in ("list", "array", "struct", "map"):
        return f"CAST({ref} AS VARCHAR)" if "TIME ZONE" in name else None
    if name in ("DOUBLE", "FLOAT"):
        return None
    if name.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"strftime({ref}, '%Y-%m-%d %H:%M:%S.%g') || ' UTC'"
    if name.startswith("TIMESTAMP"):
        return f"strftime({ref}, '%Y-%m-%d %H:%M:%S.%g')"
    return f"CAST({ref} AS VARCHAR)"


def to_text(v):
    if v is None or isinstance(v, str):
        return v
    return render(v)


def csv_bytes(names: list[str], rows: list[list]) -> bytes:
    def field(v):
        return "" if v is None else '"' + v.replace('"', '""') + '"'

    lines = [",".join(field(n) for n in names)]
    lines.extend(",".join(field(v) for v in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def txt_bytes(rows: list[list]) -> bytes:
    return "".join("\t".join("" if v is None else v for v in row) + "\n" for row in rows).encode("utf-8")
