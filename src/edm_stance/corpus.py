"""Collect articles from files, folders (recursively) and URLs, with a manifest of what was read.

A file named on the command line must be a readable article: a bad one stops the run with
:class:`ArticleReadError`. Inside a folder, a bad file is skipped and recorded in the
manifest with the reason, so that one broken page does not stop a run over an archive; so
is everything else found there (other files, hidden ones, broken links, FIFOs, folders that
cannot be read), so that the manifest lists every input.

An article's id is its file name without the extension (for a URL, the last part of its
path). When several inputs share that name (a mirror's ``*/index.html``), each gets its id
from the folders above it instead, as few as make the ids distinct (``index`` itself is
dropped: ``program/some-slug/index.html`` is ``some-slug``), and the manifest says so.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping
from urllib.parse import urlparse

import pandas as pd

from .article import Article, read_article
from .errors import ArticleReadError, EdmStanceError

if TYPE_CHECKING:
    from .fetch import PageFetcher

__all__ = ["ARTICLE_SUFFIXES", "Corpus", "ManifestEntry", "collect_paths", "is_url", "read_articles", "read_corpus"]

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
MANIFEST_COLUMNS = ["path", "article_id", "status", "reason"]
_INDEX_NAMES = {"index", "default"}


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
        rows = [{key: _printable(value) if isinstance(value, str) else value for key, value in asdict(entry).items()}
                for entry in self.manifest]
        table = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
        if status:
            table["status"] = [status.get(article_id, current) if current == "read" else current
                               for article_id, current in zip(table["article_id"], table["status"])]
        return table


def is_url(path: str | Path) -> bool:
    """Tell whether a command-line path is an http(s) URL."""
    return str(path).startswith(("http://", "https://"))


def _printable(name: str) -> str:
    """Replace undecodable bytes of a file name (kept as surrogates by Python) so that it can be written as UTF-8."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _special_kind(path: Path) -> str | None:
    """Return why a folder entry that is not an article candidate is skipped, or None for a regular file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken symbolic link" if path.is_symlink() else "vanished while the folder was read"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kinds = {stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISSOCK: "a socket", stat.S_ISCHR: "a device",
             stat.S_ISBLK: "a device"}
    kind = next((name for test, name in kinds.items() if test(mode)), "a special file")
    return f"not a regular file ({kind})"


def _folder_files(folder: Path) -> tuple[list[Path], list[ManifestEntry]]:
    """Return the article files under ``folder`` (recursive, sorted) and every other entry, as skipped.

    Symbolic links to folders are listed, not followed (no loops); folders that cannot be
    read are listed with the reason.
    """
    files, others = [], []

    def unreadable(error: OSError) -> None:
        others.append(ManifestEntry(str(error.filename), None, "skipped",
                                    f"folder cannot be read ({error.strerror or error})"))

    for root, folders, names in os.walk(folder, onerror=unreadable):
        root_path = Path(root)
        for name in folders:
            if (root_path / name).is_symlink():
                others.append(ManifestEntry(str(root_path / name), None, "skipped", "link to a folder, not followed"))
        for name in names:
            path = root_path / name
            relative = path.relative_to(folder)
            special = _special_kind(path)
            if special:
                others.append(ManifestEntry(str(path), None, "skipped", special))
            elif any(part.startswith(".") for part in relative.parts):
                others.append(ManifestEntry(str(path), None, "skipped", "hidden file or folder"))
            elif path.suffix.lower() not in ARTICLE_SUFFIXES:
                others.append(ManifestEntry(str(path), None, "skipped",
                                            f"not an article file ({', '.join(ARTICLE_SUFFIXES)})"))
            else:
                files.append(path)
    others.sort(key=lambda entry: Path(entry.path))
    return sorted(files), others


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


@dataclass
class _Input:
    """One article to read: where from, whether the user named it, its name and the folders above it."""

    source: str
    path: Path | None
    url: str | None
    named: bool
    stem: str
    parents: tuple[str, ...]
    article_id: str = ""
    note: str = ""


def _assign_ids(inputs: list[_Input]) -> None:
    """Give each input a distinct article id: its name, or, where names clash, its name with its folders."""
    groups: dict[str, list[_Input]] = {}
    for item in inputs:
        groups.setdefault(item.stem, []).append(item)
    taken = {stem for stem, group in groups.items() if len(group) == 1}
    for stem, group in groups.items():
        if len(group) == 1:
            group[0].article_id = stem
            continue
        depth = max(len(item.parents) for item in group)
        for k in range(1, depth + 2):
            ids = [_joined(item, k) for item in group]
            if len(set(ids)) == len(ids) and not taken & set(ids):
                break
        seen: dict[str, int] = {}
        for item, article_id in zip(group, ids):
            seen[article_id] = seen.get(article_id, 0) + 1  # only when two inputs have the very same path
            item.article_id = article_id if seen[article_id] == 1 else f"{article_id}-{seen[article_id]}"
            item.note = f"article id from the folders above: the name {stem!r} is shared by {len(group)} inputs"
        taken.update(item.article_id for item in group)


def _joined(item: _Input, k: int) -> str:
    parts = list(item.parents[-k:]) if k <= len(item.parents) else list(item.parents)
    if item.stem.lower() not in _INDEX_NAMES or not parts:
        parts.append(item.stem)
    return "-".join(parts)


def _file_input(path: Path, named: bool) -> _Input:
    parents = tuple(part for part in path.absolute().parent.parts if part not in ("/", ""))
    return _Input(str(path), path, None, named, _printable(path.stem), tuple(map(_printable, parents)))


def _url_input(url: str, fetcher: "PageFetcher") -> _Input:
    parts = [part for part in urlparse(url).path.split("/") if part]
    return _Input(url, None, url, False, fetcher.article_id(url), (urlparse(url).netloc, *parts[:-1]))


def read_corpus(
    paths: Iterable[str | Path], *, encoding: str | None = None, fetcher: "PageFetcher | None" = None,
    show_progress_bar: bool | None = None,
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
    show_progress_bar : bool, optional
        Show a tqdm bar of the bytes read; None shows it only on a terminal.

    Returns
    -------
    Corpus
        Articles in input order (folders sorted) and the manifest of all inputs. An input
        listed twice is read once (the second is in the manifest as skipped).

    Raises
    ------
    ArticleReadError
        For a named file that is missing or unreadable, a URL without a fetcher, or a
        folder without article files.
    """
    from tqdm.auto import tqdm

    groups: list[tuple[list[_Input], list[ManifestEntry]]] = []
    for path in paths:
        if is_url(path):
            if fetcher is None:
                raise ArticleReadError(f"{path}: is a URL; pass --fetch to download it")
            groups.append(([_url_input(str(path), fetcher)], []))
            continue
        path = Path(path)
        if path.is_dir():
            found, others = _folder_files(path)
            if not found:
                raise ArticleReadError(f"{path}: the folder holds no article files ({', '.join(ARTICLE_SUFFIXES)})")
            groups.append(([_file_input(file, named=False) for file in found], others))
        elif path.exists() or path.is_symlink():
            groups.append(([_file_input(path, named=True)], []))
        else:
            raise ArticleReadError(f"{path}: no such file or folder")

    corpus = Corpus()
    first_seen: dict[str, str] = {}
    unique: list[_Input] = []
    duplicates: set[int] = set()
    for inputs, _ in groups:
        for item in inputs:
            key = item.url or os.path.realpath(item.path)
            if key in first_seen:
                duplicates.add(id(item))
            else:
                first_seen[key] = item.source
                unique.append(item)
    _assign_ids(unique)
    sizes = {id(item): _size(item.path) for item in unique}
    disable = None if show_progress_bar is None else not show_progress_bar
    with tqdm(total=sum(sizes.values()), unit="B", unit_scale=True, desc="reading", disable=disable) as progress:
        for inputs, others in groups:
            for item in inputs:
                if id(item) in duplicates:
                    key = item.url or os.path.realpath(item.path)
                    corpus.manifest.append(ManifestEntry(item.source, None, "skipped",
                                                         f"the same input as {first_seen[key]}, read once"))
                    continue
                _add(corpus, item, encoding, fetcher)
                progress.update(sizes[id(item)])
            corpus.manifest.extend(others)
    return corpus


def _size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None and path.is_file() else 0
    except OSError:
        return 0


def _add(corpus: Corpus, item: _Input, encoding: str | None, fetcher: "PageFetcher | None") -> None:
    try:
        if item.url is not None:
            article = read_article(fetcher.fetch(item.url), item.article_id, encoding=encoding)
        else:
            article = read_article(item.path, item.article_id, encoding=encoding)
    except EdmStanceError as exc:
        if item.named:
            raise
        corpus.manifest.append(ManifestEntry(item.source, None, "skipped", str(exc).removeprefix(f"{item.source}: ")))
        return
    corpus.articles.append(article)
    corpus.manifest.append(ManifestEntry(item.source, article.article_id, "read", item.note))


def read_articles(paths: Iterable[str | Path], *, encoding: str | None = None) -> list[Article]:
    """Read every article under ``paths`` (see :func:`read_corpus`); each gets a distinct article id."""
    return read_corpus(paths, encoding=encoding).articles
