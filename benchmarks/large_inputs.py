"""Time reading large inputs: sentence splitting by paragraph length, and whole files up to the size limit.

(a) ``split_sentences`` on one paragraph of 100k to 1.6M characters (the seed's prose,
repeated), to show that the time grows linearly; (b) ``read_article`` (decode, paragraphs,
sentences) and then the lexicon scorer on single-newline files of 1 to 9.5 MB, the largest
under the 10 MB limit. Run on purpose, not in tests:

    .venv/bin/python benchmarks/large_inputs.py
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from edm_stance import get_scorer, load_targets, read_article, split_sentences

SEED = Path(__file__).resolve().parents[1] / "data" / "raw" / "edm-v3-i138.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[100_000, 200_000, 400_000, 800_000, 1_600_000])
    parser.add_argument("--megabytes", type=float, nargs="+", default=[1, 4, 9.5])
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}")

    paragraphs = [paragraph.text for paragraph in read_article(SEED).paragraphs]
    prose = " ".join(paragraphs)
    print("(a) split_sentences on one paragraph")
    for length in args.lengths:
        text = (prose * (length // len(prose) + 1))[:length]
        start = time.perf_counter()
        sentences = split_sentences(text)
        seconds = time.perf_counter() - start
        print(f"  {length:>9,} chars  {len(sentences):>6,} sentences  {seconds:6.3f} s  {length / seconds / 1e6:5.2f} M chars/s")

    print("(b) a single-newline file: read_article, then the lexicon scorer")
    targets, scorer = load_targets(), get_scorer("lexicon")
    with tempfile.TemporaryDirectory() as folder:
        for megabytes in args.megabytes:
            body = "\n".join(paragraphs * (int(megabytes * 2**20) // len("\n".join(paragraphs)) + 1))
            path = Path(folder) / "big.txt"
            path.write_text("Title: Large input benchmark\n" + body[: int(megabytes * 2**20)], encoding="utf-8")
            start = time.perf_counter()
            article = read_article(path)
            read = time.perf_counter() - start
            start = time.perf_counter()
            table = scorer.score([article], targets)
            scored = time.perf_counter() - start
            print(f"  {path.stat().st_size / 2**20:5.1f} MB  {len(article.paragraphs):>6,} paragraphs  "
                  f"read {read:5.2f} s  lexicon {scored:6.1f} s  {len(table):,} rows")


if __name__ == "__main__":
    main()
