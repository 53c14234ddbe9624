"""The README documents every command of the `animaltrack` tool, and the two first commands."""

from __future__ import annotations

from pathlib import Path

import click

from tools.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _command_paths(group: click.Group, prefix: str = "animaltrack") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths += _command_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_every_command_is_in_the_readme():
    missing = [path for path in _command_paths(main) if f"`{path}" not in README]
    assert missing == []


def test_the_readme_starts_with_make_serve_and_make_test():
    commands = [
        line.split("#")[0].strip() for line in README.splitlines() if line.startswith("make ")
    ]
    assert commands[:2] == ["make serve", "make test"]
