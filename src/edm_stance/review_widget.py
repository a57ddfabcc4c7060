"""The review widget: correct a queue row by row in JupyterLab, each correction saved as it is made.

:class:`ReviewSession` shows one row of the queue (:func:`edm_stance.review.review_queue`)
at a time: the paragraph with the target's mentions and the evidence sentence marked, what
the model said, and the controls: label buttons, strength (mild/strong), a note, Back /
Skip / Save. Every control is reached with Tab and pressed with Enter or Space, and the
quick-entry box takes a whole correction from the keyboard: ``c``, ``n``, ``f`` or ``a``
(critical, neutral, favorable, absent), a strength digit for critical/favorable, then an
optional note, and Enter: ``f2 sympathetic victim of the raid``. Each saved correction is
appended to the :class:`~edm_stance.corrections.CorrectionLog` at once, so a kernel that
dies loses nothing that was saved. ipywidgets is imported when a session is built.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from .corrections import CorrectionLog
from .errors import EdmStanceError
from .review import paragraph_html

__all__ = ["ReviewSession", "parse_quick_entry"]

_CODES = {"c": "critical", "n": "neutral", "f": "favorable", "a": "absent"}
_QUICK = re.compile(r"^\s*([cnfa])\s*([12])?(?:\s+(.*?))?\s*$", re.IGNORECASE)
_MOVES = {"b": "back", "s": "skip"}


def parse_quick_entry(text: str) -> tuple[str, float | None, str] | str | None:
    """Read a quick entry: ``(label, strength, note)``, ``"back"``/``"skip"`` (``b``/``s``), or None if unreadable.

    ``f2 note`` is favorable, strength 2; ``c`` is critical, strength 1 (mild);
    ``n`` is neutral (0); ``a`` is absent (no strength). A digit after ``n`` or ``a`` is unreadable.
    """
    if text.strip().lower() in _MOVES:
        return _MOVES[text.strip().lower()]
    match = _QUICK.match(text)
    if not match:
        return None
    label, digit, note = _CODES[match.group(1).lower()], match.group(2), match.group(3) or ""
    if label in {"neutral", "absent"}:
        if digit:
            return None
        return label, (0.0 if label == "neutral" else None), note
    strength = float(digit or 1)
    return label, -strength if label == "critical" else strength, note


class ReviewSession:
    """Review a queue in the notebook; displays itself as widgets.

    Parameters
    ----------
    queue : pandas.DataFrame
        The rows to review, in order (:func:`edm_stance.review.review_queue`).
    log : CorrectionLog
        Where each correction is appended as it is saved.

    Examples
    --------
    >>> session = ReviewSession(queue=queue, log=CorrectionLog(folder="data/corrections", analyst="jane"))  # doctest: +SKIP
    >>> session  # the widgets, in a notebook  # doctest: +SKIP
    >>> session.save("favorable", 1.0, "victim of a raid")  # what the Save button does  # doctest: +SKIP
    """

    def __init__(self, *, queue: pd.DataFrame, log: CorrectionLog):
        import ipywidgets as widgets

        self.queue = queue.reset_index(drop=True)
        self.log = log
        self.position = 0
        self.saved: dict[int, dict] = {}
        layout = widgets.Layout(width="auto")
        self._header = widgets.HTML()
        self._paragraph = widgets.HTML()
        self._label = widgets.ToggleButtons(
            options=[("Critical", "critical"), ("Neutral", "neutral"), ("Favorable", "favorable"), ("Absent", "absent")],
            value=None, description="Label", tooltips=["c", "n", "f", "a: the target is not referred to here"])
        self._strength = widgets.ToggleButtons(options=[("Mild (±1)", 1.0), ("Strong (±2)", 2.0)], value=1.0,
                                               description="Strength")
        self._note = widgets.Text(description="Note", placeholder="why (optional)", layout=widgets.Layout(width="60%"))
        self._back = widgets.Button(description="◂ Back", tooltip="previous row (quick entry: b)", layout=layout)
        self._skip = widgets.Button(description="Skip ▸", tooltip="next row, nothing saved (quick entry: s)", layout=layout)
        self._save = widgets.Button(description="Save ▸", button_style="primary", tooltip="save and go to the next row",
                                    layout=layout)
        self._quick = widgets.Text(description="Quick", continuous_update=False, layout=widgets.Layout(width="60%"),
                                   placeholder="c/n/f/a, strength 1-2, note, Enter: e.g. f2 victim of the raid")
        self._status = widgets.HTML()
        self._label.observe(self._on_label, names="value")
        self._back.on_click(lambda _: self.go(self.position - 1))
        self._skip.on_click(lambda _: self.go(self.position + 1))
        self._save.on_click(lambda _: self._save_from_controls())
        self._quick.observe(self._on_quick, names="value")
        self.widget = widgets.VBox(
            [self._header, self._paragraph, self._label, self._strength, self._note,
             widgets.HBox([self._back, self._skip, self._save]), self._quick, self._status],
            layout=widgets.Layout(border="1px solid #ddd", padding="8px"))
        self.widget.add_class("edm-review")
        self.go(0)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def row(self) -> pd.Series | None:
        """The row shown, or None past the end of the queue."""
        return self.queue.iloc[self.position] if self.position < len(self.queue) else None

    def go(self, position: int) -> None:
        """Show the row at ``position`` (clamped to the queue; its end shows a summary)."""
        self.position = min(max(position, 0), len(self.queue))
        row = self.row
        done = len(self.saved)
        if row is None:
            self._header.value = f"<b>End of the queue</b>: {done} of {len(self.queue)} rows corrected in this session."
            self._paragraph.value = ""
            self._set_disabled(True)
            return
        self._set_disabled(False)
        earlier = self.saved.get(self.position)
        self._label.value = earlier["label"] if earlier else None
        self._strength.value = abs(earlier["strength"]) if earlier and earlier["strength"] else 1.0
        self._note.value = earlier["note"] if earlier else ""
        spread = (f", band {row['score_low']:+.2f} to {row['score_high']:+.2f}"
                  if pd.notna(row["score_low"]) and row["score_low"] != row["score_high"] else "")
        self._header.value = (
            f"<b>Row {self.position + 1} of {len(self.queue)}</b> ({done} saved) · "
            f"model: <b>{html.escape(str(row['model_label']))}</b>, score {row['model_score']:+.2f}, "
            f"confidence {row['model_confidence']:.2f}{spread}"
            + (f" · <i>saved as {html.escape(earlier['label'])}</i>" if earlier else ""))
        self._paragraph.value = paragraph_html(row)

    def _set_disabled(self, disabled: bool) -> None:
        for control in (self._label, self._strength, self._note, self._save, self._skip):
            control.disabled = disabled

    def _on_label(self, change) -> None:
        self._strength.disabled = change["new"] in {"neutral", "absent"}

    def _save_from_controls(self) -> None:
        label = self._label.value
        if label is None:
            self._status.value = '<span style="color:#b00;">Choose a label first.</span>'
            return
        strength = {"critical": -self._strength.value, "favorable": self._strength.value, "neutral": 0.0}.get(label)
        self.save(label, strength, self._note.value)

    def _on_quick(self, change) -> None:
        text = change["new"]
        if not text.strip():
            return
        entry = parse_quick_entry(text)
        if entry is None:
            self._status.value = (f'<span style="color:#b00;">Not understood: {html.escape(text)!s}. '
                                  "Type c, n, f or a, a strength 1 or 2 after c or f, then a note.</span>")
        elif entry == "back":
            self.go(self.position - 1)
        elif entry == "skip":
            self.go(self.position + 1)
        elif self.row is not None:
            self.save(*entry)
        self._quick.value = ""

    def save(self, label: str, strength: float | None, note: str = "") -> dict | None:
        """Save a correction of the row shown (appended to the log at once), then show the next row.

        Returns the row written, or None when the correction was refused (the reason is
        shown in the widget's status line).
        """
        row = self.row
        if row is None:
            return None
        try:
            written = self.log.append({**row.to_dict(), "label": label, "strength": strength, "note": note,
                                       "timestamp": ""})
        except EdmStanceError as exc:
            self._status.value = f'<span style="color:#b00;">Not saved: {html.escape(str(exc))}</span>'
            return None
        self.saved[self.position] = written
        self._status.value = (f"Saved {html.escape(row['article_id'])} ¶{int(row['paragraph'])} "
                              f"{html.escape(row['target'])}: <b>{html.escape(label)}</b> to "
                              f"<code>{html.escape(str(self.log.path))}</code>.")
        self.go(self.position + 1)
        return written
