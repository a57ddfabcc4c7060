"""Shared fixtures: paths to the seed article, the gold file and test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "edm-v3-i138.txt"
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold" / "edm-v3-i138.csv"
NEWSMTSC = SHARED / "datasets" / "newsmtsc"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_path(name: str) -> Path:
    """Return the path of a file in tests/fixtures."""
    return FIXTURES / name


@pytest.fixture(scope="session")
def seed_article():
    from edm_stance.article import read_article

    return read_article(SEED)


@pytest.fixture(scope="session")
def default_targets():
    from edm_stance.targets import load_targets

    return load_targets()


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Point the results cache at a fresh folder, so tests never touch ~/.cache or each other."""
    from edm_stance.cache import CACHE_ENV

    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(CACHE_ENV, str(directory))
    return directory
