"""`mandate --help` lists every command with a line of help, and every command answers --help."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from mandate.cli import app


def _commands(group, prefix: tuple[str, ...] = ()) -> list:
    found = []
    for name, command in group.commands.items():
        found.append(((*prefix, name), command))
        if hasattr(command, "commands"):
            found += _commands(command, (*prefix, name))
    return found


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    commands = _commands(root)
    assert {"serve", "manage", "demo", "law", "record", "attendance", "ballot", "audit"} <= {c[0][0] for c in commands}
    runner = CliRunner()
    top = runner.invoke(app, ["--help"], terminal_width=200)
    assert top.exit_code == 0
    for path, command in commands:
        assert (command.help or command.short_help or "").strip(), f"mandate {' '.join(path)} has no help text"
        if len(path) == 1:
            assert path[0] in top.stdout
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, f"mandate {' '.join(path)} --help failed: {result.output}"
