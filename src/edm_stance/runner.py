"""Score a corpus in chunks of articles: cached, resumable, in this process, local processes or on Dask.

:func:`score_corpus` scores stance (one row per paragraph and target); :func:`score_frames`
scores issue frames (one row per paragraph); both run the same way.

Articles whose results are cached are read back; the others are scored in chunks of
``chunk_size`` articles (each chunk is one ``scorer.score`` call, so a model batches the
(sentence, target) pairs of all its articles), and each chunk's results are cached as soon
as it is done. A run that is stopped resumes from the last finished chunk. The table is
assembled in input order at the end, so it is the same whatever the engine and whatever
was cached.

Engines:

- ``local``: chunks one after another in this process.
- ``processes``: ``workers`` local processes (``concurrent.futures``), each loading the model once.
  Workers ignore Ctrl-C and exit on their own when the main process dies (even by SIGKILL);
  when the run stops for any reason they are terminated at once, not waited for.
- ``dask``: a Dask cluster (``scheduler`` address, or a local cluster of ``workers``
  processes when no address is given); each worker process builds the scorer, and so loads
  the model, once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import pandas as pd

from .article import Article
from .cache import FrameCache, ResultCache
from .errors import EngineError
from .frames import FrameScorer, frame_share_table
from .scoring.base import COLUMNS, Scorer
from .targets import Targets

__all__ = ["ENGINES", "METADATA_COLUMNS", "TABLE_COLUMNS", "CorpusScores", "frame_table_columns", "score_chunk",
           "score_corpus", "score_frames"]

ENGINES = ("local", "processes", "dask")
METADATA_COLUMNS = ["title", "author", "date", "volume", "issue", "source"]
TABLE_COLUMNS = COLUMNS + METADATA_COLUMNS
DASK_INSTALL = "pip install 'dask[distributed]==2026.8.0'"
SCHEDULER_TIMEOUT = "20s"

# One scorer per settings in each worker process, so a model is loaded once per worker.
_WORKER_SCORERS: dict[str, Scorer] = {}
_WORKER_LOCK = threading.Lock()


@dataclass
class CorpusScores:
    """The result of :func:`score_corpus`: the table and, per article id, ``cached`` or ``scored``."""

    table: pd.DataFrame
    status: dict[str, str] = field(default_factory=dict)

    @property
    def n_cached(self) -> int:
        return sum(1 for value in self.status.values() if value == "cached")

    @property
    def n_scored(self) -> int:
        return sum(1 for value in self.status.values() if value == "scored")


def _scorer_key(scorer: Scorer) -> str:
    identity = scorer.identity() if hasattr(scorer, "identity") else {"object": id(scorer)}
    return json.dumps(identity, sort_keys=True, default=str)


def _score(scorer, targets: Targets | None, articles: list[Article]) -> pd.DataFrame:
    """A stance scorer's ``score(articles, targets)``, or a frame scorer's ``score(articles)`` (no targets)."""
    return scorer.score(articles) if targets is None else scorer.score(articles, targets)


def score_chunk(scorer: Scorer | FrameScorer, targets: Targets | None, articles: Sequence[Article]) -> list[pd.DataFrame]:
    """Score one chunk of articles with this process's copy of ``scorer``; one table per article.

    ``targets`` is None for a :class:`~edm_stance.frames.FrameScorer`. The first chunk a
    process sees builds its scorer; later chunks with the same settings reuse it, so a model
    is loaded once per worker process. Chunks in one process are scored one at a time (the
    model already uses every core).
    """
    with _WORKER_LOCK:
        worker_scorer = _WORKER_SCORERS.setdefault(_scorer_key(scorer), scorer)
        table = _score(worker_scorer, targets, list(articles))
    return _split(table, articles)


def _watch_parent(parent: int, interval: float = 0.5) -> None:
    """Exit this worker as soon as the process that started it is gone (killed, even by SIGKILL)."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def _init_worker(threads: int, parent: int) -> None:
    """Set up a worker process: its share of the cores, no Ctrl-C of its own, and a watch on its parent.

    Ctrl-C reaches every process of the terminal's group; the main process handles it and
    terminates the workers, so they ignore it instead of each printing a traceback.
    """
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # read by torch when it is imported
        os.environ[name] = str(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="edm-stance-parent-watch").start()


def _chunks(items: Sequence[Article], size: int) -> list[list[Article]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _split(table: pd.DataFrame, articles: Sequence[Article]) -> list[pd.DataFrame]:
    return [table[table["article_id"] == article.article_id].reset_index(drop=True) for article in articles]


def _run_local(scorer, targets, chunks) -> Iterator[tuple[list[Article], list[pd.DataFrame]]]:
    for chunk in chunks:
        yield chunk, _split(_score(scorer, targets, chunk), chunk)


def _run_processes(scorer, targets, chunks, workers) -> Iterator[tuple[list[Article], list[pd.DataFrame]]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads, os.getpid()))
    finished = False
    try:
        futures = {pool.submit(score_chunk, scorer, targets, chunk): chunk for chunk in chunks}
        for future in as_completed(futures):
            yield futures[future], future.result()
        finished = True
    except BrokenProcessPool as exc:
        raise EngineError(f"a worker process died ({exc}); it may have run out of memory. The chunks that finished "
                          "are cached: run again, with fewer --workers or a smaller --chunk-size") from exc
    finally:
        if not finished:  # stopped (Ctrl-C, an error, the caller gone): do not wait for running chunks
            # ProcessPoolExecutor has no public way to stop running workers before Python 3.14
            for process in list((pool._processes or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_client(scheduler: str | None, workers: int):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EngineError(f"the dask engine needs Dask's distributed scheduler: {DASK_INSTALL}") from None
    if scheduler is None:
        # silence_logs: a stopped run (Ctrl-C, SIGTERM) should end with one line, not a page of worker warnings
        return Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR))
    try:
        return Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise EngineError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from exc


def _run_dask(scorer, targets, chunks, scheduler, workers) -> Iterator[tuple[list[Article], list[pd.DataFrame]]]:
    from distributed import as_completed

    client = _dask_client(scheduler, workers)
    try:
        scorer_future, targets_future = client.scatter([scorer, targets], broadcast=True)
        futures = [client.submit(score_chunk, scorer_future, targets_future, chunk, pure=False) for chunk in chunks]
        owner = {future.key: chunk for future, chunk in zip(futures, chunks)}
        for future, tables in as_completed(futures, with_results=True):
            yield owner[future.key], tables
    finally:
        cluster = client.cluster if scheduler is None else None
        client.close()
        if cluster is not None:
            cluster.close()


def _with_metadata(article: Article, rows: pd.DataFrame) -> pd.DataFrame:
    metadata = article.metadata()
    return rows.assign(**{column: metadata[column] for column in METADATA_COLUMNS})


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    """Give the table the same column order and types whether rows came from the cache or a scorer."""
    table = table.reindex(columns=TABLE_COLUMNS).reset_index(drop=True)
    types = {"paragraph": "int64", "n_mentions": "int64", "score": "float64", "confidence": "float64",
             "score_low": "float64", "score_high": "float64", "volume": "Int64", "issue": "Int64"}
    types.update({column: "str" for column in ("article_id", "target", "label", "evidence")})
    return table.astype(types)


def score_corpus(
    articles: Sequence[Article],
    scorer: Scorer,
    targets: Targets,
    *,
    cache: ResultCache | None = None,
    chunk_size: int = 32,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    show_progress_bar: bool | None = None,
) -> CorpusScores:
    """Score every article, reading cached results and caching new ones chunk by chunk.

    Parameters
    ----------
    articles : sequence of Article
        Article ids must be unique.
    scorer : Scorer
    targets : Targets
    cache : ResultCache, optional
        Where results are read from and written to; None scores everything.
    chunk_size : int
        Articles per ``scorer.score`` call (and per cache write).
    engine : {"local", "processes", "dask"}
    workers : int
        Processes for ``processes``, or for the local Dask cluster when ``scheduler`` is None.
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    show_progress_bar : bool, optional
        Show a tqdm bar; None shows it only on a terminal.

    Returns
    -------
    CorpusScores
        ``table``: one row per paragraph and target, columns :data:`TABLE_COLUMNS`, in
        input order; ``status``: ``cached`` or ``scored`` per article id.

    Examples
    --------
    >>> result = score_corpus(articles, get_scorer("lexicon"), load_targets())  # doctest: +SKIP
    >>> result.table.groupby("target")["score"].mean()  # doctest: +SKIP
    """
    results, status = _run(articles, scorer, targets, cache, chunk_size, engine, workers, scheduler, show_progress_bar)
    frames = [_with_metadata(article, results[article.article_id]) for article in articles]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TABLE_COLUMNS)
    return CorpusScores(_tidy(table), status)


def frame_table_columns(frame_names: Sequence[str]) -> list[str]:
    """Columns of :func:`score_frames`'s table for these frames."""
    return ["article_id", "paragraph", "frame", "share", "runner_up", "runner_up_share",
            *(f"share_{name}" for name in frame_names), *METADATA_COLUMNS]


def score_frames(
    articles: Sequence[Article],
    scorer: FrameScorer,
    *,
    cache: FrameCache | None = None,
    chunk_size: int = 32,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    show_progress_bar: bool | None = None,
) -> CorpusScores:
    """Score every article's issue frames, cached and chunked like :func:`score_corpus`.

    Parameters
    ----------
    articles : sequence of Article
        Article ids must be unique.
    scorer : FrameScorer
    cache : FrameCache, optional
        Where the frame shares are read from and written to; None scores everything.
    chunk_size, engine, workers, scheduler, show_progress_bar
        As for :func:`score_corpus`.

    Returns
    -------
    CorpusScores
        ``table``: one row per paragraph, columns :func:`frame_table_columns` (the dominant
        frame and its share, the runner-up and its share, every frame's share, the article's
        metadata), in input order; ``status``: ``cached`` or ``scored`` per article id.

    Examples
    --------
    >>> result = score_frames(articles, FrameScorer())  # doctest: +SKIP
    >>> result.table["frame"].value_counts()  # doctest: +SKIP
    """
    results, status = _run(articles, scorer, None, cache, chunk_size, engine, workers, scheduler, show_progress_bar)
    columns = frame_table_columns(list(scorer.frame_set))
    long = [results[article.article_id] for article in articles]
    if long:
        wide = frame_share_table(pd.concat(long, ignore_index=True))
    else:
        wide = pd.DataFrame(columns=columns[: -len(METADATA_COLUMNS)])
    metadata = pd.DataFrame([article.metadata() for article in articles], columns=["article_id", *METADATA_COLUMNS])
    table = wide.merge(metadata, on="article_id", how="left").reindex(columns=columns)
    types = {"paragraph": "int64", "volume": "Int64", "issue": "Int64", "article_id": "str", "frame": "str",
             **{column: "float64" for column in columns if column.endswith("share") or column.startswith("share_")}}
    return CorpusScores(table.astype(types), status)


def _run(articles: Sequence[Article], scorer, targets: Targets | None, cache, chunk_size: int, engine: str, workers: int,
         scheduler: str | None, show_progress_bar: bool | None) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read what is cached, score the rest chunk by chunk on ``engine``; return rows and status by article id."""
    from tqdm.auto import tqdm

    if engine not in ENGINES:
        raise EngineError(f"No engine named {engine!r}. Available engines: {', '.join(ENGINES)}.")
    if chunk_size < 1 or workers < 1:
        raise ValueError(f"chunk_size and workers must be positive integers, got {chunk_size} and {workers}.")
    if scheduler is not None and engine != "dask":
        raise EngineError(f"a scheduler address is for the dask engine, not {engine!r}; add --engine dask")
    results: dict[str, pd.DataFrame] = cache.get_many(articles) if cache is not None else {}
    status = {article_id: "cached" for article_id in results}
    todo = [article for article in articles if article.article_id not in results]
    chunks = _chunks(todo, chunk_size)
    if engine == "local" or not chunks:
        runs = _run_local(scorer, targets, chunks)
    elif engine == "processes":
        runs = _run_processes(scorer, targets, chunks, workers)
    else:
        runs = _run_dask(scorer, targets, chunks, scheduler, workers)
    disable = None if show_progress_bar is None else not show_progress_bar
    with contextlib.closing(runs), tqdm(total=len(articles), initial=len(results), unit="article", desc="scoring",
                                        disable=disable) as progress:
        for chunk, tables in runs:
            for article, rows in zip(chunk, tables, strict=True):
                if cache is not None:
                    cache.put(article, rows)
                results[article.article_id] = rows
                status[article.article_id] = "scored"
            progress.update(len(chunk))
    return results, status
