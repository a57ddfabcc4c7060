"""The trained issue-frame model: one pass per paragraph, calibrated shares of the nine frames.

all-MiniLM-L6-v2 (or any encoder) with a LoRA adapter and a linear layer over the mean of the
paragraph's token states; a softmax gives the frame shares. It is trained on the synthetic
corpus's frame labels (dominant and, where annotators gave one, secondary frame: soft targets
``1 - secondary_weight`` / ``secondary_weight``), selected by grouped cross-validation, and
its temperature is fitted on the out-of-fold predictions, so a share of 0.8 means the dominant
frame is right about 80% of the time. A saved model is a folder with the adapter,
``head.safetensors`` and ``frame_config.json``; the shipped one is
``src/edm_stance/data/frames_model/`` (written by ``experiments/frames_cv.py --train-final``,
with its model card ``FRAMES.md``).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from .errors import ModelLoadError
from .stance_data import CorpusParagraph, grouped_folds
from .stance_model import PACKAGED_BASE_MODEL, _load_encoder, _masked_mean, model_revision
from .stance_training import length_batches

__all__ = ["FRAME_CONFIG_FILE", "FRAME_MODEL_ENV", "FrameModel", "FrameSettings", "cross_validate_frames",
           "fit_frame_temperature", "frame_metrics", "frame_model_dir", "load_frame_model", "read_frame_config",
           "shipped_frame_model_dir", "softmax", "train_frame_model"]

FRAME_CONFIG_FILE = "frame_config.json"
FRAME_MODEL_ENV = "EDM_STANCE_FRAME_MODEL"
HEAD_FILE = "head.safetensors"
logger = logging.getLogger(__name__)


def shipped_frame_model_dir() -> Path:
    """Return the folder of the frame model shipped inside the package (``data/frames_model``)."""
    from importlib import resources

    return Path(str(resources.files("edm_stance") / "data" / "frames_model"))


def frame_model_dir(model_name_or_path: str | Path | None = None) -> Path:
    """Return the frame model folder to use: the one given, else ``$EDM_STANCE_FRAME_MODEL``, else the shipped one."""
    if model_name_or_path:
        return Path(model_name_or_path)
    return Path(os.environ[FRAME_MODEL_ENV]) if os.environ.get(FRAME_MODEL_ENV) else shipped_frame_model_dir()


def read_frame_config(model_dir: str | Path) -> dict:
    """Check that ``model_dir`` holds a frame model and return its ``frame_config.json``; loads no weights.

    Raises
    ------
    ModelLoadError
        With one line that names the folder, what is wrong and how to get a model.
    """
    model_dir = Path(model_dir)
    config_path = model_dir / FRAME_CONFIG_FILE
    if model_dir == shipped_frame_model_dir() and not config_path.is_file():
        raise ModelLoadError(
            f"{model_dir}: the trained frame model is missing (no {FRAME_CONFIG_FILE}); train it with 'python "
            f"experiments/frames_cv.py --train-final {model_dir}' (see README), or use the zero-shot frames: "
            "--method similarity (FrameScorer(method='similarity'))")
    where = f" (from ${FRAME_MODEL_ENV})" if os.environ.get(FRAME_MODEL_ENV) == str(model_dir) else ""
    if not model_dir.is_dir():
        what = "is a file, not a frame model folder" if model_dir.exists() else "no such frame model folder"
        raise ModelLoadError(f"{model_dir}{where}: {what}; pass a folder written by experiments/frames_cv.py --train-final")
    if not config_path.is_file() or not (model_dir / HEAD_FILE).is_file():
        raise ModelLoadError(f"{model_dir}{where}: not a frame model (no {FRAME_CONFIG_FILE} or {HEAD_FILE})")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        frames = config["frames"]
        if not isinstance(frames, list) or len(frames) < 2 or not all(isinstance(f, str) for f in frames):
            raise ValueError("'frames' must list at least two frame names")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{config_path}: not a readable frame config ({exc})") from exc
    return config


@functools.lru_cache(maxsize=4)
def load_frame_model(model_dir: str, device: str | None = None) -> "FrameModel":
    """Load a frame model folder once per process and reuse it."""
    return FrameModel.from_pretrained(model_dir, device=device)


@dataclass(frozen=True)
class FrameSettings:
    """Everything that defines a trained frame model; written into its config."""

    base_model: str | None = None
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    max_length: int = 320
    batch_size: int = 16
    epochs: int = 6
    learning_rate: float = 4e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    secondary_weight: float = 0.25
    label_smoothing: float = 0.05
    bf16: bool = True
    seed: int = 13


class FrameModel:
    """Encoder + LoRA + linear frame layer; ``predict_shares`` gives calibrated frame shares."""

    def __init__(self, *, encoder: Any, head: Any, tokenizer: Any, config: dict, identity: str):
        self.encoder = encoder
        self.head = head
        self.tokenizer = tokenizer
        self.config = config
        self.identity = identity

    @property
    def frames(self) -> list[str]:
        return list(self.config["frames"])

    @classmethod
    def for_training(cls, frames: Sequence[str], settings: FrameSettings) -> "FrameModel":
        """Build a fresh model: base encoder, a new LoRA adapter and frame layer."""
        import torch
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(settings.seed)
        base, tokenizer, _ = _load_encoder(settings.base_model)
        lora = LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=settings.lora_dropout,
                          target_modules="all-linear", bias="none")
        encoder = get_peft_model(base, lora)
        head = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(base.config.hidden_size, len(frames)))
        config = {"frames": list(frames), "max_length": settings.max_length, "base_model": settings.base_model,
                  "bf16": settings.bf16, "temperature": 1.0}
        return cls(encoder=encoder, head=head, tokenizer=tokenizer, config=config, identity="untrained")

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, *, device: str | None = None) -> "FrameModel":
        """Load a saved frame model folder."""
        import torch
        from peft import PeftModel
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        model_dir = Path(model_dir)
        config = read_frame_config(model_dir)
        base, tokenizer, _ = _load_encoder(config.get("base_model"))
        try:
            encoder = PeftModel.from_pretrained(base, str(model_dir))
        except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
            raise ModelLoadError(f"{model_dir}: the LoRA adapter could not be loaded: {exc}") from exc
        head = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(base.config.hidden_size, len(config["frames"])))
        try:
            head.load_state_dict(load_file(str(model_dir / HEAD_FILE)))
        except (OSError, RuntimeError, SafetensorError) as exc:
            raise ModelLoadError(f"{model_dir / HEAD_FILE}: the frame layer could not be loaded: {exc}") from exc
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        encoder.to(device).eval()
        head.to(device).eval()
        return cls(encoder=encoder, head=head, tokenizer=tokenizer, config=config, identity=model_revision(model_dir))

    def save(self, folder: str | Path, report: dict | None = None) -> None:
        """Write the adapter, the frame layer and ``frame_config.json`` (with ``report``)."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(str(folder))
        (folder / "README.md").unlink(missing_ok=True)
        adapter_config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
        adapter_config["base_model_name_or_path"] = self.config.get("base_model") or PACKAGED_BASE_MODEL
        (folder / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2) + "\n", encoding="utf-8")
        save_file({k: v.detach().contiguous() for k, v in self.head.state_dict().items()}, str(folder / HEAD_FILE))
        config = {**self.config, **(report or {})}
        (folder / FRAME_CONFIG_FILE).write_text(json.dumps(config, indent=1, default=str) + "\n", encoding="utf-8")

    def logits(self, texts: Sequence[str]):
        """Frame logits, a tensor of shape (len(texts), n_frames)."""
        import torch

        device = next(self.head.parameters()).device
        batch = self.tokenizer(list(texts), truncation=True, max_length=int(self.config["max_length"]), padding=True,
                               pad_to_multiple_of=16, return_tensors="pt")
        batch = {k: v.to(device) for k, v in batch.items()}
        context = torch.autocast(device.type, dtype=torch.bfloat16) if self.config.get("bf16") else _null()
        with context:
            hidden = self.encoder(**batch).last_hidden_state
            out = self.head(_masked_mean(hidden, batch["attention_mask"]))
        return out.float()

    def predict_logits(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Raw frame logits, ndarray of shape (n_texts, n_frames), batched by length."""
        import torch

        out = np.zeros((len(texts), len(self.frames)), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for lo in range(0, len(order), batch_size):
                idx = order[lo : lo + batch_size]
                out[idx] = self.logits([texts[i] for i in idx]).cpu().numpy()
        return out

    def predict_shares(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Calibrated frame shares, ndarray of shape (n_texts, n_frames); each row sums to one."""
        return softmax(self.predict_logits(texts, batch_size=batch_size), float(self.config.get("temperature", 1.0)))


def _null():
    from contextlib import nullcontext

    return nullcontext()


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``logits / temperature``."""
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _targets(paragraph: CorpusParagraph, frames: Sequence[str], settings: FrameSettings) -> np.ndarray:
    target = np.full(len(frames), settings.label_smoothing / len(frames))
    mass = 1.0 - settings.label_smoothing
    secondary = paragraph.frames.get("secondary")
    if secondary in frames:
        target[frames.index(secondary)] += mass * settings.secondary_weight
        mass *= 1.0 - settings.secondary_weight
    target[frames.index(paragraph.frames["dominant"])] += mass
    return target


def train_frame_model(paragraphs: Sequence[CorpusParagraph], frames: Sequence[str], settings: FrameSettings) -> FrameModel:
    """Fine-tune a frame model on paragraphs that carry a dominant frame (soft dominant/secondary targets)."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    rng = random.Random(settings.seed)
    torch.manual_seed(settings.seed)
    model = FrameModel.for_training(frames, settings)
    labelled = [p for p in paragraphs if p.frames and p.frames.get("dominant") in frames]
    params = [p for p in model.encoder.parameters() if p.requires_grad] + list(model.head.parameters())
    optimizer = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=settings.weight_decay)
    steps = settings.epochs * -(-len(labelled) // settings.batch_size)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(settings.warmup_ratio * steps), steps)
    for epoch in range(1, settings.epochs + 1):
        model.encoder.train()
        model.head.train()
        losses, started = [], time.perf_counter()
        for group in length_batches(labelled, settings.batch_size, rng, text=lambda p: p.text):
            target = torch.tensor(np.stack([_targets(p, frames, settings) for p in group]), dtype=torch.float32)
            log_probs = torch.log_softmax(model.logits([p.text for p in group]), dim=-1)
            loss = -(target * log_probs).sum(-1).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        logger.info("frames epoch %d: loss %.4f, %.0f s", epoch, np.mean(losses), time.perf_counter() - started)
    model.encoder.eval()
    model.head.eval()
    model.config["training"] = {**asdict(settings), "n_paragraphs": len(labelled)}
    return model


def cross_validate_frames(paragraphs: Sequence[CorpusParagraph], frames: Sequence[str], settings: FrameSettings, *,
                          k: int = 5, fold_seed: int = 0, folds: Sequence[int] | None = None,
                          on_model: Callable[[int, "FrameModel"], None] | None = None) -> pd.DataFrame:
    """Out-of-fold frame logits for every labelled paragraph, folds grouped by article.

    Returns one row per held-out paragraph: ``article_id, paragraph, dominant, secondary,
    fold`` and a ``logit_<frame>`` column per frame. ``folds`` runs only those folds (all by
    default); ``on_model(fold, model)`` is called with each fold's trained model.
    """
    labelled = [p for p in paragraphs if p.frames and p.frames.get("dominant") in frames]
    keyed = [_Keyed(p.article_id) for p in labelled]
    rows = []
    for fold, (train_idx, held_idx) in enumerate(grouped_folds(keyed, k, fold_seed)):
        if folds is not None and fold not in folds:
            continue
        model = train_frame_model([labelled[i] for i in train_idx], frames, settings)
        if on_model is not None:
            on_model(fold, model)
        logits = model.predict_logits([labelled[i].text for i in held_idx])
        for i, z in zip(held_idx, logits):
            p = labelled[i]
            rows.append({"article_id": p.article_id, "paragraph": p.paragraph, "dominant": p.frames["dominant"],
                         "secondary": p.frames.get("secondary"), "fold": fold,
                         **{f"logit_{f}": float(v) for f, v in zip(frames, z)}})
        logger.info("frames fold %d done", fold)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class _Keyed:
    group: str


def frame_metrics(predictions: pd.DataFrame, frames: Sequence[str], temperature: float = 1.0, bins: int = 10) -> dict:
    """Dominant-frame accuracy, macro-F1, kappa, top-2 accuracy, ECE of the top share, per-frame F1.

    Parameters
    ----------
    predictions : pandas.DataFrame
        One row per paragraph with ``dominant`` (the gold frame) and a ``logit_<frame>`` column
        per frame (:func:`cross_validate_frames`; for shares, pass their logarithms).
    frames : sequence of str
    temperature : float
        Divides the logits before the softmax.
    bins : int
        Equal-width confidence bins of the expected calibration error (ECE).

    Returns
    -------
    dict
        ``n, accuracy, macro_f1, kappa, top2_accuracy, ece, per_frame_f1`` (frame -> F1) and
        ``confusion`` (gold frame -> predicted frame -> count).
    """
    from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score

    shares = softmax(predictions[[f"logit_{f}" for f in frames]].to_numpy(), temperature)
    gold = predictions["dominant"].map({f: i for i, f in enumerate(frames)}).to_numpy()
    pred = shares.argmax(1)
    top2 = np.argsort(-shares, axis=1)[:, :2]
    confidence, correct = shares.max(1), pred == gold
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = sum(abs(confidence[index == b].mean() - correct[index == b].mean()) * (index == b).mean()
              for b in range(bins) if (index == b).any())
    labels = list(range(len(frames)))
    per_frame = f1_score(gold, pred, labels=labels, average=None, zero_division=0)
    confusion = confusion_matrix(gold, pred, labels=labels)
    return {"n": int(len(gold)), "accuracy": float(correct.mean()),
            "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
            "kappa": float(cohen_kappa_score(gold, pred)), "top2_accuracy": float((top2 == gold[:, None]).any(1).mean()),
            "ece": float(ece), "per_frame_f1": {f: float(v) for f, v in zip(frames, per_frame)},
            "confusion": {f: {g: int(c) for g, c in zip(frames, row)} for f, row in zip(frames, confusion)}}


def fit_frame_temperature(predictions: pd.DataFrame, frames: Sequence[str]) -> float:
    """Temperature minimising the NLL of the dominant frame on out-of-fold logits."""
    from scipy.optimize import minimize_scalar

    logits = predictions[[f"logit_{f}" for f in frames]].to_numpy()
    gold = predictions["dominant"].map({f: i for i, f in enumerate(frames)}).to_numpy()

    def nll(log_t: float) -> float:
        return float(-np.mean(np.log(softmax(logits, float(np.exp(log_t)))[np.arange(len(gold)), gold] + 1e-12)))

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))
