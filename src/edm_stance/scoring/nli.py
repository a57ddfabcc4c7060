"""The ``nli`` scorer: zero-shot stance with any Hugging Face NLI (entailment) model.

For each paragraph and target, the paragraph is the premise and three hypotheses, one per
stance, name the target ("This text portrays Russia negatively.", "... neutrally and
factually.", "... positively."). The model's entailment logits of the three hypotheses are
turned into probabilities by a softmax over the three, so they always sum to one.

Long paragraphs are never truncated. The paragraph is split into windows of whole sentences
that fit the model's maximum length together with the longest hypothesis; a sentence longer
than a window is split by tokens, at word starts, with a quarter of a window of overlap.
Only the windows that contain a mention of the target are scored, and their probabilities
are averaged. The paragraph's score is P(favorable) - P(critical); the label is the most
probable stance, or, when ``threshold`` is given, the score's side of a neutral band of
±threshold (as the other scorers do). The confidence is the probability of the label. The
evidence is the mention sentence of the window that pulled most toward the label.

The model is a Hub id (``MoritzLaurer/deberta-v3-base-zeroshot-v2.0`` for users with
internet; nothing here downloads one by itself) or a local folder, loaded once per process
on first use. Which output is "entailment" is read from the model's ``config.id2label``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..errors import ModelLoadError
from ..model import MentionInput
from ..nli_model import (EXAMPLE_MODEL, MIN_PREMISE_TOKENS, WINDOW_MARGIN, NLIModel, load_nli_model, nli_revision,
                         plan_windows)
from .base import MentionScorer, ScoringUnit, StanceScore, label_from_score
from .registry import register_scorer

__all__ = ["DEFAULT_HYPOTHESES", "NLIModel", "NLIScorer", "STANCES", "load_nli_model", "plan_windows"]

STANCES = ("critical", "neutral", "favorable")
DEFAULT_HYPOTHESES = {
    "critical": "This text portrays {target} negatively.",
    "neutral": "This text portrays {target} neutrally and factually.",
    "favorable": "This text portrays {target} positively.",
}


@dataclass(frozen=True)
class _Request:
    """A premise text to judge toward one target: its sentences and the target's mentions in it."""

    text: str
    sentence_spans: tuple[tuple[int, int], ...]
    mention_spans: tuple[tuple[int, int], ...]
    target_label: str



@register_scorer("nli")
class NLIScorer(MentionScorer):
    """Zero-shot stance: how strongly the paragraph entails each stance hypothesis about the target.

    Parameters
    ----------
    model_name_or_path : str or os.PathLike
        A local folder with an NLI model and its tokenizer, or a Hugging Face Hub id such as
        ``MoritzLaurer/deberta-v3-base-zeroshot-v2.0`` (needs internet the first time).
    hypothesis_template : mapping of str to str, optional
        One hypothesis per stance (keys ``critical``, ``neutral``, ``favorable``), with
        ``{target}`` where the target's label goes; default :data:`DEFAULT_HYPOTHESES`.
    batch_size : int
        Premise-hypothesis pairs per forward pass.
    threshold : float, optional
        Half-width of a neutral band on the score; default: the label is the most probable
        stance.
    max_length : int, optional
        Cap on tokens per window (premise, hypothesis and special tokens); default: the
        model's own limit.
    device : str, optional
        "cpu", "cuda", ...; default: CUDA when available.

    Examples
    --------
    >>> scorer = NLIScorer(model_name_or_path="MoritzLaurer/deberta-v3-base-zeroshot-v2.0")
    >>> table = scorer.score([article], load_targets())  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        model_name_or_path: str | os.PathLike | None = None,
        hypothesis_template: Mapping[str, str] | None = None,
        batch_size: int = 16,
        threshold: float | None = None,
        max_length: int | None = None,
        device: str | None = None,
    ):
        if model_name_or_path is None or not str(model_name_or_path).strip():
            raise ModelLoadError(
                "the nli scorer needs a model: pass model_name_or_path (on the command line, --model) with a local "
                f"folder or a Hugging Face Hub id of an NLI model, e.g. {EXAMPLE_MODEL}."
            )
        if hypothesis_template is not None:
            _check_hypotheses(hypothesis_template)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        if threshold is not None and not 0 <= threshold < 1:
            raise ValueError(f"threshold must be in [0, 1) or None, got {threshold}.")
        if max_length is not None and (not isinstance(max_length, int) or max_length < 2 * MIN_PREMISE_TOKENS):
            raise ValueError(f"max_length must be an integer of at least {2 * MIN_PREMISE_TOKENS} or None, got {max_length}.")
        self.model_name_or_path = model_name_or_path
        self.hypothesis_template = hypothesis_template
        self.batch_size = batch_size
        self.threshold = threshold
        self.max_length = max_length
        self.device = device

    @property
    def model(self) -> NLIModel:
        return load_nli_model(str(self.model_name_or_path), self.device, self.max_length)

    @property
    def hypotheses(self) -> dict[str, str]:
        """The hypothesis template of each stance, in :data:`STANCES` order."""
        templates = self.hypothesis_template or DEFAULT_HYPOTHESES
        return {stance: templates[stance] for stance in STANCES}

    def identity(self) -> dict:
        """Name, settings, hypotheses and the model's revision; does not load the model."""
        return {**super().identity(), "model_name_or_path": str(self.model_name_or_path),
                "hypothesis_template": self.hypotheses, "model_revision": nli_revision(str(self.model_name_or_path))}

    def mention_probabilities(self, items: Sequence[MentionInput]) -> np.ndarray:
        """Classify single mentions, with the mention's text as the target.

        Returns
        -------
        ndarray of shape (n_items, 3)
            P(negative, neutral, positive), i.e. critical, neutral, favorable.
        """
        requests = [_Request(item.text, ((0, len(item.text)),), ((item.start, item.end),), item.mention) for item in items]
        return np.array([np.mean([p for _, p in windows], axis=0) for windows in self._judge(requests)]).reshape(-1, 3)

    def score_units(self, units: Sequence[ScoringUnit]) -> list[StanceScore]:
        requests = []
        for unit in units:
            base = unit.paragraph.start
            requests.append(_Request(
                unit.paragraph.text,
                tuple((s.start - base, s.end - base) for s in unit.paragraph.sentences),
                tuple((m.start - base, m.end - base) for m in unit.mentions),
                unit.target.label,
            ))
        return [self._aggregate(unit, windows) for unit, windows in zip(units, self._judge(requests), strict=True)]

    def _judge(self, requests: Sequence[_Request]) -> list[list[tuple[tuple[int, int], np.ndarray]]]:
        """Return, per request, each scored window's character span and P(critical, neutral, favorable)."""
        if not requests:
            return []
        model = self.model
        templates = list(self.hypotheses.values())
        pairs, owners = [], []
        for r, request in enumerate(requests):
            hypotheses = [t.format(target=request.target_label) for t in templates]
            budget = model.premise_budget(hypotheses)
            for lo, hi in self._windows(model, request, budget):
                if any(m_start < hi and lo < m_end for m_start, m_end in request.mention_spans):
                    pairs.extend((request.text[lo:hi], h) for h in hypotheses)
                    owners.append((r, (lo, hi)))
        logits = model.entailment_logits(pairs, batch_size=self.batch_size).reshape(-1, len(STANCES))
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = shifted / shifted.sum(axis=1, keepdims=True)
        judged: list[list[tuple[tuple[int, int], np.ndarray]]] = [[] for _ in requests]
        for (r, span), p in zip(owners, probs, strict=True):
            judged[r].append((span, p))
        return judged

    @staticmethod
    def _windows(model: NLIModel, request: _Request, budget: int) -> list[tuple[int, int]]:
        """Character spans of the request's premise windows; each re-tokenized window fits ``budget``."""
        offsets = model.token_offsets([request.text])[0]
        spans = [(offsets[lo][0], offsets[hi - 1][1]) for lo, hi in plan_windows(offsets, request.sentence_spans, budget)]
        fitted = []
        for (lo, hi), tokens in zip(spans, model.token_offsets([request.text[lo:hi] for lo, hi in spans])):
            if len(tokens) <= budget:
                fitted.append((lo, hi))
            else:  # the window tokenized alone came out longer; split it by tokens instead
                inner = [(lo + a, lo + b) for a, b in tokens]
                fitted.extend((inner[a][0], inner[b - 1][1]) for a, b in plan_windows(inner, [(lo, hi)], budget - WINDOW_MARGIN))
        return fitted

    def _aggregate(self, unit: ScoringUnit, windows: list[tuple[tuple[int, int], np.ndarray]]) -> StanceScore:
        probs = np.array([p for _, p in windows])
        mean = probs.mean(axis=0)
        score = float(mean[2] - mean[0])
        if self.threshold is None:
            label = STANCES[int(mean.argmax())]
        else:
            label = label_from_score(score, self.threshold)
        column = STANCES.index(label)
        margins = probs[:, 2] - probs[:, 0]
        pull = margins if label == "favorable" else -margins if label == "critical" else probs[:, 1]
        lo, hi = windows[int(pull.argmax())][0]
        base = unit.paragraph.start
        candidates = [(len(mentions), -s.index, s) for s, mentions in unit.sentences_with_mentions()
                      if any(m.start - base < hi and lo < m.end - base for m in mentions)]
        evidence = max(candidates, key=lambda c: c[:2])[2].text
        return StanceScore(score, label, float(mean[column]), evidence)


def _check_hypotheses(templates: Mapping[str, str]) -> None:
    if not isinstance(templates, Mapping) or set(templates) != set(STANCES):
        got = sorted(templates) if isinstance(templates, Mapping) else templates
        raise ValueError(f"hypothesis_template must map each of {', '.join(STANCES)} to a template, got {got!r}.")
    for stance, template in templates.items():
        try:
            ok = isinstance(template, str) and "{target}" in template and bool(template.format(target="X").strip())
        except (KeyError, IndexError, ValueError):
            ok = False
        if not ok:
            raise ValueError(
                f"hypothesis_template[{stance!r}] must be text with '{{target}}' and no other braces, got {template!r}."
            )
