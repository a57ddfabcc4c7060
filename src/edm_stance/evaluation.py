"""Metrics of CODEBOOK.md (gold vs predicted tables) and of NewsMTSC (F1m, accuracy).

Presence: precision, recall, F1 of present-vs-absent per target. Stance: macro-F1 over the
labels critical/neutral/favorable that occur in the gold or the predictions, plus accuracy,
on the pairs the gold marks present (a predicted "absent" there counts as wrong). Strength:
Spearman correlation of the predicted score with the gold strength on gold-present pairs,
a predicted "absent" counting as score 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import DataFileError

__all__ = ["STANCE_LABELS", "evaluate_tables", "newsmtsc_metrics", "read_table"]

STANCE_LABELS = ("critical", "neutral", "favorable")
POOLED = "all"
_KEYS = ["article_id", "paragraph", "target"]
_NUMERIC = {"gold": "strength", "prediction": "score"}


def newsmtsc_metrics(probs: np.ndarray, labels: Sequence[int], threshold: float | None = None) -> dict:
    """Macro-F1 over the three classes and accuracy of class probabilities against labels.

    With ``threshold`` the prediction is positive when P(pos) - P(neg) > threshold, negative
    when it is below -threshold, and neutral otherwise; without it, the most probable class.
    """
    from sklearn.metrics import accuracy_score, f1_score

    labels = np.asarray(labels)
    if threshold is None:
        pred = probs.argmax(axis=1)
    else:
        margin = probs[:, 2] - probs[:, 0]
        pred = np.where(margin > threshold, 2, np.where(margin < -threshold, 0, 1))
    return {
        "f1m": float(f1_score(labels, pred, labels=[0, 1, 2], average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(labels, pred)),
        "n": int(len(labels)),
    }


def read_table(path: str | Path, *, kind: str) -> pd.DataFrame:
    """Read a gold or prediction table (CSV, or Parquet by its suffix) and check it.

    Checks the key and label columns, that keys are present, paragraphs whole numbers from 1,
    ``strength`` (gold) or ``score`` (prediction) numeric, labels the codebook's, the target
    name ``all`` unused, and each (article_id, paragraph, target) given once.

    Raises
    ------
    DataFileError
        Naming the file, the problem and the first bad row.
    """
    path = Path(path)
    if path.is_dir():
        raise DataFileError(f"{path}: is a folder, not a {kind} file")
    if not path.is_file():
        raise DataFileError(f"{path}: no such {kind} file")
    parquet = path.suffix.lower() == ".parquet"
    try:
        if parquet:
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path, encoding="utf-8", dtype={"article_id": str, "target": str, "label": str})
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable {'Parquet' if parquet else 'CSV'} {kind} file "
                            f"({' '.join(str(exc).split())})") from exc
    missing = [c for c in [*_KEYS, "label"] if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: the {kind} file lacks the column(s) {', '.join(missing)}")
    if table.empty:
        raise DataFileError(f"{path}: the {kind} file has no rows")
    table = table.reset_index(drop=True)

    def row(index: int) -> str:
        return f"row {index + 1}" if parquet else f"line {index + 2}"

    for column in _KEYS:
        empty = table[column].isna()
        if empty.any():
            raise DataFileError(f"{path}: {row(int(empty.idxmax()))} has no {column}")
    paragraph = pd.to_numeric(table["paragraph"], errors="coerce")
    bad = paragraph.isna() | (paragraph < 1) | (paragraph % 1 != 0)
    if bad.any():
        index = int(bad.idxmax())
        raise DataFileError(f"{path}: paragraph must be a whole number from 1; {row(index)} has "
                            f"{table['paragraph'][index]!r}")
    table["paragraph"] = paragraph.astype("int64")
    table["article_id"] = table["article_id"].astype(str)
    table["target"] = table["target"].astype(str)
    number = _NUMERIC.get(kind)
    if number in table.columns:
        values = pd.to_numeric(table[number], errors="coerce")
        bad = values.isna() & table[number].notna()
        if bad.any():
            index = int(bad.idxmax())
            raise DataFileError(f"{path}: {number} must be a number; {row(index)} has {table[number][index]!r}")
        table[number] = values.astype("float64")
    bad = sorted(set(table["label"].dropna()) - {"absent", *STANCE_LABELS})
    if bad:
        raise DataFileError(f"{path}: unknown label(s) {', '.join(map(str, bad))}; expected absent, critical, neutral, favorable")
    table["label"] = table["label"].fillna("absent")
    _check_keys(table, str(path), row)
    return table


def _check_keys(table: pd.DataFrame, source: str, row=lambda index: f"row {index + 1}") -> None:
    """Refuse the reserved target name and (article_id, paragraph, target) keys given more than once."""
    pooled = table["target"] == POOLED
    if pooled.any():
        raise DataFileError(f"{source}: target name {POOLED!r} ({row(int(pooled.idxmax()))}) is reserved for the "
                            "pooled row of the metrics; rename that target")
    repeated = table.duplicated(_KEYS, keep=False)
    if repeated.any():
        first = table[repeated].iloc[0]
        key = (first["article_id"], int(first["paragraph"]), first["target"])
        raise DataFileError(f"{source}: {int(repeated.sum())} rows repeat an (article_id, paragraph, target), "
                            f"e.g. {key} on {row(int(repeated.idxmax()))}; each pair must be given once")


def _presence(gold: pd.Series, pred: pd.Series) -> dict:
    g, p = gold != "absent", pred != "absent"
    tp = int((g & p).sum())
    precision = tp / p.sum() if p.sum() else float("nan")
    recall = tp / g.sum() if g.sum() else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"presence_precision": precision, "presence_recall": recall, "presence_f1": f1, "n_gold_present": int(g.sum())}


def _stance(gold: pd.Series, pred: pd.Series, score: pd.Series, strength: pd.Series | None) -> dict:
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score

    present = gold != "absent"
    g, p = gold[present], pred[present]
    if g.empty:
        return {"stance_macro_f1": float("nan"), "stance_accuracy": float("nan"), "strength_spearman": float("nan")}
    labels = [label for label in STANCE_LABELS if label in set(g) | set(p)]
    result = {
        "stance_macro_f1": float(f1_score(g, p, labels=labels, average="macro", zero_division=0)),
        "stance_accuracy": float((g == p).mean()),
        "strength_spearman": float("nan"),
    }
    if strength is not None:
        s, x = strength[present].astype(float), score[present].astype(float).fillna(0.0)
        if s.nunique() > 1 and x.nunique() > 1:
            result["strength_spearman"] = float(spearmanr(s, x).statistic)
    return result


def evaluate_tables(gold: pd.DataFrame, pred: pd.DataFrame) -> pd.DataFrame:
    """Compare predictions with gold, per target and pooled ("all").

    Returns
    -------
    pandas.DataFrame
        One row per target plus "all": presence precision/recall/F1, stance macro-F1 and
        accuracy on gold-present pairs, Spearman of score vs strength, and pair counts.
    """
    _check_keys(gold, "the gold table")
    _check_keys(pred, "the prediction table")
    pred = pred.copy()
    if "score" not in pred.columns:
        pred["score"] = np.nan
    merged = gold.merge(pred[[*_KEYS, "label", "score"]], on=_KEYS, how="left", suffixes=("_gold", "_pred"))
    unmatched = int(merged["label_pred"].isna().sum())
    if unmatched == len(merged):
        raise DataFileError(
            "no (article_id, paragraph, target) row of the gold file has a prediction; "
            "check that both files describe the same articles and targets"
        )
    merged["label_pred"] = merged["label_pred"].fillna("absent")
    strength = merged["strength"] if "strength" in merged.columns else None
    rows = []
    for target, part in [*merged.groupby("target", sort=True), (POOLED, merged)]:
        row = {"target": target, "n_pairs": len(part)}
        row.update(_presence(part["label_gold"], part["label_pred"]))
        row.update(_stance(part["label_gold"], part["label_pred"], part["score"], strength.loc[part.index] if strength is not None else None))
        rows.append(row)
    table = pd.DataFrame(rows).set_index("target")
    table.attrs["unmatched_gold_rows"] = unmatched
    return table
