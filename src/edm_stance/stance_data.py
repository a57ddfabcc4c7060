"""Training and evaluation data for the paragraph stance model.

Two sources become the same kind of example, a :class:`PairExample` (one text, one target,
the target's mentions in it, a codebook label):

- the synthetic EDM-style corpus shipped in ``data/training/synthetic-edm/`` (invented text,
  labelled per the codebook): one example per paragraph and target *whose mentions the target
  rules find*, since the model is only ever asked about such pairs; gold-absent pairs with
  rule mentions keep the label ``absent``;
- NewsMTSC sentences (read from a path, never copied into the project): one example per
  target mention, its polarity mapped to critical/neutral/favorable, the mention itself as the
  target's name.

Folds are grouped by article (``group``), never by paragraph: paragraphs of one article share
names and framing.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .article import Paragraph, split_sentences
from .errors import DataFileError
from .presence import find_article_mentions
from .targets import Targets

__all__ = [
    "CORPUS_TARGETS",
    "LABELS",
    "PHENOMENA",
    "CorpusParagraph",
    "PairExample",
    "StanceInput",
    "corpus_examples",
    "default_corpus_path",
    "grouped_folds",
    "newsmtsc_examples",
    "read_corpus_file",
    "swap_country_names",
]

LABELS = ("absent", "critical", "neutral", "favorable")
CORPUS_TARGETS = ("russia", "west", "ngos")
PHENOMENA = ("victim", "accused_unrebutted", "accused_rebutted", "scare_quotes", "irony", "factual",
             "mixed", "beneficial", "threat", "failing_or_weak", "multi", "distractor")
_NEWSMTSC_LABEL = {2.0: 1, 4.0: 2, 6.0: 3}  # negative/neutral/positive -> critical/neutral/favorable


@dataclass(frozen=True)
class StanceInput:
    """What the model reads: a text, the target's mention spans in it, the target's name.

    ``sentences`` are (start, end) offsets of the text's sentences, for the sentence pooling.
    """

    text: str
    spans: tuple[tuple[int, int], ...]
    target_name: str
    sentences: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PairExample:
    """One training or evaluation example: an input, its label index in LABELS, and more.

    ``strength`` is the codebook's -2..2 intensity (None where unknown), ``phenomena`` the
    corpus tags, ``group`` the unit that folds keep together (the article), ``key`` the
    (article_id, paragraph, target) of a corpus pair.
    """

    input: StanceInput
    label: int
    group: str
    strength: float | None = None
    phenomena: tuple[str, ...] = ()
    key: tuple[str, int, str] | None = None
    source: str = "corpus"


@dataclass(frozen=True)
class CorpusParagraph:
    """A labelled corpus paragraph (the JSONL record of ``data/training/synthetic-edm``)."""

    article_id: str
    paragraph: int
    text: str
    labels: dict[str, str]
    strength: dict[str, float | None]
    phenomena: tuple[str, ...] = ()
    country: str = ""
    year: int | None = None
    title: str = ""
    frames: dict[str, str | None] = field(default_factory=dict)

    @property
    def region(self) -> str:
        """The region code of a ``syn-<region>-<NNN>`` article id."""
        parts = self.article_id.split("-")
        return parts[1] if len(parts) >= 3 else ""


def default_corpus_path() -> Path:
    """Return the synthetic corpus file of a source checkout (``data/training/synthetic-edm``)."""
    return Path(__file__).resolve().parents[2] / "data" / "training" / "synthetic-edm" / "paragraphs.jsonl"


def read_corpus_file(path: str | Path) -> list[CorpusParagraph]:
    """Read a corpus JSONL file; a malformed line stops with its file and line number."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such corpus file")
    paragraphs = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                labels = {t: record["labels"][t] for t in CORPUS_TARGETS}
                if any(label not in LABELS for label in labels.values()):
                    raise ValueError(f"labels must be among {', '.join(LABELS)}")
                paragraphs.append(CorpusParagraph(
                    article_id=str(record["article_id"]), paragraph=int(record["paragraph"]), text=str(record["text"]),
                    labels=labels, strength={t: record.get("strength", {}).get(t) for t in CORPUS_TARGETS},
                    phenomena=tuple(record.get("phenomena") or ()), country=str(record.get("country", "")),
                    year=record.get("year"), title=str(record.get("title", "")), frames=dict(record.get("frames") or {}),
                ))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DataFileError(f"{path}:{number}: not a corpus record ({exc})") from exc
    return paragraphs


def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((s.start, s.end) for s in split_sentences(text))


def corpus_examples(paragraphs: Iterable[CorpusParagraph], targets: Targets) -> list[PairExample]:
    """Turn corpus paragraphs into examples: one per (paragraph, target) with mentions.

    Mentions are found article by article, as the scorers find them (names introduced in one
    paragraph count in the others), so the model trains on the inputs it will be given.
    """
    examples = []
    by_article: dict[str, list[CorpusParagraph]] = {}
    for para in paragraphs:
        by_article.setdefault(para.article_id, []).append(para)
    for article_paragraphs in by_article.values():
        found = find_article_mentions([_as_paragraph(p) for p in article_paragraphs], targets, entities=targets.entities)
        for para, by_target in zip(article_paragraphs, found):
            examples += _paragraph_examples(para, by_target, targets)
    return examples


def _as_paragraph(para: CorpusParagraph) -> Paragraph:
    """A corpus paragraph as an article Paragraph whose offsets are its own (start 0)."""
    return Paragraph(para.paragraph, 0, len(para.text), para.text, split_sentences(para.text))


def _paragraph_examples(para: CorpusParagraph, by_target: dict, targets: Targets) -> list[PairExample]:
    examples = []
    sentences = _sentence_spans(para.text)
    for name in CORPUS_TARGETS:
        mentions = by_target[name]
        if not mentions:
            continue
        strength = para.strength.get(name)
        examples.append(PairExample(
            input=StanceInput(para.text, tuple((m.start, m.end) for m in mentions), targets[name].label, sentences),
            label=LABELS.index(para.labels[name]),
            group=para.article_id,
            strength=None if strength is None else float(strength),
            phenomena=para.phenomena,
            key=(para.article_id, para.paragraph, name),
        ))
    return examples


def newsmtsc_examples(path: str | Path) -> list[PairExample]:
    """Read a NewsMTSC split: one example per target, the mention as the target's name."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such NewsMTSC file")
    examples = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                sentence = record["sentence_normalized"]
                for target in record["targets"]:
                    start, end = int(target["from"]), int(target["to"])
                    examples.append(PairExample(
                        input=StanceInput(sentence, ((start, end),), sentence[start:end], ((0, len(sentence)),)),
                        label=_NEWSMTSC_LABEL[float(target["polarity"])],
                        group=f"newsmtsc:{record['primary_gid']}",
                        source="newsmtsc",
                    ))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DataFileError(f"{path}:{number}: not a NewsMTSC record ({exc})") from exc
    return examples


def grouped_folds(examples: Sequence[PairExample], k: int, seed: int) -> list[tuple[list[int], list[int]]]:
    """Split example indices into ``k`` folds by group (article), groups shuffled with ``seed``.

    Returns (train indices, held-out indices) per fold; every group is held out exactly once.
    """
    groups = sorted({ex.group for ex in examples})
    random.Random(seed).shuffle(groups)
    fold_of = {group: i % k for i, group in enumerate(groups)}
    folds = []
    for fold in range(k):
        held = [i for i, ex in enumerate(examples) if fold_of[ex.group] == fold]
        train = [i for i, ex in enumerate(examples) if fold_of[ex.group] != fold]
        folds.append((train, held))
    return folds


# Country and capital names of the region, swapped for one another in training paragraphs so
# that the model cannot learn "Georgia means favorable to the West" from a few hundred articles.
_SWAP_GROUPS = (
    ("Kyrgyzstan", "Kazakhstan", "Uzbekistan", "Tajikistan", "Turkmenistan", "Georgia", "Armenia",
     "Azerbaijan", "Moldova", "Belarus"),
    ("Bishkek", "Astana", "Tashkent", "Dushanbe", "Ashgabat", "Tbilisi", "Yerevan", "Baku", "Chisinau", "Minsk"),
    ("Kyrgyz", "Kazakh", "Uzbek", "Tajik", "Turkmen", "Georgian", "Armenian", "Azerbaijani", "Moldovan", "Belarusian"),
)


def swap_country_names(example: PairExample, rng: random.Random) -> PairExample:
    """Replace the region's country, capital and nationality names consistently (augmentation).

    Each name is mapped to another of its kind (country, capital, adjective), the same way
    throughout the text; the mention spans and sentence spans move with the text.
    """
    mapping: dict[str, str] = {}
    for group in _SWAP_GROUPS:
        shuffled = list(group)
        rng.shuffle(shuffled)
        mapping.update(zip(group, shuffled))
    pattern = re.compile(r"\b(" + "|".join(sorted(mapping, key=len, reverse=True)) + r")\b")
    text = example.input.text
    pieces, shifts, last = [], [], 0  # shifts: (position in old text, cumulative delta after it)
    delta = 0
    for match in pattern.finditer(text):
        new = mapping[match.group()]
        pieces += [text[last : match.start()], new]
        delta += len(new) - len(match.group())
        shifts.append((match.end(), delta))
        last = match.end()
    if not shifts:
        return example
    pieces.append(text[last:])

    def moved(position: int) -> int:
        offset = 0
        for end, cumulative in shifts:
            if end <= position:
                offset = cumulative
        return position + offset

    new_input = replace(
        example.input,
        text="".join(pieces),
        spans=tuple((moved(a), moved(b)) for a, b in example.input.spans),
        sentences=tuple((moved(a), moved(b)) for a, b in example.input.sentences),
    )
    return replace(example, input=new_input)
