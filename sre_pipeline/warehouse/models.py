"""dbt-like SQL models: every ``.sql`` file under ``dbt_like_sql/`` is one SELECT (Jinja2).

Template functions available in a model:

- ``{{ ref('name') }}``: the quoted identifier of another model or of a warehouse table; it
  becomes a dependency (found statically, so ``ref`` takes a literal name).
- ``{{ var('name') }}`` / ``{{ var('name', default) }}``: a run variable such as ``as_of``.
- ``{{ config(materialized='view'|'table') }}``: the materialisation (default ``view``);
  renders as nothing.

Dialect macros, so one SQL text runs on SQLite and PostgreSQL with identical results:

- ``{{ epoch('col') }}``: seconds since 1970 of a timestamp, as a float, whole seconds on both
  (SQLite ``strftime('%s')`` truncates; PostgreSQL is floored to match).
- ``{{ minutes_between('a', 'b') }}``: ``b - a`` in minutes (float, NULL when either is NULL).
- ``{{ days_between('a', 'b') }}``: whole days from the (UTC) date of ``a`` to that of
  ``b`` (dates or timestamps; an integer, NULL when either is NULL).
- ``{{ add_days('col', n) }}``: a DATE column shifted by ``n`` days, still a date (SQLite:
  ``'YYYY-MM-DD'`` text, as the warehouse stores dates there).
- ``{{ date_literal(var('as_of')) }}``: a date run variable (``date`` or ISO text) as a SQL
  date literal that compares correctly with DATE columns.

Timestamps on SQLite are naive UTC text (the warehouse writers convert to UTC first).
"""

from __future__ import annotations

import datetime as dt
import functools
import graphlib
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
import sqlalchemy as sa
from jinja2 import nodes

from sre_pipeline.inputs.problems import did_you_mean
from sre_pipeline.warehouse.schema import metadata

MODELS_ROOT = Path(__file__).resolve().parents[2] / "dbt_like_sql"
MATERIALIZATIONS = ("view", "table")
TABLES = frozenset(metadata.tables)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)


class ModelError(Exception):
    """A model that cannot be discovered, rendered or run; the message names file and cause."""


@dataclass(frozen=True)
class Model:
    """One SQL model: its file, raw template and what it refers to."""

    name: str
    path: Path
    sql: str  # the raw Jinja template
    depends_on: tuple[str, ...]  # model and warehouse table names, in order of first ref
    materialized: str = "view"
    required_vars: tuple[str, ...] = ()  # vars used without a default


@dataclass(frozen=True)
class ModelRun:
    """What :meth:`ModelGraph.run` did for one model."""

    name: str
    materialized: str
    rows: int
    seconds: float
    sql: str  # the rendered SELECT


def _literal(call: nodes.Call, path: Path, what: str):
    """The literal first argument of a ``ref``/``var`` call, or an error naming the file."""
    if not call.args or not isinstance(call.args[0], nodes.Const):
        raise ModelError(f"{path}:{call.lineno}: {what}() needs a literal quoted name")
    return call.args[0].value


def _analyse(path: Path, source: str) -> tuple[list[str], str, list[str]]:
    """Refs, materialisation and required vars of a template, without rendering it."""
    try:
        tree = _ENV.parse(source, name=path.name, filename=str(path))
    except jinja2.TemplateSyntaxError as exc:
        raise ModelError(f"{path}:{exc.lineno}: template syntax error: {exc.message}") from exc
    refs: list[str] = []
    required: list[str] = []
    materialized = "view"
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name):
            continue
        if call.node.name == "ref":
            target = _literal(call, path, "ref")
            if target not in refs:
                refs.append(target)
        elif call.node.name == "var":
            key = _literal(call, path, "var")
            if len(call.args) == 1 and not call.kwargs and key not in required:
                required.append(key)
        elif call.node.name == "config":
            for kw in call.kwargs:
                if not isinstance(kw.value, nodes.Const):
                    raise ModelError(f"{path}:{call.lineno}: config() needs literal values")
                _check_config(path, kw.key, kw.value.value)
                materialized = kw.value.value
    return refs, materialized, required


def _check_config(path: Path, key: str, value) -> None:
    if key != "materialized":
        raise ModelError(f"{path}: config() has no option '{key}'; expected materialized=...")
    if value not in MATERIALIZATIONS:
        raise ModelError(
            f"{path}: materialized={value!r} is not supported; expected one of "
            f"{', '.join(MATERIALIZATIONS)}" + did_you_mean(str(value), MATERIALIZATIONS)
        )


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if not isinstance(value, dt.date):
        raise ValueError(f"date_literal() needs a date or ISO date text, got {value!r}")
    return value.isoformat()


def dialect_macros(dialect: str) -> dict:
    """The dialect macros (see the module docstring) for ``'sqlite'`` or ``'postgresql'``."""
    if dialect == "sqlite":

        def epoch(col: str) -> str:
            return f"CAST(strftime('%s', {col}) AS REAL)"

        def add_days(col: str, n: int) -> str:
            return f"date({col}, '{int(n):+d} days')"

        def date_literal(value) -> str:
            return f"'{_date(value)}'"

    elif dialect == "postgresql":

        def epoch(col: str) -> str:
            return f"CAST(FLOOR(EXTRACT(EPOCH FROM {col})) AS DOUBLE PRECISION)"

        def add_days(col: str, n: int) -> str:
            return f"CAST({col} + INTERVAL '{int(n)} days' AS DATE)"

        def date_literal(value) -> str:
            return f"DATE '{_date(value)}'"

    else:
        raise ModelError(f"SQL models support sqlite and postgresql, not {dialect!r}")

    def minutes_between(start: str, end: str) -> str:
        return f"(({epoch(end)} - {epoch(start)}) / 60)"

    def days_between(start: str, end: str) -> str:
        # whole days between the (UTC) dates of two dates or timestamps, as an integer
        if dialect == "sqlite":
            return f"CAST(julianday(date({end})) - julianday(date({start})) AS INTEGER)"
        return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"

    macros = (epoch, minutes_between, days_between, add_days, date_literal)
    return {f.__name__: f for f in macros}


class ModelGraph:
    """The models and their dependency graph (acyclic, refs resolved) found by :func:`discover`."""

    def __init__(self, models: Iterable[Model]):
        self.models: dict[str, Model] = {m.name: m for m in models}
        for model in self.models.values():
            for target in model.depends_on:
                self._check_ref(model, target)
        self._order = self._topological()

    def _check_ref(self, model: Model, target: str) -> str:
        if target not in self.models and target not in TABLES:
            choices = [*self.models, *TABLES]
            raise ModelError(
                f"{model.path}: ref('{target}') names neither a model nor a warehouse table"
                + did_you_mean(target, choices)
            )
        return f'"{target}"'  # names are lower_snake_case: quoting never changes them

    def _topological(self) -> list[str]:
        sorter = graphlib.TopologicalSorter()
        for name in sorted(self.models):
            sorter.add(name, *self.model_dependencies(name))
        try:
            sorter.prepare()
        except graphlib.CycleError as exc:
            cycle = list(reversed(exc.args[1]))  # graphlib lists it dependency-first
            raise ModelError(
                f"models refer to each other in a cycle: {' -> '.join(cycle)}"
            ) from exc
        order: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())  # sorted: the same order on every run
            order += ready
            sorter.done(*ready)
        return order

    def model_dependencies(self, name: str) -> list[str]:
        """The models (not warehouse tables) that model ``name`` refers to."""
        return [d for d in self.models[name].depends_on if d in self.models]

    def order(self) -> list[str]:
        """Model names, every model after the models it refers to."""
        return list(self._order)

    def _model(self, name: str) -> Model:
        if name not in self.models:
            raise ModelError(f"no model named '{name}'{did_you_mean(name, self.models)}")
        return self.models[name]

    def render(self, name: str, dialect: str, vars: Mapping | None = None) -> str:
        """The SELECT of model ``name`` for ``dialect`` (a name or SQLAlchemy dialect)."""
        model = self._model(name)
        dialect = getattr(dialect, "name", dialect)
        run_vars = dict(vars or {})
        where = f"model '{name}' ({model.path})"

        def var(key: str, *default):
            if key in run_vars:
                return run_vars[key]
            if default:
                return default[0]
            known = ", ".join(sorted(run_vars)) or "none"
            raise ModelError(f"{where}: run variable '{key}' is not set (set: {known})")

        def config(**options) -> str:
            for key, value in options.items():
                _check_config(model.path, key, value)
            return ""

        try:
            template = _ENV.from_string(model.sql)
            ref = functools.partial(self._check_ref, model)
            sql = template.render(ref=ref, var=var, config=config, **dialect_macros(dialect))
        except ModelError:
            raise
        except (jinja2.TemplateError, ValueError, TypeError) as exc:
            raise ModelError(f"{where}: {exc}") from exc
        return sql.strip().rstrip(";").strip()

    def _dependent_views(self, targets: list[str]) -> list[str]:
        """Views downstream of ``targets`` through views: PostgreSQL will not drop a view's
        source while the view exists, so these are dropped and recreated around a rebuild."""
        found = set(targets)
        for name in self._order:
            model = self.models[name]
            if name not in found and model.materialized == "view":
                if any(d in found for d in self.model_dependencies(name)):
                    found.add(name)
        return [n for n in self._order if n in found and n not in targets]

    def run(
        self,
        engine: sa.Engine,
        vars: Mapping | None = None,
        select: str | Iterable[str] | None = None,
    ) -> list[ModelRun]:
        """(Re)build every model, or only ``select``, in one transaction, in dependency order.

        A failure rolls everything back, so the models of the previous run stay intact. Views
        that depend on a selected model are recreated too (and reported).
        """
        if select is None:
            targets = self.order()
        else:
            wanted = {select} if isinstance(select, str) else set(select)
            for name in wanted:
                self._model(name)
            targets = [n for n in self._order if n in wanted]
        with engine.begin() as conn:
            _begin_sqlite(conn)
            inspector = sa.inspect(conn)
            views, tables = set(inspector.get_view_names()), set(inspector.get_table_names())
            existing = views | tables
            targets += [n for n in self._dependent_views(targets) if n in existing]
            targets = [n for n in self._order if n in targets]
            rendered = {n: self.render(n, engine.dialect, vars) for n in targets}
            for name in reversed(targets):
                kind = "VIEW" if name in views else "TABLE" if name in tables else None
                if kind:
                    _execute(conn, self.models[name], f'DROP {kind} IF EXISTS "{name}"', "")
            return [self._create(conn, self.models[n], rendered[n]) for n in targets]

    def _create(self, conn: sa.Connection, model: Model, sql: str) -> ModelRun:
        start = time.perf_counter()
        kind = model.materialized.upper()
        _execute(conn, model, f'CREATE {kind} "{model.name}" AS\n{sql}', sql)
        rows = _execute(conn, model, f'SELECT COUNT(*) FROM "{model.name}"', sql).scalar_one()
        return ModelRun(model.name, model.materialized, int(rows), time.perf_counter() - start, sql)


def _begin_sqlite(conn: sa.Connection) -> None:
    """pysqlite opens no transaction before DDL; begin one so a failed run rolls back."""
    driver = conn.connection.driver_connection
    if conn.dialect.name == "sqlite" and not driver.in_transaction:
        conn.exec_driver_sql("BEGIN")


def _execute(conn: sa.Connection, model: Model, statement: str, sql: str):
    if conn.dialect.name == "postgresql":
        # psycopg reads '%' as a placeholder even without parameters: a "20 %" in a comment or
        # a LIKE 'a%' pattern must reach the server as written
        statement = statement.replace("%", "%%")
    try:
        return conn.exec_driver_sql(statement)
    except sa.exc.DBAPIError as exc:
        message = str(exc.orig).strip()
        shown = f"\n--- rendered SQL ---\n{sql}" if sql else f"\n--- statement ---\n{statement}"
        raise ModelError(f"model '{model.name}' ({model.path}) failed: {message}{shown}") from exc


def discover(root: Path = MODELS_ROOT) -> ModelGraph:
    """Every ``*.sql`` file under ``root`` as a model named after its file stem."""
    root = Path(root)
    if not root.is_dir():
        raise ModelError(f"{root}: no such models folder")
    seen: dict[str, Path] = {}
    models = []
    for path in sorted(root.rglob("*.sql")):
        name = path.stem
        if name in seen:
            raise ModelError(f"two models named '{name}': {seen[name]} and {path}")
        if not _NAME.match(name):
            raise ModelError(f"{path}: model names must be lower_snake_case identifiers")
        if name in TABLES:
            raise ModelError(f"{path}: model '{name}' has the name of a warehouse table")
        seen[name] = path
        source = path.read_text(encoding="utf-8")
        refs, materialized, required = _analyse(path, source)
        models.append(Model(name, path, source, tuple(refs), materialized, tuple(required)))
    return ModelGraph(models)


def run(
    engine: sa.Engine,
    vars: Mapping | None = None,
    select: str | Iterable[str] | None = None,
    root: Path = MODELS_ROOT,
) -> list[ModelRun]:
    """Discover the models under ``root`` and run them (see :meth:`ModelGraph.run`)."""
    return discover(root).run(engine, vars, select)
