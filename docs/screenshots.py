"""Take the README's screenshots of the review loop in a real browser (JupyterLab in headless Chromium).

What the README describes, done by a script: notebook 05 is opened in JupyterLab (in a
temporary workspace: the repository's files are never touched) on the seed article and a
paragraph model, and its 10 most uncertain rows are corrected in the browser through the
widget's quick-entry box, with the seed's gold annotation (data/gold/edm-v3-i138.csv) as the
analyst's labels. Screenshot 1 is the widget. Then ``edm-stance train --corrections`` refits
the model on those corrections (timed), the notebook runs again with ``refitted_model`` set,
and screenshot 2 is its last part: the pairs whose label changed, the agreement with the
held-out corrections, and the article as the refitted model reads it.

usage: .venv/bin/python docs/screenshots.py [--model DIR] [--output docs/images] [--keep DIR]
       (--model: the paragraph model to review; default: the shipped one)
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/jupyterlab.py: the browser plumbing shared with the browser test

from tests.jupyterlab import (click_menu, headless_chromium, jupyterlab_server, open_notebook,  # noqa: E402
                              prepare_workspace, run_all, set_parameters, shut_down_kernels, wait)

NOTEBOOK = "05_review_and_correct"
SEED = ROOT / "data" / "raw" / "edm-v3-i138.txt"
GOLD = ROOT / "data" / "gold" / "edm-v3-i138.csv"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def quick_code(label: str, strength: float | None) -> str:
    """The quick-entry code of a gold label: c/n/f/a, with the strength digit for critical and favorable."""
    code = {"critical": "c", "neutral": "n", "favorable": "f", "absent": "a"}[label]
    known = strength is not None and not math.isnan(strength) and strength != 0
    return f"{code}{int(abs(strength))}" if label in {"critical", "favorable"} and known else code


def correct_in_browser(driver, gold, n: int) -> list[str]:
    """Correct ``n`` rows of the widget by typing each row's gold label in the quick-entry box; return what was typed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    review = driver.find_element(By.CSS_SELECTOR, f"{PANEL} .edm-review")
    typed = []
    for i in range(n):
        article, paragraph, target = _row_key(review.find_element(By.CSS_SELECTOR, ".edm-review-paragraph").text)
        row = gold[(gold["paragraph"] == paragraph) & (gold["target"] == target)].iloc[0]
        entry = f"{quick_code(row['label'], row['strength'])} gold: {str(row['note'])[:40]}"
        box = review.find_element(By.CSS_SELECTOR, "input[placeholder^='c/n/f/a']")
        box.click()
        box.send_keys(entry, Keys.ENTER)
        wait(lambda: f"({i + 1} saved)" in review.text or "End of the queue" in review.text, 30, f"correction {i + 1}")
        typed.append(f"{article} ¶{paragraph} {target}: {entry}")
    return typed


def _row_key(text: str) -> tuple[str, int, str]:
    """(article, paragraph, target) from the widget's paragraph caption: 'edm-v3-i138 · ¶4 · mentions of NGOs ...'."""
    names = {"Russia": "russia", "The West": "west", "the West": "west", "NGOs": "ngos"}
    article, paragraph, rest = [part.strip() for part in text.split("·", 2)]
    label = rest.removeprefix("mentions of ").split(" in bold")[0]
    return article, int(paragraph.lstrip("¶")), names[label]


def main() -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="", help="paragraph model folder to review (default: the shipped one)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "images"), help="where the PNGs go")
    parser.add_argument("--n", type=int, default=10, help="rows to correct (default 10)")
    parser.add_argument("--keep", help="keep the workspace (corrections, refitted model, notebooks) in this folder")
    args = parser.parse_args()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    gold = pd.read_csv(GOLD)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="edm-screenshots-"))
    model = str(Path(args.model).resolve()) if args.model else ""
    try:
        prepare_workspace(work, [NOTEBOOK], {NOTEBOOK: {
            "source": str(SEED), "model": model, "corrections_dir": str(work / "corrections"), "analyst": "analyst"}})
        with jupyterlab_server(work) as (base, token), headless_chromium(work, "1280,1100") as driver:
            from selenium.webdriver.common.by import By

            open_notebook(driver, base, token, NOTEBOOK)
            run_all(driver, NOTEBOOK)
            review = wait(lambda: driver.find_elements(By.CSS_SELECTOR, f"{PANEL} .edm-review"), 60, "the widget")[0]
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", review)
            article, paragraph, target = _row_key(review.find_element(By.CSS_SELECTOR, ".edm-review-paragraph").text)
            row = gold[(gold["paragraph"] == paragraph) & (gold["target"] == target)].iloc[0]
            strength = "Strong (±2)" if abs(row["strength"]) == 2 else "Mild (±1)"
            for text in (row["label"].capitalize(), strength):  # the first row's correction, not yet saved
                [b for b in review.find_elements(By.TAG_NAME, "button") if b.text.strip() == text][0].click()
            review.find_element(By.CSS_SELECTOR, "input[placeholder='why (optional)']").send_keys(str(row["note"])[:60])
            time.sleep(1)
            review.screenshot(str(output / "review_widget.png"))
            for line in correct_in_browser(driver, gold, args.n):
                print("corrected", line)
            click_menu(driver, "File", "Save Notebook")
            time.sleep(2)
            shut_down_kernels(base, token)

            refit_dir = work / "models" / "refit-1"
            command = [str(Path(sys.executable).with_name("edm-stance")), "train", "--corrections",
                       str(work / "corrections"), "--output", str(refit_dir), *(["--model", model] if model else [])]
            started = time.perf_counter()
            subprocess.run(command, check=True)
            print(f"refit took {(time.perf_counter() - started) / 60:.1f} min (load average {os.getloadavg()[0]:.1f}, "
                  f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}): {' '.join(command)}")

            set_parameters(work / "notebooks" / f"{NOTEBOOK}.ipynb", refitted_model=str(refit_dir))
            open_notebook(driver, base, token, NOTEBOOK)
            driver.find_element(By.CSS_SELECTOR, ".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
            run_all(driver, NOTEBOOK)
            changes = driver.find_element(By.XPATH, "//div[contains(@class, 'jp-OutputArea-output')]"
                                                    "[contains(., 'The refitted model changes the label')]")
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", changes)
            time.sleep(1)
            driver.find_element(By.CSS_SELECTOR, PANEL).screenshot(str(output / "review_rescored.png"))
            shut_down_kernels(base, token)
        print(f"wrote {output / 'review_widget.png'} and {output / 'review_rescored.png'}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
