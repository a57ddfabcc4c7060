"""JupyterLab and headless Chromium for the browser test and the README's screenshots.

:func:`prepare_workspace` copies notebooks into a folder (``data/`` linked beside them, the
project's kernel installed in a private Jupyter path, JupyterLab's news checks off), so that
the repository's files are never touched; :func:`jupyterlab_server` runs JupyterLab on a free
local port over it; :func:`headless_chromium` drives Debian's ``chromium`` through its
``chromedriver`` (selenium never looks for a driver or browser online); the rest opens a
notebook, runs its cells from the Run menu and waits for them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from unittest import mock

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
KERNEL_DISPLAY_NAME = "Python (edm-stance)"
NOTEBOOK_TIMEOUT = 600  # seconds for one notebook's cells


def wait(condition, timeout: float, what: str, interval: float = 1.0):
    """Return ``condition()`` once it is true; fail after ``timeout`` seconds, saying what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def set_parameters(path: Path, **values: str) -> None:
    """Change string parameters in a notebook's parameters cell (the first cell)."""
    notebook = nbformat.read(path, as_version=4)
    for name, value in values.items():
        notebook.cells[0].source, n = re.subn(rf'^{name}: str = ".*?"', f"{name}: str = {json.dumps(value)}",
                                              notebook.cells[0].source, flags=re.MULTILINE)
        assert n == 1, f"{path.name} has no parameter {name}"
    nbformat.write(notebook, path)


def prepare_workspace(folder: Path, notebooks: list[str],
                      parameters: Mapping[str, Mapping[str, str]] | None = None) -> Path:
    """Copy ``notebooks`` into ``folder/notebooks`` (with their string ``parameters`` changed), link data/, add the kernel."""
    (folder / "notebooks").mkdir(parents=True)
    for name in notebooks:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", folder / "notebooks")
        if parameters and name in parameters:
            set_parameters(folder / "notebooks" / f"{name}.ipynb", **parameters[name])
    (folder / "data").symlink_to(ROOT / "data")
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(folder / "jupyter"),
                    "--name", "edm-stance", "--display-name", KERNEL_DISPLAY_NAME], check=True, capture_output=True)
    settings = folder / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                          "checkForUpdates": False}))
    return folder


@contextlib.contextmanager
def jupyterlab_server(workspace: Path, env: Mapping[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """Run JupyterLab over ``workspace`` on a free port; yield its base URL and token.

    ``env`` is added to the environment of the server and so of its kernels.
    """
    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = uuid.uuid4().hex
    env = {**os.environ, **(env or {}),
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

        wait(ready, 120, "JupyterLab to start")
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextlib.contextmanager
def headless_chromium(workspace: Path, window_size: str = "1400,1000") -> Iterator:
    """Headless Chromium through Debian's chromedriver (no driver or browser download); yield the driver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", f"--window-size={window_size}",
                     f"--user-data-dir={workspace / 'chromium'}"):
        options.add_argument(argument)
    with mock.patch.dict(os.environ, {"SE_OFFLINE": "true"}):  # never let selenium look for a driver or browser online
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def prompts(driver) -> list[str]:
    """The input prompts of the notebook shown ("[3]:", "[*]:", "[ ]:")."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'))"
        ".map(e => e.textContent.trim());")


def click_menu(driver, menu: str, item: str) -> None:
    """Choose ``menu`` > ``item`` from JupyterLab's menu bar."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, f"//li[contains(@class,'lm-MenuBar-item')][normalize-space(.)='{menu}']").click()
    label = f"//li[contains(@class,'lm-Menu-item')][.//div[contains(@class,'lm-Menu-itemLabel')][normalize-space(.)='{item}']]"
    wait(lambda: driver.find_elements(By.XPATH, label), 10, f"{menu} > {item}")[0].click()


def open_notebook(driver, base: str, token: str, name: str) -> None:
    """Open ``notebooks/<name>.ipynb`` and wait for its kernel; fail if JupyterLab asks anything."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/lab/tree/notebooks/{name}.ipynb?reset&token={token}")
    wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell"), 90, f"{name} to open")
    wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog") or driver.execute_script(
        "const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');"
        "const k = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName');"
        "return s && s.getAttribute('data-status') === 'idle' && k && k.textContent.trim() !== 'No Kernel';"),
         120, f"{name}'s kernel to start")
    dialogs = driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog")
    assert not dialogs, f"{name}: JupyterLab asks: {dialogs[0].text}"


def run_all(driver, name: str) -> None:
    """Run all cells from the Run menu and wait until every code cell ran and the kernel is idle."""
    click_menu(driver, "Run", "Run All Cells")
    wait(lambda: all(re.fullmatch(r"\[\d+\]:", p) for p in prompts(driver)) and driver.execute_script(
        "const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');"
        "return s && s.getAttribute('data-status') === 'idle';"), NOTEBOOK_TIMEOUT, f"{name}'s cells to run", 2.0)


def shut_down_kernels(base: str, token: str) -> None:
    """Shut down every kernel session of the server."""
    import requests

    for session in requests.get(f"{base}/api/sessions", params={"token": token}, timeout=10).json():
        requests.delete(f"{base}/api/sessions/{session['id']}", params={"token": token}, timeout=30)
