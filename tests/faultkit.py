"""Helpers of the fault tests (tests/test_faults_*.py): run the CLI, check the one-line error and what is left.

Every fault case checks the same contract: exit code 2, one line on stderr that names the
file and the problem, no traceback, no partial file, and no result lost.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from edm_stance.cli import main

from .conftest import ROOT

SRC = ROOT / "src"


def run_cli(argv, capsys) -> tuple[int, str, str]:
    """Run ``edm-stance`` in this process; return (exit code, stdout, stderr)."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: object) -> str:
    """Check exit code 2 and a single ``edm-stance...: error:`` line holding every fragment; return the line."""
    assert code == 2, f"exit code {code}, stderr: {err}"
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("edm-stance") and ": error: " in line, line
    for fragment in fragments:
        assert str(fragment) in line, (fragment, line)
    return line


def leftovers(folder: Path) -> list[str]:
    """Return the temporary files (``.*.tmp``) left anywhere under ``folder``."""
    return sorted(str(path) for path in Path(folder).rglob("*.tmp"))


def files_in(folder: Path) -> set[str]:
    """Return the names of the files under ``folder``, relative to it."""
    return {str(path.relative_to(folder)) for path in Path(folder).rglob("*") if path.is_file()}


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a CLI subprocess: this checkout's sources first, a fresh cache."""
    path = os.pathsep.join(filter(None, [str(SRC), str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, "EDM_STANCE_CACHE": str(tmp_path / "cache"), **extra}


def run_subprocess(argv, tmp_path: Path, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m edm_stance.cli ARGV`` in a subprocess with :func:`cli_env`."""
    return subprocess.run([sys.executable, "-m", "edm_stance.cli", *map(str, argv)], env=cli_env(tmp_path),
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def alive(pid: int) -> bool:
    """Tell whether process ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def write_article(path: Path, body: str, title: str = "Invented test article") -> Path:
    """Write a small invented article (a header, then ``body``) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Title: {title}\n\n{body}\n", encoding="utf-8")
    return path
