"""Read NewsMTSC (Hamborg & Donnay, EACL 2021) for training and evaluating the stance model.

NewsMTSC does not ship with the project. Its folder (``train.jsonl``, ``devtest_rw.jsonl``,
``devtest_mt.jsonl``) is given by an option or by the environment variable
``EDM_STANCE_NEWSMTSC``; :func:`newsmtsc_dir` resolves it, or says where to get it. The
files are read in place, never copied. Each target of each sentence becomes one
:class:`Example`; polarity 2/4/6 maps to negative/neutral/positive.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .errors import DataFileError
from .model import MentionInput

__all__ = ["NEWSMTSC_ENV", "Example", "entity_swap", "newsmtsc_dir", "read_newsmtsc", "split_train_dev"]

NEWSMTSC_ENV = "EDM_STANCE_NEWSMTSC"
NEWSMTSC_SPLITS = ("train.jsonl", "devtest_rw.jsonl", "devtest_mt.jsonl")
_WHERE_TO_GET = (
    "NewsMTSC (Hamborg & Donnay, EACL 2021) is not part of this project: get it from the authors' repository, "
    "https://github.com/fhamborg/NewsMTSC, and point at the folder that holds train.jsonl, devtest_rw.jsonl and "
    f"devtest_mt.jsonl with an option (edm-stance train --newsmtsc DIR; notebook 03's newsmtsc_dir) or {NEWSMTSC_ENV}=DIR"
)
_POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}

# States, blocs, organisations and their metonyms, as EDM discusses them. Swapping person
# mentions for these teaches the classifier that such entities carry sentiment too.
SWAP_NAMES = (
    "Russia", "Moscow", "the Kremlin", "Gazprom", "the CSTO", "the Eurasian Economic Union",
    "the United States", "Washington", "the U.S.", "NATO", "the European Union", "the EU",
    "Brussels", "the OSCE", "the West", "Western donors", "China", "Beijing", "Ukraine", "Kyiv",
    "Georgia", "Tbilisi", "Belarus", "Minsk", "Moldova", "Chisinau", "Armenia", "Yerevan",
    "Azerbaijan", "Baku", "Kazakhstan", "Astana", "Kyrgyzstan", "Bishkek", "Uzbekistan",
    "Tashkent", "Tajikistan", "Turkmenistan", "Turkey", "Ankara", "Iran", "Tehran",
    "the government", "the opposition", "NGOs", "civil society groups", "Human Rights Watch",
    "Amnesty International", "Freedom House", "the activists", "the ministry",
)


@dataclass(frozen=True)
class Example:
    """One (sentence, target) pair with its gold class index in MODEL_LABELS order."""

    mention: MentionInput
    label: int
    group: str


def newsmtsc_dir(path: str | Path | None = None) -> Path:
    """Return the NewsMTSC folder: ``path`` if given, else ``$EDM_STANCE_NEWSMTSC``.

    Raises
    ------
    DataFileError
        Neither is set, or the folder holds none of the NewsMTSC splits; the message says
        where to get the dataset and how to point at it.

    Examples
    --------
    >>> newsmtsc_dir("~/data/newsmtsc") / "devtest_rw.jsonl"  # doctest: +SKIP
    """
    chosen = path if path not in (None, "") else os.environ.get(NEWSMTSC_ENV) or None
    if chosen is None:
        raise DataFileError(f"no NewsMTSC folder given. {_WHERE_TO_GET}")
    folder = Path(chosen).expanduser()
    if not any((folder / name).is_file() for name in NEWSMTSC_SPLITS):
        raise DataFileError(f"{folder}: no NewsMTSC files here ({', '.join(NEWSMTSC_SPLITS)}). {_WHERE_TO_GET}")
    return folder


def read_newsmtsc(path: str | Path) -> list[Example]:
    """Read one NewsMTSC ``.jsonl`` split into examples, one per target mention."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such NewsMTSC file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    examples = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            sentence = record["sentence_normalized"]
            for target in record["targets"]:
                start, end = int(target["from"]), int(target["to"])
                if not 0 <= start < end <= len(sentence):
                    raise ValueError(f"the target span {start}:{end} lies outside the sentence")
                mention = MentionInput(sentence, start, end)
                examples.append(Example(mention, _POLARITY[float(target["polarity"])], record["primary_gid"]))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DataFileError(f"{path}:{number}: not a NewsMTSC record ({exc})") from exc
    if not examples:
        raise DataFileError(f"{path}: holds no NewsMTSC records")
    return examples


def split_train_dev(examples: Sequence[Example], dev_fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Hold out a fraction of sentences (all targets of a sentence together) as train-dev."""
    groups = sorted({ex.group for ex in examples})
    random.Random(seed).shuffle(groups)
    dev_groups = set(groups[: round(len(groups) * dev_fraction)])
    train = [ex for ex in examples if ex.group not in dev_groups]
    dev = [ex for ex in examples if ex.group in dev_groups]
    return train, dev


def entity_swap(example: Example, rng: random.Random) -> Example:
    """Replace every occurrence of the mention with a state, bloc or organisation name."""
    text, name = example.mention.text, example.mention.mention
    new = rng.choice(SWAP_NAMES)
    if example.mention.start == 0:
        new = new[0].upper() + new[1:]
    before = text[: example.mention.start].replace(name, new) if len(name) > 3 else text[: example.mention.start]
    after = text[example.mention.end :].replace(name, new) if len(name) > 3 else text[example.mention.end :]
    start = len(before)
    return replace(example, mention=MentionInput(before + new + after, start, start + len(new)))
