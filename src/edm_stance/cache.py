"""A results cache, so that rerunning on the same articles recomputes nothing.

Each article's rows are stored in their own Parquet file, keyed by the SHA-256 of the
article's text and by the settings that decide the result: the scorer's
``identity()`` (its name, settings and, for trained models, the adapter's file digest,
computed without loading the model), the targets' definitions, the presence machinery (its
rule version and, with the entity step, the spaCy model), and this package's version
(:class:`ResultCache`); for issue frames, the frame scorer's ``identity()`` (method, frame
definitions, the frame model's file digest) and this package's version (:class:`FrameCache`).
Files are written to a temporary name and renamed, so a run stopped at any moment leaves
only complete entries, and the next run scores only what is missing. The cache never costs a
result: an entry that is broken or does not match its article is ignored (and scored again),
and a cache that cannot be written is reported once with an :class:`EdmStanceWarning` and
then left alone.

The folder is ``$EDM_STANCE_CACHE`` when set, else ``$XDG_CACHE_HOME/edm-stance`` (by
default ``~/.cache/edm-stance``)::

    edm-stance/
    ├── results/<settings key>/settings.json       what the key stands for
    ├── results/<settings key>/<ab>/<sha256>.parquet   one article's rows
    └── pages/<article id>.html                    pages downloaded with --fetch
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from .article import Article
from .errors import EdmStanceWarning
from .frames import FRAME_COLUMNS
from .output import atomic_write, check_writable_folder
from .presence import presence_identity
from .scoring.base import COLUMNS, LABELS
from .targets import Targets

__all__ = ["CACHE_ENV", "ArticleCache", "FrameCache", "ResultCache", "default_cache_dir", "text_digest"]

CACHE_ENV = "EDM_STANCE_CACHE"
CACHE_FORMAT = 4  # 3: score_low/score_high columns; 4: the paragraph band is the stance's standard deviation
_DIGEST = "text_sha256"


def default_cache_dir() -> Path:
    """Return the cache folder: ``$EDM_STANCE_CACHE``, else ``$XDG_CACHE_HOME/edm-stance`` or ``~/.cache/edm-stance``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "edm-stance"


def text_digest(text: str) -> str:
    """Return the SHA-256 hex digest of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # an unreadable cache folder: nothing cached that we can use
        return False


def _write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        write(tmp)


class ArticleCache:
    """Per-article rows of one computation, keyed by the article's text and ``settings``.

    Subclasses say which rows are a complete result for an article (:meth:`_matches`).

    Parameters
    ----------
    directory : str or Path, optional
        The cache folder; default :func:`default_cache_dir`.
    settings : dict
        Everything that decides the rows (JSON-serialisable); with the package version and
        the cache format, it makes the key.
    columns : sequence of str
        The rows' columns, ``article_id`` first.
    """

    def __init__(self, directory: str | Path | None = None, *, settings: dict[str, Any], columns: Sequence[str]):
        from . import __version__

        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.settings = {"format": CACHE_FORMAT, "edm_stance": __version__, **settings}
        encoded = json.dumps(self.settings, sort_keys=True, default=str)
        self.key = hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:24]
        self.folder = self.directory / "results" / self.key
        self.writable = True
        self._columns = list(columns)
        self._row_columns = [column for column in columns if column != "article_id"]

    def _warn(self, message: str) -> None:
        warnings.warn(message, EdmStanceWarning, stacklevel=3)

    def check_writable(self) -> str | None:
        """Return why results cannot be cached in this folder, or None when they can.

        Creates the folder if needed and writes a test file; when that fails, later
        :meth:`put` calls store nothing.
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = f"the cache folder {self.directory} cannot be created ({exc.strerror or exc})"
        else:
            problem = check_writable_folder(self.folder)
        if problem:
            self.writable = False
        return problem

    def _matches(self, article: Article, rows: pd.DataFrame) -> bool:
        """Tell whether cached rows are a complete result for ``article``."""
        raise NotImplementedError

    def _read(self, paths: list[Path]) -> tuple[pd.DataFrame, set[Path]]:
        """Read cache files as one pyarrow dataset; file by file, skipping broken ones, when that fails.

        Returns the rows and the broken files (already reported with a warning).
        """
        import pyarrow.dataset as ds

        try:
            return ds.dataset([str(path) for path in paths], format="parquet").to_table().to_pandas(), set()
        except (OSError, ValueError):
            pass
        parts, broken = [], []
        for path in paths:
            try:
                parts.append(pd.read_parquet(path))
            except (OSError, ValueError):
                broken.append(path)
        if broken:
            self._warn(f"{broken[0]}: {len(broken)} broken cache file(s) ignored; those articles are scored again")
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*self._row_columns, _DIGEST])
        return table, set(broken)

    def path(self, article: Article) -> Path:
        """Return the file that holds (or will hold) ``article``'s rows."""
        digest = text_digest(article.text)
        return self.folder / digest[:2] / f"{digest}.parquet"

    def get(self, article: Article) -> pd.DataFrame | None:
        """Return ``article``'s cached rows, or None when not cached."""
        return self.get_many([article]).get(article.article_id)

    def get_many(self, articles: Sequence[Article]) -> dict[str, pd.DataFrame]:
        """Return the cached rows of those ``articles`` that are cached, by article id.

        The files are read together as one pyarrow dataset (in parallel), which is what
        makes a cached rerun over thousands of articles fast.
        """
        wanted = [(article, self.path(article)) for article in articles]
        wanted = [(article, path) for article, path in wanted if _is_file(path)]
        if not wanted:
            return {}
        table, broken = self._read([path for _, path in wanted])
        missing = [column for column in [*self._row_columns, _DIGEST] if column not in table.columns]
        by_digest = {} if missing else dict(tuple(table.groupby(_DIGEST, sort=False)))
        rows, mismatched = {}, []
        for article, path in wanted:
            part = by_digest.get(text_digest(article.text))
            if part is None or not self._matches(article, part):
                if path not in broken:
                    mismatched.append(path)
                continue
            part = part.drop(columns=_DIGEST).reset_index(drop=True)
            part.insert(0, "article_id", article.article_id)
            rows[article.article_id] = part[self._columns]
        if mismatched:
            self._warn(f"{mismatched[0]}: {len(mismatched)} cache entr(y/ies) do not match their article and are "
                       "ignored; those articles are scored again")
        return rows

    def put(self, article: Article, rows: pd.DataFrame) -> None:
        """Store ``article``'s rows, atomically.

        When the cache cannot be written (read-only, full), warn once and store nothing more:
        the run goes on and its table is written as usual.
        """
        if not self.writable:
            return
        try:
            if not self.folder.joinpath("settings.json").exists():
                text = json.dumps(self.settings, sort_keys=True, indent=2, default=str)
                _write_atomic(self.folder / "settings.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
            table = rows[self._row_columns].reset_index(drop=True).assign(**{_DIGEST: text_digest(article.text)})
            _write_atomic(self.path(article), lambda tmp: table.to_parquet(tmp, index=False))
        except OSError as exc:
            self.writable = False
            self._warn(f"{self.directory}: results can no longer be cached ({exc.strerror or exc}); "
                       "the run goes on without the cache")


class ResultCache(ArticleCache):
    """Per-article stance results (columns :data:`COLUMNS`) of one scorer with one set of targets.

    Parameters
    ----------
    directory : str or Path, optional
        The cache folder; default :func:`default_cache_dir`.
    scorer_identity : dict
        ``scorer.identity()``: the model and its settings.
    targets : Targets
        The targets scored; their definitions are part of the key.

    Examples
    --------
    >>> cache = ResultCache(scorer_identity=scorer.identity(), targets=targets)  # doctest: +SKIP
    >>> cache.get(article) is None  # not scored yet  # doctest: +SKIP
    True
    """

    def __init__(self, directory: str | Path | None = None, *, scorer_identity: dict[str, Any], targets: Targets):
        settings = {"scorer": scorer_identity, "targets": [dataclasses.asdict(target) for target in targets.values()],
                    "presence": presence_identity(entities=targets.entities)}
        super().__init__(directory, settings=settings, columns=COLUMNS)
        self._target_names = frozenset(targets)

    def _matches(self, article: Article, rows: pd.DataFrame) -> bool:
        """Tell whether cached rows are exactly one per paragraph and target of ``article``."""
        n_paragraphs = len(article.paragraphs)
        try:
            return bool(
                len(rows) == n_paragraphs * len(self._target_names)
                and rows["paragraph"].between(1, n_paragraphs).all()
                and rows["target"].isin(self._target_names).all()
                and rows["label"].isin(LABELS).all()
                and not rows.duplicated(["paragraph", "target"]).any()
            )
        except (TypeError, ValueError):  # a column of the wrong type
            return False


class FrameCache(ArticleCache):
    """Per-article frame shares (columns :data:`edm_stance.frames.FRAME_COLUMNS`) of one frame scorer.

    Parameters
    ----------
    directory : str or Path, optional
        The cache folder; default :func:`default_cache_dir`.
    scorer_identity : dict
        ``FrameScorer.identity()``: the method, the frame definitions and the model's revision.
    """

    def __init__(self, directory: str | Path | None = None, *, scorer_identity: dict[str, Any]):
        super().__init__(directory, settings={"frame_scorer": scorer_identity}, columns=FRAME_COLUMNS)
        self._frame_names = frozenset(frame["name"] for frame in scorer_identity["frames"])

    def _matches(self, article: Article, rows: pd.DataFrame) -> bool:
        """Tell whether cached rows are exactly one per paragraph and frame of ``article``, with shares."""
        n_paragraphs = len(article.paragraphs)
        try:
            return bool(
                len(rows) == n_paragraphs * len(self._frame_names)
                and rows["paragraph"].between(1, n_paragraphs).all()
                and rows["frame"].isin(self._frame_names).all()
                and rows["share"].between(0, 1).all()
                and not rows.duplicated(["paragraph", "frame"]).any()
            )
        except (TypeError, ValueError):  # a column of the wrong type
            return False
