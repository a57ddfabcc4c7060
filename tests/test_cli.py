"""Tests of the edm-stance command line: outputs, summaries and one-line errors (exit 2)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from edm_stance.cli import main

from .conftest import GOLD, SEED


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_score_writes_24_rows_and_evaluate_prints_metrics(tmp_path, capsys):
    out_csv = tmp_path / "out.csv"
    code, out, err = run(["score", str(SEED), "-o", str(out_csv), "--scorer", "lexicon"], capsys)
    assert code == 0, err
    assert "1 article(s), 8 paragraph(s), 24 rows" in out
    assert f"wrote 24 rows to {out_csv}" in out
    table = pd.read_csv(out_csv)
    assert len(table) == 24
    assert list(table.columns) == ["article_id", "paragraph", "target", "label", "score", "confidence", "score_low",
                                   "score_high", "n_mentions", "evidence", "title", "author", "date", "volume", "issue", "source"]
    assert table["volume"].unique().tolist() == [3] and table["issue"].unique().tolist() == [138]
    code, out, err = run(["evaluate", "--gold", str(GOLD), "--pred", str(out_csv)], capsys)
    assert code == 0, err
    lines = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert set(lines) == {"ngos", "russia", "west", "all"}
    assert "presence_f1" in out and "stance_macro_f1" in out and "strength_spearman" in out
    assert lines["all"][4] == "1.000"  # pooled presence F1


def test_score_folder_and_target_selection(tmp_path, capsys):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "b.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "a.txt").write_text("Title: Invented\n\nNATO and Russia met.", encoding="utf-8")
    (folder / "notes.md").write_text("not an article")
    out_csv = tmp_path / "out.csv"
    code, _, err = run(["score", str(folder), "-o", str(out_csv), "--scorer", "lexicon", "--target", "west"], capsys)
    assert code == 0, err
    table = pd.read_csv(out_csv)
    assert table["article_id"].unique().tolist() == ["a", "b"]
    assert table["target"].unique().tolist() == ["west"]
    assert len(table) == 1 + 8


def test_score_prints_table_without_output(capsys):
    code, out, _ = run(["score", str(SEED), "--scorer", "lexicon"], capsys)
    assert code == 0
    assert out.splitlines()[0].split() == ["article_id", "paragraph", "target", "label", "score", "confidence", "n_mentions", "evidence"]


def _bad_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    header = tmp_path / "header.txt"
    header.write_text("Publication: Eurasia Daily Monitor Volume: 3 Issue: 1\n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes("Title: X\n\nCafé ".encode("latin-1") + "Россия".encode("cp1251"))
    yaml_file = tmp_path / "broken.yaml"
    yaml_file.write_text("china: [unclosed")
    missing = tmp_path / "missing.txt"
    return [
        (["score", str(empty)], f"{empty}: the file is empty"),
        (["score", str(header)], f"{header}: the file has a header but no body paragraphs"),
        (["score", str(binary)], f"{binary}: this is a binary file, not article text"),
        (["score", str(missing)], f"{missing}: no such file or folder"),
        (["score", str(mixed)], f"{mixed}: the file is not UTF-8 and its 8-bit encoding cannot be told apart"),
        (["score", str(SEED), "--targets", str(yaml_file)], f"{yaml_file}: not valid YAML"),
        (["score", str(SEED), "--scorer", "nil"], "No scorer named 'nil'. Available scorers: lexicon"),
        (["score", str(SEED), "--target", "china"], "No target named 'china'. Available targets: russia, west, ngos."),
        (["score", str(SEED), "--scorer", "lexicon", "--batch-size", "8"],
         "The 'lexicon' scorer takes no option 'batch_size'. Its options: threshold."),
        (["score", str(SEED), "--encoding", "klingon"], f"{SEED}: cannot be decoded as klingon"),
        (["evaluate", "--gold", str(GOLD), "--pred", str(missing)], f"{missing}: no such prediction file"),
    ]


def test_bad_input_gives_one_line_and_exit_2_and_no_output(tmp_path, capsys):
    for argv, message in _bad_inputs(tmp_path):
        out_csv = tmp_path / "out.csv"
        code, _, err = run([*argv, "-o", str(out_csv)] if argv[0] == "score" else argv, capsys)
        assert code == 2, argv
        assert err.startswith(f"edm-stance: error: {message}"), (argv, err)
        assert len(err.strip().splitlines()) == 1, err
        assert not out_csv.exists()
        assert not list(tmp_path.glob(".out.csv.*"))


def test_failed_write_leaves_no_file(tmp_path, capsys, monkeypatch):
    out_csv = tmp_path / "out.csv"
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    code, _, err = run(["score", str(SEED), "-o", str(out_csv), "--scorer", "lexicon"], capsys)
    assert code == 130 and err.strip() == "edm-stance: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_console_script_help_and_exit_code(tmp_path):
    help_text = subprocess.run([sys.executable, "-m", "edm_stance.cli", "--help"], capture_output=True, text=True, check=True).stdout
    assert "Stance of each paragraph" in help_text and "score" in help_text and "evaluate" in help_text
    result = subprocess.run([sys.executable, "-m", "edm_stance.cli", "score", str(tmp_path / "x.txt")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == f"edm-stance: error: {tmp_path / 'x.txt'}: no such file or folder\n"
    assert "Traceback" not in result.stderr


def test_help_does_not_import_torch():
    code = "import sys; from edm_stance.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit: pass\nprint('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip().endswith("False")


@pytest.mark.parametrize("argv", [["evaluate"], ["evaluate", "--gold", str(GOLD)]])
def test_evaluate_needs_inputs(argv, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2 and err.startswith("edm-stance: error: evaluate needs")


def test_folder_to_parquet_then_cached_rerun(tmp_path, capsys):
    from .conftest import write_shuffled_articles

    write_shuffled_articles(tmp_path / "articles", 5)
    (tmp_path / "articles" / "empty.txt").write_text("")
    out = tmp_path / "results.parquet"
    code, first, err = run(["score", str(tmp_path / "articles"), "-o", str(out), "--scorer", "lexicon"], capsys)
    assert code == 0, err
    assert "5 article(s) scored, 0 read from the cache, 1 file(s) skipped" in first
    table = pd.read_parquet(out)
    assert table["article_id"].nunique() == 5 and table["issue"].tolist()[0] == 200
    code, second, err = run(["score", str(tmp_path / "articles"), "-o", str(out), "--scorer", "lexicon"], capsys)
    assert code == 0, err
    assert "0 article(s) scored, 5 read from the cache, 1 file(s) skipped" in second
    pd.testing.assert_frame_equal(pd.read_parquet(out), table)
    manifest = pd.read_csv(tmp_path / "results.parquet.manifest.csv", keep_default_na=False)
    assert manifest["status"].tolist() == ["skipped"] + ["cached"] * 5  # in path order
    assert manifest["reason"].tolist()[0] == "the file is empty"


def test_cached_tsc_run_loads_no_model(tmp_path, capsys, monkeypatch, default_targets, seed_article):
    from edm_stance.cache import ResultCache
    from edm_stance.model import default_adapter_dir
    from edm_stance.scoring import get_scorer, tsc

    if not any(default_adapter_dir().glob("*.safetensors")):
        pytest.skip("the tsc adapter is not in this checkout")
    cache = ResultCache(scorer_identity=get_scorer("tsc").identity(), targets=default_targets)
    stored = get_scorer("lexicon").score([seed_article], default_targets)  # rows from any scorer, stored as tsc's
    cache.put(seed_article, stored)
    monkeypatch.setattr(tsc, "load_stance_model", lambda *a, **k: pytest.fail("the model was loaded"))
    out = tmp_path / "out.parquet"
    code, stdout, err = run(["score", str(SEED), "--scorer", "tsc", "-o", str(out)], capsys)
    assert code == 0, err
    assert "0 article(s) scored, 1 read from the cache" in stdout
    assert pd.read_parquet(out)["label"].tolist() == stored["label"].tolist()
