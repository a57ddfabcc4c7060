"""Scoring a corpus: the results cache, resuming after a stop or a kill, and the same table on every engine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from edm_stance.cache import ResultCache
from edm_stance.corpus import read_corpus
from edm_stance.errors import EngineError
from edm_stance.runner import TABLE_COLUMNS, score_corpus
from edm_stance.scoring import get_scorer
from edm_stance.scoring.lexicon import LexiconScorer
from edm_stance.targets import load_targets

from .conftest import ROOT, write_shuffled_articles


class CountingScorer(LexiconScorer):
    """The lexicon scorer, counting score_units calls and stopping (Ctrl-C) at call ``stop_at``."""

    name = "lexicon"

    def __init__(self, *, threshold: float = 0.05, stop_at: int = 0):
        super().__init__(threshold=threshold)
        self.calls = 0
        self._stop_at = stop_at

    def identity(self) -> dict:
        return {"scorer": "lexicon", "threshold": self.threshold}

    def score_units(self, units):
        self.calls += 1
        if self.calls == self._stop_at:
            raise KeyboardInterrupt
        return super().score_units(units)


@pytest.fixture(scope="module")
def articles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    write_shuffled_articles(folder, 7)
    return read_corpus([folder]).articles


def test_table_has_rows_and_metadata_in_input_order(articles, default_targets):
    table = score_corpus(articles, get_scorer("lexicon"), default_targets, chunk_size=3).table
    assert list(table.columns) == TABLE_COLUMNS
    assert table["article_id"].unique().tolist() == [f"shuffled-{i:03d}" for i in range(7)]
    assert len(table) == 3 * sum(len(a.paragraphs) for a in articles)
    first = table[table["article_id"] == "shuffled-001"].iloc[0]
    assert (first["volume"], first["issue"], first["date"], first["title"]) == (3, 201, "2006-02-02", "Shuffled test article 1")
    single = get_scorer("lexicon").score(articles[:1], default_targets)
    pd.testing.assert_frame_equal(table[table["article_id"] == "shuffled-000"].iloc[:, :10].reset_index(drop=True),
                                  single, check_dtype=False)


def test_rerun_reads_the_cache_and_scores_nothing(articles, default_targets, tmp_path):
    scorer = CountingScorer()
    cache = ResultCache(tmp_path, scorer_identity=scorer.identity(), targets=default_targets)
    first = score_corpus(articles, scorer, default_targets, cache=cache, chunk_size=3)
    assert scorer.calls == 3 and first.n_scored == 7
    assert len(list(cache.folder.rglob("*.parquet"))) == 7
    again = score_corpus(articles, scorer, default_targets, cache=cache, chunk_size=3)
    assert scorer.calls == 3 and again.n_cached == 7
    pd.testing.assert_frame_equal(first.table, again.table)
    other_targets = ResultCache(tmp_path, scorer_identity=scorer.identity(), targets=load_targets().select(["west"]))
    assert other_targets.key != cache.key and other_targets.get(articles[0]) is None


def test_interrupted_run_resumes_without_loss_or_duplicates(articles, default_targets, tmp_path):
    expected = score_corpus(articles, get_scorer("lexicon"), default_targets, chunk_size=2).table
    stopping = CountingScorer(stop_at=3)
    cache = ResultCache(tmp_path, scorer_identity=stopping.identity(), targets=default_targets)
    with pytest.raises(KeyboardInterrupt):
        score_corpus(articles, stopping, default_targets, cache=cache, chunk_size=2)
    assert len(list(cache.folder.rglob("*.parquet"))) == 4  # two finished chunks
    assert not list(cache.folder.rglob("*.tmp"))
    resumed = CountingScorer()
    result = score_corpus(articles, resumed, default_targets, cache=cache, chunk_size=2)
    assert (result.n_cached, result.n_scored, resumed.calls) == (4, 3, 2)
    pd.testing.assert_frame_equal(result.table, expected)


_SLOW_RUN = """
import sys, time
from edm_stance.cli import main
from edm_stance.scoring import register_scorer
from edm_stance.scoring.lexicon import LexiconScorer

@register_scorer("slow")
class SlowScorer(LexiconScorer):
    def score_units(self, units):
        time.sleep(float(sys.argv[1]))
        return super().score_units(units)

sys.exit(main(["score", sys.argv[2], "-o", sys.argv[3], "--scorer", "slow", "--chunk-size", "1"]))
"""


def test_killed_cli_run_then_rerun_equals_an_uninterrupted_run(tmp_path):
    folder = tmp_path / "articles"
    write_shuffled_articles(folder, 6, seed=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "EDM_STANCE_CACHE": str(tmp_path / "cache")}
    killed = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, "0.4", str(folder), str(tmp_path / "out.parquet")], env=env)
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "cache").rglob("*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    done = len(list((tmp_path / "cache").rglob("*.parquet")))
    assert 2 <= done < 6 and not (tmp_path / "out.parquet").exists()
    rerun = subprocess.run([sys.executable, "-c", _SLOW_RUN, "0", str(folder), str(tmp_path / "out.parquet")],
                           env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{6 - done} article(s) scored, {done} read from the cache" in rerun.stdout
    env["EDM_STANCE_CACHE"] = str(tmp_path / "fresh-cache")
    subprocess.run([sys.executable, "-c", _SLOW_RUN, "0", str(folder), str(tmp_path / "whole.parquet")], env=env, check=True,
                   capture_output=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out.parquet"), pd.read_parquet(tmp_path / "whole.parquet"))


def test_dask_gives_the_same_table_and_builds_the_scorer_once_per_worker(articles, default_targets, monkeypatch):
    from distributed import LocalCluster
    from vaderSentiment import vaderSentiment

    from edm_stance import runner

    built = []
    original = vaderSentiment.SentimentIntensityAnalyzer
    monkeypatch.setattr(vaderSentiment, "SentimentIntensityAnalyzer", lambda: built.append(1) or original())
    monkeypatch.setattr(runner, "_WORKER_SCORERS", {})
    local = score_corpus(articles, get_scorer("lexicon"), default_targets, chunk_size=2).table
    built.clear()
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        distributed = score_corpus(articles, get_scorer("lexicon"), default_targets, chunk_size=2, engine="dask",
                                   scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(distributed.table, local)
    assert len(built) == 1  # four chunks, one scorer (and one VADER lexicon) on the one worker
    assert len(runner._WORKER_SCORERS) == 1


def test_local_processes_give_the_same_table(articles, default_targets):
    local = score_corpus(articles, get_scorer("lexicon"), default_targets, chunk_size=2).table
    pooled = score_corpus(articles, get_scorer("lexicon"), default_targets, chunk_size=2, engine="processes", workers=2)
    pd.testing.assert_frame_equal(pooled.table, local)


def test_engine_errors(articles, default_targets, monkeypatch):
    from edm_stance import runner

    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", "1s")
    with pytest.raises(EngineError, match="No engine named 'spark'. Available engines: local, processes, dask."):
        score_corpus(articles, get_scorer("lexicon"), default_targets, engine="spark")
    with pytest.raises(EngineError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        score_corpus(articles, get_scorer("lexicon"), default_targets, engine="dask", scheduler="tcp://127.0.0.1:9")
