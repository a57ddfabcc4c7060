"""Measure, and optionally ship, the paragraph stance model of one grouped cross-validation fold.

The full k-fold cross-validation of ``stance_cv.py`` takes hours per variant on 2 CPU cores.
When only one fold fits, ``stance_cv.py VARIANT --folds 0`` trains on four fifths of the
synthetic corpus's articles, predicts the fifth it never saw (``runs/stance_cv/NAME/fold0.parquet``)
and keeps that fold's model (``fold0-model/``) with its NewsMTSC and seed checks. This script:

1. scores the held-out predictions with the codebook metrics, uncalibrated and calibrated
   (temperature fitted on them; ECE before and after, and cross-fitted: the temperature of
   one half of the held-out articles applied to the other half);
2. scores a baseline scorer (default ``tsc``, the previous default) on the same held-out
   articles, rebuilt from the corpus, with the same target rules;
3. writes ``experiments/results/stance_holdout/NAME.json``;
4. with ``--ship DIR``, writes that fold's model, calibrated, with its model card
   ``MODEL.md`` and the held-out predictions, to DIR (replaced whole once written).

With ``--name RUN,RUN,...`` the runs' fold models are the members of one ensemble (their
probabilities averaged): e.g. ``holdout,holdout_m1``, the same recipe with two stage-2 seeds.

usage: python experiments/stance_holdout.py [--name holdout[,holdout_m1]] [--fold 0] [--baseline tsc] [--ship DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pandas as pd

from edm_stance import __version__, parse_article
from edm_stance.evaluation import evaluate_tables
from edm_stance.scoring import get_scorer
from edm_stance.stance_cv import expected_calibration_error, fit_temperature, oof_metrics, oof_tables
from edm_stance.stance_data import corpus_examples, default_corpus_path, grouped_folds, read_corpus_file
from edm_stance.stance_model import CONFIG_FILE
from edm_stance.targets import load_targets
from stance_card import model_card  # experiments/stance_card.py
from stance_cv import VARIANTS, model_checks  # experiments/stance_cv.py

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "runs" / "stance_cv"
RESULTS = ROOT / "experiments" / "results" / "stance_holdout"
TARGETS = ("russia", "west", "ngos", "all")


def held_out_paragraphs(paragraphs: list, targets, k: int, fold_seed: int, fold: int) -> list:
    """The corpus paragraphs of the articles that ``stance_cv.py`` held out in ``fold``."""
    corpus = corpus_examples(paragraphs, targets)
    held = {corpus[i].key[0] for i in grouped_folds(corpus, k, fold_seed)[fold][1]}
    return [p for p in paragraphs if p.article_id in held]


def crossfit_ece(predictions: pd.DataFrame) -> float:
    """ECE when each half of the articles is calibrated with the temperature fitted on the other half."""
    articles = sorted(predictions["article_id"].unique())
    half = predictions["article_id"].map({a: i % 2 for i, a in enumerate(articles)})
    parts = [(predictions[half == h], predictions[half != h]) for h in (0, 1)]
    n = [int((held["gold"] != "absent").sum()) for held, _ in parts]
    eces = [expected_calibration_error(held, fit_temperature(other))["ece"] for held, other in parts]
    return sum(e * m for e, m in zip(eces, n)) / sum(n)


def baseline_metrics(paragraphs: list, gold: pd.DataFrame, scorer: str, targets) -> dict:
    """A scorer's codebook metrics on the held-out articles, rebuilt from their paragraphs."""
    by_article: dict[str, list] = {}
    for p in paragraphs:
        by_article.setdefault(p.article_id, []).append(p)
    articles = []
    for article_id, parts in by_article.items():
        parts.sort(key=lambda p: p.paragraph)
        article = parse_article(f"Title: {parts[0].title or article_id}\n\n" + "\n\n".join(p.text for p in parts),
                                article_id)
        if [p.text for p in article.paragraphs] != [p.text for p in parts]:
            raise SystemExit(f"{article_id}: its paragraphs do not survive rebuilding the article")
        # corpus paragraph numbers may not start at 1: map the rebuilt article's back to them
        renumber = {q.number: p.paragraph for q, p in zip(article.paragraphs, parts)}
        articles.append((article, renumber))
    tables = []
    for article, renumber in articles:
        table = get_scorer(scorer).score([article], targets)
        tables.append(table.assign(paragraph=table["paragraph"].map(renumber)))
    return _metrics(evaluate_tables(gold, pd.concat(tables, ignore_index=True)))


def _metrics(table: pd.DataFrame) -> dict:
    return {t: {k: float(v) for k, v in table.loc[t].items() if pd.notna(v)} for t in TARGETS if t in table.index}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="holdout",
                        help="the stance_cv.py run name, or names joined by commas: an ensemble (default: holdout)")
    parser.add_argument("--variant", help="the stance_cv.py variant it ran (default: the name)")
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--fold-seed", type=int, default=0)
    parser.add_argument("--corpus", default=str(default_corpus_path()))
    parser.add_argument("--baseline", default="tsc", help="scorer to compare on the same articles ('none': skip)")
    parser.add_argument("--ship", type=Path, metavar="DIR", help="write the fold's calibrated model and card here")
    args = parser.parse_args()

    names = args.name.split(",")
    folders = [RUNS / name for name in names]
    predictions = pd.concat([pd.read_parquet(folder / f"fold{args.fold}.parquet").drop(columns="seconds").assign(member=m)
                             for m, folder in enumerate(folders)], ignore_index=True)
    checks = json.loads((folders[0] / "fold0-checks.json").read_text()) if args.fold == 0 else {}
    targets = load_targets()
    paragraphs = read_corpus_file(args.corpus)
    held = held_out_paragraphs(paragraphs, targets, args.k, args.fold_seed, args.fold)
    if set(predictions["article_id"]) - {p.article_id for p in held}:
        raise SystemExit(f"{folders[0]}: its predictions are not fold {args.fold} of k={args.k}, seed {args.fold_seed}")
    temperature = fit_temperature(predictions)
    result = {
        "name": args.name, "members": len(names), "fold": args.fold, "k": args.k, "fold_seed": args.fold_seed,
        "date": date.today().isoformat(), "edm_stance": __version__, "corpus": Path(args.corpus).name,
        "n_train_paragraphs": len(paragraphs) - len(held), "n_train_articles":
            len({p.article_id for p in paragraphs}) - len({p.article_id for p in held}),
        "n_held_paragraphs": len(held), "n_held_articles": len({p.article_id for p in held}),
        "n_held_pairs": 3 * len(held), "n_held_present": sum(p.labels[t] != "absent" for p in held for t in p.labels),
        "settings": asdict(VARIANTS[args.variant or names[0]]), "temperature": temperature,
        "ece_before": expected_calibration_error(predictions)["ece"],
        "ece_after": expected_calibration_error(predictions, temperature)["ece"],
        "ece_after_crossfit": crossfit_ece(predictions),
        "metrics": _metrics(oof_metrics(held, predictions, temperature)),
        "metrics_member0": _metrics(oof_metrics(held, predictions[predictions["member"] == 0],
                                                fit_temperature(predictions[predictions["member"] == 0]))),
        "checks": checks,
    }
    if args.baseline != "none":
        gold, _ = oof_tables(held, predictions)
        result["baseline"] = {"scorer": args.baseline, "metrics": baseline_metrics(held, gold, args.baseline, targets)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{'+'.join(names)}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for t in TARGETS:
        line = f"{t:7s} stance macro-F1 {result['metrics'][t]['stance_macro_f1']:.3f}"
        if "baseline" in result:
            line += f"   {args.baseline} {result['baseline']['metrics'][t]['stance_macro_f1']:.3f}"
        print(line)
    print(f"T={temperature:.2f}, ECE {result['ece_before']:.3f} -> {result['ece_after']:.3f} "
          f"(cross-fitted {result['ece_after_crossfit']:.3f}); checks {json.dumps(checks)[:300]}")
    if args.ship:
        ship([folder / f"fold{args.fold}-model" for folder in folders], args.ship, result, predictions)


def ship(model_dirs: list[Path], target: Path, result: dict, predictions: pd.DataFrame) -> None:
    """Write the fold's model (its runs' members as one ensemble) to ``target``, calibrated, with its card.

    With more than one member, the NewsMTSC and seed checks are run again on the ensemble.
    """
    target = target.resolve()
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        shutil.copytree(model_dirs[0], work / "model")
        for m, model_dir in enumerate(model_dirs[1:], 1):
            shutil.copytree(model_dir / "member-0", work / "model" / f"member-{m}")
        config_path = work / "model" / CONFIG_FILE
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config.update(members=[f"member-{m}" for m in range(len(model_dirs))], temperature=result["temperature"])
        config_path.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
        if len(model_dirs) > 1:
            result["checks"] = model_checks(work / "model", os.environ.get("EDM_STANCE_NEWSMTSC"))
        config["holdout"] = result
        config_path.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
        predictions.to_csv(work / "model" / "holdout_predictions.csv", index=False, float_format="%.5f")
        (work / "model" / "MODEL.md").write_text(model_card(config, work / "model"), encoding="utf-8")
        if target.exists():
            target.rename(work / "old")
        (work / "model").rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {target}; checks {json.dumps(result['checks'])[:300]}")


if __name__ == "__main__":
    main()
