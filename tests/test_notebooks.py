"""The notebooks: committed without outputs, thin, and executing cleanly on the seed and short articles."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT, SEED, fixture_path

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED_FIGURES = {
    "01_stance_through_the_article": ["01_stance_trajectory", "01_stance_heatmap"],
    "02_framing_shifts": ["02_frame_shift", "02_frame_stance"],
    "03_model_check": ["03_confusion_seed", "03_confusion_newsmtsc"],
    "04_compare_issues": ["04_stance_over_time", "04_stance_by_country"],
}


def _kernel_env(monkeypatch):
    """Let the kernel import this checkout's edm_stance, whatever the working directory."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))


def test_the_notebooks_are_there():
    assert [nb.stem for nb in NOTEBOOKS] == list(EXPECTED_FIGURES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs_and_a_parameters_cell_first(path):
    notebook = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code_cells), f"{path.name}: strip outputs"
    assert "parameters" in notebook.cells[0].metadata.get("tags", [])
    assert re.search(r"^output_dir: str = ", notebook.cells[0].source, re.MULTILINE)
    assert notebook.cells[1].cell_type == "markdown" and "**Question.**" in notebook.cells[1].source
    assert not any(re.search(r"^\s*(def|class) |lambda\b", cell.source, re.MULTILINE) for cell in code_cells)


def _issues_folder(folder: Path) -> Path:
    """The seed, the invented saved page and 12 articles shuffled from the seed's paragraphs (test data, not EDM)."""
    import shutil

    from tests.conftest import write_shuffled_articles

    write_shuffled_articles(folder, 12)
    shutil.copy(SEED, folder)
    shutil.copy(fixture_path("pages/edm-invented-page.html"), folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED_FIGURES))
def test_notebook_runs_on_the_seed(name, tmp_path, monkeypatch):
    import papermill

    _kernel_env(monkeypatch)
    parameters = {"output_dir": str(tmp_path)}
    if name == "03_model_check":
        parameters["n_newsmtsc"] = 60
    elif name == "04_compare_issues":
        parameters.update(results_path=str(_issues_folder(tmp_path / "issues")), scorer="lexicon", freq="QS")
    else:
        parameters["article_path"] = str(SEED)
    papermill.execute_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"), str(tmp_path / f"{name}.ipynb"),
                               parameters=parameters, cwd=str(NOTEBOOK_DIR), progress_bar=False, kernel_name="python3")
    for figure in EXPECTED_FIGURES[name]:
        for suffix in (".png", ".svg"):
            assert (tmp_path / "figures" / f"{figure}{suffix}").stat().st_size > 5000
    executed = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["two_paragraphs.txt", "executive_summary.txt"])
def test_report_on_short_articles_leaves_notebooks_untouched(fixture, tmp_path, monkeypatch):
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
