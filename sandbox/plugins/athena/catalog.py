"""The data catalog of one account and region: databases, tables (from Hive DDL), partitions.

What a table definition means follows the Athena User Guide: "CREATE TABLE", "Supported SerDes and
data formats" (JSON: org.openx.data.jsonserde.JsonSerDe, org.apache.hive.hcatalog.data.JsonSerDe;
CloudTrail: com.amazon.emr.hive.serde.CloudTrailSerde / CloudTrailInputFormat; CSV:
LazySimpleSerDe, OpenCSVSerDe; Parquet), "Partitioning data" (ALTER TABLE ADD PARTITION, MSCK
REPAIR TABLE over Hive-style key=value folders) and "Partition projection" (enum, integer, date
and injected types, storage.location.template).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field

from sqlglot import exp

from . import errors
from .hivetypes import HType, TypeError_, from_sqlglot

DEFAULT_DATABASE = "default"


@dataclass
class Database:
    name: str
    description: str = ""
    location: str = ""
    parameters: dict = field(default_factory=dict)


@dataclass
class Table:
    database: str
    name: str
    columns: list[tuple[str, HType]]
    partition_keys: list[tuple[str, HType]] = field(default_factory=list)
    location: str = ""
    serde: str = ""
    input_format: str = ""
    output_format: str = ""
    serde_properties: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    comment: str = ""
    table_type: str = "EXTERNAL_TABLE"
    view_sql: str = ""  # VIRTUAL_VIEW: the Trino SQL of the view
    fmt: str = ""  # json | cloudtrail | csv | opencsv | parquet
    delimiter: str = "\x01"
    # registered partitions: values tuple -> location
    partitions: dict[tuple, str] = field(default_factory=dict)
    created: float = field(default_factory=time.time)

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"

    def all_columns(self) -> list[tuple[str, HType]]:
        return self.columns + self.partition_keys

    def projection_enabled(self) -> bool:
        return self.properties.get("projection.enabled", "").lower() == "true"


def _literal(node) -> str:
    return node.name if node is not None else ""


def classify_format(serde: str, input_format: str, stored_as: str, delimited: bool) -> str:
    s = serde.lower()
    i = input_format.lower()
    if "cloudtrail" in s or "cloudtrailinputformat" in i:
        return "cloudtrail"
    if "jsonserde" in s:
        return "json"
    if "opencsvserde" in s:
        return "opencsv"
    if "parquet" in s or "parquet" in i or stored_as == "PARQUET":
        return "parquet"
    if "lazysimpleserde" in s or delimited or stored_as == "TEXTFILE" or (not s and not i and not stored_as):
        return "csv"
    return ""


def table_from_create(create: exp.Create, database: str) -> tuple[Table, bool]:
    """The Table a CREATE EXTERNAL TABLE defines, and whether IF NOT EXISTS was given."""
    schema = create.this
    target = schema.this if isinstance(schema, exp.Schema) else schema
    db = (target.db or database).lower()
    name = target.name.lower()
    try:
        columns = [(c.name.lower(), from_sqlglot(c)) for c in schema.expressions if isinstance(c, exp.ColumnDef)]
    except TypeError_ as e:
        raise errors.hive_semantic(str(e), 10099) from None
    table = Table(database=db, name=name, columns=columns)
    stored_as = ""
    delimited = False
    for prop in (create.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.LocationProperty):
            table.location = _literal(prop.this)
        elif isinstance(prop, exp.SchemaCommentProperty):
            table.comment = _literal(prop.this)
        elif isinstance(prop, exp.PartitionedByProperty):
            keys = prop.this.expressions if isinstance(prop.this, exp.Schema) else [prop.this]
            table.partition_keys = [(k.name.lower(), from_sqlglot(k)) for k in keys]
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            table.serde = _literal(prop.this)
            serde_props = prop.args.get("serde_properties")
            if serde_props is not None:
                for p in serde_props.expressions:
                    table.serde_properties[_literal(p.this)] = _literal(p.args.get("value"))
        elif isinstance(prop, exp.RowFormatDelimitedProperty):
            delimited = True
            if prop.args.get("fields") is not None:
                table.delimiter = _literal(prop.args["fields"])
        elif isinstance(prop, exp.FileFormatProperty):
            if isinstance(prop.this, exp.InputOutputFormat):
                table.input_format = _literal(prop.this.args.get("input_format"))
                table.output_format = _literal(prop.this.args.get("output_format"))
            else:
                stored_as = prop.this.name.upper()
        elif type(prop) is exp.Property:  # TBLPROPERTIES ('k'='v'); subclasses are clauses
            table.properties[_literal(prop.this)] = _literal(prop.args.get("value"))
    if delimited and not table.serde:
        table.serde = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    if stored_as == "PARQUET":
        table.serde = table.serde or "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
        table.input_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
        table.output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    table.fmt = classify_format(table.serde, table.input_format, stored_as, delimited)
    if not table.fmt:
        raise errors.hive_ddl(f"MetaException(message:SerDe {table.serde or stored_as} is not supported here)")
    if table.fmt == "csv" and "field.delim" in table.serde_properties:
        table.delimiter = table.serde_properties["field.delim"]
    if not table.serde:
        table.serde = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    if not table.input_format:
        table.input_format = "org.apache.hadoop.mapred.TextInputFormat"
        table.output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    if not table.location:
        raise errors.QueryFailed(
            "FAILED: SemanticException [Error 10000]: Table location is required for external tables in Athena",
            errors.DDL_FAILED,
        )
    if not table.location.startswith("s3://"):
        raise errors.hive_ddl(f"MetaException(message:Invalid location {table.location}: must be an s3:// URI)")
    return table, bool(create.args.get("exists"))


def split_s3(uri: str) -> tuple[str, str]:
    rest = uri[len("s3://"):] if uri.startswith("s3://") else uri
    bucket, _, prefix = rest.partition("/")
    return bucket, prefix


# ---- partitions -------------------------------------------------------------------------------

_PARTITION_SPEC = re.compile(r"PARTITION\s*\((?P<spec>[^)]*)\)(?:\s*LOCATION\s*'(?P<loc>[^']*)')?", re.I)
_KV = re.compile(r"\s*`?(\w+)`?\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|([\w.-]+))\s*")


def parse_partition_specs(text: str) -> list[tuple[dict, str | None]]:
    """`PARTITION (k='v', ...) [LOCATION 's3://...']` clauses of ALTER TABLE ADD/DROP PARTITION."""
    specs = []
    for m in _PARTITION_SPEC.finditer(text):
        values = {}
        for part in m.group("spec").split(","):
            kv = _KV.fullmatch(part)
            if not kv:
                raise errors.SyntaxFailure(f"line 1:1: mismatched input '{part.strip()}' in partition spec")
            values[kv.group(1).lower()] = next(v for v in kv.groups()[1:] if v is not None)
        specs.append((values, m.group("loc")))
    return specs


def partition_values(table: Table, spec: dict) -> tuple:
    keys = [k for k, _ in table.partition_keys]
    if set(spec) != set(keys):
        raise errors.hive_semantic(
            f"Partition spec {spec} contains non-partition columns or misses some", 10098
        )
    return tuple(spec[k] for k in keys)


def hive_partition_path(table: Table, values: tuple) -> str:
    return "/".join(f"{k}={v}" for (k, _), v in zip(table.partition_keys, values))


class Projection:
    """Partition projection: which keys under the table's location belong to which partition.

    Instead of enumerating every projected partition (a date range over years is thousands),
    the objects under the template's fixed prefix are listed once and each key is matched against
    the template; values outside the projection's range are left out, as Athena would not read them.
    """

    def __init__(self, table: Table):
        props = table.properties
        self.keys = [k for k, _ in table.partition_keys]
        template = props.get("storage.location.template")
        if not template:
            base = table.location if table.location.endswith("/") else table.location + "/"
            template = base + "/".join(f"{k}=${{{k}}}" for k in self.keys)
        self.template = template
        self.root = template.split("${", 1)[0]
        pattern = ""
        pos = 0
        for m in re.finditer(r"\$\{(\w+)\}", template):
            pattern += re.escape(template[pos:m.start()])
            key = m.group(1)
            if self._kind(props, key) == "date":  # a date value may hold slashes: yyyy/MM/dd
                value = _date_regex(props.get(f"projection.{key}.format", "yyyy-MM-dd"))
            else:
                value = "[^/]+"
            pattern += f"(?P<{key.lower()}>{value})"
            pos = m.end()
        pattern += re.escape(template[pos:])
        self.regex = re.compile(pattern + r"(?:/|$)")
        self.props = props

    @staticmethod
    def _kind(props: dict, key: str) -> str:
        return props.get(f"projection.{key}.type", props.get(f"projection.{key.lower()}.type", "")).lower()

    def match(self, uri: str) -> tuple | None:
        m = self.regex.match(uri)
        if not m:
            return None
        values = []
        for key in self.keys:
            value = m.groupdict().get(key)
            if value is None or not self._admits(key, value):
                return None
            values.append(value)
        return tuple(values)

    def _admits(self, key: str, value: str) -> bool:
        props = self.props
        kind = self._kind(props, key)
        if kind == "enum":
            return value in [v.strip() for v in props.get(f"projection.{key}.values", "").split(",")]
        if kind == "integer":
            lo, _, hi = props.get(f"projection.{key}.range", "").partition(",")
            try:
                return int(lo) <= int(value) <= int(hi)
            except ValueError:
                return False
        if kind == "date":
            fmt = props.get(f"projection.{key}.format", "yyyy-MM-dd")
            try:
                when = dt.datetime.strptime(value, java_date_format(fmt))
            except ValueError:
                return False
            lo, _, hi = props.get(f"projection.{key}.range", "").partition(",")
            low, high = _date_bound(lo, fmt), _date_bound(hi, fmt)
            return (low is None or when >= low) and (high is None or when <= high)
        return True  # injected: any value the query gives; all found values are kept


def _date_regex(fmt: str) -> str:
    out, i = "", 0
    while i < len(fmt):
        for java, rx in (("yyyy", r"\d{4}"), ("MM", r"\d{2}"), ("dd", r"\d{2}"), ("HH", r"\d{2}"), ("mm", r"\d{2}"), ("ss", r"\d{2}")):
            if fmt.startswith(java, i):
                out += rx
                i += len(java)
                break
        else:
            out += re.escape(fmt[i])
            i += 1
    return out


def java_date_format(fmt: str) -> str:
    """Java DateTimeFormatter pattern (used by partition projection) -> strptime pattern."""
    out = fmt
    for java, py in (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")):
        out = out.replace(java, py)
    return out


_RELATIVE = re.compile(r"NOW\s*(?:([+-])\s*(\d+)\s*(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?))?", re.I)


def _date_bound(text: str, fmt: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    m = _RELATIVE.fullmatch(text)
    if m:
        now = dt.datetime.utcnow()
        if not m.group(1):
            return now
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = m.group(3).upper().rstrip("S")
        days = {"YEAR": 366, "MONTH": 31, "WEEK": 7, "DAY": 1}.get(unit)
        return now + (dt.timedelta(days=n * days) if days else dt.timedelta(hours=n) if unit == "HOUR" else dt.timedelta(minutes=n))
    try:
        return dt.datetime.strptime(text, java_date_format(fmt))
    except ValueError:
        return None
