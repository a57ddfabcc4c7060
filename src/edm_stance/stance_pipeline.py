"""``edm-stance train``: cross-validate, calibrate and train the paragraph stance model end to end.

1. Read the corpus (the shipped synthetic corpus by default) and NewsMTSC (from a path).
2. Grouped k-fold cross-validation (folds by article): out-of-fold predictions, the codebook
   metrics on the corpus, and the temperature that calibrates the probabilities.
3. Train the ensemble's members on all of the corpus (seeds ``seed``, ``seed + 1``, ...).
4. Write the model folder atomically: the members, ``stance_config.json`` (settings,
   temperature, CV metrics, ECE before and after), ``cv_predictions.csv`` and a model card.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Sequence

from .output import replace_folder
from .stance_cv import cross_validate, expected_calibration_error, fit_temperature, newsmtsc_scores, oof_metrics
from .stance_data import corpus_examples, newsmtsc_examples, read_corpus_file
from .stance_model import save_ensemble
from .stance_training import TrainSettings, train_member
from .targets import load_targets

__all__ = ["SHIPPED_MEMBERS", "train_stance_model"]

SHIPPED_MEMBERS = 1  # ensemble size of the shipped model (one member: no seed ensemble was cross-validated, MODEL.md)

logger = logging.getLogger(__name__)


def train_stance_model(output_dir: str | Path, *, settings: TrainSettings, corpus_paths: Sequence[str | Path],
                       newsmtsc_dir: str | Path | None, members: int = 1, cv_folds: int = 0,
                       limit: int | None = None) -> dict:
    """Cross-validate (optional), train ``members`` members and save the calibrated ensemble.

    Parameters
    ----------
    output_dir : str or Path
        The model folder to write (replaced only once everything is trained).
    settings : TrainSettings
    corpus_paths : sequence of paths
        Corpus JSONL files (``data/training/synthetic-edm/paragraphs.jsonl`` format).
    newsmtsc_dir : str or Path, optional
        NewsMTSC folder (``train.jsonl``, and ``devtest_rw.jsonl`` / ``devtest_mt.jsonl`` for
        the report); None trains on the corpus alone.
    members : int
        Ensemble size.
    cv_folds : int
        Folds of the grouped cross-validation; 0 skips it (temperature 1).
    limit : int, optional
        Use only the first ``limit`` corpus pairs and NewsMTSC examples (smoke tests).

    Returns
    -------
    dict
        The report written into ``stance_config.json``.
    """
    started = time.perf_counter()
    paragraphs = [p for path in corpus_paths for p in read_corpus_file(path)]
    corpus = corpus_examples(paragraphs, load_targets())
    newsmtsc = newsmtsc_examples(Path(newsmtsc_dir) / "train.jsonl") if newsmtsc_dir else []
    if limit:
        corpus, newsmtsc = corpus[:limit], newsmtsc[:limit]
        paragraphs = [p for p in paragraphs if p.article_id in {ex.key[0] for ex in corpus}]
    report: dict = {"training": {**asdict(settings), "corpus": [str(Path(p).name) for p in corpus_paths],
                                 "n_corpus_paragraphs": len(paragraphs), "n_corpus_pairs": len(corpus),
                                 "n_newsmtsc": len(newsmtsc), "members": members, "date": date.today().isoformat()}}
    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", dir=output_dir.parent))
    try:
        temperature, predictions = 1.0, None
        if cv_folds:
            predictions = cross_validate(settings, corpus, newsmtsc, k=cv_folds, checkpoint_dir=work / "checkpoints")
            temperature = fit_temperature(predictions)
            metrics = oof_metrics(paragraphs, predictions, temperature)
            report["cv"] = {"folds": cv_folds, "temperature": temperature,
                            "ece_before": expected_calibration_error(predictions)["ece"],
                            "ece_after": expected_calibration_error(predictions, temperature)["ece"],
                            "metrics": json.loads(metrics.to_json(orient="index"))}
            logger.info("CV stance macro-F1 %.3f, temperature %.2f", metrics.loc["all", "stance_macro_f1"], temperature)
        models = []
        for member in range(members):
            member_settings = replace(settings, seed=settings.seed + member,  # members share stage 1
                                      stage1_seed=settings.seed if settings.stage1_seed is None else settings.stage1_seed)
            model, member_report = train_member(member_settings, corpus, newsmtsc, checkpoint_dir=work / "checkpoints")
            models.append(model)
            report.setdefault("members_report", []).append(member_report)
        if newsmtsc_dir:
            evaluation = {}
            for split in ("devtest_rw", "devtest_mt"):
                path = Path(newsmtsc_dir) / f"{split}.jsonl"
                if path.is_file():
                    evaluation[split] = newsmtsc_scores(models[0], newsmtsc_examples(path)[: limit or None])
            report["newsmtsc_member0"] = evaluation
        report["training_seconds"] = round(time.perf_counter() - started, 1)
        model_dir = work / "model"
        save_ensemble(model_dir, models, temperature=temperature, report=report)
        if predictions is not None:
            predictions.to_csv(model_dir / "cv_predictions.csv", index=False, float_format="%.5f")
        replace_folder(model_dir, output_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report
