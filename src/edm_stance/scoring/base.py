"""The scorer interface: articles and targets in, one row per paragraph and target out.

A scorer is anything with a ``name`` and ``score(articles, targets) -> DataFrame``
(:class:`Scorer`). Most scorers derive from :class:`MentionScorer`, which finds the targets'
mentions in each article (:func:`edm_stance.presence.find_article_mentions`), asks the
subclass to score each (paragraph, target) pair that has mentions, and
fills in the ``absent`` rows, so a new model is one new method, ``score_units``.
"""

from __future__ import annotations

import abc
import bisect
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd

from ..article import Article, Paragraph, Sentence
from ..presence import find_article_mentions
from ..targets import Mention, Target, Targets

__all__ = [
    "COLUMNS",
    "LABELS",
    "MentionScorer",
    "Scorer",
    "ScoringUnit",
    "StanceScore",
    "label_from_score",
]

COLUMNS = ["article_id", "paragraph", "target", "label", "score", "confidence", "score_low", "score_high", "n_mentions",
           "evidence"]
LABELS = ("absent", "critical", "neutral", "favorable")


@runtime_checkable
class Scorer(Protocol):
    """Scores stance per paragraph and target.

    ``score`` returns a DataFrame with the columns ``COLUMNS``, one row per paragraph and
    target, in article, paragraph and target order.
    """

    name: str

    def score(self, articles: Sequence[Article], targets: Targets) -> pd.DataFrame: ...


@dataclass(frozen=True)
class ScoringUnit:
    """One paragraph and one target that it mentions, with the mentions found."""

    article: Article
    paragraph: Paragraph
    target: Target
    mentions: tuple[Mention, ...]

    def sentences_with_mentions(self) -> list[tuple[Sentence, list[Mention]]]:
        """Return each sentence that holds mentions, with its mentions, in reading order.

        A mention belongs to the sentence it starts in; one that starts in the space between
        two sentences belongs to the next. Linear in the number of sentences and mentions.
        """
        sentences = self.paragraph.sentences
        ends = [sentence.end for sentence in sentences]
        by_sentence: dict[int, list[Mention]] = {}
        for mention in self.mentions:
            index = min(bisect.bisect_right(ends, mention.start), len(sentences) - 1)
            by_sentence.setdefault(index, []).append(mention)
        return [(sentences[index], by_sentence[index]) for index in sorted(by_sentence)]


@dataclass(frozen=True)
class StanceScore:
    """A scorer's verdict on one unit: score in [-1, 1], label, confidence in [0, 1], evidence.

    ``low``/``high`` bound the score where the scorer knows its spread (an ensemble's
    members); scorers without one leave them None and the table shows the score itself.
    """

    score: float
    label: str
    confidence: float
    evidence: str
    low: float | None = None
    high: float | None = None


def label_from_score(score: float, threshold: float) -> str:
    """Map a score in [-1, 1] to critical/neutral/favorable with a neutral band of ±threshold."""
    if score > threshold:
        return "favorable"
    if score < -threshold:
        return "critical"
    return "neutral"


class MentionScorer(abc.ABC):
    """Base class of scorers that judge each (paragraph, target) pair that has mentions."""

    name: ClassVar[str]

    @abc.abstractmethod
    def score_units(self, units: Sequence[ScoringUnit]) -> list[StanceScore]:
        """Score every unit (all at once, so that models can batch across articles)."""

    def identity(self) -> dict[str, Any]:
        """Describe the model and settings, so that cached results can be keyed by them."""
        return {"scorer": self.name, **self.get_params()}

    def get_params(self) -> dict[str, Any]:
        """Return the constructor's keyword arguments (scikit-learn style)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def score(self, articles: Sequence[Article], targets: Targets) -> pd.DataFrame:
        """Return one row per paragraph and target (see :data:`COLUMNS`).

        Parameters
        ----------
        articles : sequence of Article
        targets : Targets

        Returns
        -------
        pandas.DataFrame of shape (n_paragraphs * n_targets, 8)
        """
        if isinstance(articles, Article):
            articles = [articles]
        units, rows = [], []
        for article in articles:
            found = find_article_mentions(article, targets, entities=targets.entities)
            for paragraph, by_target in zip(article.paragraphs, found, strict=True):
                for target in targets.values():
                    mentions = tuple(by_target[target.name])
                    row = {"article_id": article.article_id, "paragraph": paragraph.number, "target": target.name,
                           "label": "absent", "score": np.nan, "confidence": np.nan, "score_low": np.nan,
                           "score_high": np.nan, "n_mentions": len(mentions), "evidence": ""}
                    if mentions:
                        units.append((len(rows), ScoringUnit(article, paragraph, target, mentions)))
                    rows.append(row)
        scores = self.score_units([unit for _, unit in units]) if units else []
        for (row_index, _), stance in zip(units, scores, strict=True):
            score = float(np.clip(stance.score, -1.0, 1.0))
            low = score if stance.low is None else float(np.clip(min(stance.low, score), -1.0, 1.0))
            high = score if stance.high is None else float(np.clip(max(stance.high, score), -1.0, 1.0))
            rows[row_index].update(
                label=stance.label,
                score=score,
                confidence=float(np.clip(stance.confidence, 0.0, 1.0)),
                score_low=low,
                score_high=high,
                evidence=stance.evidence,
            )
        table = pd.DataFrame(rows, columns=COLUMNS)
        return table.astype({"paragraph": "int64", "n_mentions": "int64", "score": "float64", "confidence": "float64",
                             "score_low": "float64", "score_high": "float64"})
