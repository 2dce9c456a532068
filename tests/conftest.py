from __future__ import annotations

import os
import tempfile

import pytest

# Runs in the tests write their cache here, never into the checkout (tests/fixtures is
# linted as a folder: a cache inside it would become fixtures).
os.environ["PIPELINT_CACHE_DIR"] = tempfile.mkdtemp(prefix="pipelint-test-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-snapshots", action="store_true", default=False,
                     help="rewrite the .expected snapshot files from the current output")


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


@pytest.fixture
def workdir(tmp_path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """An empty current folder, with CI=true as in CI (plain text output)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI", "true")
    return tmp_path
