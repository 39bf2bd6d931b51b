"""On PostgreSQL, a group commit's statements go straight to asyncpg.

Through SQLAlchemy's asyncio layer a statement costs about 170 µs of CPU on the event loop, and
asyncpg itself about 60 µs of it: the rest is the layer around the driver (a greenlet spawned per
statement, the execution context, the cursor adaptation, the result's metadata). The statements on
every message's path are few and built once, so here each is compiled once by SQLAlchemy for the
engine's dialect (the SQL text, its parameters' order and their type processors, its columns' result
processors) and then run on the lane's own asyncpg connection, in one asyncpg transaction per group.

A unit is an ``async`` function of plain statements, as for :mod:`cabinet_api.sqlite_groups`. A
statement or a use of the connection this cannot reproduce exactly (an expanding ``IN``, a list of
rows with ``RETURNING``, any other method of the connection or of its result, an ``await`` of
anything but the connection) raises :class:`NotDirect`: the group is rolled back and runs again the
usual way. So does any error: a unit's caller always sees the error SQLAlchemy would have raised.

The units of a group come from callers that do not wait for one another, so they run side by side,
a statement of each at a time (each unit's own statements stay in its order), and the same
statement of several units in one round goes to the server once: a write no unit reads the result
of (a list of rows, or a statement marked :func:`write_only`) as one ``executemany``; a read, or a
write with ``RETURNING``, as one ``fetchmany`` with each unit's number as a last column
(:data:`UNIT`), by which each unit gets its own rows. A lone statement costs 120-150 µs of CPU
through asyncpg; the same one among eight of an ``executemany``, about 18.

A group's transaction begins before its first round that writes (or reads ``FOR UPDATE``): reads
before it see what they would see inside it at PostgreSQL's READ COMMITTED, each statement its own
snapshot, and a group of reads alone takes no ``BEGIN`` and ``COMMIT`` at all. A group of one unit
marked :func:`writes_once` takes none either: its one write is a transaction by itself. At a
moderate rate most groups are of one unit, and those two round trips were two of every three.
"""

from __future__ import annotations

import logging
from collections import namedtuple
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Column, Executable, Integer, bindparam
from sqlalchemy import cast as cast_to
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import TypeEngine

from cabinet_api.group_commit import Unit

log = logging.getLogger(__name__)

Processor = Callable[[Any], Any]
PLANS_KEPT = 512
"""Statements compiled and kept; the hot path has about twenty."""


WRITE_ONLY = "omnicab_write_only"
WRITES_ONCE = "omnicab_writes_once"
UNIT = "omnicab_unit"
"""The parameter, and last column, that tells the units of a read sent together their own rows."""
_S = TypeVar("_S", bound=Executable)
_U = TypeVar("_U", bound=Unit[Any])


class NotDirect(RuntimeError):
    """A unit used something this module does not run the way SQLAlchemy would."""


class WritesOnceBroken(RuntimeError):
    """A unit marked :func:`writes_once` ran a statement after one that wrote."""


def writes_once(unit: _U) -> _U:
    """``unit``, marked as one that changes rows in one statement at most and runs none after it
    (it may read before, or write nothing, as an ``INSERT ... ON CONFLICT DO NOTHING`` that met its
    conflict, and go on). Alone in its group, it runs without ``BEGIN`` and ``COMMIT``: its write
    commits by itself. A marked unit that breaks the promise fails with :class:`WritesOnceBroken`."""
    setattr(unit, WRITES_ONCE, True)
    return unit


def write_only(statement: _S) -> _S:
    """``statement``, marked as a write whose result (its row count) its units never read, so that
    those of a group's units are sent together; one that reads the row count anyway makes the group
    run the usual way."""
    return statement.execution_options(**{WRITE_ONLY: True})


@dataclass(frozen=True, slots=True)
class _Plan:
    statement: Executable
    """Kept so that the ``id`` the plan is found by is never reused by another statement."""
    keys: frozenset[str]
    compiled: SQLCompiler
    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor | None, ...]
    defaults: tuple[tuple[str, Callable[[], Any]], ...]
    """Python-side column defaults the statement's compiled form expects the caller to supply."""
    returns_rows: bool
    """Whether the unit gets rows: a SELECT, or RETURNING it asked for (not the primary key that
    SQLAlchemy asks a one-row INSERT to return by itself)."""
    fetches: bool
    """Whether the SQL returns rows at all."""
    plain_read: bool
    """A ``SELECT`` that takes no row locks: it needs no transaction around it."""
    writes: bool
    """An ``INSERT``, ``UPDATE`` or ``DELETE``."""
    results: tuple[Processor | None, ...]
    row: Callable[[Sequence[Any]], tuple[Any, ...]]
    sent_together: bool
    """Whether the units asking for it at once share one ``executemany`` (see the module's docstring)."""

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        if self.defaults:
            parameters = {**{name: make() for name, make in self.defaults}, **parameters}
        values = self.compiled.construct_params(parameters)
        arguments = [values[name] for name in self.names]
        for index, process in enumerate(self.binds):
            if process is not None:
                arguments[index] = process(arguments[index])
        return arguments

    def rows(self, records: Sequence[Any]) -> list[tuple[Any, ...]]:
        results = self.results
        if not any(results):
            return [self.row(record) for record in records]
        return [
            self.row([value if do is None else do(value) for value, do in zip(record, results, strict=True)])
            for record in records
        ]


class DirectStatements:
    """Compiles statements once for ``dialect`` and runs them on an asyncpg connection."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._plans: dict[tuple[int, frozenset[str], bool], _Plan] = {}
        self.groups = 0
        """Groups run here and committed."""
        self.fallbacks = 0
        """Groups handed back to run the usual way."""
        self.compiled = 0
        """Statements compiled so far: a statement built anew for every call is compiled for every call."""
        self.shared = 0
        """Units' statements sent in one round trip with the same statement of other units."""
        self._tagged: dict[int, tuple[_Plan, _Plan | None]] = {}

    async def together(self, driver: Any, units: Sequence[Unit[Any]]) -> list[Any] | None:
        """The units' results once committed, on the asyncpg connection ``driver``; None, with
        nothing written, when they must run the usual way (see the module's docstring)."""
        statements = cast(AsyncConnection, _Connection(self))
        once = [getattr(unit, WRITES_ONCE, False) for unit in units]
        transaction = _Transaction(driver, alone=once == [True])
        try:
            results, shared = await _side_by_side(
                [unit(statements) for unit in units],
                once,
                driver,
                self,
                transaction,
            )
            await transaction.commit()
        except BaseException as error:
            await transaction.rollback()
            again = isinstance(error, Exception) and not isinstance(error, WritesOnceBroken)
            if not again or transaction.wrote_alone:
                raise  # cancelled; or a write committed, and running it again would write twice
            log.debug("a group runs the usual way (%s: %s)", type(error).__name__, error)
        else:
            self.groups += 1
            self.shared += shared
            return results
        self.fallbacks += 1
        return None

    def plan(self, statement: Executable, keys: frozenset[str], many: bool = False) -> _Plan:
        """``statement`` compiled for parameters named ``keys``, given once or as a list (``many``)."""
        found = self._plans.get((id(statement), keys, many))
        if found is not None and found.statement is statement:
            return found
        plan = self._compile(statement, keys, many)
        self.compiled += 1
        if len(self._plans) >= PLANS_KEPT:
            self._plans.clear()
            self._tagged.clear()
        self._plans[(id(statement), keys, many)] = plan
        return plan

    def tagged(self, plan: _Plan) -> _Plan | None:
        """``plan``'s read, or write with ``RETURNING``, with the unit's number (:data:`UNIT`) as its
        last column; None where it cannot carry one."""
        found = self._tagged.get(id(plan))
        if found is not None and found[0] is plan:
            return found[1]
        statement = plan.statement
        unit = cast_to(bindparam(UNIT, type_=Integer), Integer).label(UNIT)
        tagged: _Plan | None = None
        try:
            if isinstance(statement, Select):
                tagged = self._compile(statement.add_columns(unit), plan.keys, False)
            elif isinstance(statement, UpdateBase) and plan.returns_rows:
                tagged = self._compile(statement.returning(unit), plan.keys, False)
        except NotDirect:
            tagged = None
        self._tagged[id(plan)] = (plan, tagged)
        return tagged

    def _compile(self, statement: Executable, keys: frozenset[str], many: bool) -> _Plan:
        if not isinstance(statement, Select | UpdateBase):
            raise NotDirect(f"{type(statement).__name__} statements run the usual way")
        dialect = self._dialect
        compiled = statement.compile(dialect=dialect, column_keys=sorted(keys), for_executemany=many)
        names = tuple(compiled.positiontup or ())
        if any(compiled.binds[name].expanding for name in names):
            raise NotDirect("an expanding IN runs the usual way")
        if isinstance(statement, Select):
            columns: Sequence[Any] = list(statement.selected_columns)
            keys_out = list(statement.selected_columns.keys())
            fetched = columns
        else:
            fetched = list(compiled.effective_returning or ())
            columns = [] if compiled.implicit_returning else fetched
            keys_out = [column.key for column in columns]
        prefetch = compiled.insert_prefetch if isinstance(statement, Insert) else compiled.update_prefetch
        return _Plan(
            statement=statement,
            keys=keys,
            compiled=compiled,
            sql=compiled.string,
            names=names,
            binds=tuple(_bind_processor(compiled.binds[name].type, dialect) for name in names),
            defaults=tuple(_python_default(column, isinstance(statement, Insert)) for column in prefetch),
            returns_rows=isinstance(statement, Select) or bool(columns),
            fetches=bool(fetched),
            plain_read=isinstance(statement, Select) and statement._for_update_arg is None,
            writes=isinstance(statement, UpdateBase),
            results=tuple(_result_processor(column.type, dialect) for column in columns),
            row=namedtuple("Row", keys_out, rename=True)._make,  # type: ignore[attr-defined]
            sent_together=not fetched and (many or bool(statement.get_execution_options().get(WRITE_ONLY))),
        )


def _bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    return type_.dialect_impl(dialect).result_processor(dialect, None)


def _python_default(column: Column[Any], inserting: bool) -> tuple[str, Callable[[], Any]]:
    default = column.default if inserting else column.onupdate
    if default is None:
        raise NotDirect(f"{column.key} has no default to fill in")
    if getattr(default, "is_scalar", False):
        value = default.arg  # type: ignore[attr-defined]
        return column.key, lambda: value
    if getattr(default, "is_callable", False):
        make = default.arg  # type: ignore[attr-defined]
        return column.key, lambda: make(None)
    raise NotDirect(f"{column.key}'s default runs the usual way")


class _Connection:
    """What a unit uses of its ``AsyncConnection``: each statement is asked of :func:`_side_by_side`."""

    __slots__ = ("_statements",)

    def __init__(self, statements: DirectStatements) -> None:
        self._statements = statements

    async def execute(self, statement: Executable, parameters: Any = None) -> _Result:
        if isinstance(parameters, list):
            if not parameters:
                raise NotDirect("an empty list of rows runs the usual way")
            plan = self._statements.plan(statement, frozenset(parameters[0]), many=True)
            if plan.fetches:
                raise NotDirect("many rows with RETURNING run the usual way")
            return await _Asked(plan, parameters)
        parameters = parameters or {}
        return await _Asked(self._statements.plan(statement, frozenset(parameters)), [parameters])

    async def scalars(self, statement: Executable, parameters: Any = None) -> Any:
        return (await self.execute(statement, parameters)).scalars()

    def __getattr__(self, name: str) -> Any:
        raise NotDirect(f"a grouped unit used the connection's {name!r}")


class _Asked:
    """A statement a unit waits for: yielded to :func:`_side_by_side`, which sets its result."""

    __slots__ = ("parameters", "plan", "result")

    def __init__(self, plan: _Plan, parameters: list[Mapping[str, Any]]) -> None:
        self.plan = plan
        self.parameters = parameters
        self.result: _Result | None = None

    def __await__(self) -> Generator[_Asked, None, _Result]:
        yield self
        if self.result is None:
            raise NotDirect("a statement was not answered")
        return self.result


class _Transaction:
    """A group's asyncpg transaction, begun before the first round that needs one (or never: a
    round of plain reads needs none, nor does the one unit of a group marked :func:`writes_once`)."""

    __slots__ = ("_alone", "_begun", "_driver", "wrote_alone")

    def __init__(self, driver: Any, *, alone: bool) -> None:
        self._driver = driver
        self._alone = alone
        self._begun: Any = None
        self.wrote_alone = False
        """Whether the lone unit's write changed rows outside a transaction: it is committed."""

    async def before(self, asked: list[_Asked]) -> None:
        if self._begun is not None or all(one.plan.plain_read for one in asked):
            return
        if self._alone and all(one.plan.plain_read or one.plan.writes for one in asked):
            return  # a read FOR UPDATE holds its locks only inside a transaction
        self._begun = self._driver.transaction()
        await self._begun.start()

    @property
    def outside(self) -> bool:
        """Whether statements now commit by themselves."""
        return self._begun is None

    async def commit(self) -> None:
        if self._begun is not None:
            await self._begun.commit()

    async def rollback(self) -> None:
        begun, self._begun = self._begun, None
        if begun is None:
            return
        try:
            await begun.rollback()
        except Exception as error:
            log.debug("rolling back a group failed (%s)", type(error).__name__)


async def _side_by_side(
    units: list[Awaitable[Any]],
    writes_once: list[bool],
    driver: Any,
    statements: DirectStatements,
    transaction: _Transaction,
) -> tuple[list[Any], int]:
    """Runs the units a statement of each at a time, the statements of a round sent in the units'
    order, those sent together at the place of the first of them; the units' results, and how many
    statements were sent together with others."""
    results: list[Any] = [None] * len(units)
    shared = 0
    wrote: set[int] = set()
    running = {index: unit.__await__() for index, unit in enumerate(units)}
    try:
        ready = list(running)
        while ready:
            asked: list[_Asked] = []
            waiting: list[int] = []
            for index in ready:
                try:
                    wanted = running[index].send(None)
                except StopIteration as finished:
                    results[index] = finished.value
                    del running[index]
                    continue
                if not isinstance(wanted, _Asked):
                    raise NotDirect("a grouped unit awaited something other than its statements")
                if index in wrote:
                    raise WritesOnceBroken("a unit marked writes_once ran a statement after its write")
                asked.append(wanted)
                waiting.append(index)
            await transaction.before(asked)
            shared += await _answer(asked, driver, statements)
            for index, one in zip(waiting, asked, strict=True):
                if writes_once[index] and one.plan.writes and _changed_rows(one):
                    wrote.add(index)
                    if transaction.outside:
                        transaction.wrote_alone = True
            ready = waiting
    finally:
        for unit in running.values():
            unit.close()
    return results, shared


def _changed_rows(one: _Asked) -> bool:
    """Whether a write may have changed rows (a shared ``executemany`` does not tell: it may)."""
    result = one.result
    if result is None:
        return True
    if result._rows is not None:
        return bool(result._rows)
    return result._rowcount is None or result._rowcount > 0


async def _answer(asked: list[_Asked], driver: Any, statements: DirectStatements) -> int:
    """Sends a round's statements; how many went out together with others."""
    sends: list[list[_Asked]] = []
    alike: dict[int, list[_Asked]] = {}
    for one in asked:
        if not (one.plan.sent_together or one.plan.returns_rows):
            sends.append([one])
            continue
        same = alike.get(id(one.plan))
        if same is None:
            same = alike[id(one.plan)] = []
            sends.append(same)
        same.append(one)
    shared = 0
    for same in sends:
        plan = same[0].plan
        if plan.sent_together:
            arguments = [plan.arguments(row) for one in same for row in one.parameters]
            if len(arguments) > 1:
                await driver.executemany(plan.sql, arguments)
                for one in same:
                    one.result = _Result(None, None)
            else:
                same[0].result = _Result(None, _rowcount(await driver.execute(plan.sql, *arguments[0])))
        elif len(same) > 1 and (tagged := statements.tagged(plan)) is not None:
            await _read_together(same, plan, tagged, driver)
        else:
            for one in same:
                await _alone(one, driver)
            continue
        if len(same) > 1:
            shared += len(same)
    return shared


async def _alone(one: _Asked, driver: Any) -> None:
    plan = one.plan
    arguments = plan.arguments(one.parameters[0])
    if plan.returns_rows:
        one.result = _Result(plan.rows(await driver.fetch(plan.sql, *arguments)), None)
    elif plan.fetches:
        one.result = _Result(None, len(await driver.fetch(plan.sql, *arguments)))
    else:
        one.result = _Result(None, _rowcount(await driver.execute(plan.sql, *arguments)))


async def _read_together(same: list[_Asked], plan: _Plan, tagged: _Plan, driver: Any) -> None:
    """The same read (or write with ``RETURNING``) of several units in one round trip: each unit's
    number rides along as a last column, so each gets its own rows, in order."""
    arguments = [tagged.arguments({**one.parameters[0], UNIT: index}) for index, one in enumerate(same)]
    rows: list[list[tuple[Any, ...]]] = [[] for _ in same]
    for record in await driver.fetchmany(tagged.sql, arguments):
        values = tuple(record)
        rows[values[-1]].append(values[:-1])
    for one, own in zip(same, rows, strict=True):
        one.result = _Result(plan.rows(own), None)


class _Result:
    """What units use of a ``Result``; rows are read before it is made."""

    __slots__ = ("_rowcount", "_rows")

    def __init__(self, rows: list[tuple[Any, ...]] | None, rowcount: int | None) -> None:
        self._rows = rows
        self._rowcount = rowcount

    @property
    def rowcount(self) -> int:
        if self._rowcount is None:
            raise NotDirect("the rowcount of this statement runs the usual way")
        return self._rowcount

    @property
    def returns_rows(self) -> bool:
        return self._rows is not None

    def _all(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            raise NotDirect("rows of a statement that returns none")
        return self._rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._all())

    def all(self) -> list[tuple[Any, ...]]:
        return list(self._all())

    def first(self) -> tuple[Any, ...] | None:
        rows = self._all()
        return rows[0] if rows else None

    def one_or_none(self) -> tuple[Any, ...] | None:
        rows = self._all()
        if len(rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return rows[0] if rows else None

    def one(self) -> tuple[Any, ...]:
        row = self.one_or_none()
        if row is None:
            raise NoResultFound("No row was found when one was required")
        return row

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalars(self) -> _Scalars:
        return _Scalars([row[0] for row in self._all()])

    def __getattr__(self, name: str) -> Any:
        raise NotDirect(f"a grouped unit used the result's {name!r}")


class _Scalars:
    """What units use of a ``ScalarResult``."""

    __slots__ = ("_values",)

    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def all(self) -> list[Any]:
        return list(self._values)

    def first(self) -> Any:
        return self._values[0] if self._values else None

    def one_or_none(self) -> Any:
        if len(self._values) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self.first()

    def __getattr__(self, name: str) -> Any:
        raise NotDirect(f"a grouped unit used the scalars' {name!r}")


def _rowcount(status: str) -> int | None:
    """asyncpg's command tag (``UPDATE 3``, ``INSERT 0 1``) to the count of rows it touched."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else None
