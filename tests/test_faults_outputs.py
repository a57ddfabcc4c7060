"""Fault cases, families "outputs" and "cache": where results go, checked before any work, and never lost.

The probe lost whole runs at the very end (a traceback after all the scoring). Now every
output path is checked before an article is read, a cache that cannot be written costs a
warning and not the table, and a broken cache entry is scored again.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from edm_stance.cache import ResultCache
from edm_stance.scoring import get_scorer

from .conftest import SEED, write_shuffled_articles
from .faultkit import assert_one_line_error, files_in, leftovers, run_cli


def score(argv, capsys):
    return run_cli(["score", str(SEED), "--scorer", "lexicon", *argv], capsys)


def nothing_scored(cache: Path) -> bool:
    return not list(cache.rglob("*.parquet"))


# --- outputs: refused before any work -------------------------------------------------------------

def test_output_path_that_is_a_folder(tmp_path, capsys, isolated_cache):
    (tmp_path / "out.csv").mkdir()
    code, out, err = score(["-o", tmp_path / "out.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "out.csv", "is a folder")
    assert out == "" and nothing_scored(isolated_cache)


def test_output_in_a_read_only_folder(tmp_path, capsys, isolated_cache, read_only):
    folder = read_only(tmp_path / "locked")
    code, out, err = score(["-o", folder / "out.csv"], capsys)
    assert_one_line_error(code, err, folder / "out.csv", f"cannot write in the folder {folder} (Permission denied)")
    assert out == "" and nothing_scored(isolated_cache)


def test_output_in_a_missing_folder_is_refused_before_scoring(tmp_path, capsys, isolated_cache):
    code, _, err = score(["-o", tmp_path / "missing" / "out.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "missing" / "out.csv", "does not exist")
    assert nothing_scored(isolated_cache)


@pytest.mark.parametrize("name", ["out.xlsx", "out"])
def test_unknown_output_format_is_refused_before_scoring(tmp_path, capsys, isolated_cache, name):
    code, _, err = score(["-o", tmp_path / name], capsys)
    assert_one_line_error(code, err, tmp_path / name, "unknown output format", ".csv, .parquet")
    assert nothing_scored(isolated_cache)


def test_output_under_a_file(tmp_path, capsys, isolated_cache):
    (tmp_path / "notes.txt").write_text("x")
    code, _, err = score(["-o", tmp_path / "notes.txt" / "out.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "notes.txt" / "out.csv", "is not a folder")
    assert nothing_scored(isolated_cache)


def test_manifest_path_taken_by_a_folder(tmp_path, capsys, isolated_cache):
    (tmp_path / "out.csv.manifest.csv").mkdir()
    code, _, err = score(["-o", tmp_path / "out.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "out.csv.manifest.csv", "is a folder",
                          f"the manifest of {tmp_path / 'out.csv'} goes there")
    assert nothing_scored(isolated_cache) and not (tmp_path / "out.csv").exists()


def test_csv_and_parquet_outputs_have_their_own_manifests(tmp_path, capsys):
    for name in ("r.csv", "r.parquet"):
        code, _, err = score(["-o", tmp_path / name], capsys)
        assert code == 0, err
    assert files_in(tmp_path) == {"r.csv", "r.parquet", "r.csv.manifest.csv", "r.parquet.manifest.csv"}


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_output_files_follow_the_umask(tmp_path, capsys, isolated_cache, umask, mode):
    from edm_stance import highlight

    old = os.umask(umask)
    try:
        code, _, err = score(["-o", tmp_path / "out.parquet"], capsys)
        page = highlight.HighlightedText("<p>x</p>").save(tmp_path / "page.html")
    finally:
        os.umask(old)
    assert code == 0, err
    written = [tmp_path / "out.parquet", tmp_path / "out.parquet.manifest.csv", page,
               *isolated_cache.rglob("*.parquet")]
    assert len(written) == 4
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in written} == {oct(mode)}


def test_disk_full_when_writing_the_table(tmp_path, capsys, monkeypatch, isolated_cache):
    def full(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    code, _, err = score(["-o", tmp_path / "out.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "out.csv", "cannot be written (No space left on device)",
                          "the scores are cached, so a rerun only writes the table")
    assert files_in(tmp_path) == set() and not leftovers(tmp_path)
    assert len(list(isolated_cache.rglob("*.parquet"))) == 1  # the results are not lost


# --- cache: a warning, never a lost table ---------------------------------------------------------

def _cache_warning(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("edm-stance: warning: "), err
    return lines[0]


def test_cache_path_that_is_a_file(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EDM_STANCE_CACHE", str(blocker))
    code, _, err = score(["-o", tmp_path / "out.csv"], capsys)
    assert code == 0
    warning = _cache_warning(err)
    assert f"the cache folder {blocker} cannot be created" in warning and "results will not be cached" in warning
    assert len(pd.read_csv(tmp_path / "out.csv")) == 24


def test_cache_dir_option_that_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    code, _, err = score(["-o", tmp_path / "out.csv", "--cache-dir", blocker], capsys)
    assert code == 0 and "results will not be cached" in _cache_warning(err)
    assert len(pd.read_csv(tmp_path / "out.csv")) == 24


def test_read_only_cache_folder(tmp_path, capsys, monkeypatch, read_only):
    cache = read_only(tmp_path / "cache")
    monkeypatch.setenv("EDM_STANCE_CACHE", str(cache))
    code, _, err = score(["-o", tmp_path / "out.csv"], capsys)
    assert code == 0
    assert "results will not be cached" in _cache_warning(err)
    assert len(pd.read_csv(tmp_path / "out.csv")) == 24


def test_cache_that_fills_up_during_the_run_warns_once(tmp_path, capsys, monkeypatch, isolated_cache):
    write_shuffled_articles(tmp_path / "articles", 4)
    written = []
    to_parquet = pd.DataFrame.to_parquet

    def filling(self, path, *args, **kwargs):
        if "results" in str(path):
            written.append(path)
            if len(written) > 1:
                raise OSError(errno.ENOSPC, "No space left on device")
        return to_parquet(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", filling)
    code, out, err = run_cli(["score", tmp_path / "articles", "--scorer", "lexicon", "-o", tmp_path / "out.csv",
                              "--chunk-size", "1"], capsys)
    assert code == 0
    assert "results can no longer be cached (No space left on device)" in _cache_warning(err)
    assert pd.read_csv(tmp_path / "out.csv")["article_id"].nunique() == 4
    assert len(written) == 2 and not leftovers(isolated_cache)


def _seed_entry(cache_dir: Path, seed_article, default_targets) -> tuple[ResultCache, Path]:
    cache = ResultCache(cache_dir, scorer_identity=get_scorer("lexicon").identity(), targets=default_targets)
    return cache, cache.path(seed_article)


@pytest.mark.parametrize("damage", ["garbage", "empty", "other-columns", "another-article"])
def test_broken_cache_entries_are_scored_again(tmp_path, capsys, isolated_cache, seed_article, default_targets, damage):
    code, _, err = score(["-o", tmp_path / "first.csv"], capsys)
    assert code == 0, err
    cache, entry = _seed_entry(isolated_cache, seed_article, default_targets)
    if damage == "garbage":
        entry.write_bytes(b"PAR1 not really parquet")
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "other-columns":
        pd.DataFrame({"something": [1, 2]}).to_parquet(entry)
    else:  # the probe: a cache entry that holds another article's rows
        other = tmp_path / "other.txt"
        other.write_text("Title: Another\n\nRussia and NATO met. The West spoke.\n", encoding="utf-8")
        code, _, err = run_cli(["score", other, "--scorer", "lexicon", "-o", tmp_path / "other.csv"], capsys)
        assert code == 0, err
        from edm_stance.article import read_article

        entry.write_bytes(cache.path(read_article(other)).read_bytes())
    code, out, err = score(["-o", tmp_path / "again.csv"], capsys)
    assert code == 0
    assert "are scored again" in _cache_warning(err) and str(entry) in err
    assert "1 article(s) scored, 0 read from the cache" in out
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "again.csv"), pd.read_csv(tmp_path / "first.csv"))
    assert len(pd.read_parquet(entry)) == 24  # and repaired


def test_fetch_with_a_cache_that_cannot_hold_pages(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EDM_STANCE_CACHE", str(blocker))
    code, _, err = run_cli(["score", "--fetch", "https://jamestown.org/program/x/", "--scorer", "lexicon"], capsys)
    line = assert_one_line_error(code, err.splitlines()[-1] + "\n", blocker / "pages", "cannot hold the downloaded pages")
    assert "pass --cache-dir DIR" in line
