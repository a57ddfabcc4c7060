"""The notebooks as a user meets them: JupyterLab in a real (headless Chromium) browser.

JupyterLab runs on a free local port over copies of the notebooks (with ``data/`` linked
beside them, so their default parameters work; the repository's files are never touched).
Chromium, driven by selenium, opens each notebook, checks that it opens on the project's
kernel, runs all cells from the Run menu and checks that every code cell ran and that no
cell shows an error or a stderr box. For notebook 01 it also measures the highlighted text
in JupyterLab, in the report's HTML (nbconvert, as ``edm-stance report`` writes it) and in
the standalone page: the text column must take the width left by the ¶ and margin columns.
Notebook 04 runs with ``scorer = "lexicon"``: its default, tsc, would add over 3 minutes of
scoring its 132 demo articles on 2 cores; the rest of the notebook is the same. Notebook 05
runs on a tiny test model (the shipped model's files and interfaces, meaningless weights)
with its corrections folder in the workspace; its review widget must render, and a label
pressed and saved in the browser must reach the corrections file.

The JupyterLab and Chromium plumbing is in ``tests/jupyterlab.py`` (``docs/screenshots.py``
uses it too). Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs
them); skipped, with the reason, without them.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT
from tests.jupyterlab import (CHROMEDRIVER, CHROMIUM, KERNEL_DISPLAY_NAME, click_menu, headless_chromium,
                              jupyterlab_server, open_notebook, prepare_workspace, run_all, shut_down_kernels, wait)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="the browser test needs Debian's chromium and chromium-driver "
                              "(apt-get install -y chromium chromium-driver; .ci/run installs them)"),
]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
STDERR = 'data-mime-type="application/vnd.jupyter.stderr"'
LAYOUT_JS = """
const table = document.querySelector('table.edm-highlight-table');
if (!table) { return null; }
const text = table.querySelector('td.edm-highlight-text');
const box = (table.closest('.jp-OutputArea-output') || table.closest('.jp-RenderedHTMLCommon') || document.body);
return {table: table.getBoundingClientRect().width, text: text.getBoundingClientRect().width,
        container: box.clientWidth,
        margin: table.querySelector('col:last-child').getBoundingClientRect().width};
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, tiny_stance_model_dir) -> Path:
    """Copies of the notebooks, data/ linked beside them, the project's kernel in a private Jupyter path."""
    folder = tmp_path_factory.mktemp("lab")
    return prepare_workspace(folder, NOTEBOOKS, {
        "03_model_check": {"scorers": "paragraph,lexicon"},  # tsc too is papermill's test (test_notebooks.py)
        "04_compare_issues": {"scorer": "lexicon"},
        "05_review_and_correct": {"model": str(tiny_stance_model_dir), "corrections_dir": str(folder / "corrections"),
                                  "analyst": "browser"}})


@pytest.fixture(scope="module")
def lab(workspace, request):
    """A JupyterLab server on a free port; yields its base URL and token."""
    from edm_stance.frame_model import FRAME_MODEL_ENV
    from tests.conftest import shipped_frame_model_missing

    frame_model = ({FRAME_MODEL_ENV: str(request.getfixturevalue("tiny_frame_model_dir"))}
                   if shipped_frame_model_missing() else {})  # until the trained frame model is committed
    with jupyterlab_server(workspace, env=frame_model) as server:
        yield server


@pytest.fixture(scope="module")
def browser(workspace):
    """Headless Chromium through Debian's chromedriver (no driver or browser download)."""
    with headless_chromium(workspace) as driver:
        yield driver


def _assert_full_width(layout: dict | None, where: str) -> None:
    assert layout is not None, f"{where}: no highlighted text"
    assert layout["table"] >= 0.9 * layout["container"] - 40, f"{where}: the table does not fill its place: {layout}"
    number_and_margin = layout["table"] - layout["text"]
    assert number_and_margin <= layout["margin"] + 80, f"{where}: the text column is squeezed: {layout}"
    assert layout["text"] >= 0.5 * layout["table"], f"{where}: the text column is squeezed: {layout}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_without_errors_or_stderr(name, lab, browser, workspace):
    from selenium.webdriver.common.by import By

    base, token = lab
    started = time.monotonic()
    try:
        open_notebook(browser, base, token, name)
        kernel = browser.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName").text
        assert kernel == KERNEL_DISPLAY_NAME, f"{name} opened on {kernel!r}"
        run_all(browser, name)
        outputs = browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
        stderr = [o.text for o in outputs if o.get_attribute("data-mime-type") == "application/vnd.jupyter.stderr"]
        assert stderr == [], f"{name}: error or stderr boxes:\n" + "\n---\n".join(stderr)
        assert not [o.text for o in outputs if "Error displaying widget" in o.text or "IProgress not found" in o.text]
        if name == "05_review_and_correct":
            _correct_one_row_in_the_widget(browser, workspace)
        if name == "01_stance_through_the_article":
            _assert_full_width(browser.execute_script(LAYOUT_JS), "JupyterLab")
            click_menu(browser, "File", "Save Notebook")
            saved = workspace / "notebooks" / f"{name}.ipynb"
            wait(lambda: any(c.get("outputs") for c in nbformat.read(saved, as_version=4).cells), 30,
                 "the notebook to be saved")
            _check_report_and_standalone_html(browser, workspace, name)
    except Exception:
        browser.save_screenshot(str(workspace / f"{name}.png"))
        raise
    finally:
        shut_down_kernels(base, token)
        print(f"{name}: {time.monotonic() - started:.0f} s in JupyterLab")


def _correct_one_row_in_the_widget(browser, workspace: Path) -> None:
    """The review widget is drawn (not its text fallback); pressing Critical, Strong and Save writes a correction."""
    from selenium.webdriver.common.by import By

    review = wait(lambda: browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .edm-review"),
                  60, "the review widget to render")[0]
    assert "Row 1 of" in review.text and review.find_elements(By.CSS_SELECTOR, ".edm-review-paragraph b, "
                                                                              ".edm-review-paragraph span")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", review)

    def press(text: str) -> None:
        buttons = [b for b in review.find_elements(By.TAG_NAME, "button") if b.text.strip() == text]
        assert buttons, f"no {text!r} button in the review widget: {review.text[:300]!r}"
        buttons[0].click()

    press("Critical")
    press("Strong (±2)")
    press("Save ▸")
    saved = workspace / "corrections" / "browser.csv"
    wait(lambda: saved.is_file() and len(saved.read_text(encoding="utf-8").splitlines()) == 2, 30,
         "the correction to be saved")
    from edm_stance.corrections import read_corrections

    row = read_corrections(saved).iloc[0]
    assert (row["label"], row["strength"], row["analyst"]) == ("critical", -2.0, "browser")
    wait(lambda: "Row 2 of" in review.text, 10, "the next row")


def _check_report_and_standalone_html(browser, workspace: Path, name: str) -> None:
    from nbconvert import HTMLExporter

    executed = workspace / "notebooks" / f"{name}.ipynb"
    body, _ = HTMLExporter().from_filename(str(executed))  # as edm-stance report converts it
    assert STDERR not in body
    report = workspace / f"{name}.html"
    report.write_text(body, encoding="utf-8")
    for page, where in [(report, "report HTML"), (workspace / "notebooks" / "outputs" / "01_highlighted_text.html",
                                                  "standalone page")]:
        browser.get(page.as_uri())
        _assert_full_width(browser.execute_script(LAYOUT_JS), where)
