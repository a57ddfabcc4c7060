"""Learning curve of the review loop: stance macro-F1 on an unseen region after k simulated corrections.

Leave-one-region-out on the synthetic corpus (edm_stance.learning_curve): for each region, a
base model trained on the other regions, then refits on k of the region's pairs chosen most
uncertain first or at random, each scored on the region's other articles. Writes
``OUTPUT/learning_curve.json`` (settings, every result, the mean over regions per rule and k)
and ``OUTPUT/learning_curve.png``/``.svg``; each region's base model and results stay in
``--work`` so that an interrupted run resumes (same settings only).

It is sized for 2 CPU cores by its defaults: one member per base, LoRA on the top 3 layers,
2 corpus epochs, no NewsMTSC, each base trained on at most 1,500 pairs; the refits use the
refit's defaults (3 epochs, learning rate 1e-4, replay as many as the corrections, at least 64).

usage: python experiments/learning_curve.py [--regions cauc kgtj ...] [--ks 10 25 50 100] [--train-limit 1500]
       [--epochs 2] [--lora-layers 3] [--members 1] [--random-repeats 1] [--newsmtsc DIR] [--work DIR] [--output DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from edm_stance.learning_curve import SimulationSettings, learning_curve_figure, run_region, summarise
from edm_stance.output import atomic_write
from edm_stance.plots import save_figure
from edm_stance.refit import RefitSettings
from edm_stance.stance_data import default_corpus_path, newsmtsc_examples, read_corpus_file
from edm_stance.stance_training import StageSettings, TrainSettings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regions", nargs="+", help="regions to hold out in turn (default: every region of the corpus)")
    parser.add_argument("--ks", nargs="+", type=int, default=[10, 25, 50, 100])
    parser.add_argument("--corpus", nargs="+", default=[str(default_corpus_path())])
    parser.add_argument("--train-limit", type=int, default=1500, help="pairs each base model trains on (0: all)")
    parser.add_argument("--epochs", type=int, default=2, help="corpus epochs of each base model")
    parser.add_argument("--lora-layers", type=int, default=3, help="LoRA on the top N layers (0: all)")
    parser.add_argument("--max-length", type=int, default=TrainSettings().max_length)
    parser.add_argument("--members", type=int, default=1)
    parser.add_argument("--base-model", help="encoder (default: the packaged all-MiniLM-L6-v2)")
    parser.add_argument("--no-bf16", action="store_true")
    parser.add_argument("--refit-epochs", type=int, default=RefitSettings().epochs)
    parser.add_argument("--refit-learning-rate", type=float, default=RefitSettings().learning_rate)
    parser.add_argument("--replay", type=int, help="replayed pairs per refit epoch (default: the refit's)")
    parser.add_argument("--random-repeats", type=int, default=1)
    parser.add_argument("--pool-share", type=float, default=0.5, help="share of a region's articles that can be corrected")
    parser.add_argument("--newsmtsc", help="NewsMTSC folder: stage 1 of each base model (default: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=str(ROOT / "runs" / "learning_curve"))
    parser.add_argument("--output", default=str(ROOT / "experiments" / "results" / "learning_curve"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    paragraphs = [p for path in args.corpus for p in read_corpus_file(path)]
    regions = args.regions or sorted({p.region for p in paragraphs})
    train = TrainSettings(base_model=args.base_model, lora_layers=args.lora_layers or None, max_length=args.max_length,
                          bf16=not args.no_bf16, stage2=StageSettings(epochs=args.epochs, learning_rate=3e-4))
    settings = SimulationSettings(
        ks=tuple(args.ks), members=args.members, train=train,
        refit=RefitSettings(epochs=args.refit_epochs, learning_rate=args.refit_learning_rate, replay=args.replay,
                            holdout=0.0),
        train_limit=args.train_limit or None, pool_share=args.pool_share, random_repeats=args.random_repeats,
        seed=args.seed)
    newsmtsc = newsmtsc_examples(Path(args.newsmtsc) / "train.jsonl") if args.newsmtsc else []
    if not newsmtsc:
        settings = replace(settings, train=replace(train, stage1=StageSettings(0, 0.0)))
    started = time.perf_counter()
    results = []
    for region in regions:
        region_started = time.perf_counter()
        results += run_region(region, paragraphs, newsmtsc, settings, Path(args.work))
        logging.info("region %s done in %.1f min", region, (time.perf_counter() - region_started) / 60)
    table = pd.DataFrame(results)
    summary = summarise(table)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    data = {"settings": {**settings.describe(), "regions": regions, "corpus": [Path(p).name for p in args.corpus],
                         "newsmtsc": bool(newsmtsc)},
            "seconds_this_run": round(time.perf_counter() - started, 1),
            "summary": json.loads(summary.to_json(orient="records")),
            "results": json.loads(table.to_json(orient="records"))}
    with atomic_write(output / "learning_curve.json") as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    save_figure(learning_curve_figure(summary), output, "learning_curve")
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(summary.to_string(index=False))
    print(f"wrote {output / 'learning_curve.json'} and the figure; {len(regions)} region(s), "
          f"{(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
