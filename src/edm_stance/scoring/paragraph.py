"""The ``paragraph`` scorer (default): one pass of the paragraph stance model per paragraph x target.

The model reads the whole paragraph with every mention of the target marked and the target's
name (its ``label``) as the second text, so a rebuttal, a victim portrayal or an accusation
anywhere in the paragraph counts, as the codebook asks. An ensemble's calibrated
probabilities are averaged: the label is the most probable stance, the score is
P(favorable) - P(critical), the confidence is the label's probability, and ``score_low`` /
``score_high`` are the score minus / plus the standard deviation of the stance coded -1/0/+1
under those probabilities (the whole ensemble's doubt, wide where critical and favorable are
both probable). The evidence is the mention sentence that, read on its own by the same model,
leans furthest toward the label.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

import numpy as np

from ..model import MentionInput
from ..stance_data import StanceInput
from ..stance_model import ParagraphStanceModel, model_revision
from .base import MentionScorer, ScoringUnit, StanceScore
from .registry import register_scorer

__all__ = ["ParagraphScorer", "default_model_dir", "load_paragraph_model", "stance_spread"]

_LABELS = ("critical", "neutral", "favorable")


def default_model_dir() -> Path:
    """Return the folder of the paragraph stance model shipped inside the package."""
    from importlib import resources

    return Path(str(resources.files("edm_stance") / "data" / "stance"))


@functools.lru_cache(maxsize=4)
def load_paragraph_model(model_dir: str, device: str | None = None) -> ParagraphStanceModel:
    """Load a paragraph stance model once per process and reuse it."""
    return ParagraphStanceModel.from_pretrained(model_dir, device=device)


@register_scorer("paragraph")
class ParagraphScorer(MentionScorer):
    """The paragraph-level stance model (ensemble of LoRA MiniLMs, calibrated).

    Parameters
    ----------
    model_name_or_path : str, optional
        A model folder written by ``edm-stance train``; default: the shipped model.
    batch_size : int
        Paragraph x target pairs per forward pass.
    device : str, optional
        "cpu", "cuda", ...; default: CUDA when available.
    """

    def __init__(self, *, model_name_or_path: str | None = None, batch_size: int = 32, device: str | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        self.model_name_or_path = model_name_or_path
        self.batch_size = batch_size
        self.device = device

    @property
    def model_dir(self) -> Path:
        return Path(self.model_name_or_path) if self.model_name_or_path else default_model_dir()

    @property
    def model(self) -> ParagraphStanceModel:
        return load_paragraph_model(str(self.model_dir), self.device)

    def identity(self) -> dict:
        """Name, settings and the model files' digest; does not load the model."""
        return {**super().identity(), "model_name_or_path": str(self.model_dir), "model_revision": model_revision(self.model_dir)}

    def mention_probabilities(self, items: Sequence[MentionInput]) -> np.ndarray:
        """Classify single mentions in their text (NewsMTSC style); shape (n_items, 3)."""
        inputs = [StanceInput(it.text, ((it.start, it.end),), it.mention, ((0, len(it.text)),)) for it in items]
        return self.model.predict_proba(inputs, batch_size=self.batch_size).mean(axis=1)

    def score_units(self, units: Sequence[ScoringUnit]) -> list[StanceScore]:
        inputs, sentence_inputs, owners = [], [], []
        for u, unit in enumerate(units):
            paragraph = unit.paragraph
            spans = tuple((m.start - paragraph.start, m.end - paragraph.start) for m in unit.mentions)
            sentences = tuple((s.start - paragraph.start, s.end - paragraph.start) for s in paragraph.sentences)
            inputs.append(StanceInput(paragraph.text, spans, unit.target.label, sentences))
            pairs = unit.sentences_with_mentions()
            if len(pairs) > 1:  # the evidence is read sentence by sentence only where there is a choice
                for sentence, mentions in pairs:
                    inner = tuple((m.start - sentence.start, m.end - sentence.start) for m in mentions)
                    sentence_inputs.append(StanceInput(sentence.text, inner, unit.target.label, ((0, len(sentence.text)),)))
                    owners.append((u, sentence.text))
        probs = self.model.predict_proba(inputs, batch_size=self.batch_size)  # (units, members, 3)
        sentence_probs = (self.model.predict_proba(sentence_inputs, batch_size=self.batch_size).mean(axis=1)
                          if sentence_inputs else np.zeros((0, 3)))
        candidates: dict[int, list[tuple[str, np.ndarray]]] = {}
        for (u, text), p in zip(owners, sentence_probs):
            candidates.setdefault(u, []).append((text, p))
        results = []
        for u, unit in enumerate(units):
            mean = probs[u].mean(axis=0)
            label_index = int(mean.argmax())
            if u in candidates:
                evidence = max(candidates[u], key=lambda c: _lean(c[1], label_index))[0]
            else:
                evidence = unit.sentences_with_mentions()[0][0].text
            score, spread = stance_spread(mean)
            results.append(StanceScore(score, _LABELS[label_index], float(mean[label_index]), evidence,
                                       low=max(-1.0, score - spread), high=min(1.0, score + spread)))
        return results


def stance_spread(probs: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of the stance coded -1/0/+1 under (critical, neutral, favorable) probabilities."""
    score = float(probs[2] - probs[0])
    return score, float(np.sqrt(max(0.0, probs[2] + probs[0] - score**2)))


def _lean(probs: np.ndarray, label_index: int) -> float:
    """How far a sentence's probabilities lean toward the label (for picking the evidence)."""
    if label_index == 1:
        return float(probs[1])
    margin = float(probs[2] - probs[0])
    return margin if label_index == 2 else -margin
