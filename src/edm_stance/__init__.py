"""EDM Stance Lab: paragraph-level stance toward Russia, the West and NGOs in EDM articles.

Data flows one way: text -> :class:`Article` -> paragraphs and sentences -> target
mentions -> a scorer's table (one row per paragraph and target) -> plots and reports.

Examples
--------
>>> from edm_stance import get_scorer, load_targets, read_article
>>> article = read_article("data/raw/edm-v3-i138.txt")  # doctest: +SKIP
>>> table = get_scorer("lexicon").score([article], load_targets())  # doctest: +SKIP
"""

from .article import Article, Paragraph, Sentence, parse_article, read_article, split_sentences
from .corpus import collect_paths, read_articles, read_corpus
from .errors import (
    ArticleReadError,
    DataFileError,
    EdmStanceError,
    EdmStanceWarning,
    EngineError,
    ModelLoadError,
    OutputError,
    ReportError,
    ScorerOptionError,
    TargetsFileError,
    UnknownScorerError,
    UnknownTargetError,
)
from .evaluation import evaluate_tables, read_table
from .frames import Frame, FrameScorer, load_frames
from .pages import parse_page
from .presence import explain_presence, find_article_mentions
from .report import run_report
from .runner import score_corpus, score_frames
from .scoring import COLUMNS, LABELS, MentionScorer, Scorer, available_scorers, get_scorer, register_scorer, scorer_for
from .shifts import frame_shifts, stance_shifts
from .targets import Mention, Target, Targets, load_targets

__version__ = "0.1.0"

__all__ = [
    "Article",
    "ArticleReadError",
    "COLUMNS",
    "DataFileError",
    "EdmStanceError",
    "EdmStanceWarning",
    "EngineError",
    "Frame",
    "FrameScorer",
    "LABELS",
    "Mention",
    "MentionScorer",
    "ModelLoadError",
    "OutputError",
    "Paragraph",
    "ReportError",
    "Scorer",
    "ScorerOptionError",
    "Sentence",
    "Target",
    "Targets",
    "TargetsFileError",
    "UnknownScorerError",
    "UnknownTargetError",
    "available_scorers",
    "collect_paths",
    "evaluate_tables",
    "explain_presence",
    "find_article_mentions",
    "frame_shifts",
    "get_scorer",
    "load_frames",
    "load_targets",
    "parse_article",
    "parse_page",
    "read_article",
    "read_articles",
    "read_corpus",
    "read_table",
    "register_scorer",
    "run_report",
    "score_corpus",
    "score_frames",
    "scorer_for",
    "split_sentences",
    "stance_shifts",
]
