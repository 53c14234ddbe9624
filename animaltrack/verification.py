"""`verify`: prove that the live projections equal a fold of the log (SPEC §14).

The projections are built into a scratch database from one snapshot of the live log (the
batch builds of `animaltrack.scratch.built_from_log`); then, still inside that snapshot, every
projection table is compared with its rebuilt twin by primary key, the R*Tree kept beside the
location intervals is checked against them, and `PRAGMA quick_check` runs. The live database is
only read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from animaltrack.projections import default_registry
from animaltrack.scratch import built_from_log, database_path, scratch_database
from store.migrations import END_OF_TIME_UTC

Progress = Callable[[str, int, int], None]
# The R*Tree stores 32-bit floats rounded outwards (SQLite nudges each bound by a relative
# 2^-23 before rounding it to float32): a span may be wider than its interval by up to two
# float32 steps of the value, never narrower.
_FLOAT32_STEP = 2.0**-22


@dataclass
class TableDifference:
    """Rows of one table that differ: live only, rebuilt only, and how many in all."""

    table: str
    key: tuple[str, ...]
    live_only: list[tuple] = field(default_factory=list)
    rebuilt_only: list[tuple] = field(default_factory=list)
    count: int = 0


@dataclass
class VerifyReport:
    events: int
    tables: list[str]
    differences: list[TableDifference]
    index_problems: list[str]
    quick_check: str

    @property
    def ok(self) -> bool:
        return not self.differences and not self.index_problems and self.quick_check == "ok"


def verify(
    db,
    *,
    only: Iterable[str] | None = None,
    show: int = 20,
    progress: Progress | None = None,
) -> VerifyReport:
    """Compare the live projections (those named in `only`, else all) with a fold of the log."""
    wanted = default_registry(db, only)
    compared = [t for p in wanted if only is None or p.NAME in set(only) for t in p.TABLES]
    with (
        scratch_database() as (_, scratch),
        built_from_log(scratch, database_path(db), only=only, progress=progress) as built,
    ):
        differences = []
        for table in compared:
            if (difference := _compare(scratch, table, show)).count:
                differences.append(difference)
        problems = []
        if "animal_location_intervals" in compared:
            problems = _rtree_problems(scratch, "log", show)
        (check,) = scratch.execute("PRAGMA log.quick_check").fetchone()
    return VerifyReport(built.events, compared, differences, problems, check)


def _key(db, schema: str, table: str) -> tuple[str, ...]:
    """The primary key's columns, else those of the first unique index, else every column."""
    columns = db.execute(f"PRAGMA {schema}.table_info({table})").fetchall()
    pk = [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]]
    if pk:
        return tuple(pk)
    for index in db.execute(f"PRAGMA {schema}.index_list({table})").fetchall():
        if index[2] and not index[4]:  # unique, and over every row (not a partial index)
            return tuple(r[2] for r in db.execute(f"PRAGMA {schema}.index_info({index[1]})"))
    return tuple(c[1] for c in columns)


def _compare(scratch, table: str, show: int) -> TableDifference:
    """Compare the live table (`log.`) with the rebuilt one (`main.`) both ways."""
    key = _key(scratch, "log", table)
    difference = TableDifference(table, key)
    sides = (("live_only", f"log.{table}", f"main.{table}"),)
    sides += (("rebuilt_only", f"main.{table}", f"log.{table}"),)
    for side, this, other in sides:
        query = f"SELECT * FROM {this} EXCEPT SELECT * FROM {other}"
        (count,) = scratch.execute(f"SELECT COUNT(*) FROM ({query})").fetchone()
        rows = scratch.execute(f"{query} ORDER BY {', '.join(key)} LIMIT ?", (show,)).fetchall()
        getattr(difference, side).extend(rows)
        difference.count += count
    return difference


def _rtree_problems(db, schema: str, show: int) -> list[str]:
    """Spans missing, extra, or differing from their interval beyond float32 rounding."""
    tolerance = f"(ABS({{v}}) * {_FLOAT32_STEP} + 1)"
    end = f"COALESCE(l.end_utc, {END_OF_TIME_UTC})"
    start_tolerance = tolerance.format(v="l.start_utc")
    start_ok = f"s.start_utc <= l.start_utc AND l.start_utc - s.start_utc <= {start_tolerance}"
    end_ok = f"s.end_utc >= {end} AND s.end_utc - {end} <= {tolerance.format(v=end)}"
    rows = db.execute(
        f"""
        SELECT l.rowid, l.animal_id, l.start_utc, {end}, s.start_utc, s.end_utc
        FROM {schema}.animal_location_intervals l
        LEFT JOIN {schema}.animal_location_spans s ON s.id = l.rowid
        WHERE s.id IS NULL OR NOT ({start_ok} AND {end_ok})
        LIMIT ?
        """,
        (show,),
    ).fetchall()
    problems = [
        f"animal_location_spans: span {rowid} of animal {animal} [{start}, {stop})"
        + (" is missing" if s_start is None else f" reads [{s_start:.0f}, {s_end:.0f})")
        for rowid, animal, start, stop, s_start, s_end in rows
    ]
    extra = db.execute(
        f"SELECT id FROM {schema}.animal_location_spans"
        f" WHERE id NOT IN (SELECT rowid FROM {schema}.animal_location_intervals) LIMIT ?",
        (show,),
    ).fetchall()
    problems += [f"animal_location_spans: span {r[0]} has no interval" for r in extra]
    return problems
