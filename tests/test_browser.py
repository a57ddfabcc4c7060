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

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); skipped,
with the reason, without them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="the browser test needs Debian's chromium and chromium-driver "
                              "(apt-get install -y chromium chromium-driver; .ci/run installs them)"),
]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
KERNEL_DISPLAY_NAME = "Python (edm-stance)"
NOTEBOOK_TIMEOUT = 600  # seconds for one notebook's cells
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, timeout: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _set_parameters(path: Path, **values: str) -> None:
    """Change string parameters in a notebook's parameters cell (the first cell)."""
    notebook = nbformat.read(path, as_version=4)
    for name, value in values.items():
        notebook.cells[0].source, n = re.subn(rf'^{name}: str = ".*?"', f"{name}: str = {json.dumps(value)}",
                                              notebook.cells[0].source, flags=re.MULTILINE)
        assert n == 1, f"{path.name} has no parameter {name}"
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, tiny_stance_model_dir) -> Path:
    """Copies of the notebooks, data/ linked beside them, the project's kernel in a private Jupyter path."""
    folder = tmp_path_factory.mktemp("lab")
    (folder / "notebooks").mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", folder / "notebooks")
    _set_parameters(folder / "notebooks" / "04_compare_issues.ipynb", scorer="lexicon")
    _set_parameters(folder / "notebooks" / "05_review_and_correct.ipynb", model=str(tiny_stance_model_dir),
                    corrections_dir=str(folder / "corrections"), analyst="browser")
    (folder / "data").symlink_to(ROOT / "data")
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(folder / "jupyter"),
                    "--name", "edm-stance", "--display-name", KERNEL_DISPLAY_NAME], check=True, capture_output=True)
    settings = folder / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                          "checkForUpdates": False}))
    return folder


@pytest.fixture(scope="module")
def lab(workspace):
    """A JupyterLab server on a free port; yields its base URL and token."""
    import requests

    port, token = _free_port(), uuid.uuid4().hex
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_PATH": str(workspace / "jupyter" / "share" / "jupyter"),
           "JUPYTER_CONFIG_DIR": str(workspace / "config"),
           "JUPYTER_RUNTIME_DIR": str(workspace / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(workspace / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(workspace / "workspaces"),
           "EDM_STANCE_CACHE": str(workspace / "cache")}
    log = (workspace / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={workspace}"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workspace)
    base = f"http://127.0.0.1:{port}"
    try:
        def ready():
            try:
                return requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok
            except requests.ConnectionError:
                assert server.poll() is None, (workspace / "jupyterlab.log").read_text()
                return False

        _wait(ready, 120, "JupyterLab to start")
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(workspace):
    """Headless Chromium through Debian's chromedriver (no driver or browser download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,1000",
                     f"--user-data-dir={workspace / 'chromium'}"):
        options.add_argument(argument)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # never let selenium look for a driver or browser online
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _prompts(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'))"
        ".map(e => e.textContent.trim());")


def _click_menu(driver, menu: str, item: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, f"//li[contains(@class,'lm-MenuBar-item')][normalize-space(.)='{menu}']").click()
    label = f"//li[contains(@class,'lm-Menu-item')][.//div[contains(@class,'lm-Menu-itemLabel')][normalize-space(.)='{item}']]"
    _wait(lambda: driver.find_elements(By.XPATH, label), 10, f"{menu} > {item}")[0].click()


def _open(driver, base: str, token: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/lab/tree/notebooks/{name}.ipynb?reset&token={token}")
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell"), 90, f"{name} to open")
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog") or driver.execute_script(
        "const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');"
        "const k = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName');"
        "return s && s.getAttribute('data-status') === 'idle' && k && k.textContent.trim() !== 'No Kernel';"),
          120, f"{name}'s kernel to start")
    dialogs = driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog")
    assert not dialogs, f"{name}: JupyterLab asks: {dialogs[0].text}"


def _run_all(driver, name: str) -> None:
    _click_menu(driver, "Run", "Run All Cells")
    _wait(lambda: all(re.fullmatch(r"\[\d+\]:", p) for p in _prompts(driver)) and driver.execute_script(
        "const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');"
        "return s && s.getAttribute('data-status') === 'idle';"), NOTEBOOK_TIMEOUT, f"{name}'s cells to run", 2.0)


def _shut_down_kernels(base: str, token: str) -> None:
    import requests

    for session in requests.get(f"{base}/api/sessions", params={"token": token}, timeout=10).json():
        requests.delete(f"{base}/api/sessions/{session['id']}", params={"token": token}, timeout=30)


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
        _open(browser, base, token, name)
        kernel = browser.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName").text
        assert kernel == KERNEL_DISPLAY_NAME, f"{name} opened on {kernel!r}"
        _run_all(browser, name)
        outputs = browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
        stderr = [o.text for o in outputs if o.get_attribute("data-mime-type") == "application/vnd.jupyter.stderr"]
        assert stderr == [], f"{name}: error or stderr boxes:\n" + "\n---\n".join(stderr)
        assert not [o.text for o in outputs if "Error displaying widget" in o.text or "IProgress not found" in o.text]
        if name == "05_review_and_correct":
            _correct_one_row_in_the_widget(browser, workspace)
        if name == "01_stance_through_the_article":
            _assert_full_width(browser.execute_script(LAYOUT_JS), "JupyterLab")
            _click_menu(browser, "File", "Save Notebook")
            saved = workspace / "notebooks" / f"{name}.ipynb"
            _wait(lambda: any(c.get("outputs") for c in nbformat.read(saved, as_version=4).cells), 30,
                  "the notebook to be saved")
            _check_report_and_standalone_html(browser, workspace, name)
    except Exception:
        browser.save_screenshot(str(workspace / f"{name}.png"))
        raise
    finally:
        _shut_down_kernels(base, token)
        print(f"{name}: {time.monotonic() - started:.0f} s in JupyterLab")


def _correct_one_row_in_the_widget(browser, workspace: Path) -> None:
    """The review widget is drawn (not its text fallback); pressing Critical, Strong and Save writes a correction."""
    from selenium.webdriver.common.by import By

    review = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .edm-review"),
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
    _wait(lambda: saved.is_file() and len(saved.read_text(encoding="utf-8").splitlines()) == 2, 30,
          "the correction to be saved")
    from edm_stance.corrections import read_corrections

    row = read_corrections(saved).iloc[0]
    assert (row["label"], row["strength"], row["analyst"]) == ("critical", -2.0, "browser")
    _wait(lambda: "Row 2 of" in review.text, 10, "the next row")


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
