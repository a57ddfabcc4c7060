"""Where the framing shifts: stance flips and jumps per target, and changes of dominant frame.

A *stance shift* compares consecutive paragraphs in which a target is present (absent
paragraphs in between are skipped, since absence is not a stance). It is a ``flip`` when
the label's sign changes (critical to favorable or back, the codebook's labels, so that a
wobble inside the neutral band is not a flip) and a ``jump`` when the score moves by at
least ``threshold`` without such a flip. A *frame shift* is a change of the dominant frame
between consecutive paragraphs.
"""

from __future__ import annotations

import pandas as pd

from .frames import dominant_frames

__all__ = ["FRAME_SHIFT_COLUMNS", "STANCE_SHIFT_COLUMNS", "frame_shifts", "stance_shifts"]

STANCE_SHIFT_COLUMNS = ["article_id", "target", "from_paragraph", "to_paragraph", "from_label", "to_label",
                        "from_score", "to_score", "change", "kind"]
FRAME_SHIFT_COLUMNS = ["article_id", "from_paragraph", "to_paragraph", "from_frame", "to_frame", "from_share", "to_share"]
_SIGN = {"critical": -1, "neutral": 0, "favorable": 1}


def stance_shifts(stance_table: pd.DataFrame, *, threshold: float = 0.5) -> pd.DataFrame:
    """Find stance flips and jumps between consecutive paragraphs where a target is present.

    Parameters
    ----------
    stance_table : pandas.DataFrame
        A scorer's table (article_id, paragraph, target, label, score, ...).
    threshold : float
        Smallest change of score, on the [-1, 1] scale, that counts as a jump.

    Returns
    -------
    pandas.DataFrame
        One row per shift (:data:`STANCE_SHIFT_COLUMNS`), ``change`` = to_score - from_score,
        in article, target and paragraph order.
    """
    if threshold <= 0:
        raise ValueError(f"threshold must be positive, got {threshold}.")
    present = stance_table[stance_table["label"] != "absent"].sort_values(["article_id", "paragraph"], kind="stable")
    rows = []
    for (article_id, target), part in present.groupby(["article_id", "target"], sort=False):
        records = part.to_dict("records")
        for before, after in zip(records, records[1:]):
            change = float(after["score"] - before["score"])
            flip = _SIGN[before["label"]] * _SIGN[after["label"]] < 0
            if flip or abs(change) >= threshold:
                rows.append({"article_id": article_id, "target": target,
                             "from_paragraph": before["paragraph"], "to_paragraph": after["paragraph"],
                             "from_label": before["label"], "to_label": after["label"],
                             "from_score": before["score"], "to_score": after["score"],
                             "change": change, "kind": "flip" if flip else "jump"})
    return pd.DataFrame(rows, columns=STANCE_SHIFT_COLUMNS)


def frame_shifts(frame_table: pd.DataFrame) -> pd.DataFrame:
    """Find where the dominant frame changes between consecutive paragraphs.

    Parameters
    ----------
    frame_table : pandas.DataFrame
        :meth:`edm_stance.frames.FrameScorer.score`'s table.

    Returns
    -------
    pandas.DataFrame
        One row per change (:data:`FRAME_SHIFT_COLUMNS`).
    """
    dominant = dominant_frames(frame_table)
    rows = []
    for article_id, part in dominant.groupby("article_id", sort=False):
        records = part.sort_values("paragraph").to_dict("records")
        for before, after in zip(records, records[1:]):
            if before["frame"] != after["frame"]:
                rows.append({"article_id": article_id, "from_paragraph": before["paragraph"],
                             "to_paragraph": after["paragraph"], "from_frame": before["frame"],
                             "to_frame": after["frame"], "from_share": before["share"], "to_share": after["share"]})
    return pd.DataFrame(rows, columns=FRAME_SHIFT_COLUMNS)
