"""Example attendance policies, one TOML file each, read by the demo, the benchmarks, the tests and the docs.

The README and docs/policy.md show these files as they are (`tests/platform/test_docs.py` checks every TOML
block there against them), so a policy written in one place cannot drift from the others:

- `ons-individual-40.toml`: the ONS individual quota of 2024, 40% of each person's days a month (the README's
  first example; the benchmarks and the engine's and the wing's tests);
- `ons-organisation-wide-40.toml`: the same target organisation-wide and purpose-led (the README);
- `ons-individual-2024.toml`, `ons-organisation-wide-2026.toml`: the demo's two policies, dated as they were
  (20% from January 2024, 40% from April 2024 with Darlington at 20%; the April 2026 settlement);
- `team-40-rolling-12-weeks.toml`, `capacity-led-site-targets.toml`, `contracted-hours-60.toml`: the other
  shapes in docs/policy.md.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def names() -> list[str]:
    """The example files' names, sorted."""
    return sorted(f.name for f in resources.files(__name__).iterdir() if f.name.endswith(".toml"))


def path(name: str) -> Traversable:
    """The example file `name` (for example "ons-individual-40.toml")."""
    if name not in names():
        raise ValueError(f"no example policy {name!r} (there are {', '.join(names())})")
    return resources.files(__name__).joinpath(name)


def text(name: str) -> str:
    """The TOML text of the example file `name`."""
    return path(name).read_text(encoding="utf-8")
