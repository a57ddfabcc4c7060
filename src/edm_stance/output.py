"""Write result tables atomically, so that a failed or interrupted run leaves no partial file.

CSV for a look in a spreadsheet; Parquet (pyarrow) for archive-scale tables, with column
types kept (nullable integers for volume and issue).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .errors import EdmStanceError

__all__ = ["write_table"]

_FORMATS = {".csv": "csv", ".parquet": "parquet"}


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as CSV or Parquet (by the file's suffix) via a temporary file and a rename."""
    path = Path(path)
    kind = _FORMATS.get(path.suffix.lower())
    if kind is None:
        raise EdmStanceError(f"{path}: unknown output format {path.suffix!r}; use one of {', '.join(_FORMATS)}")
    if not path.parent.exists():
        raise EdmStanceError(f"{path}: the folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if kind == "csv":
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                table.to_csv(handle, index=False)
        else:
            os.close(fd)
            table.to_parquet(tmp, index=False, engine="pyarrow")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
