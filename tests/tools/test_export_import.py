"""`animaltrack export` and `import` (SPEC §14): a history goes out and comes back row for row,
and a file at fault is refused with the number of its first bad line, writing nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    FeedGivenPayload,
    FeedPurchasedPayload,
    ProductCollectedPayload,
)
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from store import connect
from store.migrations import LOG_TABLES, REFERENCE_TABLES, migrate
from tests.farm import DAY, HOUR, T0, Farm
from tests.tools.helpers import run


def corrected_farm(path: Path) -> dict[str, str]:
    """A farm whose history was corrected after the fact: a late death, a late move, an egg
    count edited twice, a feed delivery deleted; returns the ids the tests refer to."""
    farm = Farm(path)
    try:
        strip, nursery = farm.location_id("Strip 1"), farm.location_id("Nursery 1")
        cohort = AnimalCohortCreatedPayload(
            species="duck", count=5, life_stage="adult", sex="female", location_id=strip
        )
        created = farm.animals.create_cohort(cohort, T0, "ines")
        ducks = created.entity_refs["animal_ids"]
        purchase = FeedPurchasedPayload(feed_type_code="layer", bags_count=1, bag_price_cents=2400)
        farm.feed.purchase_feed(purchase, T0, "ines")
        eggs = [
            farm.products.collect_product(
                ProductCollectedPayload(location_id=strip, product_code="egg.duck", quantity=4),
                T0 + day * DAY,
                "ines",
            )
            for day in range(1, 8)
        ]
        given = FeedGivenPayload(location_id=strip, feed_type_code="layer", amount_kg=3)
        feed = farm.feed.give_feed(given, T0 + 2 * DAY, "ines")
        farm.now += DAY
        death = farm.animals.record_outcome(
            AnimalOutcomePayload(resolved_ids=[ducks[0]], outcome="death"), T0 + 3 * DAY, "ines"
        )
        move = farm.animals.move_animals(
            AnimalMovedPayload(resolved_ids=ducks[1:3], to_location_id=nursery),
            T0 + 4 * DAY + HOUR,
            "ines",
        )
        args = (farm.db, farm.store, farm.registry)
        edit_event(*args, eggs[5].id, actor="ines", role="recorder", payload={"quantity": 2})
        farm.now += DAY
        delete_event(*args, feed.id, actor="ines", role="recorder", reason="never given")
        edit_event(*args, eggs[5].id, actor="ines", role="recorder", payload={"quantity": 1})
        return {"cohort": created.id, "death": death.id, "move": move.id, "dead": ducks[0]}
    finally:
        farm.close()


def log_rows(path: Path) -> dict[str, list[tuple]]:
    """The log and reference data, row by row; the log sequence without its numbers (an
    import numbers it afresh, in the order its changes happened)."""
    db = connect(path)
    try:
        rows = {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in (*REFERENCE_TABLES, *LOG_TABLES)
            if table != "log_changes"
        }
        rows["log_changes"] = db.execute(
            "SELECT kind, event_id, version, at_utc FROM log_changes ORDER BY 1, 2, 3, 4"
        ).fetchall()
        return rows
    finally:
        db.close()


def exported(path: Path, out: Path) -> Path:
    result = run("--db", path, "export", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def corrected(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """The corrected farm, its export, and the ids."""
    folder = tmp_path_factory.mktemp("corrected")
    ids = corrected_farm(folder / "farm.db")
    return folder / "farm.db", exported(folder / "farm.db", folder / "farm.ndjson"), ids


def test_a_corrected_farm_comes_back_row_for_row(corrected, tmp_path):
    source, file, _ = corrected
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    kinds = [line["kind"] for line in lines]
    assert kinds[0] == "header" and kinds.count("revision") == 2 and kinds.count("tombstone") == 1
    events = [line for line in lines if line["kind"] == "event"]
    assert [(e["ts_utc"], e["id"]) for e in events] == sorted(
        (e["ts_utc"], e["id"]) for e in events
    )

    target = tmp_path / "copy.db"
    result = run("--db", target, "import", file)
    assert result.exit_code == 0, result.output
    assert "verify: clean" in result.output
    assert log_rows(target) == log_rows(source)
    assert exported(target, tmp_path / "again.ndjson").read_bytes() == file.read_bytes()


def test_a_generated_history_comes_back_and_verifies(history, tmp_path):
    file = exported(history, tmp_path / "history.ndjson")
    target = tmp_path / "copy.db"
    result = run("--db", target, "import", file)
    assert result.exit_code == 0, result.output
    events = len(log_rows(history)["events"])
    assert f"import: {events:,} events" in result.output and "verify: clean" in result.output
    assert log_rows(target) == log_rows(history)


def _edit(file: Path, out: Path, change) -> Path:
    """A copy of the export with `change(lines)` applied to its list of parsed lines."""
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    change(lines)
    out.write_text("".join(_text(line) + "\n" for line in lines))
    return out


class Raw(str):
    """A line written as it is, not as JSON."""


def _text(line) -> str:
    return line if isinstance(line, Raw) else json.dumps(line)


def _index(lines, **match) -> int:
    return next(
        i
        for i, line in enumerate(lines)
        if isinstance(line, dict) and all(line.get(k) == v for k, v in match.items())
    )


def _malformed(lines, ids):
    i = _index(lines, id=ids["move"])
    lines[i] = Raw('{"kind": "event", "id": ')  # cut short
    return i


def _not_an_object(lines, ids):
    i = _index(lines, id=ids["move"])
    lines[i] = ["event"]
    return i


def _unknown_type(lines, ids):
    i = _index(lines, id=ids["move"])
    lines[i]["type"] = "AnimalTeleported"
    return i


def _negative_count(lines, ids):
    i = _index(lines, id=ids["cohort"])
    lines[i]["payload"]["count"] = -3
    return i


def _breaks_history(lines, ids):
    """The late move now also takes the duck that died the day before."""
    i = _index(lines, id=ids["move"])
    lines[i]["payload"]["resolved_ids"].append(ids["dead"])
    return i


def _out_of_order(lines, ids):
    i = _index(lines, id=ids["death"])
    lines[i], lines[i - 1] = lines[i - 1], lines[i]
    return i  # the line now before it is later in time


def _unknown_kind(lines, ids):
    i = _index(lines, id=ids["move"])
    lines[i]["kind"] = "memo"
    return i


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_malformed, "not a JSON object"),
        (_not_an_object, "not a JSON object"),
        (_unknown_type, "unknown event type 'AnimalTeleported'"),
        (_negative_count, "count"),
        (_breaks_history, "breaks the history"),
        (_out_of_order, "out of order"),
        (_unknown_kind, "unknown kind 'memo'"),
    ],
    ids=lambda value: getattr(value, "__name__", value)[:30],
)
def test_a_bad_line_is_refused_by_number_and_nothing_is_written(corrected, tmp_path, change, words):
    _, file, ids = corrected
    at: list[int] = []
    bad = _edit(file, tmp_path / "bad.ndjson", lambda lines: at.append(change(lines, ids)))
    target = tmp_path / "target.db"
    db = connect(target)
    migrate(db)
    db.close()
    before = target.read_bytes()

    result = run("--db", target, "import", bad)

    assert result.exit_code == 1, result.output
    assert f"line {at[0] + 1}: " in result.output and words in result.output, result.output
    reopened = connect(target)
    try:
        for table in (*REFERENCE_TABLES, *LOG_TABLES, "animal_registry", "event_locations"):
            assert reopened.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
        assert reopened.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        reopened.close()
    assert len(target.read_bytes()) == len(before)


def test_import_refuses_a_database_that_holds_a_farm(corrected, tmp_path):
    source, file, _ = corrected
    result = run("--db", source, "import", file)
    assert result.exit_code == 1
    assert "already holds a farm" in result.output


def test_a_collection_whose_producers_history_took_away_still_imports(tmp_path):
    """Eggs were collected at the strip on day 2; a death recorded later, dated day 1, leaves
    that collection with no producer. Recording it was allowed (the producer is asked for only
    when a collection is first recorded), so the history is valid and must import."""
    farm = Farm(tmp_path / "farm.db")
    try:
        strip = farm.location_id("Strip 1")
        cohort = AnimalCohortCreatedPayload(
            species="duck", count=1, life_stage="adult", sex="female", location_id=strip
        )
        [duck] = farm.animals.create_cohort(cohort, T0, "ines").entity_refs["animal_ids"]
        collected = ProductCollectedPayload(
            location_id=strip, product_code="egg.duck", quantity=Decimal(3)
        )
        farm.products.collect_product(collected, T0 + 2 * DAY, "ines")
        farm.now += DAY
        death = AnimalOutcomePayload(resolved_ids=[duck], outcome="death")
        farm.animals.record_outcome(death, T0 + DAY, "ines")
    finally:
        farm.close()
    file = exported(tmp_path / "farm.db", tmp_path / "farm.ndjson")
    result = run("--db", tmp_path / "copy.db", "import", file)
    assert result.exit_code == 0, result.output
    assert log_rows(tmp_path / "copy.db") == log_rows(tmp_path / "farm.db")


def test_export_refuses_an_existing_file(corrected, tmp_path):
    source, _, _ = corrected
    out = tmp_path / "taken.ndjson"
    out.write_text("mine")
    result = run("--db", source, "export", "--out", out)
    assert result.exit_code == 1 and "already exists" in result.output
    assert out.read_text() == "mine"
    assert not Path(f"{out}.partial").exists()
