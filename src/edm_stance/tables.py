"""Tables for reading: a per-target summary of an article, and any table as a notebook shows it.

The analysis tables keep code names (``russia``, ``civil_society_rights``) and full precision, as
they are written to CSV. :func:`for_display` only prepares what a reader sees: display
names instead of code names, rounded numbers, shares as whole percentages, nothing shown
for a missing value, and identifiers kept on one line.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = ["NAME_COLUMNS", "for_display", "least_certain", "target_summary"]

# Columns that hold target or frame code names.
NAME_COLUMNS = ("target", "frame", "runner_up", "from_frame", "to_frame")
_NO_WRAP = ("article_id", "target", "date", "period", "kind", "frame", "label")
_SUMMARY_COLUMNS = ["target", "paragraphs_present", "mean_score", "most_critical_paragraph", "most_favorable_paragraph",
                    "critical", "neutral", "favorable", "shifts"]


def target_summary(stance_table: pd.DataFrame, shifts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summarise one article's stance per present target.

    Parameters
    ----------
    stance_table : pandas.DataFrame
        A scorer's table of one article.
    shifts : pandas.DataFrame, optional
        Its :func:`edm_stance.shifts.stance_shifts`, to count shifts per target.

    Returns
    -------
    pandas.DataFrame
        One row per target present somewhere: target, paragraphs_present, mean_score,
        most_critical_paragraph (the lowest-scored paragraph labelled critical; empty when
        none is), most_favorable_paragraph (likewise for favorable), the counts of critical,
        neutral and favorable paragraphs, and shifts.
    """
    present = stance_table[stance_table["label"] != "absent"]
    rows = []
    for target, part in present.groupby("target", sort=False):
        critical, favorable = part[part["label"] == "critical"], part[part["label"] == "favorable"]
        counts = part["label"].value_counts()
        rows.append({
            "target": target,
            "paragraphs_present": len(part),
            "mean_score": float(part["score"].mean()),
            "most_critical_paragraph": critical.loc[critical["score"].idxmin(), "paragraph"] if len(critical) else pd.NA,
            "most_favorable_paragraph": favorable.loc[favorable["score"].idxmax(), "paragraph"] if len(favorable) else pd.NA,
            **{label: int(counts.get(label, 0)) for label in ("critical", "neutral", "favorable")},
            "shifts": int((shifts["target"] == target).sum()) if shifts is not None else 0,
        })
    summary = pd.DataFrame(rows, columns=_SUMMARY_COLUMNS)
    return summary.astype({"most_critical_paragraph": "Int64", "most_favorable_paragraph": "Int64"})


def least_certain(stance_table: pd.DataFrame, n: int | None = 10) -> pd.DataFrame:
    """Return the present pairs in order of rising confidence: what a reader should check first.

    The default model's confidence is a calibrated probability, so a row with confidence 0.45
    is wrong more often than one with 0.9. Ties keep article and paragraph order.

    Parameters
    ----------
    stance_table : pandas.DataFrame
        A scorer's table.
    n : int, optional
        How many rows; None for all.

    Returns
    -------
    pandas.DataFrame
        The table's columns (article_id, paragraph, target, label, score, confidence, evidence, ...).
    """
    present = stance_table[stance_table["label"] != "absent"]
    ordered = present.sort_values("confidence", kind="stable")
    return (ordered if n is None else ordered.head(n)).reset_index(drop=True)


@functools.cache
def _default_names() -> dict[str, str]:
    from .frames import load_frames
    from .styles import target_labels
    from .targets import load_targets

    names = {frame.name: frame.label for frame in load_frames().values()}
    return {**names, **target_labels(load_targets())}


def for_display(table: pd.DataFrame, *, percent: Iterable[str] = (), digits: int = 2,
                names: Mapping[str, str] | None = None):
    """Return ``table`` styled for reading in a notebook or a report (a pandas Styler).

    Parameters
    ----------
    table : pandas.DataFrame
    percent : iterable of str
        Columns of shares in [0, 1], shown as whole percentages ("29%").
    digits : int
        Decimals of the other floating-point columns.
    names : mapping, optional
        Display names of code names, added to those of the default targets and frames;
        applied to the columns in :data:`NAME_COLUMNS`, to such an index and to column
        headers that are code names (e.g. a pivot by frame).

    Returns
    -------
    pandas.io.formats.style.Styler
        Underscores in headers become spaces; missing values show as nothing; text is
        left-aligned; an unnamed row-number index is hidden.
    """
    chosen = {**_default_names(), **(names or {})}
    shown = table.copy()
    for column in NAME_COLUMNS:
        if column in shown.columns:
            shown[column] = shown[column].map(lambda value: chosen.get(value, value))
    if shown.index.name in NAME_COLUMNS:
        shown.index = shown.index.map(lambda value: chosen.get(value, value))
    percent = [column for column in percent if column in shown.columns]
    header = {column: chosen.get(column, str(column).replace("_", " ")) for column in shown.columns}
    shown = shown.rename(columns=header)
    if shown.index.name:
        shown.index.name = str(shown.index.name).replace("_", " ")
    styler = shown.style.format(precision=digits, na_rep="")
    if percent:
        styler = styler.format("{:.0%}", subset=[header[c] for c in percent], na_rep="")
    dates = [header[c] for c in table.columns if pd.api.types.is_datetime64_any_dtype(table[c])]
    if dates:
        styler = styler.format(lambda when: when.strftime("%Y-%m-%d"), subset=dates, na_rep="")
    no_wrap = [header[c] for c in table.columns if c in _NO_WRAP]
    if no_wrap:
        styler = styler.set_properties(subset=no_wrap, **{"white-space": "nowrap"})
    text = [header[c] for c in table.columns if c not in percent and not pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_datetime64_any_dtype(table[c])]
    if text:  # cells and their headers
        styler = styler.set_table_styles({column: [{"selector": "", "props": "text-align: left;"}] for column in text},
                                         overwrite=False)
    if table.index.name is None and pd.api.types.is_integer_dtype(table.index):
        styler = styler.hide(axis="index")
    return styler
