"""The ``lexicon`` baseline: VADER on the sentences that mention the target.

The paragraph's score is the mean VADER compound score of the sentences that mention the
target; the label uses VADER's own ±0.05 neutral band. Confidence is the share of those
sentences whose own label agrees with the paragraph's; the evidence is the sentence with the
largest absolute compound score. Sentiment of a sentence is not stance toward a target, so
this is a transparent baseline, not a measurement to rely on.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..model import MentionInput
from .base import MentionScorer, ScoringUnit, StanceScore, label_from_score
from .registry import register_scorer

__all__ = ["LexiconScorer"]


@register_scorer("lexicon")
class LexiconScorer(MentionScorer):
    """VADER sentence sentiment, averaged over the sentences that mention the target.

    Parameters
    ----------
    threshold : float
        Half-width of the neutral band around 0 (VADER recommends 0.05).
    """

    def __init__(self, *, threshold: float = 0.05):
        if not 0 <= threshold < 1:
            raise ValueError(f"threshold must be in [0, 1), got {threshold}.")
        self.threshold = threshold
        self._analyzer = None

    def _compound(self, text: str) -> float:
        if self._analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        return self._analyzer.polarity_scores(text)["compound"]

    def mention_probabilities(self, items: Sequence[MentionInput]) -> np.ndarray:
        """Label each mention's sentence by VADER; one-hot ndarray of shape (n_items, 3)."""
        columns = {"critical": 0, "neutral": 1, "favorable": 2}
        probs = np.zeros((len(items), 3), dtype=np.float32)
        for row, item in enumerate(items):
            probs[row, columns[label_from_score(self._compound(item.text), self.threshold)]] = 1.0
        return probs

    def score_units(self, units: Sequence[ScoringUnit]) -> list[StanceScore]:
        results = []
        for unit in units:
            sentences = [sentence for sentence, _ in unit.sentences_with_mentions()]
            compounds = np.array([self._compound(s.text) for s in sentences])
            score = float(compounds.mean())
            label = label_from_score(score, self.threshold)
            agree = np.mean([label_from_score(c, self.threshold) == label for c in compounds])
            evidence = sentences[int(np.abs(compounds).argmax())].text
            results.append(StanceScore(score, label, float(agree), evidence))
        return results
