"""Column types of Athena tables (Hive DDL types) and how they map to DuckDB and to Trino.

A table's DDL gives Hive types (`string`, `struct<a:string>`, `array<bigint>` ...). DuckDB stores
the data (`VARCHAR`, `STRUCT(a VARCHAR)`, `BIGINT[]`); query results report Trino's names
(`varchar`, `row(a varchar)`, `array(bigint)`), as Athena engine v3 does ("Data types in Amazon
Athena", Athena User Guide).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

DType = exp.DataType.Type

# Hive scalar name -> (DuckDB type, Trino type)
_SCALARS = {
    "string": ("VARCHAR", "varchar"),
    "varchar": ("VARCHAR", "varchar"),
    "char": ("VARCHAR", "char"),
    "boolean": ("BOOLEAN", "boolean"),
    "tinyint": ("TINYINT", "tinyint"),
    "smallint": ("SMALLINT", "smallint"),
    "int": ("INTEGER", "integer"),
    "bigint": ("BIGINT", "bigint"),
    "float": ("FLOAT", "real"),
    "double": ("DOUBLE", "double"),
    "date": ("DATE", "date"),
    "timestamp": ("TIMESTAMP", "timestamp"),
    "binary": ("BLOB", "varbinary"),
    "decimal": ("DECIMAL", "decimal"),
}

_FROM_SQLGLOT = {
    DType.TEXT: "string",
    DType.VARCHAR: "varchar",
    DType.CHAR: "char",
    DType.BOOLEAN: "boolean",
    DType.TINYINT: "tinyint",
    DType.SMALLINT: "smallint",
    DType.INT: "int",
    DType.BIGINT: "bigint",
    DType.FLOAT: "float",
    DType.DOUBLE: "double",
    DType.DATE: "date",
    DType.TIMESTAMP: "timestamp",
    DType.BINARY: "binary",
    DType.VARBINARY: "binary",
    DType.DECIMAL: "decimal",
}


class TypeError_(ValueError):
    """A DDL type Athena's Hive DDL does not accept."""


@dataclass(frozen=True)
class HType:
    kind: str  # scalar | struct | array | map
    name: str = ""  # scalar: hive name without parameters
    params: tuple = ()  # scalar parameters: decimal(p, s), varchar(n)
    fields: tuple = ()  # struct: ((name, HType), ...), names lower case as Hive keeps them
    args: tuple = ()  # array: (element,); map: (key, value)

    def hive(self) -> str:
        if self.kind == "struct":
            return "struct<" + ",".join(f"{n}:{t.hive()}" for n, t in self.fields) + ">"
        if self.kind == "array":
            return f"array<{self.args[0].hive()}>"
        if self.kind == "map":
            return f"map<{self.args[0].hive()},{self.args[1].hive()}>"
        return self.name + (f"({','.join(map(str, self.params))})" if self.params else "")

    def duckdb(self) -> str:
        if self.kind == "struct":
            return "STRUCT(" + ", ".join(f'"{n}" {t.duckdb()}' for n, t in self.fields) + ")"
        if self.kind == "array":
            return f"{self.args[0].duckdb()}[]"
        if self.kind == "map":
            return f"MAP({self.args[0].duckdb()}, {self.args[1].duckdb()})"
        base = _SCALARS[self.name][0]
        if self.name == "decimal":
            return f"DECIMAL({','.join(map(str, self.params or (10, 0)))})"
        return base

    def trino(self) -> str:
        if self.kind == "struct":
            return "row(" + ", ".join(f"{n} {t.trino()}" for n, t in self.fields) + ")"
        if self.kind == "array":
            return f"array({self.args[0].trino()})"
        if self.kind == "map":
            return f"map({self.args[0].trino()}, {self.args[1].trino()})"
        return _SCALARS[self.name][1] + (f"({','.join(map(str, self.params))})" if self.params else "")


STRING = HType("scalar", "string")


def from_sqlglot(dt: exp.Expression) -> HType:
    if isinstance(dt, exp.ColumnDef):
        dt = dt.args["kind"]
    if not isinstance(dt, exp.DataType):
        raise TypeError_(f"unsupported type {dt.sql(dialect='hive')}")
    kind = dt.this
    if kind == DType.STRUCT:
        fields = []
        for f in dt.expressions:
            if isinstance(f, exp.ColumnDef):
                fields.append((f.name.lower(), from_sqlglot(f.args["kind"])))
            elif isinstance(f, exp.DataType) and f.args.get("name") is not None:
                fields.append((f.args["name"].name.lower(), from_sqlglot(f)))
            else:
                raise TypeError_(f"unsupported struct field {f.sql(dialect='hive')}")
        return HType("struct", fields=tuple(fields))
    if kind == DType.ARRAY:
        return HType("array", args=(from_sqlglot(dt.expressions[0]),))
    if kind == DType.MAP:
        return HType("map", args=(from_sqlglot(dt.expressions[0]), from_sqlglot(dt.expressions[1])))
    name = _FROM_SQLGLOT.get(kind)
    if name is None:
        raise TypeError_(f"Unknown type '{dt.sql(dialect='hive').lower()}'")
    params = tuple(int(p.name) for p in dt.expressions if isinstance(p, exp.DataTypeParam))
    return HType("scalar", name, params=params)


# Trino names of DuckDB result types (for ColumnInfo.Type of query results)
_DUCK_TO_TRINO = {
    "VARCHAR": "varchar",
    "BOOLEAN": "boolean",
    "TINYINT": "tinyint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "bigint",
    "FLOAT": "real",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIME": "time",
    "INTERVAL": "interval day to second",
    "BLOB": "varbinary",
    "JSON": "json",
    "UUID": "uuid",
    '"NULL"': "unknown",
    "NULL": "unknown",
}


def trino_of_duckdb(t) -> str:
    """Trino type name of a DuckDB result type (duckdb.typing.DuckDBPyType)."""
    tid = t.id
    children = dict(t.children) if tid in ("list", "array", "map") else {}
    if tid in ("list", "array"):
        return f"array({trino_of_duckdb(children['child'])})"
    if tid == "struct":
        return "row(" + ", ".join(f"{n} {trino_of_duckdb(c)}" for n, c in t.children) + ")"
    if tid == "map":
        return f"map({trino_of_duckdb(children['key'])}, {trino_of_duckdb(children['value'])})"
    if tid == "decimal":
        return "decimal"
    return _DUCK_TO_TRINO.get(str(t), str(t).lower())
