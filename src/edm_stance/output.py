"""Write files atomically, so that a failed or interrupted run leaves no partial file.

Every file the package writes goes through :func:`atomic_write`: a temporary file next to the
target, renamed over it only once complete, with the permissions a plain ``open()`` would give
(``0666`` less the user's umask: ``0644`` by default). Result tables are CSV, for a look in a
spreadsheet, or Parquet (pyarrow) for archive-scale tables, with column types kept (nullable
integers for volume and issue). :func:`check_output_path` tells before any work whether a
table can be written where the user asked.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Iterator

import pandas as pd

from .errors import OutputError

__all__ = ["OUTPUT_FORMATS", "atomic_write", "check_output_path", "check_writable_folder", "manifest_path",
           "replace_folder", "write_table"]

OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet"}
_UMASK_LOCK = threading.Lock()


def _file_mode() -> int:
    """Return the mode ``open()`` gives a new file: 0o666 less the current umask."""
    with _UMASK_LOCK:  # reading the umask means setting it; keep other threads out meanwhile
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; when the block succeeds, rename it to ``path``.

    The file gets the permissions of a plain ``open()`` (the user's umask), not the private
    0600 of a temporary file. If the block fails or is interrupted, the temporary file is
    removed and ``path`` is left as it was.

    Examples
    --------
    >>> with atomic_write("out.html") as tmp:  # doctest: +SKIP
    ...     tmp.write_text(page, encoding="utf-8")
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable_folder(folder: str | Path) -> str | None:
    """Return why files cannot be created in ``folder``, or None when they can (tested by creating one)."""
    folder = Path(folder)
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        fd, probe = tempfile.mkstemp(prefix=".edm-stance-write-test.", dir=folder)
    except OSError as exc:
        return f"cannot write in the folder {folder} ({exc.strerror or exc})"
    os.close(fd)
    os.unlink(probe)
    return None


def check_output_path(path: str | Path) -> Path:
    """Check, before any work, that a table can be written to ``path``; return it as a Path.

    Raises
    ------
    OutputError
        For an unknown suffix, a path that is a folder, a missing or read-only folder.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name ending in {' or '.join(OUTPUT_FORMATS)}")
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise OutputError(f"{path}: unknown output format {path.suffix!r}; use one of {', '.join(OUTPUT_FORMATS)}")
    if path.exists() and not path.is_file():
        raise OutputError(f"{path}: exists and is not a regular file")
    problem = check_writable_folder(path.parent)
    if problem:
        raise OutputError(f"{path}: {problem}")
    return path


def manifest_path(output: str | Path) -> Path:
    """Return the manifest written next to the table ``output``: its full name + ``.manifest.csv``."""
    output = Path(output)
    return output.with_name(output.name + ".manifest.csv")


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as CSV or Parquet (by the file's suffix) via a temporary file and a rename.

    Raises
    ------
    OutputError
        When the path is not writable (see :func:`check_output_path`) or the write fails
        (e.g. the disk is full); no partial file is left.
    """
    path = check_output_path(path)
    kind = OUTPUT_FORMATS[path.suffix.lower()]
    try:
        with atomic_write(path) as tmp:
            if kind == "csv":
                table.to_csv(tmp, index=False, encoding="utf-8")
            else:
                table.to_parquet(tmp, index=False, engine="pyarrow")
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc})") from exc
    return path


def replace_folder(source: str | Path, target: str | Path) -> Path:
    """Move a finished folder into place by renames (same file system); an older ``target`` is replaced whole.

    Used for model folders: they are written beside ``target`` first, so that a run that
    fails or is interrupted leaves either the old folder or the new one, never a mix.
    """
    source, target = Path(source), Path(target)
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        source.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        source.rename(target)
    return target
