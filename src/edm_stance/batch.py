"""What the ``score`` and ``frames`` commands share: inputs, engines, outputs, cache and manifest.

Both read files, folders and URLs the same way (:func:`edm_stance.corpus.read_corpus`),
check everything that can be checked before any article is read (the engine, the output
table and its manifest, the cache folder), run on the same engines (:mod:`edm_stance.runner`)
and write the table and its manifest atomically. Only the scorer and the table differ.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import ArticleReadError, EdmStanceWarning, EngineError, OutputError

if TYPE_CHECKING:  # imported where used, so that building the parser (and --help) stays light
    import pandas as pd

    from .cache import ArticleCache
    from .corpus import Corpus
    from .runner import CorpusScores

__all__ = ["add_input_options", "add_run_options", "cache_dir", "check_outputs", "choose_engine", "open_cache",
           "positive_int", "print_table", "read_inputs", "write_outputs"]


def positive_int(value: str) -> int:
    """An argparse type: a positive integer, else a one-line usage error."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return number


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """Add the inputs (PATH...) and ``-o/--output``."""
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="article .txt files or saved jamestown.org .html pages (at most 10 MB each), folders "
                        "of them (searched recursively), or URLs with --fetch")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="write the table here, as CSV (.csv) or Parquet (.parquet), with a manifest of the "
                        "inputs next to it (OUT.manifest.csv); without it, print the table")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Add reading, fetching, caching and engine options."""
    parser.add_argument("--encoding", metavar="ENC", help="read articles with this encoding instead of detecting it")
    parser.add_argument("--fetch", action="store_true",
                        help="download the URLs among PATHs (one request per second, with retries) into the "
                        "cache's pages/ folder, then score them")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="results cache folder (default: $EDM_STANCE_CACHE, else ~/.cache/edm-stance)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write cached results")
    parser.add_argument("--chunk-size", type=positive_int, default=32, metavar="N",
                        help="articles scored together (one model batch stream, one cache write); default: 32")
    parser.add_argument("--workers", type=positive_int, default=1, metavar="N",
                        help="local worker processes (or Dask workers when --engine dask has no --scheduler)")
    parser.add_argument("--engine", choices=["local", "processes", "dask"], default=None,
                        help="where to score: this process (default), --workers local processes, or a Dask cluster")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")


def choose_engine(args: argparse.Namespace) -> str:
    """Return the engine: ``--engine``, else dask with ``--scheduler``, processes with ``--workers`` > 1, else local."""
    engine = args.engine or ("dask" if args.scheduler else "processes" if args.workers > 1 else "local")
    if engine == "local" and args.workers > 1:
        raise EngineError(f"--workers {args.workers} needs --engine processes or dask, not local")
    return engine


def check_outputs(args: argparse.Namespace) -> Path | None:
    """Check that the table (``-o``) and its manifest can be written; return the manifest's path (None without ``-o``)."""
    from .output import check_output_path, manifest_path

    if not args.output:
        return None
    manifest = manifest_path(check_output_path(args.output))
    try:
        check_output_path(manifest)
    except OutputError as exc:
        raise OutputError(f"{exc} (the manifest of {args.output} goes there)") from exc
    return manifest


def _fetch_folder(cache_dir: Path) -> Path:
    """Return the folder for pages downloaded with --fetch, checked to be writable before any download."""
    from .output import check_writable_folder

    folder = cache_dir / "pages"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot hold the downloaded pages ({exc.strerror or exc}); "
                          "pass --cache-dir DIR") from exc
    problem = check_writable_folder(folder)
    if problem:
        raise OutputError(f"{folder}: {problem}; downloaded pages are saved there, pass --cache-dir DIR")
    return folder


def cache_dir(args: argparse.Namespace) -> Path:
    """Return ``--cache-dir``, else the default cache folder."""
    from .cache import default_cache_dir

    return Path(args.cache_dir) if args.cache_dir else default_cache_dir()


def open_cache(args: argparse.Namespace, make: Callable[[Path], "ArticleCache"]) -> "ArticleCache | None":
    """Build the cache with ``make(cache_dir)`` (None with ``--no-cache``); warn once when it cannot be written."""
    if args.no_cache:
        return None
    cache = make(cache_dir(args))
    problem = cache.check_writable()
    if problem:
        warnings.warn(f"{problem}; results will not be cached (pass --cache-dir DIR or --no-cache)",
                      EdmStanceWarning, stacklevel=2)
    return cache


def read_inputs(args: argparse.Namespace) -> "Corpus":
    """Read the articles (downloading URLs with ``--fetch``); refuse a run that reads none."""
    from .corpus import read_corpus
    from .fetch import PageFetcher

    fetcher = PageFetcher(directory=_fetch_folder(cache_dir(args))) if args.fetch else None
    corpus = read_corpus(args.paths, encoding=args.encoding, fetcher=fetcher)
    if not corpus.articles:
        reasons = "; ".join(f"{entry.path}: {entry.reason}" for entry in corpus.skipped[:2])
        raise ArticleReadError(f"{', '.join(map(str, args.paths))}: no article could be read "
                               f"({len(corpus.skipped)} input(s) skipped: {reasons})")
    return corpus


def write_outputs(args: argparse.Namespace, result: "CorpusScores", corpus: "Corpus", manifest: Path,
                  cache: "ArticleCache | None", summary: str) -> None:
    """Write the table and its manifest (atomically), then print the summary and what was done."""
    from .output import write_table

    try:
        write_table(result.table, args.output)
        write_table(corpus.manifest_frame(result.status), manifest)
    except OutputError as exc:
        kept = cache is not None and cache.writable
        raise OutputError(f"{exc}; " + ("the scores are cached, so a rerun only writes the table" if kept
                                        else "fix that and run again")) from exc
    print(summary)
    print(f"{result.n_scored} article(s) scored, {result.n_cached} read from the cache, "
          f"{len(corpus.skipped)} file(s) skipped (see {manifest})")
    print(f"wrote {len(result.table)} rows to {args.output}")


def print_table(shown: "pd.DataFrame", corpus: "Corpus", summary: str) -> None:
    """Print a table (no ``-o``), the summary and the skipped inputs."""
    print(shown.to_string(index=False))
    print()
    print(summary)
    for entry in corpus.skipped:
        print(f"skipped {entry.path}: {entry.reason}")
