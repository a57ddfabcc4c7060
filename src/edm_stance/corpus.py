"""Collect article files from paths given by the user and read them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .article import Article, read_article
from .errors import ArticleReadError

__all__ = ["ARTICLE_SUFFIXES", "collect_paths", "read_articles"]

ARTICLE_SUFFIXES = (".txt",)


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into their article files (sorted); keep files as given, in order.

    Raises :class:`ArticleReadError` for a path that does not exist or a folder with no
    article files.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
            if not found:
                raise ArticleReadError(f"{path}: the folder holds no article files ({', '.join(ARTICLE_SUFFIXES)})")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise ArticleReadError(f"{path}: no such file or folder")
    return files


def read_articles(paths: Iterable[str | Path], *, encoding: str | None = None) -> list[Article]:
    """Read every article under ``paths``; article ids must be unique."""
    articles = [read_article(path, encoding=encoding) for path in collect_paths(paths)]
    seen: dict[str, str | None] = {}
    for article in articles:
        if article.article_id in seen:
            raise ArticleReadError(
                f"{article.path}: article id {article.article_id!r} is also used by {seen[article.article_id]}; rename one file"
            )
        seen[article.article_id] = article.path
    return articles
