"""Time the default scorer on the seed article, cold (model load included) and warm.

Reports (sentence, target) pairs per second. Run on purpose, not in tests:

    .venv/bin/python benchmarks/score_seed.py [--scorer tsc] [--model PATH] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from edm_stance import get_scorer, load_targets, read_article

SEED = Path(__file__).resolve().parents[1] / "data" / "raw" / "edm-v3-i138.txt"


def count_pairs(article, targets) -> int:
    """Count (sentence, target) pairs that the scorer classifies: sentences mentioning a target."""
    return sum(
        1
        for paragraph in article.paragraphs
        for target in targets.values()
        for sentence in paragraph.sentences
        if target.find(sentence.text)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorer", default="tsc")
    parser.add_argument("--model", help="model folder or hub id, for scorers that take one (nli needs it)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    article, targets = read_article(SEED), load_targets()
    pairs = count_pairs(article, targets)
    started = time.perf_counter()
    scorer = get_scorer(args.scorer, **({"model_name_or_path": args.model} if args.model else {}))
    scorer.score([article], targets)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        scorer.score([article], targets)
        warm.append(time.perf_counter() - started)
    best = min(warm)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, CPU only")
    print(f"scorer {args.scorer}: {pairs} (sentence, target) pairs in the seed")
    print(f"cold (process start to first table, model load included): {cold:.2f} s")
    print(f"warm (best of {args.repeats}): {best:.3f} s = {pairs / best:.0f} pairs/s")


if __name__ == "__main__":
    main()
