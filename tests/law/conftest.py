"""The rulebook's commands read the deployment's recorded commencements: every test gets an empty data
directory of its own, so that nothing recorded on this machine changes an answer."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANDATE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "250")
