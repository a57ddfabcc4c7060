"""Analysts' corrections: the codebook's gold rows plus what a refit needs, saved as they are made.

A corrections file is CSV (UTF-8) whose first six columns are the codebook's gold format,
followed by what lets a model be refitted and checked on the row without the article:

==================  ===================================================================
article_id ... note the codebook's gold columns: ``article_id, paragraph, target, label,
                    strength, note``
target_label        the target's name as the model reads it (its ``label`` in the targets file)
targets_source      where the target's definition came from (``packaged`` or a YAML path)
mentions            the target's mentions in ``text``, JSON ``[[start, end], ...]``
text                the paragraph's text (line breaks written as spaces: same offsets)
article_path        the article file it came from (to read it again)
model_label ...     what the model said before the correction: ``model_label, model_score,
                    model_confidence``, and which model: ``model``, ``model_revision``
analyst, timestamp  who corrected it, and when (ISO 8601, UTC)
==================  ===================================================================

:class:`CorrectionLog` appends one row per :meth:`~CorrectionLog.append` to
``<folder>/<analyst>.csv``: one ``write`` of one whole line to a file opened for appending,
under an exclusive lock, then ``fsync``, so a kernel that dies keeps every correction saved
before it died, and two sessions can append to one file. A last line cut short (the machine
lost power mid-write) is ignored by the reader with a warning and cut off by the next
append. A pair corrected more than once counts with its latest correction
(:func:`latest_corrections`). :func:`split_holdout` holds out paragraphs by a hash of their
key, so a refit and its check never share a correction, and the split of old corrections
does not move as new ones are added.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .article import split_sentences
from .errors import DataFileError, EdmStanceWarning, OutputError
from .stance_data import LABELS, PairExample, StanceInput

__all__ = [
    "CORRECTION_COLUMNS",
    "GOLD_COLUMNS",
    "CorrectionLog",
    "check_correction",
    "correction_examples",
    "correction_inputs",
    "default_corrections_dir",
    "is_corrections",
    "latest_corrections",
    "read_corrections",
    "split_holdout",
]

GOLD_COLUMNS = ["article_id", "paragraph", "target", "label", "strength", "note"]
CORRECTION_COLUMNS = [*GOLD_COLUMNS, "target_label", "targets_source", "mentions", "text", "article_path",
                      "model_label", "model_score", "model_confidence", "model", "model_revision", "analyst",
                      "timestamp"]
KEYS = ["article_id", "paragraph", "target"]
_STRENGTHS = {"critical": {-1.0, -2.0}, "neutral": {0.0}, "favorable": {1.0, 2.0}, "absent": set()}
_LINE_BREAKS = re.compile(r"[\r\n]")


def default_corrections_dir() -> Path:
    """Return ``data/corrections`` under the current folder (the review notebook's default, from the project root)."""
    return Path("data") / "corrections"


def is_corrections(path: str | Path) -> bool:
    """Tell a corrections folder or file from a plain gold file (by its header), without reading it all."""
    path = Path(path)
    if path.is_dir():
        return True
    try:
        with path.open(encoding="utf-8", newline="") as lines:
            header = next(csv.reader(lines), [])
    except (OSError, UnicodeDecodeError):
        return False  # the gold reader names the problem
    return set(CORRECTION_COLUMNS) <= set(header)


def _one_line(value: object) -> str:
    """A field as text on one line; line breaks become spaces (same length, so offsets keep)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return _LINE_BREAKS.sub(" ", str(value))


def check_correction(label: str, strength: float | None, where: str = "correction") -> float | None:
    """Check a label and strength against the codebook; return the strength as a float or None.

    The label is one of absent, critical, neutral, favorable; the strength (-2..2) has the
    label's sign: -1 or -2 for critical, 0 for neutral, 1 or 2 for favorable, none for absent.
    A missing strength is allowed for a present label (the codebook's ``note``-only rows).

    Raises
    ------
    DataFileError
        Naming ``where`` and what is wrong.
    """
    if label not in LABELS:
        raise DataFileError(f"{where}: label must be one of {', '.join(LABELS)}; got {label!r}")
    if strength is None or (isinstance(strength, float) and pd.isna(strength)) or strength == "":
        return None
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: strength must be a number from -2 to 2; got {strength!r}") from None
    if value not in _STRENGTHS[label]:
        allowed = ", ".join(f"{v:g}" for v in sorted(_STRENGTHS[label])) or "empty"
        raise DataFileError(f"{where}: strength {value:g} does not fit the label {label!r} (allowed: {allowed})")
    return value


class CorrectionLog:
    """Append corrections to ``<folder>/<analyst>.csv`` as they are made (one atomic line each).

    Parameters
    ----------
    folder : str or Path
        The corrections folder (created when missing), e.g. ``data/corrections``.
    analyst : str
        Who corrects; names the file (letters, digits, ``-``, ``_`` and ``.``).

    Examples
    --------
    >>> log = CorrectionLog(folder="data/corrections", analyst="jane")  # doctest: +SKIP
    >>> log.append({"article_id": "edm-v3-i138", "paragraph": 4, "target": "ngos", "label": "favorable",
    ...             "strength": 1, "text": "...", "mentions": [[12, 16]], ...})  # doctest: +SKIP
    """

    def __init__(self, *, folder: str | Path, analyst: str):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", analyst or ""):
            raise DataFileError(f"analyst must be a name of letters, digits, '.', '-' or '_' (it names the file); "
                                f"got {analyst!r}")
        self.folder = Path(folder)
        self.analyst = analyst
        self._checked = False

    @property
    def path(self) -> Path:
        return self.folder / f"{self.analyst}.csv"

    def append(self, correction: Mapping[str, object]) -> dict:
        """Validate one correction, add the analyst and a timestamp, and append it; return the row written.

        ``correction`` holds the gold columns, ``text``, ``mentions`` and ``target_label``, and
        optionally the rest of :data:`CORRECTION_COLUMNS`. Returns only once the line is on disk.
        """
        row = {column: correction.get(column) for column in CORRECTION_COLUMNS}
        where = f"{self.path}: correction of {row['article_id']} ¶{row['paragraph']} {row['target']}"
        missing = [c for c in ("article_id", "paragraph", "target", "label", "text", "mentions", "target_label")
                   if row[c] is None or row[c] == ""]
        if missing:
            raise DataFileError(f"{where}: lacks {', '.join(missing)}")
        row["strength"] = check_correction(str(row["label"]), row["strength"], where)
        row["mentions"] = _mentions_json(row["mentions"], str(row["text"]), where)
        row["analyst"] = self.analyst
        row["timestamp"] = row["timestamp"] or datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        self._write_line(_csv_line([_field(row[c]) for c in CORRECTION_COLUMNS]))
        return row

    def _write_line(self, line: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"{self.path}: corrections cannot be saved here ({exc.strerror or exc})") from exc
        try:
            _lock(fd)
            size = os.fstat(fd).st_size
            if size == 0:
                line = _csv_line(CORRECTION_COLUMNS) + line
            else:
                if not self._checked:
                    self._check_header()
                _drop_partial_tail(fd, size)
            data = line.encode("utf-8")
            if os.write(fd, data) != len(data):
                raise OSError("short write")
            os.fsync(fd)
            self._checked = True
        except OSError as exc:
            raise OutputError(f"{self.path}: the correction could not be saved ({exc.strerror or exc})") from exc
        finally:
            os.close(fd)  # closing releases the lock

    def _check_header(self) -> None:
        with self.path.open(encoding="utf-8", newline="") as lines:
            header = next(csv.reader(lines), [])
        if header != CORRECTION_COLUMNS:
            raise DataFileError(f"{self.path}: not a corrections file (its header is {','.join(header)[:80]!r}); "
                                "choose another corrections folder or analyst name")

    def read(self) -> pd.DataFrame:
        """Return every correction of this log (all its lines), or an empty table when there is none yet."""
        if not self.path.is_file():
            return pd.DataFrame(columns=CORRECTION_COLUMNS)
        return read_corrections(self.path)


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: one writer per file
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def _drop_partial_tail(fd: int, size: int) -> None:
    """Cut a last line left without its line end (an interrupted write) before appending after it."""
    tail = os.pread(fd, min(size, 1 << 16), max(0, size - (1 << 16)))
    if tail.endswith(b"\n"):
        return
    cut = tail.rfind(b"\n")
    keep = size - len(tail) + cut + 1 if cut >= 0 else 0
    os.ftruncate(fd, keep)


def _field(value: object) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.6g}"
    return _one_line(value)


def _csv_line(fields: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields)
    return buffer.getvalue()


def _mentions_json(mentions: object, text: str, where: str) -> str:
    """Mention spans as JSON ``[[start, end], ...]``, checked to lie within the text."""
    if isinstance(mentions, str):
        try:
            mentions = json.loads(mentions)
        except json.JSONDecodeError:
            raise DataFileError(f"{where}: mentions must be JSON [[start, end], ...]; got {mentions[:40]!r}") from None
    try:
        spans = [(int(a), int(b)) for a, b in mentions]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: mentions must be [[start, end], ...]; got {str(mentions)[:40]!r}") from None
    if not spans or any(not 0 <= a < b <= len(text) for a, b in spans):
        raise DataFileError(f"{where}: mentions must be non-empty spans within the paragraph's text; got {spans}")
    return json.dumps(spans, separators=(",", ":"))


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.csv") if not any(part.startswith(".") for part in p.relative_to(path).parts))
    if path.is_file():
        return [path]
    raise DataFileError(f"{path}: no such corrections file or folder")


def read_corrections(path: str | Path) -> pd.DataFrame:
    """Read a corrections file, or every ``.csv`` under a folder, checked row by row.

    Returns all rows in file order with a ``source`` column (``file:line``); see
    :func:`latest_corrections` for one row per pair. A last line without its line end is
    ignored with an :class:`EdmStanceWarning`.

    Raises
    ------
    DataFileError
        Naming the file and line: a missing column, an unknown label, a strength that does
        not fit its label, mentions outside the text; or a folder without corrections.
    """
    path = Path(path)
    files = _files(path)
    tables = [_read_file(file) for file in files]
    tables = [t for t in tables if not t.empty]
    if not tables:
        raise DataFileError(f"{path}: holds no corrections" + ("" if files else " (no .csv file)"))
    return pd.concat(tables, ignore_index=True)


def _read_file(path: Path) -> pd.DataFrame:
    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read as a UTF-8 corrections file ({exc})") from exc
    if raw and not raw.endswith("\n"):
        warnings.warn(f"{path}: the last line is incomplete (a save was interrupted) and is ignored",
                      EdmStanceWarning, stacklevel=3)
        raw = raw[: raw.rfind("\n") + 1]
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    if not rows:
        return pd.DataFrame(columns=[*CORRECTION_COLUMNS, "source"])
    header, body = rows[0], rows[1:]
    missing = [c for c in CORRECTION_COLUMNS if c not in header]
    if missing:
        raise DataFileError(f"{path}: not a corrections file: it lacks the column(s) {', '.join(missing)}")
    records = []
    for number, values in enumerate(body, 2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise DataFileError(f"{path}:{number}: has {len(values)} fields, the header {len(header)}")
        record = dict(zip(header, values))
        where = f"{path}:{number}"
        for column in KEYS:
            if not record[column].strip():
                raise DataFileError(f"{where}: has no {column}")
        try:
            record["paragraph"] = int(record["paragraph"])
            if record["paragraph"] < 1:
                raise ValueError
        except ValueError:
            raise DataFileError(f"{where}: paragraph must be a whole number from 1; got {record['paragraph']!r}") from None
        record["strength"] = check_correction(record["label"], record["strength"], where)
        record["mentions"] = _mentions_json(record["mentions"], record["text"], where)
        for column in ("model_score", "model_confidence"):
            record[column] = pd.to_numeric(record[column], errors="coerce")
        record["source"] = where
        records.append(record)
    table = pd.DataFrame(records, columns=[*header, "source"]) if records else pd.DataFrame(columns=[*header, "source"])
    return table.astype({"paragraph": "int64", "strength": "float64"}) if records else table


def latest_corrections(corrections: pd.DataFrame) -> pd.DataFrame:
    """Keep each (article_id, paragraph, target)'s latest correction (by timestamp, then file order)."""
    ordered = corrections.assign(_order=range(len(corrections))).sort_values(["timestamp", "_order"], kind="stable")
    latest = ordered.drop_duplicates(KEYS, keep="last").sort_values("_order").drop(columns="_order")
    return latest.reset_index(drop=True)


def split_holdout(corrections: pd.DataFrame, fraction: float, *, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split corrections into (refit, held out) by paragraph: a paragraph's targets stay together.

    A paragraph is held out when a hash of ``seed`` and its (article_id, paragraph) falls
    below ``fraction``: the split is the same on every run and a paragraph stays on its side
    as corrections are added.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}.")

    def held(row) -> bool:
        digest = hashlib.sha256(f"{seed}:{row.article_id}:{row.paragraph}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < fraction

    mask = [held(row) for row in corrections.itertuples()] if len(corrections) else []
    mask = pd.Series(mask, index=corrections.index, dtype=bool)
    return corrections[~mask].reset_index(drop=True), corrections[mask].reset_index(drop=True)


def correction_inputs(corrections: pd.DataFrame) -> list[StanceInput]:
    """What the model reads for each correction: the paragraph, the mentions, the target's name, the sentences."""
    return [StanceInput(row.text, tuple(tuple(span) for span in json.loads(row.mentions)), row.target_label,
                        tuple((s.start, s.end) for s in split_sentences(row.text)))
            for row in corrections.itertuples()]


def correction_examples(corrections: pd.DataFrame) -> list[PairExample]:
    """Corrections as training examples (source ``correction``), grouped by article."""
    return [PairExample(input=item, label=LABELS.index(row.label), group=row.article_id,
                        strength=None if pd.isna(row.strength) else float(row.strength),
                        key=(row.article_id, int(row.paragraph), row.target), source="correction")
            for item, row in zip(correction_inputs(corrections), corrections.itertuples())]
