"""The `animaltrack` command: thin click wrappers around the domain core and the store.

Each command's docstring is its help. Library errors become one clear line and exit 1.
"""

from __future__ import annotations

import dataclasses
import functools

import click

from store.settings import DEFAULT_WORKERS, MAX_WORKERS, Settings


def _fail_cleanly(fn):
    """Turn domain and settings errors into `click.ClickException` (one line, exit 1); a file
    that is not a sound SQLite database (damaged, or not one at all) too, naming the file."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from animaltrack.errors import AnimalTrackError
        from store.locks import LockHeld

        try:
            return fn(*args, **kwargs)
        except AnimalTrackError as error:
            raise click.ClickException(error.message) from error
        except LockHeld as error:
            raise click.ClickException(str(error)) from error
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
                raise  # busy beyond the timeout: not a damaged file
            settings = click.get_current_context().obj
            raise click.ClickException(
                f"{settings.db_path} cannot be read as an AnimalTrack database ({error}); if it"
                " is a restored backup, see the README's restore steps."
            ) from error

    return wrapper


@click.group()
@click.option("--db", "db_path", envvar="ANIMALTRACK_DB", default=None, help="Database file.")
@click.pass_context
def main(ctx: click.Context, db_path: str | None) -> None:
    """AnimalTrack: the event-sourced record of a small farm's ducks and geese."""
    try:
        settings = Settings.from_env()
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if db_path:
        settings = dataclasses.replace(settings, db_path=db_path)
    ctx.obj = settings


def _open(settings: Settings):
    from store import connect

    return connect(settings.db_path)


def _migrated(settings: Settings):
    """Open the database with every schema migration applied — but refuse, naming the command
    to run, while a data migration (one that rewrites stored rows) is pending (SPEC §14)."""
    from store.migrations import migrate as apply
    from store.migrations import pending_data_work

    db = _open(settings)
    if work := pending_data_work(db):
        db.close()
        raise click.ClickException(
            f"The database needs a data migration ({', '.join(work)}) that rewrites stored"
            " events: stop the server, back up the file, then run `animaltrack migrate`."
        )
    apply(db)
    return db


@main.command()
@click.pass_obj
@_fail_cleanly
def migrate(settings: Settings) -> None:
    """Apply pending migrations (idempotent), with the data upgrades they leave pending.

    A data migration rewrites stored events (the one sanctioned rewrite: taking derived
    references out of the log); it is followed by a rebuild of every projection and a VACUUM,
    with progress. Stop the server and back up the file first.

    Example: animaltrack --db farm.db migrate
    """
    import time

    from animaltrack.upgrades import run_upgrades
    from store.migrations import migrate as apply
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    db = _open(settings)
    try:
        applied = apply(db)
        with PhaseProgress() as progress:
            upgraded = run_upgrades(db, progress)
    finally:
        db.close()
    done = [*applied, *(f"upgrade {name}" for name in upgraded)]
    click.echo(
        f"Applied {len(applied)} migration(s)"
        + (f": {', '.join(done)}" if done else "; up to date")
        + f" in {time.perf_counter() - started:.1f} s"
    )


@main.command()
@click.pass_obj
@_fail_cleanly
def seed(settings: Settings) -> None:
    """Load reference data and the seed locations (idempotent).

    Example: animaltrack --db farm.db seed
    """
    from animaltrack.seeding import seed as run_seed

    db = _migrated(settings)
    added = run_seed(db)
    click.echo(f"Seeded {added['reference']} reference row(s) and {added['locations']} location(s)")


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 3366).")
@click.option("--dev", is_flag=True, help="Local development: bind 127.0.0.1, act as user dev.")
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=None,
    help=f"Server processes (default ANIMALTRACK_WORKERS, else {DEFAULT_WORKERS}).",
)
@click.pass_obj
@_fail_cleanly
def serve(
    settings: Settings, host: str | None, port: int | None, dev: bool, workers: int | None
) -> None:
    """Migrate if needed, seed if empty, and serve the GraphQL API.

    A pending data migration is not run here: serve refuses to start and names the command.
    Reads run in every process at once; writes take turns at SQLite's one write lock.

    Example: animaltrack serve --dev
    """
    from animaltrack.seeding import seed as run_seed
    from resolvers.app import serve as run_server

    db = _migrated(settings)
    try:
        run_seed(db)
    finally:
        db.close()  # the app opens its own connection
    if workers is not None:
        settings = dataclasses.replace(settings, workers=workers)
    run_server(settings, host=host, port=port, dev=dev)


def _require_file(settings: Settings) -> None:
    """Refuse a database path that does not exist: only `migrate`, `seed`, `serve`, `import`
    and `simulate` create one (SPEC §14), so a mistyped `--db` is an error, not a new farm."""
    from pathlib import Path

    if not Path(settings.db_path).exists():
        raise click.ClickException(f"There is no database at {settings.db_path}.")


def _existing(settings: Settings):
    """Open a database that must exist, with its migrations applied (see `_migrated`)."""
    _require_file(settings)
    return _migrated(settings)


_only_projections = click.option(
    "--only", "only", multiple=True, metavar="NAME", help="Only this projection (repeatable)."
)


def _instant(text: str) -> int:
    """TIME as milliseconds since the epoch, or ISO 8601 with an offset."""
    from animaltrack.timefmt import from_iso

    if text.lstrip("-").isdigit():
        return int(text)
    try:
        return from_iso(text)
    except ValueError as error:
        raise click.BadParameter(f"{error} (or give milliseconds since 1970)") from None


@main.command()
@_only_projections
@click.pass_obj
@_fail_cleanly
def rebuild(settings: Settings, only: tuple[str, ...]) -> None:
    """Rebuild every projection (or the named ones and those they read) from the log, while
    the server runs.

    The log is read from one snapshot and built into a scratch database beside the file; the
    rows are copied into twin tables in short transactions and caught up with what writers
    recorded meanwhile; then one write transaction renames the twins into place and folds in
    the last changes. Killed or interrupted at any point, it leaves the live projections as
    they were (or, once the swap committed, rebuilt); the next run clears what it left. A
    second rebuild while one runs is refused.

    Example: animaltrack rebuild --only event_log
    """
    import time

    from animaltrack.rebuild import rebuild as run_rebuild
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    db = _existing(settings)
    try:
        with PhaseProgress() as progress:
            summary = run_rebuild(db, settings.db_path, only=only or None, progress=progress)
    finally:
        db.close()
    seconds = time.perf_counter() - started
    click.echo(
        f"rebuild: {len(summary.projections)} projection(s), {summary.events:,} events in"
        f" {seconds:.1f} s ({summary.events / seconds:,.0f} events/s);"
        f" {summary.caught_up} event(s) changed meanwhile folded in, {summary.at_swap} of them"
        f" at the swap, which held the write lock {summary.swap_seconds:.2f} s"
    )


@main.command()
@_only_projections
@click.pass_obj
@_fail_cleanly
def verify(settings: Settings, only: tuple[str, ...]) -> None:
    """Check that the live projections equal a fold of the log (exit 1 on any difference).

    Folds the log, read from one snapshot, into a scratch database and compares every table by
    primary key; checks the R*Tree over location intervals and runs PRAGMA quick_check. The
    live database is only read. Projections: locations, animal_registry, intervals, tags,
    event_animals, event_log, products, feed.

    Example: animaltrack verify --only intervals
    """
    import time

    from animaltrack.verification import verify as run_verify
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    db = _existing(settings)
    try:
        with PhaseProgress() as progress:
            report = run_verify(db, only=only or None, progress=progress)
    finally:
        db.close()
    for difference in report.differences:
        key = ", ".join(difference.key)
        click.echo(f"{difference.table}: {difference.count} row(s) differ (key {key})")
        for row in difference.live_only:
            click.echo(f"  live only:    {row}")
        for row in difference.rebuilt_only:
            click.echo(f"  rebuilt only: {row}")
        shown = len(difference.live_only) + len(difference.rebuilt_only)
        if difference.count > shown:
            click.echo(f"  … and {difference.count - shown} more")
    for problem in report.index_problems:
        click.echo(problem)
    if report.quick_check != "ok":
        click.echo(f"PRAGMA quick_check: {report.quick_check}")
    seconds = time.perf_counter() - started
    verdict = "clean" if report.ok else "DIFFERENCES FOUND"
    click.echo(
        f"verify: {verdict} — {len(report.tables)} table(s), {report.events:,} events folded"
        f" in {seconds:.1f} s"
    )
    if not report.ok:
        raise SystemExit(1)


@main.command()
@click.option(
    "--until", "until", required=True, metavar="TIME", help="ISO 8601 with an offset, or ms."
)
@click.option("--as-recorded", is_flag=True, help="The log as it stood at TIME, not as known now.")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="New database file."
)
@click.pass_obj
@_fail_cleanly
def replay(settings: Settings, until: str, as_recorded: bool, out: str) -> None:
    """Write the farm as it stood at TIME to a new database file.

    By default: the latest version of every live event with a time at or before TIME (late
    entries included). With --as-recorded: the events recorded by TIME, each at the version it
    had then, with the edits and deletes written by then — what the API answered at TIME.

    Example: animaltrack replay --until 2026-03-01T00:00:00Z --out march.db
    """
    import time

    from animaltrack.time_travel import replay_until
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    instant = _instant(until)
    db = _existing(settings)
    try:
        with PhaseProgress() as progress:
            summary = replay_until(db, out, instant, as_recorded=as_recorded, progress=progress)
    except FileExistsError as error:
        raise click.ClickException(str(error)) from None
    finally:
        db.close()
    click.echo(
        f"replay: {summary.folded:,} events folded into {summary.path}"
        + (
            f" ({summary.revisions:,} revisions, {summary.tombstones:,} tombstones)"
            if as_recorded
            else ""
        )
        + f" in {time.perf_counter() - started:.1f} s"
    )


@main.command()
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="New NDJSON file."
)
@click.pass_obj
@_fail_cleanly
def export(settings: Settings, out: str) -> None:
    """Write the farm's whole history to a new NDJSON file, while the server runs.

    One JSON object per line: a header (the format and each event type's payload version),
    the reference data, then every event in time order, each followed by its revisions and its
    tombstone. Read from one snapshot; tokens and nonces are left out. The file is written
    beside FILE and renamed into place when complete; an existing FILE is refused.

    Example: animaltrack export --out farm.ndjson
    """
    import os
    import time

    from animaltrack.transfer.export import export_history
    from store.files import private_file
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    db = _existing(settings)
    partial = f"{out}.partial"
    if os.path.exists(out) or not private_file(partial):
        raise click.ClickException(f"{out} (or {partial}) already exists; choose a new file.")
    try:
        with open(partial, "w", encoding="utf-8") as file, PhaseProgress() as progress:
            summary = export_history(db, file, lambda n, total: progress("export", n, total))
        os.replace(partial, out)
    except BaseException:
        os.unlink(partial)
        raise
    finally:
        db.close()
    seconds = time.perf_counter() - started
    click.echo(
        f"export: {summary.events:,} events ({summary.revisions:,} revisions,"
        f" {summary.tombstones:,} tombstones) and {summary.reference_rows} reference rows"
        f" written to {out} in {seconds:.1f} s ({summary.events / max(seconds, 1e-9):,.0f}"
        " events/s)"
    )


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
@_fail_cleanly
def import_(settings: Settings, path: str) -> None:
    """Load a history file written by `export` into a new database, then verify it.

    The database (created if missing) must hold no farm yet. Everything is one transaction:
    old payloads are upcast to today's versions, every event is checked by the rules of
    history in time order, and the first line at fault stops the import with its number,
    leaving the database as it was. A closing `verify` compares the projections with the log.

    Example: animaltrack --db copy.db import farm.ndjson
    """
    import os
    import time

    from animaltrack.transfer.importer import import_history
    from animaltrack.verification import verify as run_verify
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    db = _migrated(settings)
    try:
        with open(path, encoding="utf-8") as file, PhaseProgress() as progress:
            summary = import_history(db, file, size=os.path.getsize(path), progress=progress)
        imported = time.perf_counter()
        with PhaseProgress() as progress:
            report = run_verify(db, progress=progress)
    finally:
        db.close()
    done = time.perf_counter()
    seconds = imported - started
    click.echo(
        f"import: {summary.events:,} events ({summary.revisions:,} revisions,"
        f" {summary.tombstones:,} tombstones) and {summary.reference_rows} reference rows from"
        f" {path} in {seconds:.1f} s ({summary.events / max(seconds, 1e-9):,.0f} events/s);"
        f" verify: {'clean' if report.ok else 'DIFFERENCES FOUND'} in {done - imported:.1f} s"
    )
    if not report.ok:
        raise SystemExit(1)


@main.command()
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="New backup file."
)
@click.pass_obj
@_fail_cleanly
def backup(settings: Settings, out: str) -> None:
    """Copy the database to a new file while the server keeps writing.

    The copy is one consistent snapshot (every write committed before it began), made with
    VACUUM INTO under a temporary name beside FILE, checked with PRAGMA integrity_check, and
    then put in place: FILE appears complete or not at all, readable by its owner only. An
    existing FILE is refused. The database is copied as it is, without migrating it first.

    To restore: stop the server, remove the database's -wal and -shm files, copy the backup
    in place, run `animaltrack verify`, start the server.

    Example: animaltrack backup --out farm-2026-03-01.db
    """
    import sqlite3
    import time

    from store.backup import MIB, BackupFailed
    from store.backup import backup as run_backup
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    _require_file(settings)
    db = _open(settings)
    try:
        with PhaseProgress(unit="MiB") as progress:
            summary = run_backup(db, out, progress=progress)
    except (FileExistsError, FileNotFoundError, BackupFailed) as error:
        raise click.ClickException(str(error)) from None
    except (OSError, sqlite3.Error) as error:  # a full disk, a folder we may not write in
        raise click.ClickException(f"The backup failed, nothing was written: {error}") from None
    finally:
        db.close()
    click.echo(
        f"backup: {summary.bytes / MIB:,.1f} MiB in {time.perf_counter() - started:.1f} s,"
        f" written to {summary.path}"
    )


@main.group()
def token() -> None:
    """API tokens: create (shown once), list, revoke.

    Example: animaltrack token create --user ines --name "barn tablet"
    """


@token.command("create")
@click.option("--user", "username", required=True, help="The user the token acts as.")
@click.option("--name", default="", help="A label to recognise the token by later.")
@click.pass_obj
@_fail_cleanly
def token_create(settings: Settings, username: str, name: str) -> None:
    """Create an API token for a user and print it (it is shown only this once).

    Send it as `Authorization: Bearer <token>`.

    Example: animaltrack token create --user ines --name "barn tablet"
    """
    from store.tokens import create_token

    db = _existing(settings)
    created = create_token(db, username, name)
    click.echo(created.token)
    click.echo(
        f"Created token {created.info.id} ({created.info.name!r}) for {username}; it is shown"
        " only now, so store it safely.",
        err=True,
    )


@token.command("list")
@click.pass_obj
@_fail_cleanly
def token_list(settings: Settings) -> None:
    """List API tokens (never their secrets), revoked ones included.

    Example: animaltrack token list
    """
    from rich.console import Console
    from rich.table import Table

    from animaltrack.timefmt import describe_ts
    from store.tokens import list_tokens

    db = _existing(settings)
    tokens = list_tokens(db)
    table = Table("id", "user", "name", "created", "revoked", box=None)
    for info in tokens:
        revoked = describe_ts(info.revoked_at_utc) if info.revoked_at_utc is not None else "-"
        table.add_row(info.id, info.username, info.name, describe_ts(info.created_at_utc), revoked)
    if tokens:
        Console(width=160).print(table)
    active = sum(1 for info in tokens if info.revoked_at_utc is None)
    click.echo(f"{len(tokens)} token(s), {active} active")


@token.command("revoke")
@click.argument("token_id")
@click.pass_obj
@_fail_cleanly
def token_revoke(settings: Settings, token_id: str) -> None:
    """Revoke an API token by its id (from `token list`); it stops working at once.

    Example: animaltrack token revoke 01JD8Z4W6C3M5N7P9Q1R2S3T4V
    """
    from animaltrack.timefmt import describe_ts
    from store.tokens import revoke_token

    db = _existing(settings)
    try:
        info = revoke_token(db, token_id)
    finally:
        db.close()
    click.echo(
        f"Token {info.id} of {info.username} revoked (since {describe_ts(info.revoked_at_utc)})"
    )


@main.command()
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 20_000))
@click.option("--flock", default=60, show_default=True, type=click.IntRange(5, 3_000))
@click.option("--seed", "seed_value", default=1, show_default=True, type=int)
@click.option(
    "--start",
    default=None,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day, YYYY-MM-DD (default: the history ends the day before yesterday).",
)
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="New database file."
)
@click.pass_obj
@_fail_cleanly
def simulate(settings: Settings, days: int, flock: int, seed_value: int, start, out: str) -> None:
    """Write a realistic simulated farm history into a new database file.

    About FLOCK ducks and geese over DAYS days: cohorts and hatches, moves, tags, attribute
    changes and promotions, eggs every day, feed bought and given, sales, harvests, deaths,
    merges, status corrections, renamed and archived locations, and some late entries, edits
    and deletes (made through the services, like the API's). The same arguments give the same
    log; the history ends before today, in the farm's time zone.

    Example: animaltrack simulate --days 365 --flock 60 --seed 1 --out farm.db
    """
    import time
    from datetime import datetime, timedelta
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from animaltrack.simulation import generate_history
    from animaltrack.simulation.span import default_start, start_ts
    from store import connect
    from store.migrations import migrate as apply
    from tools.progress import PhaseProgress

    started = time.perf_counter()
    path = Path(out)
    if path.exists():
        raise click.ClickException(f"{out} already exists; simulate writes a new database file.")
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    first = start.date() if start else default_start(days, today)
    begin = start_ts(first, days, settings.timezone, today)
    db = connect(path)
    try:
        apply(db)
        # A new file, removed if anything fails: no need to wait for the disk at each commit.
        db.execute("PRAGMA synchronous=OFF")
        with PhaseProgress() as progress:
            summary = generate_history(
                db, seed=seed_value, days=days, flock=flock, start_ts=begin, progress=progress
            )
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        db.close()
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        raise
    db.close()
    click.echo(
        f"simulate: {sum(summary.counts.values()):,} events, {summary.animals:,} animals,"
        f" {summary.days:,} days ({first.isoformat()} to {first + timedelta(days - 1)})"
        f" in {path} ({time.perf_counter() - started:.1f} s)"
    )


@main.command("demo-queries")
@click.pass_obj
@_fail_cleanly
def demo_queries(settings: Settings) -> None:
    """Print example GraphQL queries for the explorer, with real ids and dates of the database.

    A roster at a past date, a strip's egg statistics over a month and a duck's timeline, to
    paste into the explorer of `animaltrack serve --dev` (`make demo` prints them).

    Example: animaltrack --db .demo/farm.db demo-queries
    """
    from tools.demo import example_queries

    db = _existing(settings)
    try:
        examples = example_queries(db)
    finally:
        db.close()
    port = settings.port
    click.echo(f"Paste one of these into the explorer at http://127.0.0.1:{port}/graphql:")
    for example in examples:
        click.echo(f"\n# {example.title}\n{example.query}")


@main.command("export-schema")
@click.option("--out", "out", default=None, help="File to write (default schema/schema.graphql).")
def export_schema(out: str | None) -> None:
    """Rewrite the GraphQL SDL file from the code (a test fails when they differ).

    Example: animaltrack export-schema
    """
    from resolvers.schema import SDL_PATH, export_sdl

    path = export_sdl(out or SDL_PATH)
    click.echo(f"Wrote the GraphQL schema to {path}")


if __name__ == "__main__":  # `python -m tools.cli`, as the tests start it in a process of its own
    main()
