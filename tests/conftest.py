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


def write_shuffled_articles(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """Write ``n`` test articles made by shuffling the seed's real paragraphs (fixed seed).

    Each gets its own header (Volume 3, Issue 200 + i, a date in 2006), so the files differ
    in text, metadata and paragraph order. They exercise the pipeline; they are not EDM
    articles and are no evaluation evidence.
    """
    import random

    from edm_stance.article import read_article

    paragraphs = [p.text for p in read_article(SEED).paragraphs]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        body = rng.sample(paragraphs, k=rng.randint(3, len(paragraphs)))
        header = (f"Publication: Eurasia Daily Monitor Volume: 3 Issue: {200 + i}\n"
                  f"Title: Shuffled test article {i}\nDate: 2006-{1 + i % 12:02d}-{1 + i % 28:02d}\n")
        path = folder / f"shuffled-{i:03d}.txt"
        path.write_text(header + "\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
