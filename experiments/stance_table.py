"""Print MODEL.md's ablation table from experiments/results/stance_cv/*.json (written by stance_cv.py).

One row per CV run: the corpus and folds, the pooled stance macro-F1 of the out-of-fold
predictions (calibrated) with the per-target figures, the expected calibration error before
and after temperature scaling, and the first fold's model on NewsMTSC devtest_rw/mt and on
the seed (12 present pairs: a sanity check). Ensembles are scored by averaging runs' out-of-fold
probabilities: ``--ensemble NAME=RUN,RUN,...``.

usage: python experiments/stance_table.py [RUN ...] [--ensemble NAME=RUN,RUN]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from edm_stance.stance_cv import expected_calibration_error, fit_temperature, oof_metrics
from edm_stance.stance_data import read_corpus_file

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results" / "stance_cv"
PREDICTIONS = ROOT / "runs" / "stance_cv"


def _row(result: dict) -> dict:
    metrics = result["metrics"]
    fold0 = result.get("fold0", {})
    return {
        "run": result["name"], "corpus": f"{result['n_paragraphs']} ¶", "k": result["k"],
        "macro-F1": metrics["all"]["stance_macro_f1"],
        "russia": metrics["russia"]["stance_macro_f1"], "west": metrics["west"]["stance_macro_f1"],
        "ngos": metrics["ngos"]["stance_macro_f1"],
        "ECE before": result["ece_before"], "ECE after": result["ece_after"],
        "rw": fold0.get("devtest_rw", {}).get("f1m"), "mt": fold0.get("devtest_mt", {}).get("f1m"),
        "seed": fold0.get("seed", {}).get("stance_macro_f1"), "hours": result["seconds"] / 3600,
    }


def _ensemble(name: str, runs: list[str]) -> dict:
    """Average the runs' out-of-fold predictions as members of one ensemble (same folds required)."""
    results = [json.loads((RESULTS / f"{run}.json").read_text()) for run in runs]
    frames = [pd.read_parquet(PREDICTIONS / f"{run}.parquet").assign(member=m) for m, run in enumerate(runs)]
    keys = [set(map(tuple, f[["article_id", "paragraph", "target"]].values)) for f in frames]
    common = set.intersection(*keys)
    predictions = pd.concat([f[[tuple(k) in common for k in f[["article_id", "paragraph", "target"]].values]]
                             for f in frames])
    paragraphs = [p for c in results[0]["corpus_paths"] for p in read_corpus_file(ROOT / c)]
    temperature = fit_temperature(predictions)
    metrics = oof_metrics(paragraphs, predictions, temperature)
    return {"name": name, "n_paragraphs": len(paragraphs), "k": results[0]["k"], "seconds": sum(r["seconds"] for r in results),
            "metrics": json.loads(metrics.to_json(orient="index")),
            "ece_before": expected_calibration_error(predictions)["ece"],
            "ece_after": expected_calibration_error(predictions, temperature)["ece"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="*", help="result names (default: all)")
    parser.add_argument("--ensemble", action="append", default=[], metavar="NAME=RUN,RUN")
    args = parser.parse_args()
    names = args.runs or sorted(p.stem for p in RESULTS.glob("*.json"))
    rows = [_row(json.loads((RESULTS / f"{name}.json").read_text())) for name in names]
    for spec in args.ensemble:
        name, runs = spec.split("=", 1)
        rows.append(_row(_ensemble(name, runs.split(","))))
    table = pd.DataFrame(rows)
    cells = [[f"{v:.3f}" if isinstance(v, float) else "—" if v is None else str(v) for v in row]
             for row in table.itertuples(index=False)]
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in cells:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
