"""The `animaltrack` command: thin click wrappers around the domain core and the store.

Each command's docstring is its help. Library errors become one clear line and exit 1.
"""

from __future__ import annotations

import dataclasses
import functools

import click

from tools.settings import Settings


def _fail_cleanly(fn):
    """Turn domain and settings errors into `click.ClickException` (one line, exit 1)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from animaltrack.errors import AnimalTrackError

        try:
            return fn(*args, **kwargs)
        except AnimalTrackError as error:
            raise click.ClickException(error.message) from error
        except ValueError as error:
            raise click.ClickException(str(error)) from error

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


@main.command()
@click.pass_obj
@_fail_cleanly
def migrate(settings: Settings) -> None:
    """Apply pending schema migrations (idempotent).

    Example: animaltrack --db farm.db migrate
    """
    from store.migrations import migrate as apply

    db = _open(settings)
    applied = apply(db)
    click.echo(f"Applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else "; up to date"))


@main.command()
@click.pass_obj
@_fail_cleanly
def seed(settings: Settings) -> None:
    """Load reference data and the seed locations (idempotent).

    Example: animaltrack --db farm.db seed
    """
    from animaltrack.seeding import seed as run_seed
    from store.migrations import migrate as apply

    db = _open(settings)
    apply(db)
    added = run_seed(db)
    click.echo(f"Seeded {added['reference']} reference row(s) and {added['locations']} location(s)")


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 3366).")
@click.option("--dev", is_flag=True, help="Local development: bind 127.0.0.1, act as user dev.")
@click.pass_obj
@_fail_cleanly
def serve(settings: Settings, host: str | None, port: int | None, dev: bool) -> None:
    """Migrate if needed, seed if empty, and serve the GraphQL API.

    Example: animaltrack serve --dev
    """
    from animaltrack.seeding import seed as run_seed
    from store.migrations import migrate as apply

    db = _open(settings)
    apply(db)
    run_seed(db)
    try:
        from resolvers.app import serve as run_server  # noqa: F401
    except ImportError:
        raise click.ClickException(
            f"Database {settings.db_path} is migrated and seeded, but the GraphQL API is not"
            " built yet, so there is nothing to serve."
        ) from None
    run_server(settings, host=host, port=port, dev=dev)
