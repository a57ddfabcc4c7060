"""A results cache, so that rerunning on the same articles recomputes nothing.

Each article's rows are stored in their own Parquet file, keyed by the SHA-256 of the
article's text and by the settings that decide the result: the scorer's
``identity()`` (its name, settings and, for trained models, the adapter's file digest,
computed without loading the model), the targets' definitions, the presence machinery (its
rule version and, with the entity step, the spaCy model), and this package's version.
Files are written to a temporary name and renamed, so a run stopped at any moment leaves
only complete entries, and the next run scores only what is missing.

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
import tempfile
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from .article import Article
from .errors import EdmStanceError
from .presence import presence_identity
from .scoring.base import COLUMNS
from .targets import Targets

__all__ = ["CACHE_ENV", "ResultCache", "default_cache_dir", "text_digest"]

CACHE_ENV = "EDM_STANCE_CACHE"
CACHE_FORMAT = 2
_ROW_COLUMNS = [column for column in COLUMNS if column != "article_id"]
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


def _write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultCache:
    """Per-article results of one scorer with one set of targets.

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
        from . import __version__

        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.settings = {
            "format": CACHE_FORMAT,
            "edm_stance": __version__,
            "scorer": scorer_identity,
            "targets": [dataclasses.asdict(target) for target in targets.values()],
            "presence": presence_identity(entities=targets.entities),
        }
        encoded = json.dumps(self.settings, sort_keys=True, default=str)
        self.key = hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:24]
        self.folder = self.directory / "results" / self.key

    def path(self, article: Article) -> Path:
        """Return the file that holds (or will hold) ``article``'s rows."""
        digest = text_digest(article.text)
        return self.folder / digest[:2] / f"{digest}.parquet"

    def get(self, article: Article) -> pd.DataFrame | None:
        """Return ``article``'s cached rows (columns :data:`COLUMNS`), or None when not cached."""
        return self.get_many([article]).get(article.article_id)

    def get_many(self, articles: Sequence[Article]) -> dict[str, pd.DataFrame]:
        """Return the cached rows of those ``articles`` that are cached, by article id.

        The files are read together as one pyarrow dataset (in parallel), which is what
        makes a cached rerun over thousands of articles fast.
        """
        import pyarrow.dataset as ds

        wanted = [(article, self.path(article)) for article in articles]
        wanted = [(article, path) for article, path in wanted if path.exists()]
        if not wanted:
            return {}
        try:
            table = ds.dataset([str(path) for _, path in wanted], format="parquet").to_table().to_pandas()
        except (OSError, ValueError) as exc:
            raise EdmStanceError(f"{self.folder}: a broken cache file ({exc}); delete the folder and run again") from exc
        by_digest = dict(tuple(table.groupby(_DIGEST, sort=False)))
        rows = {}
        for article, _ in wanted:
            part = by_digest[text_digest(article.text)].drop(columns=_DIGEST).reset_index(drop=True)
            part.insert(0, "article_id", article.article_id)
            rows[article.article_id] = part[COLUMNS]
        return rows

    def put(self, article: Article, rows: pd.DataFrame) -> None:
        """Store ``article``'s rows (columns :data:`COLUMNS`), atomically."""
        if not self.folder.joinpath("settings.json").exists():
            text = json.dumps(self.settings, sort_keys=True, indent=2, default=str)
            _write_atomic(self.folder / "settings.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        table = rows[_ROW_COLUMNS].reset_index(drop=True).assign(**{_DIGEST: text_digest(article.text)})
        _write_atomic(self.path(article), lambda tmp: table.to_parquet(tmp, index=False))
