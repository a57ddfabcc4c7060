"""The synthetic demo articles (notebook 04's default input): up to date, marked synthetic, read as written."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from edm_stance import read_corpus

from .conftest import ROOT

FOLDER = ROOT / "data" / "synthetic-articles"
CORPUS = ROOT / "data" / "training" / "synthetic-edm" / "paragraphs.jsonl"
SCRIPT = CORPUS.with_name("write_articles.py")


def test_the_files_are_what_the_script_writes_from_the_corpus():
    check = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_every_article_reads_back_with_its_paragraphs_year_and_synthetic_mark():
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs = Counter(record["article_id"] for record in records)
    years = {record["article_id"]: record["year"] for record in records}
    corpus = read_corpus([FOLDER])
    assert [Path(entry.path).name for entry in corpus.skipped] == ["README.md"]
    for article in corpus.articles:
        assert len(article.paragraphs) == paragraphs[article.article_id]
        assert article.date == str(years[article.article_id])
        assert article.title.startswith("[synthetic] ")
        assert article.author == "SYNTHETIC (invented text, not an EDM article)"
    per_year = Counter(years[article.article_id] for article in corpus.articles)
    available = Counter(years.values())
    assert per_year == {year: min(count, 6) for year, count in available.items()}  # every year, 6 at most
