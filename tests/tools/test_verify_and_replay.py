"""`animaltrack verify` and `animaltrack replay --until` (SPEC §14) on a generated history of
20 000 events and on a farm with late entries, edits and deletes."""

from __future__ import annotations

import stat
from decimal import Decimal

from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    FeedGivenPayload,
    FeedPurchasedPayload,
    ProductCollectedPayload,
)
from animaltrack.selection import parse_filter, resolve_filter
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from animaltrack.services.stats import get_egg_stats
from animaltrack.timefmt import to_iso
from store import connect
from tests.farm import DAY, HOUR, T0, Farm
from tests.tools.helpers import EVENTS, run, tamper


def test_verify_passes_on_a_faithful_history(copy):
    result = run("--db", copy, "verify")
    assert result.exit_code == 0, result.output
    assert "verify: clean" in result.output and f"{EVENTS + 8:,} events" in result.output


def test_verify_names_every_tampered_table_and_a_drifted_span(copy):
    tables = tamper(copy)
    result = run("--db", copy, "verify")
    assert result.exit_code == 1, result.output
    for table in tables:
        assert f"\n{table}: 1 row(s) differ" in f"\n{result.output}" or (
            f"\n{table}: 2 row(s) differ" in f"\n{result.output}"
        ), (table, result.output)
    assert "animal_location_spans: span" in result.output
    assert "DIFFERENCES FOUND" in result.output

    only = run("--db", copy, "verify", "--only", "tags")
    assert only.exit_code == 1
    assert "animal_tag_intervals:" in only.output and "animal_registry:" not in only.output


def test_verify_refuses_a_missing_database_and_an_unknown_projection(tmp_path, copy):
    missing = run("--db", tmp_path / "nowhere.db", "verify")
    assert missing.exit_code == 1 and "There is no database" in missing.output
    assert not (tmp_path / "nowhere.db").exists()
    unknown = run("--db", copy, "verify", "--only", "sheep")
    assert unknown.exit_code == 1 and "No projection called sheep" in unknown.output


def test_replay_until_gives_the_roster_and_egg_statistics_of_that_instant(copy, tmp_path):
    live = connect(copy)
    try:
        first, last = live.execute(
            "SELECT MIN(ts_utc), MAX(ts_utc) FROM events WHERE ts_utc > 0"
        ).fetchone()
        at = (first + last) // 2
        strips = [r[0] for r in live.execute("SELECT id FROM locations WHERE name LIKE 'Strip%'")]
        expected = _answers(live, strips, at)
    finally:
        live.close()
    out = tmp_path / "then.db"
    result = run("--db", copy, "replay", "--until", to_iso(at), "--out", out)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    replayed = connect(out)
    try:
        assert _answers(replayed, strips, at) == expected
        assert replayed.execute(
            "SELECT COUNT(*) FROM events WHERE ts_utc > ?", (at,)
        ).fetchone() == (0,)
        assert replayed.execute("SELECT COUNT(*) FROM api_tokens").fetchone() == (0,)
    finally:
        replayed.close()
    assert run("--db", out, "verify").exit_code == 0
    again = run("--db", copy, "replay", "--until", str(at), "--out", out)
    assert again.exit_code == 1 and "already exists" in again.output


def _answers(db, strips: list[str], at: int) -> dict:
    """What the API reports for each strip at `at`: its roster and its egg statistics."""
    return {
        strip: (
            resolve_filter(db, parse_filter(f"location:{strip}"), at).animal_ids,
            get_egg_stats(db, strip, at, 30),
        )
        for strip in strips
    }


def test_replay_as_recorded_gives_what_the_api_answered_then(tmp_path):
    """A farm whose history is corrected after the fact: at each recording moment the test
    notes what the API answered; `--as-recorded` gives those answers back, while the plain
    replay gives history as it is known now."""
    farm = Farm(tmp_path / "farm.db")  # its clock stands after the seeding's real one
    strip, nursery = farm.location_id("Strip 1"), farm.location_id("Nursery 1")
    seen: dict[int, dict] = {}

    def note():
        seen[farm.now] = _answers(farm.db, [strip, nursery], farm.now)

    try:
        cohort = AnimalCohortCreatedPayload(
            species="duck", count=5, life_stage="adult", sex="female", location_id=strip
        )
        ducks = farm.animals.create_cohort(cohort, T0, "ines").entity_refs["animal_ids"]
        farm.feed.purchase_feed(
            FeedPurchasedPayload(feed_type_code="layer", bags_count=1, bag_price_cents=2400),
            T0,
            "ines",
        )
        eggs = [
            farm.products.collect_product(
                ProductCollectedPayload(
                    location_id=strip, product_code="egg.duck", quantity=Decimal(4)
                ),
                T0 + day * DAY,
                "ines",
            )
            for day in range(1, 8)
        ]
        given = FeedGivenPayload(location_id=strip, feed_type_code="layer", amount_kg=3)
        feed = farm.feed.give_feed(given, T0 + 2 * DAY, "ines")
        note()
        farm.now += DAY  # a day later: a death and a move recorded late, an edit, a delete
        farm.animals.record_outcome(
            AnimalOutcomePayload(resolved_ids=[ducks[0]], outcome="death"), T0 + 3 * DAY, "ines"
        )
        farm.animals.move_animals(
            AnimalMovedPayload(resolved_ids=ducks[1:3], to_location_id=nursery),
            T0 + 4 * DAY + HOUR,
            "ines",
        )
        args = (farm.db, farm.store, farm.registry)
        edit_event(*args, eggs[5].id, actor="ines", role="recorder", payload={"quantity": 2})
        note()
        farm.now += DAY
        delete_event(*args, feed.id, actor="ines", role="recorder", reason="never given")
        edit_event(*args, eggs[5].id, actor="ines", role="recorder", payload={"quantity": 1})
        note()
    finally:
        farm.close()

    path = tmp_path / "farm.db"
    for moment, answers in seen.items():
        out = tmp_path / f"as-recorded-{moment}.db"
        result = run("--db", path, "replay", "--until", moment, "--as-recorded", "--out", out)
        assert result.exit_code == 0, result.output
        then = connect(out)
        try:
            assert _answers(then, [strip, nursery], moment) == answers, moment
        finally:
            then.close()
        assert run("--db", out, "verify").exit_code == 0
    first = min(seen)
    known = tmp_path / "known.db"
    assert run("--db", path, "replay", "--until", first, "--out", known).exit_code == 0
    now_known = connect(known)
    try:  # history as now known differs from what was said then: the late death, the delete
        assert _answers(now_known, [strip, nursery], first) != seen[first]
    finally:
        now_known.close()
