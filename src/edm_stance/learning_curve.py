"""Simulated analysts: how much k corrections improve the paragraph model on a region it has never seen.

For each region of the synthetic corpus (the ``<region>`` of its ``syn-<region>-NNN`` article ids):

1. train a base model on the other regions' pairs (leave-one-region-out);
2. split the region's articles, by a hash of their id, into a *pool* whose pairs an analyst
   may correct and a *test* set (the remaining articles);
3. for each k and each selection rule, ``uncertain`` (the pool pairs the base model is least
   sure of: lowest calibrated confidence) or ``random``, refit the base model on k pool pairs
   with their gold labels (the analyst's), replaying the other regions' pairs, exactly as
   ``edm-stance train --corrections`` does (:func:`edm_stance.refit.refit_members`); the k
   pairs of a rule are nested (the 25 include the 10);
4. score the test articles with the codebook's metrics (pairs whose target the rules do not
   find count as predicted absent, :func:`edm_stance.stance_cv.oof_metrics`); k = 0 is the
   base model.

Each region's base model and results are kept in a work folder, so an interrupted run goes
on where it stopped. :func:`summarise` gives the mean over regions per rule and k, and
:func:`learning_curve_figure` draws it (``experiments/learning_curve.py``, notebook 03).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .stance_data import LABELS, CorpusParagraph, PairExample, corpus_examples
from .targets import load_targets

if TYPE_CHECKING:
    from .refit import RefitSettings
    from .stance_training import TrainSettings

__all__ = ["RULES", "RULE_NAMES", "SimulationSettings", "learning_curve_figure", "read_learning_curve", "run_region", "summarise"]

RULES = ("uncertain", "random")
RULE_NAMES = {"uncertain": "most uncertain first", "random": "at random"}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimulationSettings:
    """What the simulation trains and how: the base recipe, its size, the refit, the ks."""

    ks: tuple[int, ...] = (10, 25, 50, 100)
    members: int = 1
    train: "TrainSettings | None" = None  # the base models' recipe; None: LoRA on the top 3 layers, 2 corpus epochs
    refit: "RefitSettings | None" = None  # the refits' recipe; None: the refit's defaults, nothing held out
    train_limit: int | None = None  # train each base on at most this many pairs of the other regions (sampled)
    pool_share: float = 0.5  # share of a region's articles whose pairs can be corrected; the rest are the test set
    random_repeats: int = 1  # random selections per k (different draws)
    seed: int = 0

    def resolved(self) -> "SimulationSettings":
        """The settings with the default training and refit recipes filled in."""
        from .refit import RefitSettings
        from .stance_training import StageSettings, TrainSettings

        train = self.train or TrainSettings(lora_layers=3, stage2=StageSettings(epochs=2, learning_rate=3e-4))
        return replace(self, train=train, refit=self.refit or RefitSettings(holdout=0.0))

    def describe(self) -> dict:
        """JSON-ready description (it keys the work folder: other settings, other folder)."""
        settings = self.resolved()
        return {**{k: v for k, v in asdict(settings).items() if k not in {"train", "refit"}},
                "train": asdict(settings.train), "refit": asdict(settings.refit)}


def _split_region(paragraphs: Sequence[CorpusParagraph], share: float, seed: int) -> tuple[set[str], set[str]]:
    """The region's article ids in the pool and in the test set, by a hash of the id."""
    pool, test = set(), set()
    for article_id in sorted({p.article_id for p in paragraphs}):
        digest = hashlib.sha256(f"{seed}:{article_id}".encode()).digest()
        (pool if int.from_bytes(digest[:8], "big") / 2**64 < share else test).add(article_id)
    return pool, test


def _logit_rows(models: Sequence, examples: Sequence[PairExample]) -> pd.DataFrame:
    """Each member's logits per example, in the shape of cross-validation predictions (for oof_metrics)."""
    rows = []
    for member, model in enumerate(models):
        logits = model.predict_logits([ex.input for ex in examples]).mean(axis=1)  # a single-member model
        for ex, z in zip(examples, logits):
            rows.append({"article_id": ex.key[0], "paragraph": ex.key[1], "target": ex.key[2], "gold": LABELS[ex.label],
                         "member": member, **{f"logit_{label}": float(v) for label, v in zip(LABELS, z)}})
    return pd.DataFrame(rows)


def _test_scores(models: Sequence, test_paragraphs: Sequence[CorpusParagraph], test: Sequence[PairExample]) -> dict:
    from .stance_cv import oof_metrics

    pooled = oof_metrics(test_paragraphs, _logit_rows(models, test)).loc["all"]
    return {"stance_macro_f1": float(pooled["stance_macro_f1"]), "stance_accuracy": float(pooled["stance_accuracy"]),
            "n_test_pairs": int(pooled["n_pairs"]), "n_test_present": int(pooled["n_gold_present"])}


def _base_model(folder: Path, train: Sequence[PairExample], newsmtsc: Sequence[PairExample],
                settings: SimulationSettings) -> Path:
    """Train (or reuse) the region's base ensemble, saved in ``folder`` (temperature 1: no calibration)."""
    from .output import replace_folder
    from .stance_model import CONFIG_FILE, save_ensemble
    from .stance_training import train_member

    if (folder / CONFIG_FILE).is_file():
        return folder
    models = [train_member(replace(settings.train, seed=settings.train.seed + m), train, newsmtsc)[0]
              for m in range(settings.members)]
    work = folder.with_name(f".{folder.name}.work")
    save_ensemble(work, models, report={"training": asdict(settings.train), "n_train_pairs": len(train)})
    return replace_folder(work, folder)


def run_region(region: str, paragraphs: Sequence[CorpusParagraph], newsmtsc: Sequence[PairExample],
               settings: SimulationSettings, work_dir: str | Path) -> list[dict]:
    """Run the simulation for one held-out region; return one result per (rule, k, repeat), k = 0 included.

    Results are appended to ``work_dir/<region>/results.jsonl`` as they come, and those
    already there are not run again.
    """
    from .refit import refit_members
    from .stance_model import ParagraphStanceModel

    settings = settings.resolved()
    folder = Path(work_dir) / region
    folder.mkdir(parents=True, exist_ok=True)
    described = json.dumps(settings.describe(), sort_keys=True, default=str)
    settings_file = folder / "settings.json"
    if settings_file.is_file() and settings_file.read_text(encoding="utf-8") != described:
        raise ValueError(f"{folder}: holds a run with other settings; use another work folder")
    settings_file.write_text(described, encoding="utf-8")
    results_file = folder / "results.jsonl"
    done = [json.loads(line) for line in results_file.read_text(encoding="utf-8").splitlines()] \
        if results_file.is_file() else []
    seen = {(r["rule"], r["k"], r["repeat"]) for r in done}

    targets = load_targets()
    inside = [p for p in paragraphs if p.region == region]
    pool_ids, test_ids = _split_region(inside, settings.pool_share, settings.seed)
    region_pairs = corpus_examples(inside, targets)
    pool = [ex for ex in region_pairs if ex.key[0] in pool_ids]
    test = [ex for ex in region_pairs if ex.key[0] in test_ids]
    test_paragraphs = [p for p in inside if p.article_id in test_ids]
    runs = [(rule, k, repeat) for rule, repeats in (("uncertain", 1), ("random", settings.random_repeats))
            for repeat in range(repeats) for k in settings.ks if k <= len(pool)]
    if {("base", 0, 0), *runs} <= seen:
        return done
    train = corpus_examples([p for p in paragraphs if p.region != region], targets)
    if settings.train_limit and len(train) > settings.train_limit:
        train = random.Random(f"{settings.seed}:{region}").sample(train, settings.train_limit)
    started = time.perf_counter()
    base_dir = _base_model(folder / "base", train, newsmtsc, settings)
    base = ParagraphStanceModel.from_pretrained(base_dir, device="cpu")
    common = {"region": region, "n_train_pairs": len(train), "n_pool_pairs": len(pool)}

    def record(rule: str, k: int, repeat: int, models: Sequence, seconds: float) -> None:
        result = {**common, "rule": rule, "k": k, "repeat": repeat, **_test_scores(models, test_paragraphs, test),
                  "seconds": round(seconds, 1)}
        with results_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(result) + "\n")
        done.append(result)
        logger.info("%s %s k=%d: stance macro-F1 %.3f", region, rule, k, result["stance_macro_f1"])

    if ("base", 0, 0) not in seen:
        record("base", 0, 0, [_Member(base, m) for m in range(len(base.heads))], time.perf_counter() - started)
    confidence = base.predict_proba([ex.input for ex in pool]).mean(axis=1).max(axis=1)
    orders = {("uncertain", 0): list(np.argsort(confidence, kind="stable"))}  # the k of a rule are nested
    for repeat in range(settings.random_repeats):
        orders[("random", repeat)] = random.Random(f"{settings.seed}:{region}:{repeat}").sample(range(len(pool)), len(pool))
    for rule, k, repeat in runs:
        if (rule, k, repeat) in seen:
            continue
        began = time.perf_counter()
        chosen = [replace(pool[i], source="correction") for i in orders[(rule, repeat)][:k]]
        models, _ = refit_members(base_dir, chosen, train, settings.refit, device="cpu")
        record(rule, k, repeat, models, time.perf_counter() - began)
    return done


class _Member:
    """One member of a loaded ensemble, predicting as a single-member model (for the k = 0 scores)."""

    def __init__(self, model, member: int):
        self.model, self.member = model, member

    def predict_logits(self, items):
        return self.model.predict_logits(items)[:, self.member : self.member + 1, :]


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean, min and max over regions of the test stance macro-F1 per rule and k (k = 0, the base, in both rules).

    Random repeats are averaged within a region first.
    """
    base = results[results["rule"] == "base"]
    rows = [results[results["rule"] != "base"]] + [base.assign(rule=rule) for rule in RULES]
    per_region = pd.concat(rows).groupby(["rule", "k", "region"], as_index=False)[["stance_macro_f1", "stance_accuracy"]].mean()
    summary = per_region.groupby(["rule", "k"]).agg(
        stance_macro_f1=("stance_macro_f1", "mean"), f1_min=("stance_macro_f1", "min"),
        f1_max=("stance_macro_f1", "max"), stance_accuracy=("stance_accuracy", "mean"),
        n_regions=("region", "nunique")).reset_index()
    return summary.sort_values(["rule", "k"], key=lambda c: c.map(RULES.index) if c.name == "rule" else c,
                               ignore_index=True)


def read_learning_curve(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read the JSON written by ``experiments/learning_curve.py``: (summary, results, settings)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return pd.DataFrame(data["summary"]), pd.DataFrame(data["results"]), data["settings"]


def learning_curve_figure(summary: pd.DataFrame, *, title: str | None = None):
    """Test stance macro-F1 against k, one line per selection rule: the mean over regions, shaded from min to max."""
    import matplotlib.pyplot as plt

    from .plots import paper_style

    colors = {"uncertain": "#0072B2", "random": "#D55E00"}
    markers = {"uncertain": "o", "random": "s"}
    with paper_style():
        figure, ax = plt.subplots(figsize=(4.6, 3.2))
        plt.close(figure)
        for rule in RULES:
            part = summary[summary["rule"] == rule].sort_values("k")
            if part.empty:
                continue
            ax.fill_between(part["k"], part["f1_min"], part["f1_max"], color=colors[rule], alpha=0.12, linewidth=0)
            ax.plot(part["k"], part["stance_macro_f1"], color=colors[rule], marker=markers[rule],
                    label=f"{RULE_NAMES[rule]} (mean of {int(part['n_regions'].min())} regions)")
        ax.set_xticks(sorted(summary["k"].unique()))
        ax.set_xlabel("corrected paragraph × target pairs (k)")
        ax.set_ylabel("stance macro-F1, unseen articles")
        ax.set_title(title or "Corrections on a region the model has not seen")
        ax.legend(loc="lower right", frameon=False)
    return figure
