"""Write the synthetic training corpus as article files, the default input of notebook 04.

Reads ``paragraphs.jsonl`` beside this script (invented paragraphs in invented articles,
written for this project) and writes a fixed sample of its articles, ``PER_YEAR`` a year (the
first by SHA-256 of the id, so every region can be drawn and the sample stays the same size
as the corpus grows), one ``.txt`` each, into ``data/synthetic-articles/``, in the project's
input format: a header (``Title:``, ``By:``, ``Date:``, ``Source:``) that marks the text as
synthetic, then the paragraphs separated by blank lines. The date is the article's year (the
corpus gives no day). Every text is invented: these files show how issues are compared; they
are not EDM articles and no finding may be drawn from them.

    python data/training/synthetic-edm/write_articles.py          # rewrite the .txt files
    python data/training/synthetic-edm/write_articles.py --check  # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "paragraphs.jsonl"
ARTICLES = CORPUS.parents[2] / "synthetic-articles"
MARK = "SYNTHETIC (invented text, not an EDM article)"
PER_YEAR = 6  # articles a year: 132 over 2004-2025, a first run of notebook 04 in minutes


def article_files(corpus: Path = CORPUS, per_year: int = PER_YEAR) -> dict[str, str]:
    """Return {file name: text} for the sampled articles of the corpus, paragraphs in order."""
    articles: dict[str, list[dict]] = defaultdict(list)
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                articles[record["article_id"]].append(record)
    by_year: dict[int, list[str]] = defaultdict(list)
    for article_id, records in articles.items():
        by_year[records[0]["year"]].append(article_id)
    chosen = sorted(article_id for ids in by_year.values()
                    for article_id in sorted(ids, key=lambda i: hashlib.sha256(i.encode()).hexdigest())[:per_year])
    files = {}
    for article_id in chosen:
        records = articles[article_id]
        records.sort(key=lambda record: record["paragraph"])
        first = records[0]
        header = (f"Title: [synthetic] {first['title']}\n"
                  f"By: {MARK}\n"
                  f"Date: {first['year']}\n"
                  f"Source: EDM Stance Lab synthetic training corpus, {first['country']}, {MARK}\n")
        files[f"{article_id}.txt"] = header + "\n" + "\n\n".join(r["text"].strip() for r in records) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
    args = parser.parse_args(argv)
    files = article_files()
    stale = sorted(name for name, text in files.items()
                   if not (ARTICLES / name).is_file() or (ARTICLES / name).read_text(encoding="utf-8") != text)
    extra = sorted(p.name for p in ARTICLES.glob("*.txt") if p.name not in files)
    if args.check:
        for name in stale + extra:
            print(f"{ARTICLES / name}: out of date; run {Path(__file__).name}", file=sys.stderr)
        return 1 if stale or extra else 0
    for name in extra:
        (ARTICLES / name).unlink()
    for name in stale:
        (ARTICLES / name).write_text(files[name], encoding="utf-8")
    print(f"{len(files)} articles in {ARTICLES} ({len(stale)} written, {len(extra)} removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
