"""The notebooks: committed without outputs, on the project's kernel, thin, and executing cleanly on the seed and short articles."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tests.conftest import NEWSMTSC, NEWSMTSC_MISSING, ROOT, SEED, fixture_path

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED_FIGURES = {
    "01_stance_through_the_article": ["01_stance_trajectory", "01_stance_heatmap"],
    "02_framing_shifts": ["02_frame_shift", "02_frame_stance"],
    "03_model_check": ["03_confusion_seed", "03_confusion_newsmtsc"],
    "04_compare_issues": ["04_stance_over_time", "04_stance_by_country"],
    "05_review_and_correct": [],
}
KERNELSPEC = {"name": "edm-stance", "display_name": "Python (edm-stance)", "language": "python"}
STDERR = 'data-mime-type="application/vnd.jupyter.stderr"'  # a stderr box in nbconvert's HTML


def _kernel_env(monkeypatch):
    """Let the kernel import this checkout's edm_stance, whatever the working directory."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))


def test_the_notebooks_are_there():
    assert [nb.stem for nb in NOTEBOOKS] == list(EXPECTED_FIGURES)


def _as_committed(path: Path):
    """The notebook as git holds it for the next commit (the index, after the nbstripout filter); else the file.

    JupyterLab autosaves outputs into the working copy; what matters is what a commit takes.
    """
    staged = subprocess.run(["git", "show", f":{path.relative_to(ROOT).as_posix()}"], cwd=ROOT, capture_output=True)
    if staged.returncode == 0:
        return nbformat.reads(staged.stdout.decode("utf-8"), as_version=4)
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs_and_a_parameters_cell_first(path):
    committed = _as_committed(path)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in committed.cells if cell.cell_type == "code"), f"{path.name}: strip outputs"
    assert committed.metadata.get("kernelspec") == KERNELSPEC
    notebook = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert notebook.metadata.get("kernelspec") == KERNELSPEC, f"{path.name}: open it on the project's kernel"
    assert "parameters" in notebook.cells[0].metadata.get("tags", [])
    assert re.search(r"^output_dir: str = ", notebook.cells[0].source, re.MULTILINE)
    assert notebook.cells[1].cell_type == "markdown" and "**Question.**" in notebook.cells[1].source
    assert not any(re.search(r"^\s*(def|class) |lambda\b", cell.source, re.MULTILINE) for cell in code_cells)


def test_make_installs_the_kernel_the_notebooks_name():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"KERNEL := {KERNELSPEC['name']}\n" in makefile and f"KERNEL_NAME := {KERNELSPEC['display_name']}\n" in makefile
    assert re.search(r"^lab: .*\bkernel\b.*\bgit-filter\b", makefile, re.MULTILINE)


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_git_filter_strips_outputs_and_ignores_autosaves(tmp_path):
    """`make git-filter` in a fresh repository: a notebook with outputs is committed without them,
    and an autosave that only adds outputs changes nothing that a commit would take."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    shutil.copy(ROOT / ".gitattributes", tmp_path)
    subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "git-filter", f"VENV={ROOT / '.venv'}"], cwd=tmp_path,
                   check=True, capture_output=True)
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    run = nbformat.from_dict(notebook)
    run.cells[2].outputs = [nbformat.v4.new_output("stream", name="stderr", text="noise\n")]
    run.cells[2].execution_count = 1
    run.metadata["language_info"] = {"name": "python", "version": "3.11.2"}
    nbformat.write(run, tmp_path / "a.ipynb")
    git("add", ".gitattributes", "a.ipynb")
    committed = nbformat.reads(git("show", ":a.ipynb"), as_version=4)
    assert not committed.cells[2].outputs and committed.cells[2].execution_count is None
    assert committed.metadata == {"kernelspec": KERNELSPEC}
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "notebook")
    run.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="autosaved\n")]
    run.cells[2].execution_count = 7
    nbformat.write(run, tmp_path / "a.ipynb")
    assert git("diff") == ""  # git status may list the file (its size changed) until the next `git add`
    git("add", "a.ipynb")
    assert git("status", "--porcelain") == ""


def _issues_folder(folder: Path) -> Path:
    """The seed, the invented saved page and 12 articles shuffled from the seed's paragraphs (test data, not EDM)."""
    import shutil

    from tests.conftest import write_shuffled_articles

    write_shuffled_articles(folder, 12)
    shutil.copy(SEED, folder)
    shutil.copy(fixture_path("pages/edm-invented-page.html"), folder)
    return folder


def _learning_curve_file(path: Path) -> Path:
    """A learning-curve JSON in the simulation's format with invented numbers (two regions), for notebook 03."""
    import json

    from edm_stance.learning_curve import summarise

    results = pd.DataFrame([{"region": region, "rule": rule, "k": k, "repeat": 0, "stance_macro_f1": f1,
                             "stance_accuracy": f1} for region, shift in (("a", 0.0), ("b", 0.1))
                            for rule, k, f1 in [("base", 0, 0.5 + shift), ("uncertain", 10, 0.6 + shift),
                                                ("random", 10, 0.55 + shift)]])
    data = {"settings": {"regions": ["a", "b"], "members": 1, "train_limit": 1500},
            "summary": json.loads(summarise(results).to_json(orient="records")),
            "results": json.loads(results.to_json(orient="records"))}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _refitted_model(folder: Path, model_dir: Path, corrections: Path) -> Path:
    """Correct four pairs of the seed against the model's reading and refit the tiny model on them (test data)."""
    from edm_stance.refit import RefitSettings, refit_stance_model
    from edm_stance.review import open_review

    review = open_review(SEED, model=str(model_dir), corrections_dir=corrections, analyst="test")
    labels = {"critical": ("favorable", 1), "neutral": ("critical", -2), "favorable": ("neutral", 0)}
    for row in review.queue.head(4).to_dict("records"):
        label, strength = labels[row["model_label"]]
        review.log.append({**row, "label": label, "strength": strength, "note": "test"})
    corpus = model_dir.parent / f"{model_dir.name}-corpus.jsonl"  # what the tiny model was trained on
    refit_stance_model(folder, corrections, model_dir=model_dir, corpus_paths=[corpus],
                       settings=RefitSettings(epochs=1, holdout=0.5))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED_FIGURES))
def test_notebook_runs_on_the_seed(name, tmp_path, monkeypatch, request, shipped_or_tiny_frame_model):
    import papermill

    _kernel_env(monkeypatch)
    parameters = {"output_dir": str(tmp_path)}
    if name == "05_review_and_correct":
        model_dir = request.getfixturevalue("tiny_stance_model_dir")
        corrections = tmp_path / "corrections"
        refitted = _refitted_model(tmp_path / "refit", model_dir, corrections)
        parameters.update(source=str(SEED), model=str(model_dir), corrections_dir=str(corrections), analyst="test",
                          refitted_model=str(refitted))
    elif name == "03_model_check":
        parameters.update(n_newsmtsc=60, newsmtsc_dir="" if NEWSMTSC_MISSING else str(NEWSMTSC),
                          learning_curve_path=str(_learning_curve_file(tmp_path / "learning_curve.json")))
    elif name == "04_compare_issues":
        parameters.update(results_path=str(_issues_folder(tmp_path / "issues")), scorer="lexicon", freq="QS")
    else:
        parameters["article_path"] = str(SEED)
    papermill.execute_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"), str(tmp_path / f"{name}.ipynb"),
                               parameters=parameters, cwd=str(NOTEBOOK_DIR), progress_bar=False, kernel_name="python3")
    expected = [f for f in EXPECTED_FIGURES[name] if not NEWSMTSC_MISSING or f != "03_confusion_newsmtsc"]
    expected += ["03_learning_curve", "03_reliability"] if name == "03_model_check" else []
    for figure in expected:
        for suffix in (".png", ".svg"):
            path = tmp_path / "figures" / f"{figure}{suffix}"
            assert path.stat().st_size > 5000
            assert path.stat().st_mode & 0o777 == 0o644
    executed = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    printed = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    if name == "03_model_check":  # the shipped model's own held-out evaluation
        assert "paragraph: grouped hold-out: fold 0 of 5 by article" in printed
        assert (tmp_path / "held_out_metrics.csv").is_file()
    if name == "03_model_check" and NEWSMTSC_MISSING:
        assert f"The NewsMTSC check is skipped: {NEWSMTSC_MISSING}" in printed
        assert not (tmp_path / "figures" / "03_confusion_newsmtsc.png").exists()
    if name == "01_stance_through_the_article":
        assert (tmp_path / "01_highlighted_text.html").stat().st_mode & 0o777 == 0o644
    if name == "05_review_and_correct":
        assert "8 to review, most uncertain first; 4 pair(s) already corrected are left out" in printed
        assert "The refitted model changes the label of" in printed and "held out are compared below" in printed
        widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert any("Row 1 of 8" in o["data"]["text/plain"] for o in widgets)
        assert (tmp_path / "review_queue.csv").is_file()


@pytest.mark.slow
def test_notebook_01_scores_with_a_model_folder(tmp_path, monkeypatch, tiny_stance_model_dir,
                                                shipped_or_tiny_frame_model):
    """`model` reaches the scorer: the paragraph scorer on a model folder (e.g. one refitted on corrections)."""
    import papermill

    _kernel_env(monkeypatch)
    name = "01_stance_through_the_article"
    papermill.execute_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"), str(tmp_path / f"{name}.ipynb"),
                               parameters={"output_dir": str(tmp_path), "article_path": str(SEED), "scorer": "paragraph",
                                           "model": str(tiny_stance_model_dir)},
                               cwd=str(NOTEBOOK_DIR), progress_bar=False, kernel_name="python3")
    stance = pd.read_csv(tmp_path / "stance.csv")
    assert len(stance) == 24 and stance["score_low"].lt(stance["score_high"]).any()  # an ensemble's spread


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["two_paragraphs.txt", "executive_summary.txt", "no_targets.txt"])
def test_report_on_short_articles_leaves_notebooks_untouched(fixture, tmp_path, monkeypatch, shipped_or_tiny_frame_model):
    from edm_stance.report import run_report

    _kernel_env(monkeypatch)
    before = _digest(NOTEBOOK_DIR)
    folder = run_report(fixture_path(fixture), output_dir=tmp_path / "report", scorer="lexicon",
                        notebooks_dir=NOTEBOOK_DIR, notebooks=["01_stance_through_the_article", "02_framing_shifts"],
                        progress=False)
    assert _digest(NOTEBOOK_DIR) == before
    names = {p.name for p in folder.iterdir()}
    assert {"01_stance_through_the_article.ipynb", "01_stance_through_the_article.html", "02_framing_shifts.html",
            "stance.csv", "frames.csv", "01_highlighted_text.html"} <= names
    assert (folder / "figures" / "02_frame_shift.svg").is_file()
    html = (folder / "01_stance_through_the_article.html").read_text(encoding="utf-8")
    assert "Stance through the article" in html and "Traceback" not in html
    assert STDERR not in html
    assert (folder / "01_stance_through_the_article.html").stat().st_mode & 0o777 == 0o644
    executed = nbformat.read(folder / "01_stance_through_the_article.ipynb", as_version=4)
    injected = next(c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'article_path = "../tests/fixtures/{fixture}"' in injected  # relative to notebooks/, where it ran
    assert not re.search(r'= "/', injected) and str(ROOT) not in html  # no absolute path of this machine
