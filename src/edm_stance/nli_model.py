"""NLI (entailment) models for the ``nli`` scorer: loading, offline checks, and windows that fit.

:func:`load_nli_model` loads any Hugging Face sequence-classification NLI model (a Hub id or
a local folder; nothing is downloaded when offline) once per process and finds its
entailment output from ``config.id2label``. :func:`plan_windows` splits a long premise into
windows of whole sentences that fit the model with its hypothesis, so nothing is truncated.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import ModelLoadError

__all__ = ["EXAMPLE_MODEL", "NLIModel", "load_nli_model", "nli_revision", "plan_windows"]

EXAMPLE_MODEL = "MoritzLaurer/deberta-v3-base-zeroshot-v2.0"
# Tokens kept free in each window, since a window's text tokenized on its own can differ
# slightly from the same tokens inside the paragraph (BPE's leading space, for instance).
WINDOW_MARGIN = 4
MIN_PREMISE_TOKENS = 16
_FALLBACK_MAX_LENGTH = 512
_HUB_ID = re.compile(r"^[\w.-]+(?:/[\w.-]+)?$")


def plan_windows(token_offsets: Sequence[tuple[int, int]], sentence_spans: Sequence[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    """Group a text's tokens into windows of whole sentences of at most ``budget`` tokens.

    Consecutive sentences are packed into a window while they fit. A sentence longer than
    ``budget`` gets windows of its own, cut at word starts, each overlapping the previous
    one by about ``budget // 4`` tokens. Every token belongs to at least one window.

    Parameters
    ----------
    token_offsets : sequence of (int, int)
        Character span of each token of the text, in order (no special tokens).
    sentence_spans : sequence of (int, int)
        Character span of each sentence, in order; tokens before a sentence's start belong
        to the sentence before (or to the first one), so no token is left out.
    budget : int
        The most tokens a window may hold.

    Returns
    -------
    list of (int, int)
        Token index ranges ``[start, end)`` of the windows, in reading order.

    Examples
    --------
    >>> plan_windows([(0, 2), (3, 5), (6, 8)], [(0, 5), (6, 8)], budget=2)
    [(0, 2), (2, 3)]
    """
    if budget < 1:
        raise ValueError(f"budget must be a positive integer, got {budget}.")
    n_tokens = len(token_offsets)
    if n_tokens == 0:
        return []
    starts = [0]
    for span_start, _ in list(sentence_spans)[1:]:
        # a sentence's first token is the first that ends inside it (offsets may include a leading space)
        first = next((k for k in range(starts[-1], n_tokens) if token_offsets[k][1] > span_start), n_tokens)
        if starts[-1] < first < n_tokens:
            starts.append(first)
    sentences = list(zip(starts, [*starts[1:], n_tokens]))
    windows: list[tuple[int, int]] = []
    open_start = open_end = None
    for lo, hi in sentences:
        if open_start is not None and hi - open_start <= budget:
            open_end = hi
            continue
        if open_start is not None:
            windows.append((open_start, open_end))
            open_start = None
        if hi - lo <= budget:
            open_start, open_end = lo, hi
        else:
            windows.extend(_split_long(token_offsets, lo, hi, budget))
    if open_start is not None:
        windows.append((open_start, open_end))
    return windows


def _split_long(token_offsets: Sequence[tuple[int, int]], lo: int, hi: int, budget: int) -> list[tuple[int, int]]:
    """Split tokens ``lo:hi`` into overlapping windows of at most ``budget`` tokens, at word starts."""

    def word_start_at_or_before(k: int, floor: int) -> int:
        for j in range(k, floor, -1):
            if token_offsets[j][0] > token_offsets[j - 1][1]:
                return j
        return k

    overlap = budget // 4
    windows, start = [], lo
    while True:
        end = min(start + budget, hi)
        if end < hi:
            end = word_start_at_or_before(end, start + budget // 2)
        windows.append((start, end))
        if end == hi:
            return windows
        start = max(word_start_at_or_before(end - overlap, start + 1), start + 1)


class NLIModel:
    """A sequence-classification NLI model with its tokenizer and entailment output.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        An ``AutoModelForSequenceClassification`` trained on NLI, in eval mode.
    tokenizer : transformers.PreTrainedTokenizerBase
        Its tokenizer (a fast one, for character offsets).
    entailment_index : int
        The logit column that means "entailment" (from ``config.id2label``).
    max_length : int
        The most tokens the model takes (premise, hypothesis and special tokens).
    name : str
        The hub id or folder it was loaded from.
    """

    def __init__(self, *, model: Any, tokenizer: Any, entailment_index: int, max_length: int, name: str):
        self.model = model
        self.tokenizer = tokenizer
        self.entailment_index = entailment_index
        self.max_length = max_length
        self.name = name

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Return each text's token character spans, without special tokens."""
        encoded = self.tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
        return [[tuple(span) for span in spans] for spans in encoded["offset_mapping"]]

    def premise_budget(self, hypotheses: Sequence[str]) -> int:
        """Return how many premise tokens fit next to the longest of ``hypotheses``."""
        longest = max(len(ids) for ids in self.tokenizer(list(hypotheses), add_special_tokens=False)["input_ids"])
        budget = self.max_length - longest - self.tokenizer.num_special_tokens_to_add(pair=True) - WINDOW_MARGIN
        if budget < MIN_PREMISE_TOKENS:
            raise ModelLoadError(
                f"{self.name}: its window of {self.max_length} tokens leaves only {budget} for the text next to "
                f"a hypothesis of {longest} tokens; use shorter hypotheses or a model with a longer window."
            )
        return budget

    def entailment_logits(self, pairs: Sequence[tuple[str, str]], *, batch_size: int) -> np.ndarray:
        """Return the entailment logit of each (premise, hypothesis) pair, ndarray of shape (n_pairs,)."""
        import torch

        logits = np.zeros(len(pairs), dtype=np.float64)
        device = next(self.model.parameters()).device
        # Sort by length so that each batch pads little; results go back to their places.
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        with torch.inference_mode():
            for lo in range(0, len(order), batch_size):
                idx = order[lo : lo + batch_size]
                batch = self.tokenizer(
                    [pairs[i][0] for i in idx], [pairs[i][1] for i in idx], padding=True, return_tensors="pt"
                )
                if batch["input_ids"].shape[1] > self.max_length:
                    raise RuntimeError(f"a window of {batch['input_ids'].shape[1]} tokens exceeds {self.max_length}")
                output = self.model(**{k: v.to(device) for k, v in batch.items()}).logits
                logits[idx] = output[:, self.entailment_index].double().cpu().numpy()
        return logits


def _entailment_index(id2label: Mapping[Any, str] | None, name: str) -> int:
    labels = {int(k): str(v) for k, v in (id2label or {}).items()}
    found = [k for k, v in sorted(labels.items()) if "entail" in v.lower() and "not" not in v.lower()]
    if len(found) != 1:
        listed = ", ".join(labels[k] for k in sorted(labels)) or "none"
        raise ModelLoadError(
            f"{name}: config.id2label has no single entailment label ({listed}); the nli scorer needs a model "
            f"fine-tuned for NLI, e.g. {EXAMPLE_MODEL}."
        )
    return found[0]


def _model_max_length(tokenizer: Any, config: Any) -> int:
    limits = [int(tokenizer.model_max_length)] if tokenizer.model_max_length < 1_000_000 else []
    positions = getattr(config, "max_position_embeddings", None)
    if positions:
        # RoBERTa-style models reserve position ids for padding.
        offset = 2 if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"} else 0
        limits.append(int(positions) - offset)
    return min(limits) if limits else _FALLBACK_MAX_LENGTH


def _offline() -> bool:
    return any(os.environ.get(var, "").upper() in {"1", "ON", "YES", "TRUE"} for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _is_local_path(name: str) -> bool:
    path = Path(name).expanduser()
    return path.exists() or path.is_absolute() or name.startswith((".", "~")) or not _HUB_ID.match(name)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@functools.lru_cache(maxsize=2)
def load_nli_model(model_name_or_path: str, device: str | None = None, max_length: int | None = None) -> NLIModel:
    """Load an NLI model once per process and reuse it.

    Parameters
    ----------
    model_name_or_path : str
        A local folder with the model and its tokenizer, or a Hugging Face Hub id (downloaded
        by transformers into its cache unless ``HF_HUB_OFFLINE`` is set).
    device : str, optional
        "cpu", "cuda", ...; default: CUDA when available.
    max_length : int, optional
        Cap on tokens per window; default: the model's own limit.

    Returns
    -------
    NLIModel

    Raises
    ------
    ModelLoadError
        The folder is missing or broken, the Hub id cannot be reached, or the model has no
        entailment label.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    local = _is_local_path(model_name_or_path)
    source = str(Path(model_name_or_path).expanduser()) if local else model_name_or_path
    if local and not Path(source).is_dir():
        raise ModelLoadError(
            f"{model_name_or_path}: no such model folder. Pass a folder that holds a Hugging Face NLI model "
            f"(config.json, weights, tokenizer) or a Hub id such as {EXAMPLE_MODEL}."
        )
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a progress bar per load is noise in a table-printing CLI
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local or _offline())
        model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=local or _offline())
    except (OSError, ValueError, KeyError) as exc:
        if local:
            raise ModelLoadError(f"{model_name_or_path}: the NLI model could not be loaded: {_one_line(exc)}") from exc
        reason = "HF_HUB_OFFLINE is set and it is not in the local cache" if _offline() else _one_line(exc)
        raise ModelLoadError(
            f"{model_name_or_path}: not a local folder, and loading it from the Hugging Face Hub failed ({reason}). "
            f"Pass a folder that holds an NLI model, or a Hub id with internet access the first time, e.g. {EXAMPLE_MODEL}."
        ) from exc
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(f"{model_name_or_path}: the nli scorer needs a fast tokenizer (tokenizer.json), which this model lacks.")
    entailment_index = _entailment_index(model.config.id2label, model_name_or_path)
    limit = _model_max_length(tokenizer, model.config)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).eval()
    return NLIModel(model=model, tokenizer=tokenizer, entailment_index=entailment_index,
                    max_length=min(limit, max_length) if max_length else limit, name=model_name_or_path)


def nli_revision(model_name_or_path: str) -> str | None:
    """A digest of a local model's config and weights, or the cached commit of a Hub model."""
    if _is_local_path(model_name_or_path):
        from .model import adapter_revision

        path = Path(model_name_or_path).expanduser()
        return adapter_revision(path) if path.is_dir() else None
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(model_name_or_path, "config.json")
    return Path(cached).parent.name if isinstance(cached, str) else None
