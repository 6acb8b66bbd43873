"""The SQL engine of one account and region: an in-memory DuckDB holding the catalog's tables.

Statements arrive in Athena's dialect (Trino for queries, Hive for DDL). sqlglot parses them
(dialect `athena`); DDL changes the catalog here; queries are checked against the catalog (schema,
table, column names, reported with line:column as Athena does), translated to DuckDB and run.
Each table's S3 objects are loaded once and kept keyed by their ETag: before a query the table's
objects are listed, new or changed ones are loaded, deleted ones dropped (see ingest.py).

Storage: table data lives in `_awslab.t<N>` (the table's columns, its partition columns and
`$path`, Athena's pseudo-column with the object's S3 URI); the database schema holds a view of the
same name as the table without `$path`, so `SELECT *` shows what Athena shows.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from . import catalog, errors, functions, results, s3io
from .catalog import DEFAULT_DATABASE, Database, Projection, Table
from .hivetypes import STRING, trino_of_duckdb
from .ingest import Loader, skip_object

DATA_SCHEMA = "_awslab"

# sqlglot logs a warning for every statement it keeps as a Command (SHOW, MSCK ...): expected here
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass
class Result:
    statement_type: str  # DDL | DML | UTILITY
    names: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    header: bool = True
    scanned_bytes: int = 0
    substatement: str = ""

    def column_infos(self) -> list[dict]:
        return [results.column_info(n, t) for n, t in zip(self.names, self.types)]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parse(sql: str) -> exp.Expression:
    """The one statement in sql, or SyntaxFailure with Athena's `line L:C: ...` text."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
    except ParseError as e:
        err = e.errors[0] if e.errors else {}
        token = err.get("highlight") or ""
        line = err.get("line") or 1
        col = max(1, (err.get("col") or 1) - len(token) + 1)
        raise errors.SyntaxFailure(f"line {line}:{col}: mismatched input '{token}'") from None
    except TokenError as e:
        m = re.search(r"(\d+):(\d+)", str(e))
        where = f"line {m.group(1)}:{m.group(2)}" if m else "line 1:1"
        raise errors.SyntaxFailure(f"{where}: {str(e).splitlines()[0]}") from None
    if not statements:
        raise errors.SyntaxFailure("line 1:1: mismatched input '<EOF>'. Expecting: <query>")
    if len(statements) > 1:
        raise errors.SyntaxFailure("Only one sql statement is allowed. Got: " + sql.strip())
    return statements[0]


def statement_type(stmt: exp.Expression) -> str:
    if isinstance(stmt, (exp.Query, exp.Insert)):
        return "DML"
    if isinstance(stmt, exp.Create) and stmt.expression is not None and stmt.kind == "TABLE":
        return "DML"  # CTAS
    if isinstance(stmt, exp.Command) and stmt.this.upper() in ("EXPLAIN",):
        return "UTILITY"
    return "DDL"


def _position(node: exp.Expression) -> tuple[int, int]:
    """line and column (1-based) where node starts: a qualified table name at its first part."""
    ident = node.this if isinstance(node.this, exp.Identifier) else node
    if isinstance(node, exp.Table):
        ident = next((p for p in (node.args.get("catalog"), node.args.get("db")) if isinstance(p, exp.Identifier)), ident)
    meta = getattr(ident, "meta", None) or {}
    if "line" in meta:
        return meta["line"], max(1, meta["col"] - (meta["end"] - meta["start"]))
    return 1, 1


class Engine:
    def __init__(self, account: str, region: str):
        self.account = account
        self.region = region
        self.lock = threading.RLock()
        self.con = duckdb.connect(":memory:", config={"threads": 2})
        self.con.execute("SET TimeZone='UTC'")
        self.con.execute(f"CREATE SCHEMA {DATA_SCHEMA}")
        functions.install(self.con)
        self.databases: dict[str, Database] = {}
        self.tables: dict[tuple[str, str], Table] = {}
        self.storage: dict[tuple[str, str], str] = {}
        # per table: uri -> (etag, partition values, size) of loaded objects
        self.loaded: dict[tuple[str, str], dict[str, tuple]] = {}
        self._counter = 0
        self._create_database(Database(DEFAULT_DATABASE))

    def close(self) -> None:
        with self.lock:
            self.con.close()

    def interrupt(self) -> None:
        self.con.interrupt()

    # ---- catalog ----------------------------------------------------------------------------

    def _create_database(self, db: Database) -> None:
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(db.name)}")
        self.databases[db.name] = db

    def table(self, database: str, name: str) -> Table | None:
        return self.tables.get((database.lower(), name.lower()))

    def list_tables(self, database: str) -> list[Table]:
        return sorted((t for (d, _), t in self.tables.items() if d == database.lower()), key=lambda t: t.name)

    # ---- statements -------------------------------------------------------------------------

    def execute(self, sql: str, database: str, stmt: exp.Expression | None = None) -> Result:
        stmt = stmt if stmt is not None else parse(sql)
        database = (database or DEFAULT_DATABASE).lower()
        with self.lock:
            if isinstance(stmt, exp.Command):
                return self._command(stmt, database)
            if isinstance(stmt, exp.Create):
                return self._create(stmt, database, sql)
            if isinstance(stmt, exp.Drop):
                return self._drop(stmt, database)
            if isinstance(stmt, exp.Alter):
                return self._alter_parsed(stmt, database, sql)
            if isinstance(stmt, exp.Describe):
                return self._describe(stmt.this, database)
            if isinstance(stmt, exp.Query):
                return self._query(stmt, database)
            if isinstance(stmt, exp.Insert):
                raise errors.trino("NOT_SUPPORTED", "INSERT INTO is not supported by awslab's Athena")
            raise errors.trino("NOT_SUPPORTED", f"Statement {type(stmt).__name__} is not supported by awslab's Athena")

    # DDL -------------------------------------------------------------------------------------

    def _create(self, stmt: exp.Create, database: str, sql: str) -> Result:
        kind = (stmt.kind or "").upper()
        if kind in ("DATABASE", "SCHEMA"):
            target = stmt.this
            name = (target.db or target.name).lower()
            if name in self.databases:
                if stmt.args.get("exists"):
                    return Result("DDL", header=False, substatement="CREATE_DATABASE")
                raise errors.hive_ddl(f"AlreadyExistsException(message:Database {name} already exists)")
            db = Database(name)
            for prop in (stmt.args.get("properties") or exp.Properties(expressions=[])).expressions:
                if isinstance(prop, exp.SchemaCommentProperty):
                    db.description = prop.this.name
                elif isinstance(prop, exp.LocationProperty):
                    db.location = prop.this.name
            self._create_database(db)
            return Result("DDL", header=False, substatement="CREATE_DATABASE")
        if kind == "VIEW":
            return self._create_view(stmt, database, sql)
        if kind == "TABLE":
            if stmt.expression is not None:
                raise errors.trino("NOT_SUPPORTED", "CREATE TABLE AS SELECT is not supported by awslab's Athena")
            table, if_not_exists = catalog.table_from_create(stmt, database)
            if table.database not in self.databases:
                raise errors.hive_semantic(f"Namespace {table.database} not found", 10072)
            key = (table.database, table.name)
            if key in self.tables:
                if if_not_exists:
                    return Result("DDL", header=False, substatement="CREATE_TABLE")
                raise errors.hive_ddl(f"AlreadyExistsException(message:Table {table.name} already exists)")
            self._create_storage(table)
            return Result("DDL", header=False, substatement="CREATE_TABLE")
        raise errors.trino("NOT_SUPPORTED", f"CREATE {kind} is not supported by awslab's Athena")

    def _create_storage(self, table: Table) -> None:
        self._counter += 1
        storage = f"{DATA_SCHEMA}.t{self._counter}"
        cols = [f"{q(n)} {t.duckdb()}" for n, t in table.all_columns()] + ['"$path" VARCHAR']
        self.con.execute(f"CREATE TABLE {storage} ({', '.join(cols)})")
        visible = ", ".join(q(n) for n, _ in table.all_columns())
        self.con.execute(f"CREATE OR REPLACE VIEW {q(table.database)}.{q(table.name)} AS SELECT {visible} FROM {storage}")
        key = (table.database, table.name)
        self.tables[key] = table
        self.storage[key] = storage
        self.loaded[key] = {}

    def _create_view(self, stmt: exp.Create, database: str, sql: str) -> Result:
        target = stmt.this
        db = (target.db or database).lower()
        name = target.name.lower()
        if db not in self.databases:
            raise errors.trino("SCHEMA_NOT_FOUND", f"Schema '{db}' does not exist", *_position(target))
        key = (db, name)
        existing = self.tables.get(key)
        if existing is not None and not stmt.args.get("replace"):
            raise errors.trino("TABLE_ALREADY_EXISTS", f"View 'awsdatacatalog.{db}.{name}' already exists", *_position(target))
        if existing is not None and existing.table_type != "VIRTUAL_VIEW":
            raise errors.trino("TABLE_ALREADY_EXISTS", f"Table 'awsdatacatalog.{db}.{name}' already exists", *_position(target))
        body = stmt.expression
        duck_sql, _, _ = self._prepare_query(body.copy(), database)
        try:
            self.con.execute(f"CREATE OR REPLACE VIEW {q(db)}.{q(name)} AS {duck_sql}")
            described = self.con.sql(f"SELECT * FROM {q(db)}.{q(name)}")
        except duckdb.Error as e:
            raise self._map_error(e, body) from None
        view = Table(db, name, [(c, STRING) for c in described.columns], table_type="VIRTUAL_VIEW",
                     view_sql=body.sql(dialect="athena"), fmt="view")
        self.tables[key] = view
        self.storage.pop(key, None)
        return Result("DDL", header=False, substatement="CREATE_VIEW")

    def _drop(self, stmt: exp.Drop, database: str) -> Result:
        kind = (stmt.kind or "").upper()
        target = stmt.this if stmt.this is not None else (stmt.args.get("tables") or [None])[0]
        if kind in ("DATABASE", "SCHEMA"):
            name = (target.db or target.name).lower()
            if name not in self.databases:
                if stmt.args.get("exists"):
                    return Result("DDL", header=False, substatement="DROP_DATABASE")
                raise errors.hive_semantic(f"Database does not exist: {name}", 10072)
            if name == DEFAULT_DATABASE:
                raise errors.hive_ddl("InvalidOperationException(message:Can not drop default database)")
            tables = self.list_tables(name)
            if tables and not stmt.args.get("cascade"):
                raise errors.hive_ddl(
                    f"InvalidOperationException(message:Database {name} is not empty. One or more tables exist.)"
                )
            for t in tables:
                self._drop_table(t)
            self.con.execute(f"DROP SCHEMA {q(name)} CASCADE")
            del self.databases[name]
            return Result("DDL", header=False, substatement="DROP_DATABASE")
        db = (target.db or database).lower()
        found = self.table(db, target.name)
        if found is None or (kind == "VIEW") != (found.table_type == "VIRTUAL_VIEW"):
            if stmt.args.get("exists"):
                return Result("DDL", header=False, substatement=f"DROP_{kind}")
            if kind == "VIEW":
                raise errors.trino("TABLE_NOT_FOUND", f"View 'awsdatacatalog.{db}.{target.name.lower()}' does not exist", *_position(target))
            raise errors.hive_semantic(f"Table not found {db}.{target.name.lower()}")
        self._drop_table(found)
        return Result("DDL", header=False, substatement=f"DROP_{kind}")

    def _drop_table(self, table: Table) -> None:
        key = (table.database, table.name)
        self.con.execute(f"DROP VIEW IF EXISTS {q(table.database)}.{q(table.name)}")
        storage = self.storage.pop(key, None)
        if storage:
            self.con.execute(f"DROP TABLE IF EXISTS {storage}")
        self.tables.pop(key, None)
        self.loaded.pop(key, None)

    def _require_table(self, target: exp.Table, database: str) -> Table:
        db = (target.db or database).lower()
        found = self.table(db, target.name)
        if found is None:
            raise errors.hive_semantic(f"Table not found {db}.{target.name.lower()}")
        return found

    def _alter_parsed(self, stmt: exp.Alter, database: str, sql: str) -> Result:
        return self._alter(sql, database)

    _ALTER = re.compile(
        r"^\s*ALTER\s+TABLE\s+(?P<name>[`\"\w.]+)\s+(?P<action>ADD|DROP)\s+(?P<ifx>IF\s+(?:NOT\s+)?EXISTS\s+)?(?P<rest>PARTITION.*)$",
        re.I | re.S,
    )

    def _alter(self, sql: str, database: str) -> Result:
        m = self._ALTER.match(sql.strip().rstrip(";"))
        if not m:
            raise errors.trino("NOT_SUPPORTED", "Only ALTER TABLE ADD/DROP PARTITION is supported by awslab's Athena")
        parts = m.group("name").replace("`", "").replace('"', "").split(".")
        target = exp.Table(this=exp.to_identifier(parts[-1]), db=exp.to_identifier(parts[0]) if len(parts) > 1 else None)
        table = self._require_table(target, database)
        if not table.partition_keys:
            raise errors.hive_semantic(f"table is not partitioned but partition spec exists: {{{m.group('rest')}}}", 10241)
        specs = catalog.parse_partition_specs(m.group("rest"))
        if not specs:
            raise errors.SyntaxFailure("line 1:1: mismatched input 'PARTITION'. Expecting: '('")
        if m.group("action").upper() == "ADD":
            new = {}
            for spec, location in specs:
                values = catalog.partition_values(table, spec)
                if values in table.partitions and not m.group("ifx"):
                    raise errors.hive_ddl(
                        f"AlreadyExistsException(message:Partition already exists: {catalog.hive_partition_path(table, values)})"
                    )
                base = table.location if table.location.endswith("/") else table.location + "/"
                new[values] = location or base + catalog.hive_partition_path(table, values) + "/"
            for values, location in new.items():
                table.partitions.setdefault(values, location)
            return Result("DDL", header=False, substatement="ALTER_TABLE_ADD_PARTITION")
        for spec, _ in specs:
            values = catalog.partition_values(table, spec)
            if values not in table.partitions and not m.group("ifx"):
                raise errors.hive_semantic(f"Partition not found {catalog.hive_partition_path(table, values)}", 10006)
            table.partitions.pop(values, None)
        return Result("DDL", header=False, substatement="ALTER_TABLE_DROP_PARTITION")

    def _command(self, stmt: exp.Command, database: str) -> Result:
        verb = stmt.this.upper()
        text = stmt.expression.name if stmt.expression is not None else ""
        if verb == "SHOW":
            return self._show(text, database)
        if verb == "MSCK REPAIR" or verb == "MSCK":
            m = re.match(r"^\s*(?:REPAIR\s+)?TABLE\s+([`\"\w.]+)\s*;?\s*$", text, re.I)
            if not m:
                raise errors.SyntaxFailure(f"line 1:1: mismatched input '{text.split()[0] if text.split() else '<EOF>'}'")
            return self._msck(self._table_ref(m.group(1), database))
        if verb == "ALTER":
            return self._alter("ALTER " + text, database)
        if verb in ("DESCRIBE", "DESC"):
            return self._describe(self._table_ref(text.split()[-1], database), database)
        raise errors.SyntaxFailure(f"line 1:1: mismatched input '{stmt.this}'. Expecting: 'ALTER', 'CREATE', 'DESCRIBE', 'DROP', 'MSCK', 'SHOW', <query>")

    @staticmethod
    def _table_ref(text: str, database: str) -> exp.Table:
        parts = text.strip().rstrip(";").replace("`", "").replace('"', "").split(".")
        return exp.Table(this=exp.to_identifier(parts[-1]), db=exp.to_identifier(parts[-2]) if len(parts) > 1 else None)

    def _show(self, text: str, database: str) -> Result:
        words = text.split()
        head = " ".join(words[:2]).upper()
        pattern = re.search(r"'([^']*)'", text)
        like = re.compile("^" + "|".join(re.escape(p).replace(r"\*", ".*") for p in pattern.group(1).split("|")) + "$", re.I) if pattern else None
        if words and words[0].upper() in ("DATABASES", "SCHEMAS"):
            names = sorted(n for n in self.databases if like is None or like.match(n))
            return self._text_result("database_name", [[n] for n in names])
        if words and words[0].upper() in ("TABLES", "VIEWS"):
            m = re.match(r"^(?:TABLES|VIEWS)(?:\s+(?:IN|FROM)\s+([`\"\w]+))?", text.strip(), re.I)
            db = (m.group(1).strip("`\"") if m and m.group(1) else database).lower()
            if db not in self.databases:
                raise errors.hive_semantic(f"Database does not exist: {db}", 10072)
            views_only = words[0].upper() == "VIEWS"
            names = [t.name for t in self.list_tables(db)
                     if (like is None or like.match(t.name)) and (not views_only or t.table_type == "VIRTUAL_VIEW")]
            return self._text_result("tab_name" if not views_only else "views", [[n] for n in names])
        if words and words[0].upper() == "PARTITIONS":
            table = self._require_table(self._table_ref(words[1], database), database)
            rows = [[catalog.hive_partition_path(table, v)] for v in sorted(table.partitions)]
            return self._text_result("partition", rows)
        if words and words[0].upper() == "COLUMNS":
            table = self._require_table(self._table_ref(words[-1], database), database)
            return self._text_result("field", [[n] for n, _ in table.all_columns()])
        if head == "CREATE TABLE" or head == "CREATE VIEW":
            table = self._require_table(self._table_ref(words[2], database), database)
            return self._text_result("createtab_stmt", [[line] for line in show_create(table).splitlines()])
        raise errors.SyntaxFailure(f"line 1:6: mismatched input '{words[0] if words else '<EOF>'}'")

    @staticmethod
    def _text_result(name: str, rows: list[list], substatement: str = "") -> Result:
        return Result("DDL", [name], ["varchar"], rows, header=False, substatement=substatement)

    def _describe(self, target: exp.Table, database: str) -> Result:
        table = self._require_table(target, database)
        comment = "from deserializer" if table.fmt in ("json", "cloudtrail") else ""

        def line(a, b, c):
            return [f"{a:<20}\t{b:<20}\t{c:<20}"]

        rows = [line(n, t.hive(), comment) for n, t in table.columns]
        rows += [line(n, t.hive(), "") for n, t in table.partition_keys]
        if table.partition_keys:
            rows.append(["\t \t "])
            rows.append(["# Partition Information\t \t "])
            rows.append(line("# col_name", "data_type", "comment"))
            rows.append(["\t \t "])
            rows += [line(n, t.hive(), "") for n, t in table.partition_keys]
        return self._text_result("col_name", rows, "DESCRIBE")

    def _msck(self, target: exp.Table) -> Result:
        table = self._require_table(target, "")
        if not table.partition_keys:
            return self._text_result("result", [])
        bucket, prefix = catalog.split_s3(table.location)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        keys = [k for k, _ in table.partition_keys]
        pattern = re.compile(re.escape(prefix) + "/".join(f"{re.escape(k)}=([^/]+)" for k in keys) + "/", re.I)
        found = {}
        for obj in s3io.list_objects(bucket, prefix) or []:
            m = pattern.match(obj.key)
            if m:
                found.setdefault(tuple(m.groups()), f"s3://{bucket}/{m.group(0)}")
        missing = [v for v in sorted(found) if v not in table.partitions]
        rows = []
        if missing:
            rows.append(["Partitions not in metastore:\t" + "\t".join(f"{table.name}:{catalog.hive_partition_path(table, v)}" for v in missing)])
            for v in missing:
                table.partitions[v] = found[v]
                rows.append([f"Repair: Added partition to metastore {table.name}:{catalog.hive_partition_path(table, v)}"])
        return self._text_result("result", rows, "MSCK_REPAIR_TABLE")

    # queries ---------------------------------------------------------------------------------

    def _prepare_query(self, stmt: exp.Expression, database: str) -> tuple[str, list[Table], bool]:
        """Check names against the catalog and translate: (duckdb sql, tables read, uses $path)."""
        cte_names = {cte.alias_or_name.lower() for cte in stmt.find_all(exp.CTE)}
        uses_path = any(c.name == "$path" for c in stmt.find_all(exp.Column))
        used: list[Table] = []
        for node in list(stmt.find_all(exp.Table)):
            if not node.name or isinstance(node.this, exp.Func):
                continue
            if not node.db and node.name.lower() in cte_names:
                continue
            catalog_name = node.catalog
            if catalog_name and catalog_name.lower() != "awsdatacatalog":
                raise errors.trino("CATALOG_NOT_FOUND", f"Catalog '{catalog_name.lower()}' does not exist", *_position(node))
            db = (node.db or database).lower()
            if db not in self.databases:
                raise errors.trino("SCHEMA_NOT_FOUND", f"Schema '{db}' does not exist", *_position(node))
            table = self.table(db, node.name)
            if table is None:
                raise errors.trino(
                    "TABLE_NOT_FOUND", f"Table 'awsdatacatalog.{db}.{node.name.lower()}' does not exist", *_position(node)
                )
            if table not in used:
                used.append(table)
            alias = node.alias
            key = (table.database, table.name)
            if uses_path and key in self.storage:
                schema, name = self.storage[key].split(".")
                node.set("this", exp.to_identifier(name, quoted=True))
                node.set("db", exp.to_identifier(schema, quoted=True))
                if not alias:
                    node.set("alias", exp.TableAlias(this=exp.to_identifier(table.name, quoted=True)))
            else:
                node.set("this", exp.to_identifier(table.name, quoted=True))
                node.set("db", exp.to_identifier(table.database, quoted=True))
            node.set("catalog", None)
        self._name_outputs(stmt)
        self._expand_row_unnest(stmt)
        functions.rewrite(stmt)
        return stmt.sql(dialect="duckdb"), used, uses_path

    @staticmethod
    def _name_outputs(stmt: exp.Expression) -> None:
        """Result column names as Trino gives them: unquoted names lower case, `_colN` for
        expressions without a name."""
        select = stmt
        while isinstance(select, exp.SetOperation):
            select = select.this
        if isinstance(select, exp.Subquery):
            select = select.this
        if not isinstance(select, exp.Select):
            return
        named = []
        for i, proj in enumerate(select.expressions):
            if isinstance(proj, exp.Alias):
                ident = proj.args.get("alias")
                if isinstance(ident, exp.Identifier) and not ident.quoted:
                    proj.set("alias", exp.to_identifier(ident.name.lower(), quoted=True))
                named.append(proj)
            elif isinstance(proj, exp.Star) or (isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)):
                named.append(proj)
            elif isinstance(proj, (exp.Column, exp.Dot)):
                named.append(exp.alias_(proj, exp.to_identifier(proj.name.lower(), quoted=True)))
            else:
                named.append(exp.alias_(proj, exp.to_identifier(f"_col{i}", quoted=True)))
        select.set("expressions", named)

    @staticmethod
    def _expand_row_unnest(stmt: exp.Expression) -> None:
        """Trino's `UNNEST(array_of_rows) AS u(a, b)` gives one column per row field; DuckDB
        needs the rows expanded explicitly (UNNEST ... recursive)."""
        for unnest in list(stmt.find_all(exp.Unnest)):
            alias = unnest.args.get("alias")
            columns = alias.columns if isinstance(alias, exp.TableAlias) else []
            if len(unnest.expressions) != 1 or len(columns) < 2 or unnest.args.get("offset"):
                continue
            inner = exp.select(
                exp.Anonymous(this="UNNEST", expressions=[unnest.expressions[0].copy(),
                                                           exp.Kwarg(this=exp.var("recursive"), expression=exp.true())])
            )
            unnest.replace(exp.Subquery(this=inner, alias=alias.copy()))

    def _query(self, stmt: exp.Expression, database: str) -> Result:
        original = stmt.copy()
        duck_sql, used, _ = self._prepare_query(stmt, database)
        scanned = 0
        for table in used:
            scanned += self.refresh(table)
        try:
            rel = self.con.sql(duck_sql)
            names, types = rel.columns, rel.types
            formats = [results.format_sql(i + 1, t) for i, t in enumerate(types)]
            projected = rel.project(", ".join(f if f else f"#{i + 1}" for i, f in enumerate(formats)))
            raw = projected.fetchall()
        except duckdb.Error as e:
            raise self._map_error(e, original) from None
        python_side = [i for i, f in enumerate(formats) if f is None]
        rows = []
        for row in raw:
            row = list(row)
            for i in python_side:
                if row[i] is not None:
                    row[i] = results.render(row[i])
            rows.append(row)
        return Result("DML", list(names), [trino_of_duckdb(t) for t in types], rows, True, scanned, "SELECT")

    def _map_error(self, error: duckdb.Error, original: exp.Expression) -> errors.QueryFailed:
        text = str(error)
        first = text.splitlines()[0]
        m = re.search(r'Referenced column "([^"]+)" not found', text) or re.search(r'Column "([^"]+)" referenced that exists', text) or re.search(r'column "?([^"\s]+)"? (?:not found|does not exist)', text)
        if m:
            name = m.group(1)
            node = next((c for c in original.find_all(exp.Column) if c.name.lower() == name.lower()), None)
            pos = _position(node) if node is not None else (1, 1)
            return errors.trino("COLUMN_NOT_FOUND", f"Column '{name.lower()}' cannot be resolved or requester is not authorized to access requested resources", *pos)
        m = re.search(r"Function with name (\w+) does not exist", text)
        if m:
            name = m.group(1)
            node = next((f for f in original.find_all(exp.Func) if (f.sql_name() if not isinstance(f, exp.Anonymous) else f.name).lower() == name.lower()), None)
            pos = _position(node) if node is not None else (1, 1)
            return errors.trino("FUNCTION_NOT_FOUND", f"Function '{name.lower()}' not registered", *pos)
        if isinstance(error, duckdb.ConversionException):
            return errors.trino("INVALID_CAST_ARGUMENT", first.split(": ", 1)[-1])
        if isinstance(error, duckdb.BinderException):
            return errors.trino("TYPE_MISMATCH", first.split(": ", 1)[-1])
        if isinstance(error, duckdb.InterruptException):
            return errors.QueryFailed("Query cancelled by user", errors.USER_ERROR)
        return errors.trino("GENERIC_USER_ERROR", first.split(": ", 1)[-1])

    # data ------------------------------------------------------------------------------------

    def _objects(self, table: Table) -> list[tuple]:
        """(ObjectInfo, partition values) of every object the table reads now."""
        if table.partition_keys and table.projection_enabled():
            projection = Projection(table)
            bucket, prefix = catalog.split_s3(projection.root)
            out = []
            for obj in s3io.list_objects(bucket, prefix) or []:
                if skip_object(table, obj.key):
                    continue
                values = projection.match(obj.uri)
                if values is not None:
                    out.append((obj, values))
            return out
        if table.partition_keys:
            out = []
            for values, location in table.partitions.items():
                for obj in self._list_location(table, location):
                    out.append((obj, values))
            return out
        return [(obj, ()) for obj in self._list_location(table, table.location)]

    @staticmethod
    def _list_location(table: Table, location: str) -> list:
        bucket, prefix = catalog.split_s3(location)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        objects = s3io.list_objects(bucket, prefix)
        if objects is None:
            return []
        return [o for o in objects if not skip_object(table, o.key)]

    def refresh(self, table: Table) -> int:
        """Bring the table's stored rows in step with its S3 objects; the bytes it reads."""
        key = (table.database, table.name)
        storage = self.storage.get(key)
        if storage is None:
            return 0
        loaded = self.loaded[key]
        current = {obj.uri: (obj, values) for obj, values in self._objects(table)}
        stale = [u for u, (etag, values, _) in loaded.items()
                 if u not in current or current[u][0].etag != etag or current[u][1] != values]
        if stale:
            self.con.execute(f'DELETE FROM {storage} WHERE "$path" IN (SELECT UNNEST(?))', [stale])
            for u in stale:
                loaded.pop(u, None)
        new = [(obj, values) for u, (obj, values) in current.items() if u not in loaded]
        if new:
            Loader(self.con, table, storage).load(new, lambda o: s3io.read_object(o.bucket, o.key))
            for obj, values in new:
                loaded[obj.uri] = (obj.etag, values, obj.size)
        return sum(size for _, _, size in loaded.values())


def show_create(table: Table) -> str:
    if table.table_type == "VIRTUAL_VIEW":
        return f"CREATE VIEW {table.database}.{table.name} AS\n{table.view_sql}"
    cols = ",\n".join(f"  `{n}` {t.hive()}" for n, t in table.columns)
    out = [f"CREATE EXTERNAL TABLE `{table.database}`.`{table.name}`(", cols + ")"]
    if table.comment:
        out.append(f"COMMENT '{table.comment}'")
    if table.partition_keys:
        out.append("PARTITIONED BY ( \n" + ", \n".join(f"  `{n}` {t.hive()}" for n, t in table.partition_keys) + ")")
    out.append("ROW FORMAT SERDE ")
    out.append(f"  '{table.serde}' ")
    if table.serde_properties:
        out.append("WITH SERDEPROPERTIES ( \n" + ", \n".join(f"  '{k}'='{v}'" for k, v in table.serde_properties.items()) + ") ")
    out.append("STORED AS INPUTFORMAT ")
    out.append(f"  '{table.input_format}' ")
    out.append("OUTPUTFORMAT ")
    out.append(f"  '{table.output_format}'")
    out.append("LOCATION")
    out.append(f"  '{table.location}'")
    if table.properties:
        out.append("TBLPROPERTIES (\n" + ", \n".join(f"  '{k}'='{v}'" for k, v in table.properties.items()) + ")")
    return "\n".join(out)

