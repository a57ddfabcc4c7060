"""Corrections: saved line by line, read back, checked against the codebook, split for refits."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from edm_stance.cli import main
from edm_stance.corrections import (CORRECTION_COLUMNS, CorrectionLog, correction_examples, latest_corrections,
                                    read_corrections, split_holdout)
from edm_stance.errors import DataFileError, EdmStanceWarning
from edm_stance.evaluation import evaluate_tables, read_table
from edm_stance.review_widget import parse_quick_entry

TEXT = "Moscow pressed Bishkek again.\nThe Kremlin's envoy left."  # a line break inside the paragraph


def correction(paragraph: int = 1, target: str = "russia", label: str = "critical", strength: float | None = -1,
               **more) -> dict:
    return {"article_id": "art-1", "paragraph": paragraph, "target": target, "label": label, "strength": strength,
            "note": "", "target_label": "Russia", "targets_source": "packaged", "mentions": [[0, 6], [34, 41]],
            "text": TEXT, "article_path": "art-1.txt", "model_label": "neutral", "model_score": 0.05,
            "model_confidence": 0.41, "model": "m", "model_revision": "abc", **more}


def test_round_trip_write_reload_evaluate(tmp_path, capsys):
    log = CorrectionLog(folder=tmp_path / "corrections", analyst="jane")
    log.append(correction(1, note="pressure, \"quoted\", with a comma"))
    log.append(correction(2, label="favorable", strength=2))
    log.append(correction(3, target="west", label="absent", strength=None))
    assert log.path == tmp_path / "corrections" / "jane.csv"
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(CORRECTION_COLUMNS) and len(lines) == 4  # one physical line per correction
    table = read_corrections(tmp_path / "corrections")
    assert table[["paragraph", "label"]].values.tolist() == [[1, "critical"], [2, "favorable"], [3, "absent"]]
    assert table["strength"].tolist()[:2] == [-1.0, 2.0] and pd.isna(table["strength"][2])
    assert table["note"][0] == 'pressure, "quoted", with a comma'
    assert table["text"][0] == TEXT.replace("\n", " ") and table["analyst"].unique().tolist() == ["jane"]
    assert table["source"][0] == f"{log.path}:2"
    assert table["timestamp"].str.match(r"\d{4}-\d\d-\d\dT").all()
    examples = correction_examples(table)
    assert [ex.label for ex in examples] == [1, 3, 0] and examples[0].input.spans == ((0, 6), (34, 41))
    assert examples[0].input.text[34:41] == "Kremlin" and len(examples[0].input.sentences) == 2
    # the codebook's gold format: the same file is a gold file for evaluate_tables and the CLI
    gold = read_table(log.path, kind="gold")
    pred = pd.DataFrame({"article_id": "art-1", "paragraph": [1, 2, 3], "target": ["russia", "russia", "west"],
                         "label": ["critical", "neutral", "neutral"], "score": [-0.5, 0.1, 0.0]})
    report = evaluate_tables(gold, pred)
    assert report.loc["all", "stance_accuracy"] == pytest.approx(0.5) and report.loc["all", "n_gold_present"] == 2
    pred.to_csv(tmp_path / "pred.csv", index=False)
    assert main(["evaluate", "--gold", str(tmp_path / "corrections"), "--pred", str(tmp_path / "pred.csv")]) == 0
    assert re.search(r"^all\s+3\s", capsys.readouterr().out, re.MULTILINE)


def test_the_latest_correction_of_a_pair_counts(tmp_path):
    log = CorrectionLog(folder=tmp_path, analyst="jane")
    log.append(correction(1, label="critical", strength=-2))
    log.append(correction(1, label="neutral", strength=0))
    CorrectionLog(folder=tmp_path, analyst="omar").append(correction(2))
    latest = latest_corrections(read_corrections(tmp_path))
    assert latest[["paragraph", "label", "analyst"]].values.tolist() == [[1, "neutral", "jane"], [2, "critical", "omar"]]


@pytest.mark.parametrize(("change", "message"), [
    ({"label": "positive"}, "label must be one of absent, critical, neutral, favorable; got 'positive'"),
    ({"label": "critical", "strength": 1}, "strength 1 does not fit the label 'critical' (allowed: -2, -1)"),
    ({"label": "absent", "strength": 0}, "strength 0 does not fit the label 'absent' (allowed: empty)"),
    ({"mentions": [[40, 90]]}, "mentions must be non-empty spans within the paragraph's text; got [(40, 90)]"),
    ({"text": ""}, "lacks text"),
])
def test_bad_corrections_are_refused_and_nothing_is_written(tmp_path, change, message):
    log = CorrectionLog(folder=tmp_path, analyst="jane")
    with pytest.raises(DataFileError, match=re.escape(message)):
        log.append({**correction(), **change})
    assert not log.path.exists()


def test_bad_analyst_names_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(DataFileError, match=re.escape("analyst must be a name of letters, digits, '.', '-' or '_' "
                                                      "(it names the file); got '../x'")):
        CorrectionLog(folder=tmp_path, analyst="../x")
    (tmp_path / "jane.csv").write_text("article_id,paragraph,target,label\nx,1,russia,critical\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="not a corrections file"):
        CorrectionLog(folder=tmp_path, analyst="jane").append(correction())
    with pytest.raises(DataFileError, match=re.escape(f"{tmp_path / 'jane.csv'}: not a corrections file: it lacks the "
                                                      "column(s) strength, note, target_label")):
        read_corrections(tmp_path)
    with pytest.raises(DataFileError, match=re.escape(f"{tmp_path / 'none'}: no such corrections file or folder")):
        read_corrections(tmp_path / "none")


def test_a_bad_row_is_named_by_file_and_line(tmp_path):
    log = CorrectionLog(folder=tmp_path, analyst="jane")
    log.append(correction(1))
    log.append(correction(2))
    text = log.path.read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace(",critical,-1,", ",favorable,-1,")
    log.path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=re.escape(f"{log.path}:3: strength -1 does not fit the label 'favorable'")):
        read_corrections(log.path)


def test_an_interrupted_last_line_is_ignored_then_cut_by_the_next_save(tmp_path):
    log = CorrectionLog(folder=tmp_path, analyst="jane")
    log.append(correction(1))
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('art-1,2,russia,critical,-1,"half a no')  # a write cut short
    with pytest.warns(EdmStanceWarning, match="the last line is incomplete"):
        assert read_corrections(log.path)["paragraph"].tolist() == [1]
    log.append(correction(3))
    assert read_corrections(log.path)["paragraph"].tolist() == [1, 3]


def test_holdout_split_is_by_paragraph_and_stable_as_corrections_grow():
    rows = pd.DataFrame([{"article_id": f"a{i // 7}", "paragraph": i % 7 + 1, "target": t}
                         for i in range(140) for t in ("russia", "west")])
    train, held = split_holdout(rows, 0.25)
    assert len(train) + len(held) == len(rows) and 0.1 < len(held) / len(rows) < 0.4
    held_paragraphs = set(zip(held["article_id"], held["paragraph"]))
    assert not held_paragraphs & set(zip(train["article_id"], train["paragraph"]))  # targets of a paragraph together
    more = pd.concat([rows, pd.DataFrame([{"article_id": "new", "paragraph": p, "target": "ngos"} for p in range(1, 30)])])
    assert held_paragraphs <= set(zip(*[split_holdout(more, 0.25)[1][c] for c in ("article_id", "paragraph")]))
    assert split_holdout(rows, 0.0)[1].empty


@pytest.mark.parametrize(("text", "expected"), [
    ("f2 victim of the raid", ("favorable", 2.0, "victim of the raid")),
    ("C", ("critical", -1.0, "")),
    ("c2", ("critical", -2.0, "")),
    ("n factual", ("neutral", 0.0, "factual")),
    ("a", ("absent", None, "")),
    ("b", "back"),
    ("s", "skip"),
    ("n2", None),
    ("x", None),
    ("f3", None),
])
def test_quick_entry(text, expected):
    assert parse_quick_entry(text) == expected
