"""Refit a paragraph stance model on analysts' corrections, and check it on corrections it never saw.

``edm-stance train --corrections FOLDER [--model BASE] --output DIR`` (:func:`refit_stance_model`):

1. Read the corrections (:mod:`edm_stance.corrections`), keep each pair's latest, and hold
   out a share of the paragraphs (by a hash of their key, so the same ones every time).
2. Continue training each ensemble member of the base model on the other corrections, with
   a sample of its original training data replayed every epoch (the synthetic corpus, and
   NewsMTSC when given) so that it does not forget what it knew.
3. Compare the base model and the refitted one with the analyst's labels on the held-out
   corrections, and write the new model folder atomically: the members, the config (the
   refit's report appended to the model's history), ``refit_corrections.csv`` (every
   correction this model and the models it was refitted from were trained on or held out
   from) and a model card, ``MODEL.md``. The calibration (temperature) is the base model's.

:func:`evaluate_corrections` is ``edm-stance evaluate --gold FOLDER``: the agreement of a
model, and of the model it was refitted from, with the corrections that neither was trained on.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .corrections import (CORRECTION_COLUMNS, GOLD_COLUMNS, KEYS, correction_examples, correction_inputs,
                          latest_corrections, read_corrections, split_holdout)
from .errors import DataFileError, ModelLoadError
from .evaluation import STANCE_LABELS, evaluate_tables
from .output import replace_folder
from .stance_data import PairExample

__all__ = ["REFIT_CORRECTIONS", "RefitSettings", "evaluate_corrections", "predict_corrections", "refit_members",
           "refit_stance_model", "trained_keys"]

REFIT_CORRECTIONS = "refit_corrections.csv"
MODEL_CARD = "MODEL.md"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefitSettings:
    """How a refit trains: epochs and learning rate over the corrections, replay, the held-out share."""

    epochs: int = 3
    learning_rate: float = 1e-4
    replay: int | None = None  # replayed examples per epoch; None: as many as the corrections, at least 64
    holdout: float = 0.2  # share of the corrected paragraphs held out from the refit, to check it
    holdout_seed: int = 0
    top_layers: int | None = None  # train only the LoRA weights of the top N layers (cheaper); None: all of them
    seed: int = 13

    def replay_size(self, n_corrections: int) -> int:
        """Replayed examples per epoch for ``n_corrections`` corrections."""
        return self.replay if self.replay is not None else max(n_corrections, 64)


def _read_config(model_dir: Path) -> dict:
    from .stance_model import CONFIG_FILE

    path = model_dir / CONFIG_FILE
    if not path.is_file():
        raise ModelLoadError(f"{model_dir}: not a paragraph stance model (no {CONFIG_FILE}); "
                             "refit a model written by 'edm-stance train'")
    return json.loads(path.read_text(encoding="utf-8"))


def _freeze_below(model, top_layers: int) -> None:
    """Stop training the LoRA weights below the top ``top_layers`` layers (backward passes then stop there)."""
    import re

    n_layers = int(model.encoder.get_base_model().config.num_hidden_layers)
    for name, parameter in model.encoder.named_parameters():
        layer = re.search(r"\blayers?\.(\d+)\.", name)
        if "lora_" in name and layer and int(layer.group(1)) < n_layers - top_layers:
            parameter.requires_grad_(False)


def _stage_settings(config: dict, settings: RefitSettings, n_replay: int, member: int):
    """The base model's training settings (batch size, losses, smoothing) with the refit's stage."""
    from .stance_training import StageSettings, TrainSettings

    trained = config.get("training", {})
    kept = {f.name: trained[f.name] for f in fields(TrainSettings)
            if f.name in {"batch_size", "weight_decay", "warmup_ratio", "label_smoothing", "strength_weight",
                          "phenomena_weight"} and f.name in trained}
    return (TrainSettings(**kept, seed=settings.seed + member),
            StageSettings(settings.epochs, settings.learning_rate, newsmtsc_replay=n_replay))


def refit_members(model_dir: str | Path, examples: Sequence[PairExample], replay: Sequence[PairExample],
                  settings: RefitSettings, *, device: str | None = None) -> tuple[list, list[list[float]]]:
    """Continue training each member of the model in ``model_dir`` on ``examples``, replaying ``replay``.

    Returns the refitted single-member models (in member order) and each one's epoch losses.
    """
    from .stance_model import ParagraphStanceModel
    from .stance_training import continue_training

    model_dir = Path(model_dir)
    n_members = len(_read_config(model_dir).get("members", []))
    n_replay = min(settings.replay_size(len(examples)), len(replay))
    models, losses = [], []
    for member in range(n_members):
        model = ParagraphStanceModel.load_member(model_dir, member, trainable=True, device=device)
        if settings.top_layers:
            _freeze_below(model, settings.top_layers)
        train, stage = _stage_settings(model.config, settings, n_replay, member)
        losses.append(continue_training(model, examples, replay, settings=train, stage=stage,
                                        label=f"refit member {member}"))
        models.append(model)
    return models, losses


def _probabilities(models: Sequence, corrections: pd.DataFrame) -> np.ndarray:
    """Members' mean calibrated P(critical, neutral, favorable) of each correction's pair, (n, 3)."""
    items = correction_inputs(corrections)
    if not items:
        return np.zeros((0, 3))
    return np.mean([model.predict_proba(items).mean(axis=1) for model in models], axis=0)


def _prediction_table(corrections: pd.DataFrame, probs: np.ndarray) -> pd.DataFrame:
    return corrections[KEYS].assign(label=[STANCE_LABELS[i] for i in probs.argmax(axis=1)] if len(probs) else [],
                                    score=probs[:, 2] - probs[:, 0] if len(probs) else [],
                                    confidence=probs.max(axis=1) if len(probs) else [])


def predict_corrections(model_dir: str | Path, corrections: pd.DataFrame) -> pd.DataFrame:
    """Predict each correction's pair with a saved model: ``article_id, paragraph, target, label, score, confidence``."""
    from .scoring.paragraph import load_paragraph_model

    return _prediction_table(corrections, _probabilities([load_paragraph_model(str(model_dir))], corrections))


def _agreement(corrections: pd.DataFrame, predictions: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """evaluate_tables of each model's predictions against the corrections, one block of rows per model."""
    gold = corrections[GOLD_COLUMNS[:5]]
    return pd.concat({name: evaluate_tables(gold, table) for name, table in predictions.items()}, names=["model"])


def trained_keys(model_dir: str | Path) -> set[tuple[str, int, str]]:
    """The (article_id, paragraph, target) pairs a model, and the models it was refitted from, were trained on."""
    path = Path(model_dir) / REFIT_CORRECTIONS
    if not path.is_file():
        return set()
    history = pd.read_csv(path, dtype={"article_id": str, "target": str}, keep_default_na=False)
    used = history[history["split"] == "train"]
    return {(a, int(p), t) for a, p, t in zip(used["article_id"], used["paragraph"], used["target"])}


def _without(corrections: pd.DataFrame, keys: set) -> pd.DataFrame:
    mask = [(a, int(p), t) not in keys for a, p, t in zip(corrections["article_id"], corrections["paragraph"],
                                                            corrections["target"])]
    return corrections[mask].reset_index(drop=True)


def _replay_pool(corpus_paths: Sequence[str | Path], newsmtsc_dir: str | Path | None,
                 exclude: set) -> tuple[list[PairExample], dict]:
    """The original training data to replay: corpus pairs (less the corrected ones) and NewsMTSC."""
    from .stance_data import corpus_examples, newsmtsc_examples, read_corpus_file
    from .targets import load_targets

    paragraphs = [p for path in corpus_paths for p in read_corpus_file(path)]
    corpus = [ex for ex in corpus_examples(paragraphs, load_targets()) if ex.key not in exclude]
    newsmtsc = newsmtsc_examples(Path(newsmtsc_dir) / "train.jsonl") if newsmtsc_dir else []
    return corpus + newsmtsc, {"corpus": [Path(p).name for p in corpus_paths], "n_corpus_pairs": len(corpus),
                               "n_newsmtsc": len(newsmtsc)}


def refit_stance_model(output_dir: str | Path, corrections_path: str | Path, *, model_dir: str | Path | None = None,
                       corpus_paths: Sequence[str | Path], newsmtsc_dir: str | Path | None = None,
                       settings: RefitSettings = RefitSettings()) -> dict:
    """Refit a model on the corrections in ``corrections_path`` and write it to ``output_dir``.

    Parameters
    ----------
    output_dir : str or Path
        The new model folder (written elsewhere first, moved into place when complete).
    corrections_path : str or Path
        A corrections file or a folder of them.
    model_dir : str or Path, optional
        The model to refit; default: the shipped paragraph model.
    corpus_paths : sequence of paths
        The corpus files replayed (the base model's training data).
    newsmtsc_dir : str or Path, optional
        NewsMTSC folder whose ``train.jsonl`` is replayed as well.
    settings : RefitSettings

    Returns
    -------
    dict
        The refit's report (also in the config and the model card): counts, agreement
        before and after on the held-out corrections, time.
    """
    from .scoring.paragraph import default_model_dir
    from .stance_model import model_revision, save_ensemble

    started = time.perf_counter()
    base_dir = Path(model_dir) if model_dir else default_model_dir()
    base_config = _read_config(base_dir)
    everything = read_corrections(corrections_path)
    latest = latest_corrections(everything)
    train, held = split_holdout(latest, settings.holdout, seed=settings.holdout_seed)
    if train.empty:
        raise DataFileError(f"{corrections_path}: all {len(latest)} correction(s) fall in the held-out share "
                            f"({settings.holdout:g}); correct more paragraphs or lower --holdout")
    replay, replay_report = _replay_pool(corpus_paths, newsmtsc_dir, set(map(tuple, latest[KEYS].to_numpy().tolist())))
    logger.info("refitting %s on %d corrections (%d held out), replaying %d of %d examples per epoch",
                base_dir, len(train), len(held), min(settings.replay_size(len(train)), len(replay)), len(replay))
    models, losses = refit_members(base_dir, correction_examples(train), replay, settings)
    report = {
        "date": date.today().isoformat(), "base_model": str(base_dir), "base_model_revision": model_revision(base_dir),
        "corrections": str(corrections_path), "n_correction_rows": len(everything), "n_corrections": len(train),
        "n_held_out": len(held), "label_counts": train["label"].value_counts().to_dict(),
        "analysts": sorted(set(train["analyst"])), "settings": asdict(settings),
        "replay": {**replay_report, "per_epoch": min(settings.replay_size(len(train)), len(replay))},
        "losses": losses, "members": len(models),
    }
    if not held.empty:
        before = predict_corrections(base_dir, held)
        after = _prediction_table(held, _probabilities(models, held))
        agreement = _agreement(held, {"before": before, "after": after})
        report["held_out_agreement"] = {name: json.loads(agreement.loc[name].to_json(orient="index"))
                                        for name in ("before", "after")}
    report["seconds"] = round(time.perf_counter() - started, 1)
    history = _history(base_dir, train, held, len(base_config.get("refits", [])) + 1)
    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", dir=output_dir.parent))
    try:
        folder = save_ensemble(work / "model", models, temperature=float(base_config.get("temperature", 1.0)),
                               report={"refits": [*base_config.get("refits", []), report]})
        history.to_csv(folder / REFIT_CORRECTIONS, index=False)
        (folder / MODEL_CARD).write_text(_model_card(report, base_config), encoding="utf-8")
        replace_folder(folder, output_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _history(base_dir: Path, train: pd.DataFrame, held: pd.DataFrame, refit: int) -> pd.DataFrame:
    """The base's refit corrections plus this refit's, each row marked with its refit and split."""
    rows = [train.assign(refit=refit, split="train"), held.assign(refit=refit, split="held_out")]
    previous = base_dir / REFIT_CORRECTIONS
    if previous.is_file():
        rows.insert(0, pd.read_csv(previous, dtype=str, keep_default_na=False))
    columns = [*CORRECTION_COLUMNS, "refit", "split"]
    return pd.concat([r.reindex(columns=columns) for r in rows], ignore_index=True)


def _model_card(report: dict, base_config: dict) -> str:
    """A short model card: what the model was refitted on, how, and how it agrees with held-out corrections."""
    labels = ", ".join(f"{label} {n}" for label, n in sorted(report["label_counts"].items()))
    lines = [
        "# Paragraph stance model, refitted on analysts' corrections", "",
        f"Refitted on {report['date']} from `{report['base_model']}` (revision `{report['base_model_revision']}`) "
        f"on **{report['n_corrections']} corrections** ({labels}) by {', '.join(report['analysts'])}, read from "
        f"`{report['corrections']}` ({report['n_correction_rows']} rows; a pair corrected twice counts once, "
        "with its latest label).", "",
        f"- Held out from the refit, to check it: {report['n_held_out']} corrections (paragraphs chosen by a hash "
        f"of their key, share {report['settings']['holdout']:g}, seed {report['settings']['holdout_seed']}).",
        f"- Training: each of the {report['members']} ensemble members continued for {report['settings']['epochs']} "
        f"epoch(s) at learning rate {report['settings']['learning_rate']:g}; every epoch also replayed "
        f"{report['replay']['per_epoch']} examples drawn from its original training data "
        f"({', '.join(report['replay']['corpus'])}: {report['replay']['n_corpus_pairs']} pairs"
        + (f"; NewsMTSC: {report['replay']['n_newsmtsc']} examples" if report['replay']['n_newsmtsc'] else "")
        + f"). It took {report['seconds'] / 60:.1f} min.",
        f"- Calibration: the base model's temperature ({float(base_config.get('temperature', 1.0)):.2f}), "
        "not refitted.",
        f"- Every correction used or held out is listed in `{REFIT_CORRECTIONS}` (with those of earlier refits).", "",
    ]
    agreement = report.get("held_out_agreement")
    if agreement:
        lines += ["Agreement with the analyst on the held-out corrections (all targets pooled):", "",
                  "| model | pairs | stance macro-F1 | stance accuracy |", "|---|---|---|---|"]
        for name in ("before", "after"):
            pooled = agreement[name]["all"]
            lines.append(f"| {name} | {pooled['n_pairs']} | {_number(pooled['stance_macro_f1'])} | "
                         f"{_number(pooled['stance_accuracy'])} |")
        lines.append("")
    else:
        lines += ["No correction was held out, so this refit has not been checked; check it on corrections made "
                  "after it with `edm-stance evaluate --gold CORRECTIONS --model DIR`.", ""]
    earlier = base_config.get("refits", [])
    if earlier:
        lines += [f"Earlier refits in this model's history: {len(earlier)} (see `stance_config.json`).", ""]
    lines += ["Use it with `--model DIR` (`edm-stance score --scorer paragraph --model DIR`, the notebooks' `model` "
              "parameter); results cached for another model are not reused, since the cache keys on the model's "
              "revision.", ""]
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.3f}"


def evaluate_corrections(corrections_path: str | Path, model_dir: str | Path | None = None,
                         baseline_dir: str | Path | None = None) -> tuple[pd.DataFrame, dict]:
    """Agreement of a model (and of the model it was refitted from) with corrections neither was trained on.

    Parameters
    ----------
    corrections_path : str or Path
        A corrections file or folder; each pair's latest correction counts.
    model_dir : str or Path, optional
        The model; default: the shipped paragraph model.
    baseline_dir : str or Path, optional
        A model to compare with; default: the model ``model_dir`` was refitted from, when its
        folder is still there with the same revision.

    Returns
    -------
    (pandas.DataFrame, dict)
        :func:`evaluation.evaluate_tables` rows per model (index ``model, target``; empty
        when every correction was trained on), and counts: corrections read, left out
        (trained on), evaluated, the models compared, a note.
    """
    from .scoring.paragraph import default_model_dir
    from .stance_model import model_revision

    model_dir = Path(model_dir) if model_dir else default_model_dir()
    config = _read_config(model_dir)
    models = {"model": model_dir}
    note = ""
    if baseline_dir is None and config.get("refits"):
        last = config["refits"][-1]
        base = Path(last["base_model"])
        if (base / "stance_config.json").is_file() and model_revision(base) == last["base_model_revision"]:
            baseline_dir = base
        else:
            note = f"the model it was refitted from ({base}) is no longer there as it was, so it is not compared"
    if baseline_dir is not None:
        models = {"before": Path(baseline_dir), "after": model_dir}
    latest = latest_corrections(read_corrections(corrections_path))
    used = set().union(*(trained_keys(path) for path in models.values()))
    held = _without(latest, used)
    counts = {"n_corrections": len(latest), "n_trained_on": len(latest) - len(held), "n_evaluated": len(held),
              "models": {name: str(path) for name, path in models.items()}, "note": note}
    if held.empty:
        return pd.DataFrame(), counts
    predictions = {name: predict_corrections(path, held) for name, path in models.items()}
    return _agreement(held, predictions), counts
