"""Fault cases, families "targets", "models", "evaluate" and "report".

Targets whose matches start in the space between sentences, reserved names; model paths that
are missing, files or damaged; gold and prediction files with duplicates or non-numbers;
report folders that cannot be written; a 300-paragraph article's heat map.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from edm_stance.article import parse_article
from edm_stance.model import default_adapter_dir
from edm_stance.scoring.tsc import TSCScorer
from edm_stance.targets import load_targets

from .conftest import GOLD, ROOT, SEED
from .faultkit import assert_one_line_error, files_in, run_cli, write_article

BETWEEN = "Title: Invented\n\nTalks in Almaty ended. Kazakhstan said nothing. Later, Russia spoke. Kazakhstan agreed.\n"


@pytest.fixture
def spaced_targets(tmp_path):
    """A target whose alias starts with a space, and one whose pattern does: both match between sentences."""
    path = tmp_path / "targets.yaml"
    path.write_text('kazakhstan:\n  aliases: [" Kazakhstan"]\nastana:\n  patterns: ["\\\\sKazakhstan\\\\b"]\n',
                    encoding="utf-8")
    return path


# --- targets --------------------------------------------------------------------------------------

def test_alias_starting_with_a_space_lexicon(tmp_path, capsys, spaced_targets):
    article = write_article(tmp_path / "a.txt", BETWEEN.split("\n\n", 1)[1])
    out = tmp_path / "out.csv"
    code, _, err = run_cli(["score", article, "--scorer", "lexicon", "--targets", spaced_targets, "-o", out], capsys)
    assert code == 0, err
    rows = pd.read_csv(out).set_index("target")
    assert rows.loc["kazakhstan", "n_mentions"] == 2 and rows.loc["astana", "n_mentions"] == 2
    assert rows.loc["kazakhstan", "evidence"] in {"Kazakhstan said nothing.", "Kazakhstan agreed."}


def test_alias_starting_with_a_space_tsc(spaced_targets, monkeypatch):
    seen = []

    def fake_model(self, items):  # the aggregation is what failed; the model itself is not the point
        seen.extend(item.mention for item in items)
        return np.tile(np.array([[0.7, 0.2, 0.1]], dtype=np.float32), (len(items), 1))

    monkeypatch.setattr(TSCScorer, "mention_probabilities", fake_model)
    table = TSCScorer().score([parse_article(BETWEEN, "a")], load_targets(spaced_targets).select(["kazakhstan", "astana"]))
    assert table["label"].tolist() == ["critical", "critical"]
    assert seen == ["Kazakhstan"] * 4  # the mention is the name, without the space


def test_alias_starting_with_a_space_nli(nli_scorer, spaced_targets):
    table = nli_scorer.score([parse_article(BETWEEN, "a")], load_targets(spaced_targets).select(["kazakhstan"]))
    assert table["label"].iloc[0] in {"critical", "neutral", "favorable"}
    assert table["evidence"].iloc[0] in {"Kazakhstan said nothing.", "Kazakhstan agreed."}


def test_pattern_matching_between_sentences_does_not_stop_a_folder_run(tmp_path, capsys, spaced_targets):
    folder = tmp_path / "archive"
    for n in range(3):
        write_article(folder / f"a{n}.txt", BETWEEN.split("\n\n", 1)[1])
    code, out, err = run_cli(["score", folder, "--scorer", "lexicon", "--targets", spaced_targets,
                              "-o", tmp_path / "out.csv"], capsys)
    assert code == 0, err
    assert "3 article(s) scored" in out


@pytest.mark.parametrize("pattern", ["\\\\s+", "(?:)"])
def test_patterns_that_match_only_space_or_nothing(tmp_path, capsys, pattern):
    path = tmp_path / "targets.yaml"
    path.write_text(f'odd:\n  patterns: ["{pattern}"]\n', encoding="utf-8")
    code, _, err = run_cli(["score", SEED, "--scorer", "lexicon", "--targets", path, "--target", "odd",
                            "-o", tmp_path / "out.csv"], capsys)
    assert code == 0, err
    assert set(pd.read_csv(tmp_path / "out.csv")["label"]) == {"absent"}


def test_target_named_all_is_reserved(tmp_path, capsys):
    path = tmp_path / "targets.yaml"
    path.write_text("all:\n  aliases: [Everyone]\n", encoding="utf-8")
    code, _, err = run_cli(["score", SEED, "--scorer", "lexicon", "--targets", path, "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, path, "target name 'all' is reserved")


@pytest.mark.parametrize(("content", "problem"), [
    (None, "cannot be read as UTF-8 text"),  # a folder
    ("", "must map target names to definitions"),
    ("china:\n  aliases: [China]\n  colour: red\n", "unknown key(s) 'colour'"),
    ("china:\n  aliases: [China, 5]\n", "'aliases' must be a list of non-empty strings"),
    ("china:\n  patterns: ['(unclosed']\n", "bad regular expression"),
    ("China:\n  aliases: [China]\n", "target name 'China' must be lowercase"),
])
def test_broken_targets_files(tmp_path, capsys, content, problem):
    path = tmp_path / "targets.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content, encoding="utf-8")
    code, _, err = run_cli(["score", SEED, "--scorer", "lexicon", "--targets", path, "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, path, problem)
    assert not (tmp_path / "o.csv").exists()


# --- models ---------------------------------------------------------------------------------------

def _adapter_copy(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(default_adapter_dir(), folder)
    return folder


def test_model_path_that_does_not_exist(tmp_path, capsys, isolated_cache):
    code, out, err = run_cli(["score", SEED, "--model", tmp_path / "no-model", "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "no-model", "no such model folder")
    assert out == "" and files_in(isolated_cache) == set()


def test_model_path_that_is_a_file(tmp_path, capsys):
    (tmp_path / "model.bin").write_bytes(b"weights?")
    code, _, err = run_cli(["score", SEED, "--model", tmp_path / "model.bin", "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "model.bin", "is a file, not a model folder")


def test_paragraph_model_folder_without_its_config(tmp_path, capsys):
    (tmp_path / "empty-model").mkdir()
    code, _, err = run_cli(["score", SEED, "--model", tmp_path / "empty-model", "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, tmp_path / "empty-model", "not a paragraph stance model (no stance_config.json)")
    assert not (tmp_path / "o.csv").exists()


def test_model_folder_without_an_adapter(tmp_path, capsys):
    (tmp_path / "empty-model").mkdir()
    code, _, err = run_cli(["score", SEED, "--scorer", "tsc", "--model", tmp_path / "empty-model", "-o", tmp_path / "o.csv"],
                           capsys)
    assert_one_line_error(code, err, tmp_path / "empty-model", "no trained stance adapter here")
    assert not (tmp_path / "o.csv").exists()


def test_model_with_a_damaged_config(tmp_path, capsys):
    folder = _adapter_copy(tmp_path)
    (folder / "stance_config.json").write_text("{ not json", encoding="utf-8")
    code, _, err = run_cli(["score", SEED, "--scorer", "tsc", "--model", folder, "-o", tmp_path / "o.csv", "--no-cache"],
                           capsys)
    assert_one_line_error(code, err, folder / "stance_config.json", "not a readable stance config")


@pytest.mark.slow
def test_model_with_a_damaged_head(tmp_path, capsys):
    if not any(default_adapter_dir().glob("*.safetensors")):
        pytest.skip("the tsc adapter is not in this checkout")
    folder = _adapter_copy(tmp_path)
    (folder / "head.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    code, _, err = run_cli(["score", SEED, "--scorer", "tsc", "--model", folder, "-o", tmp_path / "o.csv", "--no-cache"],
                           capsys)
    assert_one_line_error(code, err, folder / "head.safetensors", "the stance head could not be loaded")


def test_nli_without_a_model(tmp_path, capsys):
    code, _, err = run_cli(["score", SEED, "--scorer", "nli", "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, "the nli scorer needs a model")


def test_nli_with_a_missing_model_folder(tmp_path, capsys):
    code, _, err = run_cli(["score", SEED, "--scorer", "nli", "--model", tmp_path / "nli", "-o", tmp_path / "o.csv"],
                           capsys)
    assert_one_line_error(code, err, tmp_path / "nli", "no such model folder")
    assert not (tmp_path / "o.csv").exists()


# --- evaluate -------------------------------------------------------------------------------------

def _tables(tmp_path, gold_rows: str, pred_rows: str):
    gold = tmp_path / "gold.csv"
    gold.write_text("article_id,paragraph,target,label,strength\n" + gold_rows, encoding="utf-8")
    pred = tmp_path / "pred.csv"
    pred.write_text("article_id,paragraph,target,label,score\n" + pred_rows, encoding="utf-8")
    return gold, pred


@pytest.mark.parametrize(("gold_rows", "pred_rows", "bad", "problem"), [
    ("a,1,russia,critical,-2\n", "a,1,russia,critical,-0.5\na,1,russia,favorable,0.5\n", "pred",
     "2 rows repeat an (article_id, paragraph, target), e.g. ('a', 1, 'russia') on line 2"),
    ("a,1,russia,critical,-2\na,1,russia,critical,-2\n", "a,1,russia,critical,-0.5\n", "gold", "2 rows repeat"),
    ("a,1,russia,critical,strong\n", "a,1,russia,critical,-0.5\n", "gold", "strength must be a number; line 2 has 'strong'"),
    ("a,1,russia,critical,-2\n", "a,1,russia,critical,high\n", "pred", "score must be a number; line 2 has 'high'"),
    ("a,one,russia,critical,-2\n", "a,1,russia,critical,-0.5\n", "gold",
     "paragraph must be a whole number from 1; line 2 has 'one'"),
    ("a,1,russia,critical,-2\n", "a,1.5,russia,critical,-0.5\n", "pred", "paragraph must be a whole number from 1"),
    ("a,0,russia,critical,-2\n", "a,1,russia,critical,-0.5\n", "gold", "paragraph must be a whole number from 1"),
    ("a,1,all,critical,-2\n", "a,1,all,critical,-0.5\n", "gold", "target name 'all' (line 2) is reserved"),
    ("", "a,1,russia,critical,-0.5\n", "gold", "the gold file has no rows"),
    (",1,russia,critical,-2\n", "a,1,russia,critical,-0.5\n", "gold", "line 2 has no article_id"),
])
def test_bad_gold_and_prediction_tables(tmp_path, capsys, gold_rows, pred_rows, bad, problem):
    gold, pred = _tables(tmp_path, gold_rows, pred_rows)
    code, out, err = run_cli(["evaluate", "--gold", gold, "--pred", pred], capsys)
    assert_one_line_error(code, err, gold if bad == "gold" else pred, problem)
    assert out == ""


def test_article_ids_that_look_like_numbers_still_match(tmp_path, capsys):
    gold, pred = _tables(tmp_path, "007,1,russia,critical,-2\n007,2,russia,favorable,1\n",
                         "007,1,russia,critical,-0.5\n7,2,russia,favorable,0.4\n")
    code, out, err = run_cli(["evaluate", "--gold", gold, "--pred", pred], capsys)
    assert code == 0, err
    assert "1 gold row(s) had no prediction" in out  # '7' is not '007'


@pytest.mark.parametrize("kind", ["folder", "cp1252", "parquet"])
def test_unreadable_gold_files(tmp_path, capsys, kind):
    gold = tmp_path / ("gold.parquet" if kind == "parquet" else "gold.csv")
    if kind == "folder":
        gold.mkdir()
    elif kind == "cp1252":
        gold.write_bytes("article_id,paragraph,target,label\nédition,1,russia,critical\n".encode("cp1252"))
    else:
        gold.write_bytes(b"PAR1 broken")
    code, _, err = run_cli(["evaluate", "--gold", gold, "--pred", GOLD], capsys)
    # a folder given as --gold is read as a corrections folder (notebook 05's), which needs a .csv in it
    problem = {"folder": "holds no corrections (no .csv file)", "cp1252": "not a readable CSV gold file",
               "parquet": "not a readable Parquet gold file"}[kind]
    assert_one_line_error(code, err, gold, problem)


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "holds no NewsMTSC records"),
    (b'{"sentence_normalized": "Russia won.", "primary_gid": "x", "targets": [{"from": 5, "to": 99, "polarity": 2}]}\n',
     ":1: not a NewsMTSC record (the target span 5:99 lies outside the sentence)"),
    ("{\"sentence_normalized\": \"Russie gagne\u00e9\"}".encode("cp1252"), "cannot be read as UTF-8 text"),
])
def test_bad_newsmtsc_files(tmp_path, capsys, content, problem):
    path = tmp_path / "split.jsonl"
    path.write_bytes(content)
    code, _, err = run_cli(["evaluate", "--newsmtsc", path, "--scorer", "lexicon"], capsys)
    assert_one_line_error(code, err, path, problem)


# --- report ---------------------------------------------------------------------------------------

def _report(capsys, *argv):
    return run_cli(["report", *argv, "--notebooks", ROOT / "notebooks"], capsys)


def test_report_output_that_is_an_existing_file(tmp_path, capsys):
    (tmp_path / "report").write_text("an old file")
    code, _, err = _report(capsys, SEED, "-o", tmp_path / "report")
    assert_one_line_error(code, err, tmp_path / "report", "exists and is not a folder")
    assert (tmp_path / "report").read_text() == "an old file"


def test_report_output_in_a_read_only_folder(tmp_path, capsys, read_only):
    folder = read_only(tmp_path / "locked")
    code, _, err = _report(capsys, SEED, "-o", folder / "report")
    assert_one_line_error(code, err, folder / "report", "the report folder cannot be created (Permission denied)")


def test_report_with_an_unknown_scorer_fails_before_any_notebook(tmp_path, capsys):
    code, _, err = _report(capsys, SEED, "-o", tmp_path / "report", "--scorer", "nil")
    assert_one_line_error(code, err, "No scorer named 'nil'. Available scorers: lexicon, nli, paragraph, tsc.")
    assert not (tmp_path / "report").exists()


def test_report_on_a_table_instead_of_an_article(tmp_path, capsys):
    code, _, err = _report(capsys, GOLD, "-o", tmp_path / "report")
    assert_one_line_error(code, err, GOLD, "is a table (CSV), not an article")
    assert not (tmp_path / "report").exists()


def test_long_article_heat_map_stays_readable():
    """300 paragraphs: the probe got a blank map (white cell borders covered the cells) and piled-up tick labels."""
    import matplotlib

    matplotlib.use("Agg")
    from edm_stance import plots

    rng = np.random.default_rng(0)
    rows = []
    for paragraph in range(1, 301):
        for target in ("russia", "west", "ngos"):
            present = rng.random() < 0.6
            score = float(rng.uniform(-1, 1)) if present else np.nan
            label = ("favorable" if score > 0 else "critical") if present else "absent"
            rows.append(("a", paragraph, target, label, score, 0.7 if present else np.nan, int(present), ""))
    table = pd.DataFrame(rows, columns=["article_id", "paragraph", "target", "label", "score", "confidence",
                                        "n_mentions", "evidence"])
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = plots.stance_heatmap(table)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    ax = figure.axes[0]
    lo, hi = ax.get_xlim()
    ticks = [label for label, tick in zip(ax.get_xticklabels(), ax.get_xticks()) if lo <= tick <= hi]
    assert 5 <= len(ticks) <= 13
    boxes = [label.get_window_extent() for label in ticks]
    assert all(left.x1 < right.x0 for left, right in zip(boxes, boxes[1:]))  # no overlapping labels
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    box = ax.get_window_extent()
    height = pixels.shape[0]
    cells = pixels[int(height - box.y1) + 2 : int(height - box.y0) - 2, int(box.x0) + 2 : int(box.x1) - 2]
    white = (cells > 245).all(axis=-1).mean()
    assert white < 0.2  # the cells show: most pixels carry stance colour or the grey of absent
