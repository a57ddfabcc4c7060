"""The ``tsc`` scorer (default): the trained MiniLM + LoRA target-sentiment model.

Each mention is classified with the mention marked, in its sentence (``context="sentence"``,
the default) or in the paragraph around it (``context="paragraph"``, up to 300 characters on
each side); several mentions in one sentence are averaged. A sentence's margin is
P(positive) - P(negative); the paragraph's score is the mean of the margins weighted by how
decisive each sentence is (1 - P(neutral); ``weighting="uniform"`` gives a plain mean), with
sentences that open with a contrast ("However", "But", "Yet", ...)
and those after them weighted ``contrast_weight`` times, since the codebook lets a rebuttal
win. The same weights average the sentences' class probabilities (calibrated on NewsMTSC
train-dev, see MODEL.md), and the label is the most probable class of that mean, as on
NewsMTSC; with ``threshold`` it is instead the score's side of a ±threshold neutral band.
The confidence is the mean probability of the label; the evidence is the sentence that
pulled most in the label's direction.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from ..article import Sentence
from ..model import MentionInput, StanceModel, adapter_revision, default_adapter_dir
from .base import MentionScorer, ScoringUnit, StanceScore, label_from_score
from .registry import register_scorer

__all__ = ["TSCScorer", "load_stance_model"]

_LABELS = ("critical", "neutral", "favorable")  # in the model's class order
_CONTRAST = re.compile(r"^\W*(?:However|But|Yet|Nevertheless|Nonetheless|Still|By contrast|In contrast|On the other hand|Even so|That said)\b")


@functools.lru_cache(maxsize=4)
def load_stance_model(adapter_dir: str | None = None, device: str | None = None) -> StanceModel:
    """Load the stance model once per process and reuse it."""
    return StanceModel.from_pretrained(adapter_dir, device=device)


@register_scorer("tsc")
class TSCScorer(MentionScorer):
    """Target-dependent sentiment of each mention, aggregated to the paragraph.

    Parameters
    ----------
    model_name_or_path : str, optional
        Folder with a trained adapter (``edm-stance train``); default: the shipped one.
    batch_size : int
        Mentions per forward pass.
    threshold : float, optional
        Label by a neutral band of ±threshold on the score instead of the most probable class.
    contrast_weight : float
        Weight of sentences from a contrastive opening ("However, ...") onward; 1 disables it.
    weighting : {"decisive", "uniform"}
        Weight sentences by 1 - P(neutral), or equally.
    context : {"sentence", "paragraph"}
        Text the model sees around each mention.
    device : str, optional
        "cpu", "cuda", ...; default: CUDA when available.
    """

    def __init__(
        self,
        *,
        model_name_or_path: str | None = None,
        batch_size: int = 64,
        threshold: float | None = None,
        contrast_weight: float = 2.0,
        weighting: str = "decisive",
        context: str = "sentence",
        device: str | None = None,
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        if threshold is not None and not 0 <= threshold < 1:
            raise ValueError(f"threshold must be in [0, 1), got {threshold}.")
        if contrast_weight <= 0:
            raise ValueError(f"contrast_weight must be positive, got {contrast_weight}.")
        if weighting not in {"decisive", "uniform"}:
            raise ValueError(f"weighting must be 'decisive' or 'uniform', got {weighting!r}.")
        if context not in {"sentence", "paragraph"}:
            raise ValueError(f"context must be 'sentence' or 'paragraph', got {context!r}.")
        self.model_name_or_path = model_name_or_path
        self.batch_size = batch_size
        self.threshold = threshold
        self.contrast_weight = contrast_weight
        self.weighting = weighting
        self.context = context
        self.device = device

    @property
    def model(self) -> StanceModel:
        path = str(Path(self.model_name_or_path)) if self.model_name_or_path else None
        return load_stance_model(path, self.device)

    def identity(self) -> dict:
        """Name, settings and the adapter's file digest; does not load the model."""
        path = Path(self.model_name_or_path) if self.model_name_or_path else default_adapter_dir()
        return {**super().identity(), "model_name_or_path": str(path), "model_revision": adapter_revision(path)}

    def mention_probabilities(self, items: Sequence[MentionInput]) -> np.ndarray:
        """Classify single mentions; ndarray of shape (n_items, 3): P(negative, neutral, positive)."""
        return self.model.predict_proba(items, batch_size=self.batch_size)

    def score_units(self, units: Sequence[ScoringUnit]) -> list[StanceScore]:
        items, owners, unit_sentences = [], [], []
        for u, unit in enumerate(units):
            pairs = unit.sentences_with_mentions()
            unit_sentences.append([sentence for sentence, _ in pairs])
            for s, (sentence, mentions) in enumerate(pairs):
                around = sentence if self.context == "sentence" else unit.paragraph
                for mention in mentions:
                    items.append(MentionInput(around.text, mention.start - around.start, mention.end - around.start))
                    owners.append((u, s))
        probs = self.mention_probabilities(items)
        by_unit: dict[int, dict[int, list[np.ndarray]]] = {}
        for (u, s), p in zip(owners, probs):
            by_unit.setdefault(u, {}).setdefault(s, []).append(p)
        return [self._aggregate(unit, unit_sentences[u], by_unit[u]) for u, unit in enumerate(units)]

    def _aggregate(
        self, unit: ScoringUnit, sentences: list[Sentence], sentence_probs: dict[int, list[np.ndarray]]
    ) -> StanceScore:
        probs = np.array([np.mean(sentence_probs[s], axis=0) for s in range(len(sentences))])
        margins = probs[:, 2] - probs[:, 0]
        weights = np.clip(1.0 - probs[:, 1], 0.05, None) if self.weighting == "decisive" else np.ones(len(probs))
        contrast = [n for n, s in enumerate(unit.paragraph.sentences) if _CONTRAST.match(s.text)]
        if contrast:
            weights = weights * np.array([self.contrast_weight if s.index >= contrast[0] else 1.0 for s in sentences])
        mean = np.average(probs, axis=0, weights=weights)
        score = float(np.average(margins, weights=weights))
        if self.threshold is None:
            label = _LABELS[int(mean.argmax())]
        else:
            label = label_from_score(score, self.threshold)
        confidence = float(mean[_LABELS.index(label)])
        pull = weights * (margins if label == "favorable" else -margins if label == "critical" else probs[:, 1])
        evidence = sentences[int(pull.argmax())].text
        return StanceScore(score, label, confidence, evidence)
