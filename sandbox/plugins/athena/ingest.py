"""Turning S3 objects into rows of a table, the way the table's SerDe reads them.

JSON (OpenX and Hive JsonSerDe): one object per line; keys match columns and struct fields without
regard to case (Athena User Guide, "JSON SerDe libraries": case.insensitive defaults to true), so
CloudTrail's `sourceIPAddress` fills the column `sourceipaddress`. A JSON object or array read into
a string column becomes its JSON text, as the CloudTrail SerDe does for requestParameters.
CloudTrail (CloudTrailSerde / CloudTrailInputFormat): a file is `{"Records": [...]}`, one row per
record; digest files are skipped. CSV (LazySimpleSerDe, OpenCSVSerDe) and Parquet are read by
DuckDB. gzip is recognised by its magic bytes.

Rows are normalised in Python and loaded with one DuckDB read_json per batch of objects: parsing
JSON into typed columns inside DuckDB is what makes a later query fast (DESIGN.md section 6).
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile

from . import errors
from .catalog import Table
from .hivetypes import HType

_IDENT = object()
# one encoder for all rows: json.dumps with options builds a new encoder per call
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False, ensure_ascii=False).encode


def converter(t: HType):
    """A function that shapes a JSON value for a column of type t, or _IDENT when none is needed."""
    if t.kind == "struct":
        fields = {n: converter(ft) for n, ft in t.fields}
        # JSON key as written -> (column name, converter) or None; the same keys recur in every record
        seen: dict = {}

        def struct(v):
            if not isinstance(v, dict):
                return None
            out = {}
            for k, x in v.items():
                hit = seen.get(k, False)
                if hit is False:
                    lk = k.lower()
                    hit = seen[k] = (lk, fields[lk]) if lk in fields else None
                if hit is None or x is None:
                    continue
                out[hit[0]] = x if hit[1] is _IDENT else hit[1](x)
            return out

        return struct
    if t.kind == "array":
        c = converter(t.args[0])

        def array(v):
            if not isinstance(v, list):
                return None
            return v if c is _IDENT else [None if x is None else c(x) for x in v]

        return array
    if t.kind == "map":
        c = converter(t.args[1])

        def mapping(v):
            if not isinstance(v, dict):
                return None
            return {str(k): (x if c is _IDENT or x is None else c(x)) for k, x in v.items()}

        return mapping
    if t.name in ("string", "varchar", "char"):
        return _IDENT  # objects and arrays become their JSON text in DuckDB, numbers their digits
    if t.name in ("tinyint", "smallint", "int", "bigint"):
        return _to_int
    if t.name in ("float", "double", "decimal"):
        return _to_float
    if t.name == "boolean":
        return _to_bool
    return _to_text


def _number(parse, accepted: tuple):
    """A JSON number (or numeric text) for an integer or floating-point column; else NULL."""

    def convert(v):
        if isinstance(v, bool):
            return None
        if isinstance(v, accepted):
            return v
        try:
            return parse(str(v).strip())
        except ValueError:
            return None

    return convert


_to_int = _number(int, (int,))
_to_float = _number(float, (int, float))


def _to_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


def _to_text(v):
    return v if isinstance(v, str) else None


def decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def json_records(table: Table, data: bytes, uri: str) -> list:
    text = decompress(data).decode("utf-8", errors="replace")
    if table.fmt == "cloudtrail":
        if not text.strip():
            return []
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise errors.QueryFailed(f"HIVE_CURSOR_ERROR: Failed to read CloudTrail file {uri}: {e}") from None
        records = doc.get("Records") if isinstance(doc, dict) else None
        return records if isinstance(records, list) else []
    records = []
    ignore_bad = table.serde_properties.get("ignore.malformed.json", "").lower() == "true"
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as e:
            if ignore_bad:
                continue
            raise errors.QueryFailed(
                f"HIVE_CURSOR_ERROR: Row is not a valid JSON Object - JSONException: {e} (file {uri}, line {n})"
            ) from None
    return records


def skip_object(table: Table, key: str) -> bool:
    base = key.rsplit("/", 1)[-1]
    if not base or base.startswith("_") or base.startswith("."):
        return True  # Hive ignores hidden files and "folder" markers
    if table.fmt == "cloudtrail" and ("/CloudTrail-Digest/" in key or "/CloudTrail-Insight/" in key):
        return True
    return False


class Loader:
    """Loads a batch of objects into a table's DuckDB storage."""

    def __init__(self, con, table: Table, storage: str):
        self.con = con
        self.table = table
        self.storage = storage

    def load(self, objects: list[tuple], read) -> None:
        """objects: (ObjectInfo, partition values); read(ObjectInfo) -> bytes."""
        if not objects:
            return
        if self.table.fmt in ("json", "cloudtrail"):
            self._load_json(objects, read)
        else:
            for obj, values in objects:
                self._load_file(obj, values, read(obj))

    def _columns_spec(self) -> str:
        cols = [(n, t.duckdb()) for n, t in self.table.columns]
        cols += [(n, t.duckdb()) for n, t in self.table.partition_keys]
        cols.append(("$path", "VARCHAR"))
        return "{" + ", ".join(f"'{n}': '{t.replace(chr(39), chr(39) * 2)}'" for n, t in cols) + "}"

    def _load_json(self, objects, read) -> None:
        row = converter(HType("struct", fields=tuple(self.table.columns)))
        pkeys = [n for n, _ in self.table.partition_keys]
        fd, path = tempfile.mkstemp(suffix=".json", prefix="awslab-athena-")
        count = 0
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for obj, values in objects:
                    data = read(obj)
                    if data is None:
                        continue
                    extra = dict(zip(pkeys, values))
                    extra["$path"] = obj.uri
                    for record in json_records(self.table, data, obj.uri):
                        shaped = row(record)
                        if shaped is None:
                            continue
                        shaped.update(extra)
                        out.write(_encode(shaped))
                        out.write("\n")
                        count += 1
            if count:
                self.con.execute(
                    f"INSERT INTO {self.storage} BY NAME SELECT * FROM read_json(?, columns={self._columns_spec()}, "
                    "format='newline_delimited', maximum_object_size=134217728)",
                    [path],
                )
        finally:
            os.unlink(path)

    def _load_file(self, obj, values, data: bytes | None) -> None:
        if data is None:
            return
        table = self.table
        suffix = ".parquet" if table.fmt == "parquet" else ".csv"
        fd, path = tempfile.mkstemp(suffix=suffix, prefix="awslab-athena-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data if table.fmt == "parquet" else decompress(data))
            select = []
            if table.fmt == "parquet":
                present = {r[0].lower() for r in self.con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()}
                for name, t in table.columns:
                    src = f'TRY_CAST("{name}" AS {t.duckdb()})' if name in present else f"CAST(NULL AS {t.duckdb()})"
                    select.append(f'{src} AS "{name}"')
                source = "read_parquet(?)"
            else:
                names = [n for n, _ in table.columns]
                cols = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
                skip = int(table.properties.get("skip.header.line.count", "0") or 0)
                if table.fmt == "opencsv":
                    sep = table.serde_properties.get("separatorChar", ",")
                    quote = table.serde_properties.get("quoteChar", '"')
                    escape = table.serde_properties.get("escapeChar", "\\")
                else:
                    sep, quote, escape = table.delimiter, "", ""
                sep_sql = sep.replace("'", "''")
                source = (
                    f"read_csv(?, columns={cols}, delim='{sep_sql}', quote='{quote.replace(chr(39), chr(39) * 2)}', "
                    f"escape='{escape.replace(chr(39), chr(39) * 2)}', header=false, skip={skip}, null_padding=true, "
                    "ignore_errors=true, auto_detect=false, strict_mode=false)"
                )
                for name, t in table.columns:
                    if t.duckdb() == "VARCHAR":
                        select.append(f'"{name}"')
                    else:
                        select.append(f'TRY_CAST(NULLIF(TRIM("{name}"), \'\') AS {t.duckdb()}) AS "{name}"')
            for (name, t), value in zip(table.partition_keys, values):
                select.append(f"TRY_CAST(? AS {t.duckdb()}) AS \"{name}\"")
            select.append('? AS "$path"')
            # placeholders bind in text order: the select list's values, then the file in FROM
            sql = f"INSERT INTO {self.storage} BY NAME SELECT {', '.join(select)} FROM {source}"
            params = [*values, obj.uri, path]
            self.con.execute(sql, params)
        except errors.QueryFailed:
            raise
        except Exception as e:  # a file DuckDB cannot read is a data error, as HIVE_BAD_DATA on Athena
            raise errors.QueryFailed(f"HIVE_BAD_DATA: Error reading {obj.uri}: {str(e).splitlines()[0]}", 1001) from None
        finally:
            os.unlink(path)
