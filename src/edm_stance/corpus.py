"""Collect articles from files, folders (recursively) and URLs, with a manifest of what was read.

A file named on the command line must be a readable article: a bad one stops the run with
:class:`ArticleReadError`. Inside a folder, a bad file is skipped and recorded in the
manifest with the reason, so that one broken page does not stop a run over an archive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

import pandas as pd

from .article import Article, read_article
from .errors import ArticleReadError, EdmStanceError

if TYPE_CHECKING:
    from .fetch import PageFetcher

__all__ = ["ARTICLE_SUFFIXES", "Corpus", "ManifestEntry", "collect_paths", "is_url", "read_articles", "read_corpus"]

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
MANIFEST_COLUMNS = ["path", "article_id", "status", "reason"]


@dataclass(frozen=True)
class ManifestEntry:
    """One input: ``status`` is ``read`` or ``skipped`` (later ``scored`` or ``cached``), with the reason."""

    path: str
    article_id: str | None
    status: str
    reason: str = ""


@dataclass
class Corpus:
    """The articles read, in input order, and the manifest of every input seen."""

    articles: list[Article] = field(default_factory=list)
    manifest: list[ManifestEntry] = field(default_factory=list)

    @property
    def skipped(self) -> list[ManifestEntry]:
        return [entry for entry in self.manifest if entry.status == "skipped"]

    def manifest_frame(self, status: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Return the manifest as a table with columns path, article_id, status, reason.

        ``status`` (article id -> ``cached`` or ``scored``, from a run) replaces ``read``.
        """
        table = pd.DataFrame([asdict(entry) for entry in self.manifest], columns=MANIFEST_COLUMNS)
        if status:
            table["status"] = [status.get(article_id, current) if current == "read" else current
                               for article_id, current in zip(table["article_id"], table["status"])]
        return table


def is_url(path: str | Path) -> bool:
    """Tell whether a command-line path is an http(s) URL."""
    return str(path).startswith(("http://", "https://"))


def _folder_files(folder: Path) -> tuple[list[Path], list[ManifestEntry]]:
    """Return the article files under ``folder`` (recursive, sorted) and the other files, as skipped."""
    files, others = [], []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            others.append(ManifestEntry(str(path), None, "skipped", "hidden file or folder"))
        elif path.suffix.lower() not in ARTICLE_SUFFIXES:
            others.append(ManifestEntry(str(path), None, "skipped", f"not an article file ({', '.join(ARTICLE_SUFFIXES)})"))
        else:
            files.append(path)
    return files, others


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into their article files (recursive, sorted); keep files as given, in order.

    Raises :class:`ArticleReadError` for a path that does not exist or a folder with no
    article files.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found, _ = _folder_files(path)
            if not found:
                raise ArticleReadError(f"{path}: the folder holds no article files ({', '.join(ARTICLE_SUFFIXES)})")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise ArticleReadError(f"{path}: no such file or folder")
    return files


def read_corpus(
    paths: Iterable[str | Path], *, encoding: str | None = None, fetcher: "PageFetcher | None" = None
) -> Corpus:
    """Read every article under ``paths``: files, folders (recursive) and, with a ``fetcher``, URLs.

    Parameters
    ----------
    paths : iterable of str or Path
        Article files (``.txt`` or saved ``.html`` pages), folders of them, or URLs.
    encoding : str, optional
        Read text files with this encoding instead of detecting it.
    fetcher : PageFetcher, optional
        Downloads URLs (see :mod:`edm_stance.fetch`); without it a URL is an error.

    Returns
    -------
    Corpus
        Articles in input order (folders sorted) and the manifest of all inputs.

    Raises
    ------
    ArticleReadError
        For a named file that is missing or unreadable, a URL without a fetcher, a folder
        without article files, or two named files with the same article id.
    """
    corpus = Corpus()
    seen: dict[str, str] = {}

    def add(source: str, read, named: bool) -> None:
        try:
            article = read()
            if article.article_id in seen:
                raise ArticleReadError(
                    f"{source}: article id {article.article_id!r} is also used by {seen[article.article_id]}; rename one file"
                )
        except EdmStanceError as exc:
            if named:
                raise
            corpus.manifest.append(ManifestEntry(source, None, "skipped", str(exc).removeprefix(f"{source}: ")))
            return
        seen[article.article_id] = source
        corpus.articles.append(article)
        corpus.manifest.append(ManifestEntry(source, article.article_id, "read"))

    for path in paths:
        if is_url(path):
            if fetcher is None:
                raise ArticleReadError(f"{path}: is a URL; pass --fetch to download it")
            url = str(path)
            add(url, lambda: read_article(fetcher.fetch(url), fetcher.article_id(url), encoding=encoding), named=False)
            continue
        path = Path(path)
        if path.is_dir():
            found, others = _folder_files(path)
            if not found:
                raise ArticleReadError(f"{path}: the folder holds no article files ({', '.join(ARTICLE_SUFFIXES)})")
            for file in found:
                add(str(file), lambda file=file: read_article(file, encoding=encoding), named=False)
            corpus.manifest.extend(others)
        elif path.exists():
            add(str(path), lambda: read_article(path, encoding=encoding), named=True)
        else:
            raise ArticleReadError(f"{path}: no such file or folder")
    return corpus


def read_articles(paths: Iterable[str | Path], *, encoding: str | None = None) -> list[Article]:
    """Read every article under ``paths`` (see :func:`read_corpus`); article ids must be unique."""
    return read_corpus(paths, encoding=encoding).articles
