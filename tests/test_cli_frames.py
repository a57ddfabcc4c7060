"""``edm-stance frames``: one row per paragraph, files and folders like ``score``, cache, manifest, one-line errors."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from edm_stance import frame_model
from edm_stance.cache import FrameCache
from edm_stance.cli import main
from edm_stance.corpus import read_corpus
from edm_stance.frame_model import FRAME_MODEL_ENV
from edm_stance.frames import FrameScorer, load_frames
from edm_stance.runner import frame_table_columns, score_frames

from .conftest import SEED, write_shuffled_articles

FRAMES = list(load_frames())
SHARES = [f"share_{frame}" for frame in FRAMES]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_seed_to_csv_one_row_per_paragraph(tmp_path, capsys, tiny_frame_model_dir):
    out = tmp_path / "frames.csv"
    code, stdout, err = run(["frames", str(SEED), "-o", str(out), "--model", str(tiny_frame_model_dir)], capsys)
    assert code == 0, err
    assert f"1 article(s), 8 paragraph(s), frames by the frame model {tiny_frame_model_dir}" in stdout
    assert "1 article(s) scored, 0 read from the cache, 0 file(s) skipped" in stdout
    assert f"wrote 8 rows to {out}" in stdout
    table = pd.read_csv(out)
    assert list(table.columns) == frame_table_columns(FRAMES)
    assert list(table.columns)[:6] == ["article_id", "paragraph", "frame", "share", "runner_up", "runner_up_share"]
    assert table["paragraph"].tolist() == list(range(1, 9)) and table["issue"].unique().tolist() == [138]
    shares = table[SHARES].to_numpy()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    ranked = np.sort(shares, axis=1)
    np.testing.assert_allclose(table["share"], ranked[:, -1])
    np.testing.assert_allclose(table["runner_up_share"], ranked[:, -2])
    assert table["frame"].tolist() == [FRAMES[i] for i in shares.argmax(axis=1)]
    assert (table["frame"] != table["runner_up"]).all()
    manifest = pd.read_csv(tmp_path / "frames.csv.manifest.csv", keep_default_na=False)
    assert manifest.to_dict("records") == [{"path": str(SEED), "article_id": "edm-v3-i138", "status": "scored",
                                            "reason": ""}]


def test_without_output_the_table_is_printed(capsys, tiny_frame_model_dir):
    code, stdout, err = run(["frames", str(SEED), "--model", str(tiny_frame_model_dir)], capsys)
    assert code == 0, err
    assert stdout.splitlines()[0].split() == ["article_id", "paragraph", "frame", "share", "runner_up", "runner_up_share"]
    assert len(stdout.splitlines()) == 1 + 8 + 1 + 2


def test_folder_to_parquet_then_cached_rerun(tmp_path, capsys, tiny_frame_model_dir, monkeypatch):
    folder = tmp_path / "articles"
    write_shuffled_articles(folder, 4)
    shutil.copy(SEED, folder)
    (folder / "empty.txt").write_text("")
    (folder / "notes.md").write_text("not an article")
    out = tmp_path / "frames.parquet"
    monkeypatch.setenv(FRAME_MODEL_ENV, str(tiny_frame_model_dir))  # the default model, as a user may set it
    code, first, err = run(["frames", str(folder), "-o", str(out)], capsys)
    assert code == 0, err
    assert "5 article(s) scored, 0 read from the cache, 2 file(s) skipped" in first
    table = pd.read_parquet(out)
    assert table["article_id"].unique().tolist() == ["edm-v3-i138", *(f"shuffled-{i:03d}" for i in range(4))]
    assert len(table) == sum(len(a.paragraphs) for a in read_corpus([folder]).articles)
    assert table["volume"].dtype == "Int64" and table["share"].dtype == "float64"
    monkeypatch.setattr(frame_model, "load_frame_model", lambda *a, **k: pytest.fail("the model was loaded"))
    code, second, err = run(["frames", str(folder), "-o", str(out)], capsys)
    assert code == 0, err
    assert "0 article(s) scored, 5 read from the cache, 2 file(s) skipped" in second
    pd.testing.assert_frame_equal(pd.read_parquet(out), table)
    manifest = pd.read_csv(tmp_path / "frames.parquet.manifest.csv", keep_default_na=False)
    assert sorted(manifest["status"]) == ["cached"] * 5 + ["skipped"] * 2


def test_the_cache_is_keyed_by_the_frames_and_the_model(tmp_path, tiny_frame_model_dir, seed_article):
    scorer = FrameScorer(model_name_or_path=str(tiny_frame_model_dir))
    cache = FrameCache(tmp_path, scorer_identity=scorer.identity())
    first = score_frames([seed_article], scorer, cache=cache)
    assert first.status == {"edm-v3-i138": "scored"} and len(list(cache.folder.rglob("*.parquet"))) == 1
    again = score_frames([seed_article], scorer, cache=cache)
    assert again.status == {"edm-v3-i138": "cached"}
    pd.testing.assert_frame_equal(again.table, first.table)
    retrained = tmp_path / "retrained"
    shutil.copytree(tiny_frame_model_dir, retrained)
    (retrained / "frame_config.json").write_text((retrained / "frame_config.json").read_text().replace(
        '"temperature": 1.5', '"temperature": 3.0'))
    other_model = FrameCache(tmp_path, scorer_identity=FrameScorer(model_name_or_path=str(retrained)).identity())
    similarity = FrameCache(tmp_path, scorer_identity=FrameScorer(method="similarity").identity())
    assert len({cache.key, other_model.key, similarity.key}) == 3
    assert other_model.get(seed_article) is None and similarity.get(seed_article) is None


def test_a_broken_cache_entry_is_scored_again(tmp_path, tiny_frame_model_dir, seed_article):
    scorer = FrameScorer(model_name_or_path=str(tiny_frame_model_dir))
    cache = FrameCache(tmp_path, scorer_identity=scorer.identity())
    expected = score_frames([seed_article], scorer, cache=cache).table
    rows = pd.read_parquet(cache.path(seed_article))
    rows.iloc[:-1].to_parquet(cache.path(seed_article))  # one row short
    with pytest.warns(UserWarning, match="do not match their article"):
        result = score_frames([seed_article], scorer, cache=cache)
    assert result.status == {"edm-v3-i138": "scored"}
    pd.testing.assert_frame_equal(result.table, expected)


def test_users_frames_file_uses_similarity(tmp_path, capsys):
    frames_file = tmp_path / "mine.yaml"
    frames_file.write_text("migration:\n  label: Migration\n  description: Migrant workers, remittances and jobs abroad.\n"
                           "military:\n  description: Troops, bases and weapons.\n", encoding="utf-8")
    out = tmp_path / "mine.csv"
    code, stdout, err = run(["frames", str(SEED), "--frames", str(frames_file), "-o", str(out)], capsys)
    assert code == 0, err
    assert "frames by zero-shot similarity" in stdout
    table = pd.read_csv(out)
    assert list(table.columns) == frame_table_columns(["migration", "military"])
    np.testing.assert_allclose(table[["share_migration", "share_military"]].sum(axis=1), 1.0, atol=1e-5)
    assert table.set_index("paragraph").loc[7, "frame"] == "migration"  # migrant workers and remittances


def test_processes_give_the_same_table(tmp_path, tiny_frame_model_dir):
    articles = read_corpus([SEED, *write_shuffled_articles(tmp_path, 3)]).articles
    scorer = FrameScorer(model_name_or_path=str(tiny_frame_model_dir))
    local = score_frames(articles, scorer, chunk_size=2).table
    pooled = score_frames(articles, scorer, chunk_size=2, engine="processes", workers=1).table
    pd.testing.assert_frame_equal(pooled, local)


def _bad_inputs(tmp_path, tiny_frame_model_dir):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("energy: {description: [\n")
    users = tmp_path / "users.yaml"
    users.write_text("ports: {description: Ports.}\nfarming: {description: Crops.}\n")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    model = ["--model", str(tiny_frame_model_dir)]
    return [
        ([str(tmp_path / "missing.txt"), *model], f"{tmp_path / 'missing.txt'}: no such file or folder"),
        ([str(empty), *model], f"{empty}: the file is empty"),
        ([str(SEED), "--frames", str(broken_yaml)], f"{broken_yaml}: not valid YAML"),
        ([str(SEED), "--frames", str(tmp_path / "nope.yaml")], f"{tmp_path / 'nope.yaml'}: no such frames file"),
        ([str(SEED), "--model", str(tmp_path / "nowhere")], f"{tmp_path / 'nowhere'}: no such frame model folder"),
        ([str(SEED), "--model", str(a_file)], f"{a_file}: is a file, not a frame model folder"),
        ([str(SEED), "--method", "similarity", *model], "method 'similarity' takes no model_name_or_path"),
        ([str(SEED), "--frames", str(users), *model],
         f"{tiny_frame_model_dir}: the frame model scores the frames economic, security_military"),
        ([str(SEED), "--workers", "2", "--engine", "local", *model], "--workers 2 needs --engine processes or dask"),
    ]


def test_bad_input_gives_one_line_and_exit_2_and_no_output(tmp_path, capsys, tiny_frame_model_dir):
    for argv, message in _bad_inputs(tmp_path, tiny_frame_model_dir):
        out = tmp_path / "out.csv"
        code, _, err = run(["frames", *argv, "-o", str(out)], capsys)
        assert code == 2, argv
        assert err.startswith(f"edm-stance: error: {message}"), (argv, err)
        assert len(err.strip().splitlines()) == 1, err
        assert not out.exists() and not list(tmp_path.glob(".out.csv.*"))


@pytest.mark.parametrize(("name", "problem"), [("out.txt", "unknown output format '.txt'"),
                                               ("missing/out.csv", "the folder"),
                                               ("", "is a folder")])
def test_bad_output_paths_are_refused_before_any_work(tmp_path, capsys, monkeypatch, name, problem):
    monkeypatch.setattr(FrameScorer, "predict_shares", lambda *a, **k: pytest.fail("scored before checking the output"))
    code, _, err = run(["frames", str(SEED), "--method", "similarity", "-o", str(tmp_path / name)], capsys)
    assert code == 2 and problem in err and len(err.strip().splitlines()) == 1


def test_a_missing_shipped_model_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(FRAME_MODEL_ENV, raising=False)
    monkeypatch.setattr(frame_model, "shipped_frame_model_dir", lambda: tmp_path / "frames_model")
    code, _, err = run(["frames", str(SEED)], capsys)
    assert code == 2
    assert err == (f"edm-stance: error: {tmp_path / 'frames_model'}: the trained frame model is missing (no "
                   f"frame_config.json); train it with 'python experiments/frames_cv.py --train-final "
                   f"{tmp_path / 'frames_model'}' (see README), or use the zero-shot frames: --method similarity "
                   "(FrameScorer(method='similarity'))\n")
