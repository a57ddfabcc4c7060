"""Grouped cross-validation, calibration and metrics for the paragraph stance model.

Design choices of the model (aggregation, epochs, learning rate, data mix, pooling,
multi-task weights, ensemble size) are compared by :func:`cross_validate` on the synthetic
corpus, folds by article (or, where CPU time allows one fold only, on that fold:
``experiments/stance_holdout.py``). The held-out logits also fit the temperature that
calibrates the shipped model (:func:`fit_temperature`), whose effect
:func:`expected_calibration_error` reports; :func:`model_evaluation` reads a model folder's
own held-out figures back for notebook 03.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .evaluation import STANCE_LABELS, evaluate_tables
from .stance_data import CORPUS_TARGETS, LABELS, CorpusParagraph, PairExample, grouped_folds
from .stance_model import ParagraphStanceModel, stance_probabilities
from .stance_training import TrainSettings, train_member

__all__ = ["ModelEvaluation", "cross_validate", "expected_calibration_error", "fit_temperature", "model_evaluation",
           "newsmtsc_scores", "oof_metrics", "oof_tables"]

logger = logging.getLogger(__name__)


def cross_validate(settings: TrainSettings, corpus: Sequence[PairExample], newsmtsc: Sequence[PairExample], *,
                   k: int = 5, fold_seed: int = 0, members: int = 1, checkpoint_dir: str | Path | None = None,
                   folds: Sequence[int] | None = None,
                   on_model: Callable[[int, int, ParagraphStanceModel], None] | None = None) -> pd.DataFrame:
    """Train on k-1 folds and predict the held-out one, for every fold (grouped by article).

    Returns one row per held-out corpus pair: ``article_id, paragraph, target, gold, fold,
    member, logit_absent, logit_critical, logit_neutral, logit_favorable``. With ``members``
    > 1, each fold trains that many members with seeds ``settings.seed + m``. ``on_model(fold,
    member, model)`` is called with each trained model (e.g. to test it on NewsMTSC).
    """
    rows = []
    for fold, (train_idx, held_idx) in enumerate(grouped_folds(corpus, k, fold_seed)):
        if folds is not None and fold not in folds:
            continue
        for member in range(members):
            started = time.perf_counter()
            member_settings = replace(settings, seed=settings.seed + member,  # members share stage 1
                                      stage1_seed=settings.seed if settings.stage1_seed is None else settings.stage1_seed)
            model, _ = train_member(member_settings, [corpus[i] for i in train_idx], newsmtsc, checkpoint_dir=checkpoint_dir)
            if on_model is not None:
                on_model(fold, member, model)
            held = [corpus[i] for i in held_idx]
            logits = model.predict_logits([ex.input for ex in held])[:, 0, :]
            for ex, z in zip(held, logits):
                rows.append({"article_id": ex.key[0], "paragraph": ex.key[1], "target": ex.key[2],
                             "gold": LABELS[ex.label], "fold": fold, "member": member,
                             **{f"logit_{label}": float(v) for label, v in zip(LABELS, z)}})
            logger.info("fold %d member %d: %d held-out pairs, %.0f s", fold, member, len(held), time.perf_counter() - started)
    return pd.DataFrame(rows)


def _member_logits(predictions: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Reshape predictions to (pairs, members, 4) logits with the pairs' keys."""
    columns = [f"logit_{label}" for label in LABELS]
    keys = ["article_id", "paragraph", "target"]
    ordered = predictions.sort_values(keys + ["member"])
    n_members = ordered["member"].nunique()
    pairs = ordered[ordered["member"] == ordered["member"].min()][keys + ["gold"]].reset_index(drop=True)
    return pairs, ordered[columns].to_numpy().reshape(len(pairs), n_members, len(LABELS))


def oof_tables(paragraphs: Sequence[CorpusParagraph], predictions: pd.DataFrame, temperature: float = 1.0,
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the codebook gold table and the prediction table from out-of-fold predictions.

    Pairs with no prediction (the rules found no mention) are predicted absent; a predicted
    pair's label is the most probable stance of the members' mean calibrated probabilities.
    """
    gold = pd.DataFrame([{"article_id": p.article_id, "paragraph": p.paragraph, "target": t, "label": p.labels[t],
                          "strength": p.strength[t]} for p in paragraphs for t in CORPUS_TARGETS])
    pairs, logits = _member_logits(predictions)
    probs = stance_probabilities(logits, temperature).mean(axis=1)
    pred = pairs.drop(columns="gold").assign(label=[STANCE_LABELS[i] for i in probs.argmax(1)],
                                             score=probs[:, 2] - probs[:, 0], confidence=probs.max(1))
    pred = gold[["article_id", "paragraph", "target"]].merge(pred, how="left", on=["article_id", "paragraph", "target"])
    pred["label"] = pred["label"].fillna("absent")
    return gold, pred


def oof_metrics(paragraphs: Sequence[CorpusParagraph], predictions: pd.DataFrame, temperature: float = 1.0) -> pd.DataFrame:
    """Codebook metrics (evaluation.evaluate_tables) of out-of-fold predictions on the corpus."""
    gold, pred = oof_tables(paragraphs, predictions, temperature)
    return evaluate_tables(gold, pred)


def _present(predictions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Member logits and stance class indices (0..2) of the gold-present predicted pairs."""
    pairs, logits = _member_logits(predictions)
    present = (pairs["gold"] != "absent").to_numpy()
    labels = pairs.loc[present, "gold"].map({label: i for i, label in enumerate(STANCE_LABELS)}).to_numpy()
    return logits[present], labels


def fit_temperature(predictions: pd.DataFrame) -> float:
    """Fit the temperature minimising the NLL of the members' mean stance probabilities on gold-present pairs."""
    from scipy.optimize import minimize_scalar

    logits, labels = _present(predictions)

    def nll(log_t: float) -> float:
        probs = stance_probabilities(logits, float(np.exp(log_t))).mean(axis=1)
        return float(-np.mean(np.log(probs[np.arange(len(labels)), labels] + 1e-12)))

    result = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(result.x))


def expected_calibration_error(predictions: pd.DataFrame, temperature: float = 1.0, bins: int = 10) -> dict:
    """ECE of the top stance probability on gold-present pairs (equal-width bins), and its bins.

    Returns ``{"ece": float, "bins": DataFrame(bin_lower, bin_upper, n, confidence, accuracy)}``.
    """
    logits, labels = _present(predictions)
    probs = stance_probabilities(logits, temperature).mean(axis=1)
    confidence, correct = probs.max(1), probs.argmax(1) == labels
    edges = np.linspace(1 / 3, 1.0, bins + 1)  # three classes: the top probability is at least 1/3
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    table = pd.DataFrame({"bin_lower": edges[:-1], "bin_upper": edges[1:],
                          "n": np.bincount(index, minlength=bins),
                          "confidence": [confidence[index == b].mean() if (index == b).any() else np.nan for b in range(bins)],
                          "accuracy": [correct[index == b].mean() if (index == b).any() else np.nan for b in range(bins)]})
    ece = float(np.nansum(table["n"] / len(labels) * (table["confidence"] - table["accuracy"]).abs()))
    return {"ece": ece, "bins": table}


def newsmtsc_scores(model: ParagraphStanceModel, examples: Sequence[PairExample]) -> dict:
    """Macro-F1 (F1m) and accuracy of the model's stance classes on NewsMTSC examples (in %)."""
    from sklearn.metrics import accuracy_score, f1_score

    probs = model.predict_proba([ex.input for ex in examples]).mean(axis=1)
    pred, gold = probs.argmax(1) + 1, np.array([ex.label for ex in examples])
    return {"n": len(examples), "f1m": 100 * f1_score(gold, pred, average="macro"), "accuracy": 100 * accuracy_score(gold, pred)}


@dataclass(frozen=True)
class ModelEvaluation:
    """A paragraph model's own held-out evaluation: what it was tested on, metrics, calibration bins."""

    description: str
    metrics: pd.DataFrame  # one row per target and "all": stance macro-F1 (model, baseline), presence F1
    bins: dict[str, pd.DataFrame]  # "before calibration" / "after" -> expected_calibration_error bins
    ece: dict[str, float]


def model_evaluation(model_dir: str | Path) -> ModelEvaluation | None:
    """Read the held-out evaluation a model folder carries (``stance_config.json`` and its predictions).

    Returns None for a model without one (e.g. trained with ``--cv 0`` or refitted).
    """
    model_dir = Path(model_dir)
    config = json.loads((model_dir / "stance_config.json").read_text(encoding="utf-8"))
    if "holdout" in config and (model_dir / "holdout_predictions.csv").is_file():
        report, predictions = config["holdout"], pd.read_csv(model_dir / "holdout_predictions.csv")
        description = (f"grouped hold-out: fold {report['fold']} of {report['k']} by article, "
                       f"{report['n_held_paragraphs']} synthetic paragraphs of {report['n_held_articles']} articles "
                       "the model never saw")
        metrics = report["metrics"]
        baseline = report.get("baseline", {})
    elif "cv" in config and (model_dir / "cv_predictions.csv").is_file():
        report, predictions = config["cv"], pd.read_csv(model_dir / "cv_predictions.csv")
        description = f"grouped {report['folds']}-fold cross-validation on the synthetic corpus (out-of-fold predictions)"
        metrics, baseline = report["metrics"], {}
    else:
        return None
    temperature = float(config.get("temperature", 1.0))
    rows = {target: {"stance macro-F1": values.get("stance_macro_f1"), "presence F1": values.get("presence_f1")}
            for target, values in metrics.items()}
    if baseline:
        for target, values in baseline["metrics"].items():
            rows.setdefault(target, {})[f"stance macro-F1, {baseline['scorer']}"] = values.get("stance_macro_f1")
    before, after = expected_calibration_error(predictions), expected_calibration_error(predictions, temperature)
    return ModelEvaluation(description, pd.DataFrame.from_dict(rows, orient="index"),
                           {"before calibration": before["bins"], f"after (T = {temperature:.2f})": after["bins"]},
                           {"before": before["ece"], "after": after["ece"]})
