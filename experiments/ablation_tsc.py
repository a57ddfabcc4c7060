"""Ablation of the tsc model and its paragraph aggregation (the table in MODEL.md).

For each trained adapter folder: NewsMTSC devtest_rw/devtest_mt F1m and accuracy (most
probable class), then the seed gold's stance macro-F1 for each aggregation variant. The
seed has 12 gold-present pairs: read its column as a sanity check, not as a tuning target.

    .venv/bin/python experiments/ablation_tsc.py MODEL_DIR [MODEL_DIR ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from edm_stance import evaluate_tables, get_scorer, load_targets, read_article, read_table
from edm_stance.evaluation import newsmtsc_metrics
from edm_stance.newsmtsc import newsmtsc_dir, read_newsmtsc

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "edm-v3-i138.txt"
GOLD = ROOT / "data" / "gold" / "edm-v3-i138.csv"

VARIANTS = {
    "mean of P(pos)-P(neg), ±0.15 band (straightforward)": {"weighting": "uniform", "contrast_weight": 1.0, "threshold": 0.15},
    "mean probabilities, most probable class": {"weighting": "uniform", "contrast_weight": 1.0},
    "+ weighted by decisiveness 1-P(neutral)": {"contrast_weight": 1.0},
    "+ contrast rule ×2 (default)": {},
    "default, mention in paragraph context": {"context": "paragraph"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="adapter folders (default one: src/edm_stance/data/model)")
    parser.add_argument("--newsmtsc", metavar="DIR", help="NewsMTSC folder; default: $EDM_STANCE_NEWSMTSC")
    args = parser.parse_args()

    article, targets, gold = read_article(SEED), load_targets(), read_table(GOLD, kind="gold")
    folder = newsmtsc_dir(args.newsmtsc)
    splits = {name: read_newsmtsc(folder / f"{name}.jsonl") for name in ("devtest_rw", "devtest_mt")}
    print("| model | aggregation | devtest_rw F1m | devtest_mt F1m | seed stance macro-F1 | seed accuracy |")
    print("|---|---|---|---|---|---|")
    for model in args.models:
        base = get_scorer("tsc", model_name_or_path=model)
        news = {}
        for name, examples in splits.items():
            probs = base.mention_probabilities([ex.mention for ex in examples])
            news[name] = newsmtsc_metrics(probs, [ex.label for ex in examples])["f1m"]
        for variant, params in VARIANTS.items():
            table = get_scorer("tsc", model_name_or_path=model, **params).score([article], targets)
            pooled = evaluate_tables(gold, table).loc["all"]
            print(
                f"| {Path(model).name} | {variant} | {100 * news['devtest_rw']:.1f} | {100 * news['devtest_mt']:.1f} "
                f"| {pooled['stance_macro_f1']:.2f} | {pooled['stance_accuracy']:.2f} |"
            )


if __name__ == "__main__":
    main()
