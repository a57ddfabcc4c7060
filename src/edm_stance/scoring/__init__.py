"""Stance scorers behind one interface; importing this package registers them all."""

from .base import COLUMNS, LABELS, MentionScorer, Scorer, ScoringUnit, StanceScore, label_from_score
from .lexicon import LexiconScorer
from .nli import NLIScorer
from .paragraph import ParagraphScorer
from .registry import DEFAULT_SCORER, available_scorers, get_scorer, register_scorer, scorer_for
from .tsc import TSCScorer

__all__ = [
    "COLUMNS",
    "DEFAULT_SCORER",
    "LABELS",
    "LexiconScorer",
    "MentionScorer",
    "NLIScorer",
    "ParagraphScorer",
    "Scorer",
    "ScoringUnit",
    "StanceScore",
    "TSCScorer",
    "available_scorers",
    "get_scorer",
    "label_from_score",
    "register_scorer",
    "scorer_for",
]
