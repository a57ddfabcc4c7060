"""Run the analysis notebooks on an article: executed notebooks, their HTML and the figures.

:func:`run_report` executes each notebook of ``notebooks/`` with papermill, passing the
article and the output folder as parameters (only those a notebook declares), and converts
each executed notebook to HTML with nbconvert. The notebooks write their figures and tables
into the same folder; the notebooks themselves are only read. Paths are passed relative to
the notebooks' folder (the kernel's working directory), so a report shows no absolute path
of the machine that ran it. ``make report`` calls this through ``edm-stance report``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

from .article import read_article
from .errors import ReportError
from .output import atomic_write, check_writable_folder
from .scoring.registry import DEFAULT_SCORER

__all__ = ["NOTEBOOKS", "run_report"]

NOTEBOOKS = ("01_stance_through_the_article", "02_framing_shifts", "03_model_check")


def _parameters_for(notebook: Path, offered: dict) -> dict:
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    return {name: value for name, value in offered.items() if name in declared}


def _write_html(executed: Path) -> Path:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(executed))
    target = executed.with_suffix(".html")
    with atomic_write(target) as tmp:
        tmp.write_text(body, encoding="utf-8")
    return target


def _prepare_output(output_dir: Path) -> None:
    """Create the report folder, or say in one line why it cannot be used, before any notebook runs."""
    if output_dir.exists() and not output_dir.is_dir():
        raise ReportError(f"{output_dir}: exists and is not a folder; pass -o with a folder for the report")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{output_dir}: the report folder cannot be created ({exc.strerror or exc})") from exc
    problem = check_writable_folder(output_dir)
    if problem:
        raise ReportError(f"{output_dir}: {problem}")


def run_report(article_path: str | Path, *, output_dir: str | Path | None = None, scorer: str = DEFAULT_SCORER,
               model: str = "", notebooks_dir: str | Path = "notebooks", notebooks: Sequence[str] = NOTEBOOKS,
               progress: bool = True) -> Path:
    """Execute the notebooks on one article and write the report folder.

    Parameters
    ----------
    article_path : str or Path
        An EDM article in the text format.
    output_dir : str or Path, optional
        Default: ``reports/<article_id>``.
    scorer : str
        The stance scorer the notebooks use; notebook 03 compares it with ``tsc`` and ``lexicon``.
    model : str
        The scorer's model folder (e.g. one refitted on corrections); empty: its default model.
    notebooks_dir : str or Path
        The folder of the notebooks (they run with it as the working directory).
    notebooks : sequence of str
        Which notebooks to run, by name without ``.ipynb``, in order.
    progress : bool
        Show a progress bar per notebook.

    Returns
    -------
    Path
        The report folder, holding ``<notebook>.ipynb``, ``<notebook>.html``, ``figures/``
        and the notebooks' tables (``stance.csv``, ``frames.csv``, ...).

    Raises
    ------
    ArticleReadError
        The article cannot be read (before any notebook runs).
    ReportError
        A notebook is missing, the output folder cannot be written, or a cell failed; the
        message names the executed notebook that shows the error.
    UnknownScorerError, ScorerOptionError
        The scorer is not registered, or takes no model (before any notebook runs).
    """
    import papermill

    from .scoring import scorer_for

    scorer_for(scorer, model)  # an unknown name or option fails here, not inside a notebook's kernel; builds no model
    article = read_article(article_path)
    notebooks_dir = Path(notebooks_dir).resolve()
    sources = [notebooks_dir / f"{name}.ipynb" for name in notebooks]
    missing = [str(path) for path in sources if not path.is_file()]
    if missing:
        raise ReportError(f"{', '.join(missing)}: no such notebook; run the report from the project's root folder")
    output_dir = Path(output_dir) if output_dir is not None else Path("reports") / article.article_id
    output_dir = output_dir.resolve()
    _prepare_output(output_dir)
    offered = {
        "article_path": os.path.relpath(Path(article_path).resolve(), notebooks_dir),
        "scorer": scorer,
        "model": os.path.relpath(Path(model).resolve(), notebooks_dir) if model and Path(model).exists() else model,
        "scorers": ",".join(dict.fromkeys([scorer, "paragraph", "tsc", "lexicon"])),
        "output_dir": os.path.relpath(output_dir, notebooks_dir),
    }
    for number, source in enumerate(sources, 1):
        executed = output_dir / source.name
        print(f"[{number}/{len(sources)}] {source.name} -> {executed}", file=sys.stderr, flush=True)
        try:
            papermill.execute_notebook(os.path.relpath(source), os.path.relpath(executed),
                                       parameters=_parameters_for(source, offered), cwd=str(notebooks_dir),
                                       progress_bar=progress, kernel_name="python3")
        except papermill.PapermillExecutionError as exc:
            raise ReportError(f"{source.name}: cell {exc.exec_count} failed with {exc.ename}: {exc.evalue} "
                              f"(see {executed})") from exc
        _write_html(executed)
    return output_dir
