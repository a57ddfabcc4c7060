"""Train the LoRA stance adapter on NewsMTSC (``edm-stance train``).

Train on ``train.jsonl`` minus a held-out slice of sentences (train-dev) that chooses the best
epoch. ``devtest_rw``/``devtest_mt`` are never read here: they
are for the final report only (``edm-stance evaluate --newsmtsc``).
"""

from __future__ import annotations

import copy
import logging
import random
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .evaluation import newsmtsc_metrics
from .model import StanceModel
from .newsmtsc import Example, entity_swap, read_newsmtsc, split_train_dev

__all__ = ["TrainConfig", "train"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run; all of them are written into the model's config."""

    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 5e-4
    lora_r: int = 32
    lora_alpha: int = 64
    lora_dropout: float = 0.1
    max_length: int = 128
    warmup_ratio: float = 0.06
    dev_fraction: float = 0.1
    entity_swap: float = 0.3
    seed: int = 13
    limit: int | None = None


def _batches(examples: Sequence[Example], config: TrainConfig, rng: random.Random) -> list[list[Example]]:
    """Shuffle, then group examples of similar length so that batches pad little."""
    order = list(examples)
    rng.shuffle(order)
    if config.entity_swap:
        order = [entity_swap(ex, rng) if rng.random() < config.entity_swap else ex for ex in order]
    chunk = config.batch_size * 50
    batches = []
    for lo in range(0, len(order), chunk):
        part = sorted(order[lo : lo + chunk], key=lambda ex: len(ex.mention.text))
        batches += [part[i : i + config.batch_size] for i in range(0, len(part), config.batch_size)]
    rng.shuffle(batches)
    return batches


def _split(data_dir: str | Path, config: TrainConfig) -> tuple[list[Example], list[Example]]:
    """Return the training examples and the held-out train-dev slice for ``config``."""
    train_set, dev_set = split_train_dev(read_newsmtsc(Path(data_dir) / "train.jsonl"), config.dev_fraction, config.seed)
    if config.limit:
        train_set, dev_set = train_set[: config.limit], dev_set[: max(8, config.limit // 4)]
    return train_set, dev_set


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def train(data_dir: str | Path, output_dir: str | Path, config: TrainConfig = TrainConfig()) -> dict:
    """Train the adapter and head, keep the best epoch on train-dev, and save them.

    Parameters
    ----------
    data_dir : str or Path
        Folder with NewsMTSC's ``train.jsonl``.
    output_dir : str or Path
        Where the adapter, ``head.safetensors`` and ``stance_config.json`` are written.
    config : TrainConfig
        The run's settings.

    Returns
    -------
    dict
        The training report (settings, per-epoch train-dev scores, best epoch, time).
    """
    import torch
    from peft import get_peft_model_state_dict, set_peft_model_state_dict
    from transformers import get_linear_schedule_with_warmup

    started = time.perf_counter()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)

    train_set, dev_set = _split(data_dir, config)
    logger.info("training on %d examples, %d held out as train-dev", len(train_set), len(dev_set))

    model = StanceModel.for_training(
        r=config.lora_r,
        alpha=config.lora_alpha,
        dropout=config.lora_dropout,
        max_length=config.max_length,
        seed=config.seed,
    )
    params = [p for p in model.encoder.parameters() if p.requires_grad] + list(model.head.parameters())
    n_trainable = sum(p.numel() for p in params)
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)
    steps = config.epochs * -(-len(train_set) // config.batch_size)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * steps), steps)
    loss_fn = torch.nn.CrossEntropyLoss()

    history, best = [], None
    for epoch in range(1, config.epochs + 1):
        model.encoder.train()
        model.head.train()
        losses = []
        for step, batch_examples in enumerate(_batches(train_set, config, rng), 1):
            batch = model.encode([ex.mention for ex in batch_examples])
            labels = torch.tensor([ex.label for ex in batch_examples])
            loss = loss_fn(model.logits(batch), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            if step % 50 == 0:
                logger.info("epoch %d step %d loss %.4f", epoch, step, float(np.mean(losses[-50:])))
        model.encoder.eval()
        model.head.eval()
        dev_probs = model.predict_proba([ex.mention for ex in dev_set])
        scores = newsmtsc_metrics(dev_probs, [ex.label for ex in dev_set])
        history.append({"epoch": epoch, "train_loss": float(np.mean(losses)), **scores})
        logger.info("epoch %d: train loss %.4f, train-dev F1m %.4f acc %.4f", epoch, np.mean(losses), scores["f1m"], scores["accuracy"])
        if best is None or scores["f1m"] > best["f1m"]:
            best = {
                "epoch": epoch,
                "f1m": scores["f1m"],
                "adapter": copy.deepcopy(get_peft_model_state_dict(model.encoder)),
                "head": copy.deepcopy(model.head.state_dict()),
            }

    set_peft_model_state_dict(model.encoder, best["adapter"])
    model.head.load_state_dict(best["head"])
    report = {
        "training": {**asdict(config), "data": "NewsMTSC train.jsonl", "n_train": len(train_set), "n_dev": len(dev_set)},
        "history": history,
        "best_epoch": best["epoch"],
        "trainable_parameters": n_trainable,
        "training_seconds": round(time.perf_counter() - started, 1),
        "commit": _git_commit(),
    }
    model.save(output_dir, extra_config=report)
    return report

