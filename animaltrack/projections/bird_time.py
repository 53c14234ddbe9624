"""Bird time by location and UTC hour (SPEC §10.3), so a chart of a year sums a few thousand
rows instead of walking every animal's intervals.

**What a row holds.** Bird time is a step function: the number of birds at a location changes
only where a location interval (or a layer-eligible piece of one) starts or ends. A row of
`bird_time_hours` keeps, per (location, UTC hour `hour` = ms // 3 600 000), the changes whose
instant falls in that hour: `*_dc`, the change in the count of birds (+1 per start, -1 per end),
and `*_dm`, the milliseconds those changes add within the hour (+(end of hour - start) per
start, -(end of hour - end) per end). The birds present when hour h begins are the sum of `dc`
over the hours before h, so the bird time of hour h is `count × 3 600 000 + dm(h)`; to keep
that sum short, `bird_time_blocks` holds the `dc` of every 30 days (`BLOCK_HOURS`) summed. An
open interval simply has no end: nothing is stored for the future. Rows whose figures are all
zero are not kept. Columns `all_*` count every bird; `layer_*` only the layer-eligible pieces:
alive, adult, female and of an egg product's species (as `animaltrack.services.stats`). No
time zone is in a row (principle 7): `bird_ms_by_day` reads any window or local day from the
hours it covers whole and the pieces of the hours its ends cut.

**How it is kept.** The rows follow from the location and attribute intervals and the
registry's species (`DEPENDS_ON`), which the projections registered before this one have
already brought up to date for the event. `bird_time_pieces` keeps, per animal, the pieces it
contributed (`kind` `all` or `layer`; indexed by start and by end for those cut hours), so
an event's animals are recomputed from their intervals and only the difference is applied to
the hours and blocks: apply, refold and revert are all "recompute
these animals", which makes them equal by construction. The batch build computes every
animal's pieces from the built interval tables in one pass.

The egg species are read from the reference table `products` (reference data, not a
projection).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby

from animaltrack.events.model import Event
from animaltrack.projections.base import Batch, Projection, insert_rows
from animaltrack.projections.intervals import IntervalProjection

HOUR_MS = 3_600_000
# The hours of one row of `bird_time_blocks`: 30 days. m010 filled the blocks of existing farms
# with this size (`hour / 720` in SQL): changing it takes a migration that refills them.
BLOCK_HOURS = 720
_NEVER = -(2**62)  # before every time: `since` of a full recompute
KINDS = ("all", "layer")
# The attribute values that make an animal layer-eligible, besides its species.
LAYER_ATTRS = (("sex", "female"), ("life_stage", "adult"), ("status", "alive"))

Piece = tuple[str, int, int | None]  # (location_id, start_utc, end_utc or None while open)
Deltas = dict[tuple[str, int], list[int]]  # (location, hour) -> [all_dc, all_dm, layer_dc, …]


def intersect(a: Sequence[tuple[int, int | None]], b: Sequence[tuple[int, int | None]]):
    """The common parts of two sorted lists of disjoint half-open intervals (None end = open)."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        (s1, e1), (s2, e2) = a[i], b[j]
        start = max(s1, s2)
        end = e1 if e2 is None else e2 if e1 is None else min(e1, e2)
        if end is None or end > start:
            out.append((start, end))
        if e2 is None or (e1 is not None and e1 <= e2):
            i += 1
        else:
            j += 1
    return out


def pieces_of(
    locations: Sequence[Piece], attrs: Mapping[str, list[tuple[int, int | None]]], layer: bool
) -> dict[str, list[Piece]]:
    """An animal's pieces by kind: its location intervals (`all`) and their parts where it was
    layer-eligible (`layer`; none unless `layer`, i.e. of an egg species)."""
    result: dict[str, list[Piece]] = {"all": list(locations), "layer": []}
    if not layer:
        return result
    eligible = attrs.get(LAYER_ATTRS[0], [])
    for key in LAYER_ATTRS[1:]:
        eligible = intersect(eligible, attrs.get(key, []))
    for location, start, end in locations:
        for s, e in intersect([(start, end)], eligible):
            result["layer"].append((location, s, e))
    return result


def add_piece(deltas: Deltas, kind: str, piece: Piece, sign: int) -> None:
    """Add (`sign` 1) or take away (-1) one piece's changes to the hours it starts and ends in."""
    location, start, end = piece
    at = 0 if kind == "all" else 2
    for instant, step in ((start, sign), (end, -sign)):
        if instant is None:
            continue
        hour = instant // HOUR_MS
        row = deltas.setdefault((location, hour), [0, 0, 0, 0])
        row[at] += step
        row[at + 1] += step * ((hour + 1) * HOUR_MS - instant)


HOUR_COLUMNS = ("location_id", "hour", "all_dc", "all_dm", "layer_dc", "layer_dm")
BLOCK_COLUMNS = ("location_id", "block", "all_dc", "layer_dc")
PIECE_COLUMNS = ("animal_id", "kind", "start_utc", "location_id", "end_utc")


class BirdTimeProjection(Projection):
    NAME = "bird_time"
    TABLES = ("bird_time_hours", "bird_time_blocks", "bird_time_pieces")
    DEPENDS_ON = ("animal_location_intervals", "animal_attr_intervals", "animal_registry")
    # Its rows change exactly when an animal's intervals do.
    EVENT_TYPES = IntervalProjection.EVENT_TYPES
    ANIMAL_ROWS = True

    # The live path: every change is "recompute these animals" ---------------------------

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        # Events are folded in time order, so this one changes intervals at or after its time
        # only: the pieces ending before it stay as they are.
        animals = [a for a in event.animal_ids() if only is None or a in only]
        self.recompute(animals, since=event.ts_utc)

    def revert(self, event: Event) -> None:
        self.recompute(event.animal_ids())

    def refold(self, animal_ids: Iterable[str], events: Sequence[Event]) -> None:
        self.recompute(animal_ids)

    def forget(self, animal_ids: frozenset[str]) -> None:
        self._replace(sorted(animal_ids), {})

    def recompute(self, animal_ids: Iterable[str], since: int | None = None) -> None:
        """Bring these animals' pieces (and so the hours) in line with their intervals now;
        with `since`, only the pieces that end at or after it (or are open), computed from the
        intervals that do — a piece ends no earlier than every interval it is cut from."""
        ids = sorted(set(animal_ids))
        if ids:
            self._replace(ids, self.read_pieces(ids, since), since)

    def _replace(
        self, ids: list[str], new: dict[str, dict[str, list[Piece]]], since: int | None = None
    ) -> None:
        """Store `new` as these animals' pieces; only the pieces that changed are written, and
        their changes applied to the hours (a move touches the last piece or two of a long
        history)."""
        old = self._stored_pieces(ids, since)
        deltas: Deltas = {}
        gone, added = [], []
        for animal in ids:
            for kind in KINDS:
                before = set(old.get(animal, {}).get(kind, ()))
                after = set(new.get(animal, {}).get(kind, ()))
                for piece in before - after:
                    add_piece(deltas, kind, piece, -1)
                    gone.append((animal, kind, piece[1]))
                for piece in after - before:
                    add_piece(deltas, kind, piece, 1)
                    added.append((animal, kind, piece[1], piece[0], piece[2]))
        self.db.conn.executemany(
            self.sql(
                "DELETE FROM {bird_time_pieces} WHERE animal_id = ? AND kind = ? AND start_utc = ?"
            ),
            gone,
        )
        insert_rows(self.db, self.names["bird_time_pieces"], PIECE_COLUMNS, sorted(added))
        self._add_deltas(deltas)

    def _add_deltas(self, deltas: Deltas) -> None:
        changes = [(loc, hour, *row) for (loc, hour), row in deltas.items() if any(row)]
        if not changes:
            return
        self._add_sums("bird_time_hours", HOUR_COLUMNS, changes)
        self._add_sums("bird_time_blocks", BLOCK_COLUMNS, block_rows(deltas))

    def _add_sums(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Add `rows` — (location_id, hour or block, figure…) — to the rows of `table` with the
        same key, then drop those left all zero (a row that is all zero is not kept)."""
        keys, figures = columns[:2], columns[2:]
        added = ", ".join(f"{f} = {f} + excluded.{f}" for f in figures)
        self.db.conn.executemany(
            self.sql(
                f"INSERT INTO {{{table}}} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})"
                f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
            ),
            rows,
        )
        zero = " AND ".join(f"{column} = 0" for column in figures)
        self.db.conn.executemany(
            self.sql(f"DELETE FROM {{{table}}} WHERE {keys[0]} = ? AND {keys[1]} = ? AND {zero}"),
            [row[:2] for row in rows],
        )

    def _stored_pieces(
        self, ids: list[str], since: int | None
    ) -> dict[str, dict[str, list[Piece]]]:
        rows = self.db.execute(
            self.sql(
                "SELECT t.animal_id, t.kind, t.location_id, t.start_utc, t.end_utc FROM"
                + _ending_since("{bird_time_pieces}", by_kind=True)
            ),
            {"ids": json.dumps(ids), "since": _NEVER if since is None else since},
        )
        stored: dict[str, dict[str, list[Piece]]] = defaultdict(lambda: {"all": [], "layer": []})
        for animal, kind, location, start, end in rows:
            stored[animal][kind].append((location, start, end))
        return stored

    # Reading the intervals ---------------------------------------------------------------

    def egg_species(self) -> set[str]:
        rows = self.db.execute(
            "SELECT DISTINCT species_code FROM products"
            " WHERE kind = 'egg' AND species_code IS NOT NULL"
        )
        return {r[0] for r in rows}

    def read_pieces(
        self, ids: list[str] | None, since: int | None = None
    ) -> dict[str, dict[str, list[Piece]]]:
        """Every piece of these animals (None: of every animal), from the interval tables; with
        `since`, those ending at or after it (or open)."""
        where = "" if ids is None else " WHERE animal_id IN (SELECT value FROM json_each(:ids))"
        located = " {animal_location_intervals} AS t" + where
        if since is not None:
            where += " AND (end_utc IS NULL OR end_utc >= :since)"
            located = _ending_since("{animal_location_intervals}")
        params = {"ids": json.dumps(ids), "since": since}
        locations = self.db.execute(
            self.sql(
                "SELECT t.animal_id, t.location_id, t.start_utc, t.end_utc FROM"
                + located
                + " ORDER BY t.animal_id, t.start_utc"
            ),
            params,
        ).fetchall()
        # `attr IN (…)` keeps the primary key (animal_id, attr) in use; the values are tested
        # here (an OR of (attr, value) pairs would make SQLite scan every female, adult and
        # alive interval of the farm through the (attr, value) index).
        names = ", ".join(f"'{a}'" for a, _ in LAYER_ATTRS)
        attrs = self.db.execute(
            self.sql(
                "SELECT animal_id, attr, value, start_utc, end_utc FROM {animal_attr_intervals}"
                + (where + " AND" if where else " WHERE")
                + f" attr IN ({names}) ORDER BY animal_id, attr, start_utc"
            ),
            params,
        ).fetchall()
        wanted = set(LAYER_ATTRS)
        species = self.egg_species()
        chosen = "" if ids is None else " WHERE animal_id IN (SELECT value FROM json_each(:ids))"
        layer_animals = {
            r[0]
            for r in self.db.execute(
                self.sql("SELECT animal_id, species FROM {animal_registry}" + chosen), params
            )
            if r[1] in species
        }
        by_animal_attrs: dict[str, dict[tuple[str, str], list]] = defaultdict(
            lambda: defaultdict(list)
        )
        for animal, attr, value, start, end in attrs:
            if (attr, value) in wanted:
                by_animal_attrs[animal][(attr, value)].append((start, end))
        result = {}
        for animal, rows in groupby(locations, key=lambda r: r[0]):
            spans = [(loc, s, e) for _, loc, s, e in rows]
            result[animal] = pieces_of(
                spans, by_animal_attrs.get(animal, {}), animal in layer_animals
            )
        return result

    def batch(self, log: str) -> Batch:
        return BirdTimeBatch(self)


def block_rows(deltas: Deltas) -> list[tuple]:
    """The hours' count changes summed per (location, block), the non-zero ones in key order."""
    blocks: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for (location, hour), (all_dc, _, layer_dc, _) in deltas.items():
        block = blocks[location, hour // BLOCK_HOURS]
        block[0] += all_dc
        block[1] += layer_dc
    return sorted((loc, block, *row) for (loc, block), row in blocks.items() if any(row))


def _ending_since(table: str, by_kind: bool = False) -> str:
    """A FROM clause: the rows `t` of `table` (disjoint intervals per animal, per `kind` if
    `by_kind`) of the animals `:ids` that end at or after `:since` or are open.

    The ends of disjoint intervals rise with their starts, so those rows are a suffix: every
    interval starting at or after `:since`, and the last one starting before it if it reaches
    `:since`. Joined from the ids, the suffix's first start bounds the index range on
    (animal_id, …, start_utc): an animal moved a few hundred times reads a row or two, not its
    whole history.
    """
    kinds = " CROSS JOIN (SELECT 'all' AS kind UNION ALL SELECT 'layer') AS k" if by_kind else ""
    same = " AND {alias}.kind = k.kind" if by_kind else ""
    last_before = (
        f"SELECT MAX(p.start_utc) FROM {table} AS p WHERE p.animal_id = j.value"
        + same.format(alias="p")
        + " AND p.start_utc < :since"
    )
    return (
        f" json_each(:ids) AS j{kinds} JOIN {table} AS t ON t.animal_id = j.value"
        + same.format(alias="t")
        + f" AND t.start_utc >= COALESCE(({last_before}), :since)"
        " WHERE (t.end_utc IS NULL OR t.end_utc >= :since)"
    )


def piece_rows(pieces: dict[str, dict[str, list[Piece]]]) -> list[tuple]:
    """`bird_time_pieces` rows in primary-key order."""
    rows = [
        (animal, kind, start, location, end)
        for animal, by_kind in pieces.items()
        for kind in KINDS
        for location, start, end in by_kind.get(kind, ())
    ]
    rows.sort(key=lambda r: r[:3])
    return rows


class BirdTimeBatch(Batch):
    """Nothing to fold event by event: once the interval tables are built (they are finished
    before this one, being registered first), every animal's pieces and the hours follow."""

    def add(self, event: Event) -> None:
        pass

    def finish(self) -> None:
        p = self.projection
        pieces = p.read_pieces(None)
        deltas: Deltas = {}
        for by_kind in pieces.values():
            for kind in KINDS:
                for piece in by_kind[kind]:
                    add_piece(deltas, kind, piece, 1)
        insert_rows(p.db, p.names["bird_time_pieces"], PIECE_COLUMNS, piece_rows(pieces))
        hours = sorted((loc, hour, *row) for (loc, hour), row in deltas.items() if any(row))
        insert_rows(p.db, p.names["bird_time_hours"], HOUR_COLUMNS, hours)
        insert_rows(p.db, p.names["bird_time_blocks"], BLOCK_COLUMNS, block_rows(deltas))


# -- reading -----------------------------------------------------------------------------------

# A change of the step function that adds `dm + dc × (segment end - ref)` to the segment
# holding `at`, then moves the counts by `dc`: (at, ref, all_dc, all_dm, layer_dc, layer_dm).
Change = tuple[int, int, int, int, int, int]


def bird_ms_by_day(
    db, location_id: str | None, bounds: Sequence[int]
) -> tuple[list[int], list[int]]:
    """(all, layer-eligible) bird milliseconds in each segment `[bounds[k], bounds[k + 1])` (a
    day of a chart, or one window) at the location (None: every location, summed).

    The birds present when the first segment's hour begins come from `counts_at_hour`. Then
    each segment adds `count × length` and, for each change in it, its milliseconds up to the
    segment's end. An hour that no bound cuts is one change, its row of `bird_time_hours`; an
    hour that a bound cuts (a window ending at 14:37, a day of a :30 time zone) is read piece by
    piece from `bird_time_pieces`, so every bound is exact to the millisecond.
    """
    cut = sorted({b // HOUR_MS for b in bounds if b % HOUR_MS})
    first_hour, end_hour = bounds[0] // HOUR_MS, -(-bounds[-1] // HOUR_MS)
    all_count, layer_count = counts_at_hour(db, location_id, first_hour)
    changes = _hour_changes(db, location_id, first_hour, end_hour, set(cut))
    for hour in cut:
        changes += _piece_changes(db, location_id, hour * HOUR_MS, (hour + 1) * HOUR_MS)
    changes.sort()
    segments = len(bounds) - 1
    all_ms, layer_ms = [0] * segments, [0] * segments
    i = 0
    while i < len(changes) and changes[i][0] < bounds[0]:  # inside the first, cut hour
        all_count, layer_count = all_count + changes[i][2], layer_count + changes[i][4]
        i += 1
    for k in range(segments):
        end = bounds[k + 1]
        a, b = all_count * (end - bounds[k]), layer_count * (end - bounds[k])
        while i < len(changes) and changes[i][0] < end:
            _, ref, adc, adm, ldc, ldm = changes[i]
            a += adm + adc * (end - ref)
            b += ldm + ldc * (end - ref)
            all_count, layer_count = all_count + adc, layer_count + ldc
            i += 1
        all_ms[k], layer_ms[k] = a, b
    return all_ms, layer_ms


def _where(location_id: str | None) -> str:
    return "" if location_id is None else "location_id = :location AND"


def counts_at_hour(db, location_id: str | None, hour: int) -> tuple[int, int]:
    """(all, layer-eligible) birds present at the location (None: farm-wide) when UTC hour
    `hour` begins: the count changes of every earlier block, then of the hours of its own block
    before it — a few thousand rows at most, however long the history."""
    block = hour // BLOCK_HOURS
    params = {"location": location_id, "block": block, "from": block * BLOCK_HOURS, "to": hour}
    totals = [
        db.execute(
            f"SELECT COALESCE(SUM(all_dc), 0), COALESCE(SUM(layer_dc), 0) FROM {sql}", params
        ).fetchone()
        for sql in (
            f"bird_time_blocks WHERE {_where(location_id)} block < :block",
            f"bird_time_hours WHERE {_where(location_id)} hour >= :from AND hour < :to",
        )
    ]
    return totals[0][0] + totals[1][0], totals[0][1] + totals[1][1]


def _hour_changes(
    db, location_id: str | None, first: int, end: int, skipped: set[int]
) -> list[Change]:
    """The rows of the hours `[first, end)`, summed over locations, but for `skipped`."""
    rows = db.execute(
        f"SELECT hour, SUM(all_dc), SUM(all_dm), SUM(layer_dc), SUM(layer_dm)"
        f" FROM bird_time_hours WHERE {_where(location_id)} hour >= :first AND hour < :end"
        " GROUP BY hour",
        {"location": location_id, "first": first, "end": end},
    )
    return [
        (hour * HOUR_MS, (hour + 1) * HOUR_MS, adc, adm, ldc, ldm)
        for hour, adc, adm, ldc, ldm in rows
        if hour not in skipped
    ]


def _piece_changes(db, location_id: str | None, start: int, end: int) -> list[Change]:
    """Each piece starting (+1) or ending (-1) in `[start, end)`, at its instant."""
    where = "" if location_id is None else " AND location_id = :location"
    rows = db.execute(
        f"SELECT start_utc, kind, 1 FROM bird_time_pieces"
        f" WHERE start_utc >= :start AND start_utc < :end{where}"
        f" UNION ALL SELECT end_utc, kind, -1 FROM bird_time_pieces"
        f" WHERE end_utc IS NOT NULL AND end_utc >= :start AND end_utc < :end{where}",
        {"location": location_id, "start": start, "end": end},
    )
    return [
        (at, at, step, 0, 0, 0) if kind == "all" else (at, at, 0, 0, step, 0)
        for at, kind, step in rows
    ]
