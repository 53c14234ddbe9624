"""Payload versions and upcasters (SPEC §4): a payload whose shape changed is read in today's
shape, from old database rows and from old exports alike, and stored rows are never rewritten.

The tests play a future in which `ProductCollected` is at version 2. Today's readers must not
change for it, so the future is played backwards: version 1 is an invented older shape that
called the count `eggs`, and version 2 is today's shape (`quantity`), reached by the upcaster
`eggs → quantity`. Rows and export lines are written in the old shape, the current version is
raised to 2, and everything must read them through the upcaster.
"""

from __future__ import annotations

import json

from animaltrack.events import types as t
from animaltrack.events.store import EventStore
from animaltrack.events.versions import PAYLOAD_VERSIONS
from animaltrack.projections.replay import projection_rows, replay
from store import connect
from tests.tools.helpers import run
from tests.tools.test_export_import import corrected_farm, exported, log_rows


def _from_version_1(payload: dict) -> dict:
    """Version 1 of the invented past: the count was called `eggs`."""
    payload = dict(payload)
    payload["quantity"] = payload.pop("eggs")
    return payload


def play_version_2(monkeypatch) -> None:
    """From here on, ProductCollected is at version 2, reached from 1 by `_from_version_1`."""
    monkeypatch.setitem(PAYLOAD_VERSIONS.current, t.PRODUCT_COLLECTED, 2)
    monkeypatch.setitem(PAYLOAD_VERSIONS.steps, (t.PRODUCT_COLLECTED, 1), _from_version_1)


def _to_old_shape(path) -> None:
    """Rewrite the stored collections (and their revisions) into version 1's shape."""
    db = connect(path)
    try:
        for table in ("events", "event_revisions"):
            where = (
                "type = 'ProductCollected'"
                if table == "events"
                else ("event_id IN (SELECT id FROM events WHERE type = 'ProductCollected')")
            )
            db.execute(
                f"UPDATE {table} SET payload = json_set(json_remove(payload, '$.quantity'),"
                f" '$.eggs', json_extract(payload, '$.quantity')) WHERE {where}"
            )
    finally:
        db.close()


def test_old_database_rows_are_read_through_the_upcaster(tmp_path, monkeypatch):
    path = tmp_path / "farm.db"
    ids = corrected_farm(path)
    db = connect(path)
    before = projection_rows(db)
    db.close()
    _to_old_shape(path)
    play_version_2(monkeypatch)

    db = connect(path)
    try:
        store = EventStore(db)
        collections = store.list_events(types=[t.PRODUCT_COLLECTED])
        assert collections and all("quantity" in e.payload for e in collections)
        assert all("eggs" not in e.payload for e in collections)
        edited = next(e for e in collections if e.version == 3)
        assert [r["payload"]["quantity"] for r in store.revisions(edited.id)] == ["4", "2"]
        replay(db)  # the projections folded from the old rows are the ones folded before
        assert projection_rows(db) == before
        stored = db.execute(
            "SELECT DISTINCT payload_version, json_type(payload, '$.eggs') FROM events"
            " WHERE type = 'ProductCollected'"
        ).fetchall()
        assert stored == [(1, "text")]  # nothing was rewritten by reading
    finally:
        db.close()
    assert run("--db", path, "verify").exit_code == 0
    lines = [
        json.loads(x) for x in exported(path, tmp_path / "farm.ndjson").read_text().splitlines()
    ]
    assert lines[0]["payload_versions"][t.PRODUCT_COLLECTED] == 2
    out = [x["payload"] for x in lines if x.get("type") == t.PRODUCT_COLLECTED]
    assert out and all("quantity" in p and "eggs" not in p for p in out)
    assert ids["cohort"] in {x.get("id") for x in lines}


def test_an_old_export_imports_into_todays_shape(tmp_path, monkeypatch):
    source = tmp_path / "farm.db"
    corrected_farm(source)
    file = exported(source, tmp_path / "farm.ndjson")  # written at version 1 ...
    old = tmp_path / "old.ndjson"
    lines = []
    for text in file.read_text().splitlines():  # ... in version 1's (invented) shape
        line = json.loads(text)
        if line.get("type") == t.PRODUCT_COLLECTED or (
            line["kind"] == "revision" and "product_code" in line["payload"]
        ):
            line["payload"]["eggs"] = line["payload"].pop("quantity")
        lines.append(json.dumps(line))
    old.write_text("\n".join(lines) + "\n")

    play_version_2(monkeypatch)
    target = tmp_path / "copy.db"
    result = run("--db", target, "import", old)
    assert result.exit_code == 0, result.output
    assert "verify: clean" in result.output

    copy = connect(target)
    try:  # stored at today's version, in today's shape
        assert copy.execute(
            "SELECT DISTINCT payload_version, json_type(payload, '$.quantity') FROM events"
            " WHERE type = 'ProductCollected'"
        ).fetchall() == [(2, "text")]
    finally:
        copy.close()
    ours, theirs = log_rows(source), log_rows(target)
    for table in ("events", "event_revisions"):  # the same facts, bar the version stamp
        assert [row[:-1] for row in theirs[table]] == [row[:-1] for row in ours[table]]
    header = json.loads(exported(target, tmp_path / "new.ndjson").read_text().splitlines()[0])
    assert header["payload_versions"][t.PRODUCT_COLLECTED] == 2


def test_a_file_from_a_newer_program_is_refused(tmp_path):
    source = tmp_path / "farm.db"
    corrected_farm(source)
    file = exported(source, tmp_path / "farm.ndjson")
    lines = file.read_text().splitlines()
    header = json.loads(lines[0])
    header["payload_versions"][t.PRODUCT_COLLECTED] = 7
    newer = tmp_path / "newer.ndjson"
    newer.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    result = run("--db", tmp_path / "copy.db", "import", newer)
    assert result.exit_code == 1
    assert "line 1: ProductCollected payloads are at version 7" in result.output
