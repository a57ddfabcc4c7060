"""Grouped cross-validation of paragraph stance model variants on the synthetic corpus.

Each variant is a TrainSettings change from the base recipe. Writes the out-of-fold
predictions to runs/stance_cv/<variant>.parquet and the metrics (codebook metrics on the
corpus, temperature, ECE before/after, timings) to experiments/results/stance_cv/<variant>.json;
MODEL.md's ablation table is built from those files (experiments/stance_table.py).

Each fold's predictions are kept in runs/stance_cv/<name>/ as soon as it is done, so a run can
be resumed, and folds can be shared between parallel processes with --folds.

usage: python experiments/stance_cv.py VARIANT [--k 5] [--members 1] [--folds 0,2,4] [--corpus FILE ...]
       (NewsMTSC from $EDM_STANCE_NEWSMTSC or --newsmtsc DIR)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import asdict, replace
from pathlib import Path

import pandas as pd

from edm_stance.article import read_article
from edm_stance.evaluation import evaluate_tables, read_table
from edm_stance.scoring import get_scorer
from edm_stance.stance_cv import (cross_validate, expected_calibration_error, fit_temperature, newsmtsc_scores,
                                  oof_metrics)
from edm_stance.stance_model import ParagraphStanceModel, save_ensemble
from edm_stance.stance_data import corpus_examples, default_corpus_path, newsmtsc_examples, read_corpus_file
from edm_stance.stance_training import StageSettings, TrainSettings
from edm_stance.targets import load_targets

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "edm-v3-i138.txt"
GOLD = ROOT / "data" / "gold" / "edm-v3-i138.csv"
BASE = TrainSettings()
# the shipped model: fewer stage-2 epochs and less replay, what 2 CPU cores allow (one fold, about 40 minutes)
HOLDOUT = replace(BASE, stage2=replace(BASE.stage2, epochs=3, newsmtsc_replay=1000))
VARIANTS = {
    "base": BASE,
    "no_newsmtsc": replace(BASE, stage1=StageSettings(0, 0.0)),
    "replay": replace(BASE, stage2=replace(BASE.stage2, newsmtsc_replay=1000)),
    "replay2000": replace(BASE, stage2=replace(BASE.stage2, newsmtsc_replay=2000)),
    "sentence_pool": replace(BASE, pooling="sentence"),
    "multitask": replace(BASE, strength_weight=0.5, phenomena_weight=0.5),
    "swap": replace(BASE, country_swap=0.5),
    "epochs4": replace(BASE, stage2=replace(BASE.stage2, epochs=4)),
    "epochs10": replace(BASE, stage2=replace(BASE.stage2, epochs=10)),
    "lr1e-4": replace(BASE, stage2=replace(BASE.stage2, learning_rate=1e-4)),
    "lr6e-4": replace(BASE, stage2=replace(BASE.stage2, learning_rate=6e-4)),
    "r8": replace(BASE, lora_r=8, lora_alpha=16),
    "top3": replace(BASE, lora_layers=3),
    "holdout": HOLDOUT,
    "holdout_m1": replace(HOLDOUT, seed=14, stage1_seed=13),  # a second member: the same stage 1, the next stage-2 seed
    "smoke": replace(BASE, stage1=StageSettings(1, 5e-4), stage2=StageSettings(1, 3e-4), max_length=128),
}


def model_checks(model_dir: Path, newsmtsc_dir: str | None, *, model=None) -> dict:
    """NewsMTSC devtest_rw/mt F1m (when ``newsmtsc_dir`` is given) and the seed's codebook metrics of a model folder."""
    checks = {}
    if newsmtsc_dir:
        model = model or ParagraphStanceModel.from_pretrained(model_dir)
        for split in ("devtest_rw", "devtest_mt"):
            checks[split] = newsmtsc_scores(model, newsmtsc_examples(Path(newsmtsc_dir) / f"{split}.jsonl"))
    table = get_scorer("paragraph", model_name_or_path=str(model_dir)).score([read_article(SEED)], load_targets())
    checks["seed"] = json.loads(evaluate_tables(read_table(GOLD, kind="gold"), table).loc["all"].to_json())
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--fold-seed", type=int, default=0)
    parser.add_argument("--members", type=int, default=1)
    parser.add_argument("--corpus", nargs="+", default=[str(default_corpus_path())])
    parser.add_argument("--newsmtsc", default=os.environ.get("EDM_STANCE_NEWSMTSC"))
    parser.add_argument("--limit", type=int, help="use only this many corpus pairs and NewsMTSC examples (smoke test)")
    parser.add_argument("--name", help="result name (default: the variant)")
    parser.add_argument("--folds", type=lambda v: [int(x) for x in v.split(",")],
                        help="run only these folds, e.g. 0,2,4 (parallel runs of one name share the work; the run that "
                        "finishes the last fold writes the result)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    settings = VARIANTS[args.variant]
    targets = load_targets()
    paragraphs = [p for path in args.corpus for p in read_corpus_file(path)]
    corpus = corpus_examples(paragraphs, targets)
    newsmtsc = newsmtsc_examples(Path(args.newsmtsc) / "train.jsonl") if args.newsmtsc else []
    if args.limit:
        corpus, newsmtsc = corpus[: args.limit], newsmtsc[: args.limit]
        kept = {ex.key[0] for ex in corpus}
        paragraphs = [p for p in paragraphs if p.article_id in kept]
    name = args.name or args.variant
    folder = ROOT / "runs" / "stance_cv" / name
    folder.mkdir(parents=True, exist_ok=True)

    def check_fold0(fold: int, member: int, model) -> None:
        """NewsMTSC devtest and the seed gold (a sanity check, n = 12) for the first fold's model."""
        if fold or member:
            return
        model_dir = save_ensemble(folder / "fold0-model", [model])
        checks = model_checks(model_dir, args.newsmtsc, model=model)
        (folder / "fold0-checks.json").write_text(json.dumps(checks, indent=1) + "\n", encoding="utf-8")

    for fold in args.folds if args.folds is not None else range(args.k):
        if (folder / f"fold{fold}.parquet").is_file():
            continue  # done by an earlier or a parallel run
        started = time.perf_counter()
        part = cross_validate(settings, corpus, newsmtsc, k=args.k, fold_seed=args.fold_seed, members=args.members,
                              checkpoint_dir=ROOT / "runs" / "stage1", folds=[fold], on_model=check_fold0)
        part.assign(seconds=time.perf_counter() - started).to_parquet(folder / f"{fold}.tmp.parquet", index=False)
        (folder / f"{fold}.tmp.parquet").replace(folder / f"fold{fold}.parquet")
    parts = [folder / f"fold{fold}.parquet" for fold in range(args.k)]
    if not all(path.is_file() for path in parts):
        print(f"{name}: folds {[p.stem for p in parts if p.is_file()]} done; the last run assembles the result")
        return
    frames = [pd.read_parquet(path) for path in parts]
    seconds = sum(float(frame["seconds"].iloc[0]) for frame in frames if len(frame))
    predictions = pd.concat(frames, ignore_index=True).drop(columns="seconds")
    predictions.to_parquet(ROOT / "runs" / "stance_cv" / f"{name}.parquet", index=False)
    checks = folder / "fold0-checks.json"
    fold0 = json.loads(checks.read_text()) if checks.is_file() else {}

    temperature = fit_temperature(predictions)
    raw, calibrated = oof_metrics(paragraphs, predictions), oof_metrics(paragraphs, predictions, temperature)
    result = {
        "variant": args.variant, "name": name, "settings": asdict(settings), "k": args.k, "members": args.members,
        "corpus": [Path(p).name for p in args.corpus], "corpus_paths": [str(Path(p).resolve().relative_to(ROOT))
                                                                       for p in args.corpus],
        "n_paragraphs": len(paragraphs), "n_pairs": len(corpus),
        "n_newsmtsc": len(newsmtsc), "seconds": round(seconds), "temperature": temperature,
        "ece_before": expected_calibration_error(predictions)["ece"],
        "ece_after": expected_calibration_error(predictions, temperature)["ece"],
        "metrics": json.loads(calibrated.to_json(orient="index")),
        "metrics_uncalibrated_all": json.loads(raw.loc["all"].to_json()),
        "fold0": fold0,
    }
    results = ROOT / "experiments" / "results" / "stance_cv"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(calibrated.to_string())
    print("fold 0:", json.dumps(fold0, default=str)[:400])
    print(f"{name}: stance macro-F1 {calibrated.loc['all', 'stance_macro_f1']:.3f}, T={temperature:.2f}, "
          f"ECE {result['ece_before']:.3f} -> {result['ece_after']:.3f}, {seconds / 60:.1f} min")


if __name__ == "__main__":
    main()
