"""The review queue and its widgets: most uncertain first, corrections saved at once, none lost to a killed kernel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from edm_stance.corrections import CorrectionLog, read_corrections
from edm_stance.errors import DataFileError
from edm_stance.review import import_queue_csv, paragraph_html, review_input, review_queue, write_queue_csv
from edm_stance.review_widget import ReviewSession
from edm_stance.scoring import get_scorer

from .conftest import ROOT, SEED


@pytest.fixture(scope="module")
def lexicon_queue(seed_article, default_targets):
    table = get_scorer("lexicon").score([seed_article], default_targets)
    return table, review_queue([seed_article], table, default_targets, model="lexicon", model_revision="r1")


def test_queue_lists_present_pairs_most_uncertain_first(lexicon_queue, seed_article):
    table, queue = lexicon_queue
    assert len(queue) == (table["label"] != "absent").sum() == 12
    assert queue["model_confidence"].is_monotonic_increasing
    row = queue.iloc[0]
    paragraph = seed_article.paragraphs[row["paragraph"] - 1]
    assert row["text"] == paragraph.text and row["article_path"] == str(SEED)
    assert all(0 <= a < b <= len(row["text"]) for a, b in row["mentions"])
    assert row["target_label"] in {"Russia", "the West", "NGOs"} and row["model_revision"] == "r1"
    assert row["evidence"] in row["text"]


def test_queue_leaves_out_corrected_pairs_and_keeps_n(lexicon_queue, seed_article, default_targets):
    table, queue = lexicon_queue
    corrected = queue.head(3)[["article_id", "paragraph", "target"]]
    shorter = review_queue([seed_article], table, default_targets, model="lexicon", model_revision="r1",
                           corrected=corrected, n=5)
    assert len(shorter) == 5 and shorter.iloc[0].tolist() == queue.iloc[3].tolist()


def test_paragraph_html_marks_mentions_and_boxes_the_evidence(lexicon_queue):
    row = lexicon_queue[1].iloc[0]
    page = paragraph_html(row)
    a, b = row["mentions"][0]
    assert f"font-weight: bold;\">{row['text'][a:b]}</span>" in page
    assert page.count("outline: 1.5px dashed #555; outline-offset") == 1  # one box around the whole sentence
    assert "<script" not in paragraph_html({**row.to_dict(), "text": "<script>x</script> Moscow", "mentions": [[19, 25]],
                                            "evidence": ""})


def test_widget_saves_each_correction_at_once(lexicon_queue, tmp_path):
    queue = lexicon_queue[1].head(4)
    log = CorrectionLog(folder=tmp_path, analyst="jane")
    session = ReviewSession(queue=queue, log=log)
    assert "Row 1 of 4" in session._header.value and "edm-review-paragraph" in session._paragraph.value
    session._save.click()  # no label chosen: nothing is saved
    assert "Choose a label first" in session._status.value and not log.path.exists()
    session._label.value = "critical"
    session._strength.value = 2.0
    session._note.value = "blamed for the delay"
    session._save.click()
    assert session.position == 1 and session._label.value is None
    saved = read_corrections(log.path)
    assert saved[["label", "strength", "note"]].values.tolist() == [["critical", -2.0, "blamed for the delay"]]
    session._label.value = "neutral"
    assert session._strength.disabled
    session._quick.value = "f1 a sympathetic victim"  # quick entry, as if typed and Enter pressed
    session._skip.click()
    session._quick.value = "a"
    assert session.position == 4 and "End of the queue" in session._header.value and session._save.disabled
    session._back.click()
    assert session.position == 3 and session._label.value == "absent"  # a saved row shows its correction
    saved = read_corrections(log.path)
    assert saved[["paragraph", "label"]].values.tolist() == [
        [int(queue.iloc[i]["paragraph"]), label] for i, label in [(0, "critical"), (1, "favorable"), (3, "absent")]]
    session._quick.value = "zz"
    assert "Not understood" in session._status.value and len(read_corrections(log.path)) == 3


def test_editing_the_queue_csv_is_the_other_way(lexicon_queue, tmp_path):
    queue = lexicon_queue[1]
    path = write_queue_csv(queue, tmp_path / "queue.csv")
    edited = pd.read_csv(path, dtype=str, keep_default_na=False)
    edited.loc[0, ["label", "strength", "note"]] = ["favorable", "2", "praised"]
    edited.loc[2, ["label", "strength"]] = ["Neutral", ""]
    edited.to_csv(path, index=False)
    log = CorrectionLog(folder=tmp_path / "corrections", analyst="omar")
    assert import_queue_csv(path, log) == 2
    assert import_queue_csv(path, log) == 0  # importing twice adds nothing
    saved = read_corrections(log.path)
    assert saved[["label", "note"]].values.tolist() == [["favorable", "praised"], ["neutral", ""]]
    assert saved["strength"][0] == 2.0 and pd.isna(saved["strength"][1])
    assert saved["mentions"][0].startswith("[[") and saved["analyst"].unique().tolist() == ["omar"]
    edited.loc[1, ["label", "strength"]] = ["critical", "1"]
    edited.to_csv(path, index=False)
    with pytest.raises(DataFileError, match=r"queue\.csv:3: strength 1 does not fit the label 'critical'"):
        import_queue_csv(path, log)
    assert len(read_corrections(log.path)) == 2


def test_review_input_reads_a_results_table_and_its_manifest(tmp_path, default_targets, capsys):
    from edm_stance.cli import main

    out = tmp_path / "results.csv"
    assert main(["score", str(SEED), "--scorer", "lexicon", "-o", str(out)]) == 0
    articles, table, origin = review_input(out, scorer=None, targets=default_targets)
    assert [a.article_id for a in articles] == ["edm-v3-i138"] and len(table) == 24 and origin == str(out)
    out.with_name("results.csv.manifest.csv").unlink()
    with pytest.raises(DataFileError, match="its manifest results.csv.manifest.csv is not beside it"):
        review_input(out, scorer=None, targets=default_targets)


KILLED_SESSION = textwrap.dedent("""
    import sys
    from edm_stance import get_scorer, load_targets, read_article
    from edm_stance.corrections import CorrectionLog
    from edm_stance.review import review_queue
    from edm_stance.review_widget import ReviewSession

    article, targets = read_article(sys.argv[1]), load_targets()
    queue = review_queue([article], get_scorer("lexicon").score([article], targets), targets)
    session = ReviewSession(queue=queue, log=CorrectionLog(folder=sys.argv[2], analyst="jane"))
    for n in range(10**6):  # an analyst who never stops: the same rows again and again
        session.go(n % len(queue))
        session._quick.value = ("c2 ", "n ", "f1 ")[n % 3] + "note " + str(n)
        print(n, flush=True)  # reported only once the save returned
""")


def test_a_killed_review_session_keeps_every_saved_correction(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", KILLED_SESSION, str(SEED), str(tmp_path)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reported = []
    try:
        for line in process.stdout:
            reported.append(int(line))
            if len(reported) == 40:
                break
    finally:
        os.kill(process.pid, signal.SIGKILL)  # mid-way: it is saving the next corrections
        process.wait()
    assert len(reported) == 40, process.stderr.read()
    saved = read_corrections(tmp_path)  # no warning: no half-written line either
    notes = saved["note"].tolist()
    assert len(saved) >= 40 and notes[:40] == [f"note {n}" for n in range(40)]
    assert saved["label"].tolist()[:3] == ["critical", "neutral", "favorable"]


APPENDER = textwrap.dedent("""
    import sys
    from edm_stance.corrections import CorrectionLog

    log = CorrectionLog(folder=sys.argv[1], analyst="shared")
    for n in range(60):
        log.append({"article_id": "a" + sys.argv[2], "paragraph": n + 1, "target": "russia", "label": "neutral",
                    "strength": 0, "note": "x" * 500, "text": "Moscow said nothing. " * 40, "mentions": [[0, 6]],
                    "target_label": "Russia"})
""")


def test_two_sessions_can_append_to_one_file(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    writers = [subprocess.Popen([sys.executable, "-c", APPENDER, str(tmp_path), str(i)], env=env) for i in range(2)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    saved = read_corrections(tmp_path / "shared.csv")
    assert len(saved) == 120 and sorted(saved["article_id"].value_counts().tolist()) == [60, 60]
    assert (tmp_path / "shared.csv").read_text(encoding="utf-8").count("article_id,paragraph") == 1  # one header
