"""The docs say what the code does: every command is documented, and every example policy shown is the file.

- Every `mandate` command and sub-command (walked from the Typer app, so a new command is caught the day it is
  added) is named in the README or in docs/*.md.
- Every TOML block in the README and docs/policy.md names its file in `src/mandate/policy/examples/` on its
  first line and is that file, character for character; every example file is shown somewhere, and each one is
  a valid policy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from mandate.cli import app
from mandate.policy import examples, loads_policy

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
POLICY_DOCS = [ROOT / "README.md", ROOT / "docs" / "policy.md"]
NAMED = re.compile(r"# src/mandate/policy/examples/(\S+\.toml)\n")


def commands(command: object, path: tuple[str, ...]) -> list[str]:
    """Each leaf command's full name, "mandate attendance compute", depth first."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        return [" ".join(path)]
    return [name for key, sub in subcommands.items() for name in commands(sub, (*path, key))]


COMMANDS = commands(typer.main.get_command(app), ("mandate",))


def test_the_walk_finds_the_commands():
    # The walk itself must work, or the test below would pass on nothing.
    assert {"mandate serve", "mandate attendance compute", "mandate ballot create", "mandate record verify",
            "mandate audit verify", "mandate law assess"} <= set(COMMANDS)
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name):
    # Shell line continuations join a command split over lines; a name must stand on its own, so that
    # "mandate ballot close" is not found in "mandate ballot closed".
    text = re.sub(r"\\\n\s*", " ", "\n".join(doc.read_text(encoding="utf-8") for doc in DOCS))
    assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), \
        f"`{name}` is not in README.md or docs/*.md: add it where its group is described"


def toml_blocks() -> list[tuple[str, str]]:
    return [(doc.name, block) for doc in POLICY_DOCS
            for block in re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)]


@pytest.mark.parametrize(("doc", "block"), toml_blocks())
def test_each_policy_in_the_docs_is_its_example_file(doc, block):
    named = NAMED.match(block)
    assert named, f"a TOML block in {doc} does not start with '# src/mandate/policy/examples/NAME.toml'"
    assert block[named.end():] == examples.text(named.group(1)), \
        f"{doc} shows {named.group(1)} differently from the file"


def test_every_example_is_shown_and_is_a_valid_policy():
    shown = {named.group(1) for _, block in toml_blocks() if (named := NAMED.match(block))}
    assert shown == set(examples.names())
    for name in examples.names():
        policy = loads_policy(examples.text(name))
        assert policy.name and policy.versions


def test_an_unknown_example_is_refused():
    with pytest.raises(ValueError, match="no example policy 'ons.toml'"):
        examples.text("ons.toml")


def test_one_licence_is_declared_everywhere():
    import json
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert pyproject["license"] == package["license"] == lock["packages"][""]["license"] == "AGPL-3.0-or-later"
    assert pyproject["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3, 19 November 2007")
    assert "END OF TERMS AND CONDITIONS" in text
