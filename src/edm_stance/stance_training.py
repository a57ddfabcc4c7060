"""Train the paragraph stance model: NewsMTSC first, then the synthetic EDM-style corpus.

Stage 1 teaches target-dependent sentiment on NewsMTSC sentences (the mention marked, the
mention as the target's name). Stage 2 continues on the corpus's paragraph x target pairs,
optionally replaying a sample of NewsMTSC each epoch so that the sentence skill is not
forgotten, with multi-task losses on the codebook strength and the phenomenon tags. Every
choice here is made by grouped cross-validation on the corpus (``stance_cv``), never on the
seed article.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from .stance_data import LABELS, PHENOMENA, PairExample, swap_country_names
from .stance_model import ParagraphStanceModel

__all__ = ["StageSettings", "TrainSettings", "continue_training", "length_batches", "train_member"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageSettings:
    """One training stage: epochs, learning rate and what is mixed in."""

    epochs: int
    learning_rate: float
    newsmtsc_replay: int = 0  # NewsMTSC examples mixed into each epoch (stage 2)


@dataclass(frozen=True)
class TrainSettings:
    """Everything that defines a trained member; written into the model's config."""

    base_model: str | None = None  # None: the packaged all-MiniLM-L6-v2
    lora_r: int = 32
    lora_alpha: int = 64
    lora_dropout: float = 0.1
    lora_layers: int | None = None  # adapt only the top N layers (cheaper); None: all
    max_length: int = 320
    pooling: str = "mention"  # or "sentence"
    batch_size: int = 16
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    label_smoothing: float = 0.05
    strength_weight: float = 0.0  # multi-task: MSE on strength / 2
    phenomena_weight: float = 0.0  # multi-task: BCE on the phenomenon tags
    country_swap: float = 0.0  # share of corpus examples with country names swapped, per epoch
    stage1: StageSettings = StageSettings(epochs=2, learning_rate=5e-4)
    stage2: StageSettings = StageSettings(epochs=6, learning_rate=3e-4)
    bf16: bool = True
    seed: int = 13
    stage1_seed: int | None = None  # seed of stage 1 (None: seed); members differing only in stage 2 share stage 1

    def stage1_key(self) -> str:
        """Digest of the settings that stage 1 depends on (its checkpoint can be reused)."""
        keep = {k: v for k, v in asdict(self).items() if k not in {"stage2", "strength_weight", "phenomena_weight",
                                                                    "country_swap", "stage1_seed"}}
        keep["seed"] = self.stage1_seed if self.stage1_seed is not None else self.seed
        if keep["lora_layers"] is None:  # keys of checkpoints written before the setting existed stay valid
            del keep["lora_layers"]
        return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()[:12]


def length_batches(examples: Sequence, batch_size: int, rng: random.Random, text=lambda ex: ex.input.text) -> list[list]:
    """Shuffle, then group examples of similar ``len(text(example))`` so that batches pad little."""
    order = list(examples)
    rng.shuffle(order)
    chunk = batch_size * 32
    batches = []
    for lo in range(0, len(order), chunk):
        part = sorted(order[lo : lo + chunk], key=lambda ex: len(text(ex)))
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def _run_stage(model: ParagraphStanceModel, examples: Sequence[PairExample], replay: Sequence[PairExample],
               stage: StageSettings, settings: TrainSettings, rng: random.Random, label: str) -> list[float]:
    """Train all of the model's parameters that require gradients for one stage; return epoch losses."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    head = model.heads[0]
    params = [p for p in model.encoder.parameters() if p.requires_grad] + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=stage.learning_rate, weight_decay=settings.weight_decay)
    per_epoch = -(-(len(examples) + min(stage.newsmtsc_replay, len(replay))) // settings.batch_size)
    steps = stage.epochs * per_epoch
    scheduler = get_linear_schedule_with_warmup(optimizer, int(settings.warmup_ratio * steps), steps)
    stance_loss = torch.nn.CrossEntropyLoss(label_smoothing=settings.label_smoothing)
    losses = []
    for epoch in range(1, stage.epochs + 1):
        model.encoder.train()
        head.train()
        epoch_examples = [swap_country_names(ex, rng) if ex.source == "corpus" and rng.random() < settings.country_swap
                          else ex for ex in examples]
        epoch_examples += rng.sample(list(replay), min(stage.newsmtsc_replay, len(replay)))
        running, started = [], time.perf_counter()
        for step, group in enumerate(length_batches(epoch_examples, settings.batch_size, rng), 1):
            batch = model.encode([ex.input for ex in group])
            out = model.forward(batch)
            loss = stance_loss(out["stance"], torch.tensor([ex.label for ex in group]))
            loss = loss + _auxiliary_loss(out, group, settings)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            running.append(loss.item())
            if step % 50 == 0:
                logger.info("%s epoch %d step %d/%d loss %.4f (%.1f ex/s)", label, epoch, step, per_epoch,
                            float(np.mean(running[-50:])), step * settings.batch_size / (time.perf_counter() - started))
        losses.append(float(np.mean(running)))
        logger.info("%s epoch %d: loss %.4f, %.0f s", label, epoch, losses[-1], time.perf_counter() - started)
    model.encoder.eval()
    head.eval()
    return losses


def _auxiliary_loss(out: dict, group: Sequence[PairExample], settings: TrainSettings):
    """Multi-task terms: strength (present corpus pairs with a strength) and phenomenon tags."""
    import torch

    total = out["stance"].new_zeros(())
    if settings.strength_weight:
        rows = [i for i, ex in enumerate(group) if ex.strength is not None and ex.label != 0]
        if rows:
            target = torch.tensor([group[i].strength / 2.0 for i in rows])
            total = total + settings.strength_weight * torch.nn.functional.mse_loss(out["strength"][rows], target)
    if settings.phenomena_weight:
        rows = [i for i, ex in enumerate(group) if ex.source == "corpus"]
        if rows:
            target = torch.tensor([[float(tag in group[i].phenomena) for tag in PHENOMENA] for i in rows])
            total = total + settings.phenomena_weight * torch.nn.functional.binary_cross_entropy_with_logits(
                out["phenomena"][rows], target)
    return total


def _stage1(settings: TrainSettings, newsmtsc: Sequence[PairExample], checkpoint_dir: Path | None,
            rng: random.Random) -> tuple[ParagraphStanceModel, dict]:
    """Build a model and train stage 1, or load its checkpoint when one with the same settings exists."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    model = ParagraphStanceModel.for_training(
        base_model=settings.base_model, lora_r=settings.lora_r, lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout, max_length=settings.max_length, pooling=settings.pooling,
        seed=settings.seed if settings.stage1_seed is None else settings.stage1_seed, lora_layers=settings.lora_layers)
    model.config["bf16"] = settings.bf16
    folder = checkpoint_dir / f"stage1-{settings.stage1_key()}" if checkpoint_dir else None
    if folder is not None and (folder / "head.safetensors").is_file():
        set_peft_model_state_dict(model.encoder, load_file(str(folder / "adapter_model.safetensors")), adapter_name="member-0")
        model.heads[0].load_state_dict(load_file(str(folder / "head.safetensors")))
        logger.info("stage 1 loaded from %s", folder)
        return model, json.loads((folder / "stage1.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    losses = _run_stage(model, newsmtsc, (), settings.stage1, settings, rng, "stage 1") if settings.stage1.epochs else []
    report = {"n_newsmtsc": len(newsmtsc), "losses": losses, "seconds": round(time.perf_counter() - started, 1)}
    if folder is not None:
        model.save_member(folder)
        (folder / "stage1.json").write_text(json.dumps(report) + "\n", encoding="utf-8")
    return model, report


def train_member(settings: TrainSettings, corpus: Sequence[PairExample], newsmtsc: Sequence[PairExample],
                 *, checkpoint_dir: str | Path | None = None) -> tuple[ParagraphStanceModel, dict]:
    """Train one member: stage 1 on ``newsmtsc`` (or its cached checkpoint), stage 2 on ``corpus``.

    Parameters
    ----------
    settings : TrainSettings
    corpus : sequence of PairExample
        Corpus pairs of the training folds (see :func:`stance_data.corpus_examples`).
    newsmtsc : sequence of PairExample
        NewsMTSC train examples, for stage 1 and the replay of stage 2; may be empty.
    checkpoint_dir : str or Path, optional
        Where stage-1 checkpoints are kept and reused across folds and variants.

    Returns
    -------
    (ParagraphStanceModel, dict)
        The model (one member, in eval mode) and the training report.
    """
    import torch

    seed1 = settings.seed if settings.stage1_seed is None else settings.stage1_seed
    random.seed(seed1)
    np.random.seed(seed1)
    torch.manual_seed(seed1)
    stage1_settings = replace(settings, stage1=settings.stage1 if newsmtsc else StageSettings(0, 0.0))
    model, stage1_report = _stage1(stage1_settings, newsmtsc, Path(checkpoint_dir) if checkpoint_dir else None,
                                   random.Random(seed1))
    torch.manual_seed(settings.seed)
    started = time.perf_counter()
    losses = _run_stage(model, corpus, newsmtsc, settings.stage2, settings, random.Random(settings.seed), "stage 2")
    counts = {label: sum(ex.label == i for ex in corpus) for i, label in enumerate(LABELS)}
    report = {"settings": asdict(settings), "stage1": stage1_report,
              "stage2": {"n_corpus_pairs": len(corpus), "label_counts": counts, "losses": losses,
                         "seconds": round(time.perf_counter() - started, 1)}}
    return model, report


def continue_training(model: ParagraphStanceModel, examples: Sequence[PairExample], replay: Sequence[PairExample],
                      *, settings: TrainSettings, stage: StageSettings, label: str = "refit") -> list[float]:
    """Train a trained single-member model further: ``examples`` every epoch plus a replay sample.

    Each epoch sees all of ``examples`` and ``stage.newsmtsc_replay`` examples drawn afresh
    from ``replay`` (earlier training data, so that the model does not forget it). Used to
    refit a model on analysts' corrections (:mod:`edm_stance.refit`). Returns the epoch losses.
    """
    import torch

    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    return _run_stage(model, examples, replay, stage, settings, random.Random(settings.seed), label)

