"""The article as HTML: mentions coloured by stance, evidence sentences boxed, frames and scores in a margin.

The page is one table of three columns (¶ number, text, margin) whose widths are fixed by a
``<colgroup>``, and every cell carries its own inline style. JupyterLab and the nbconvert
HTML of a report style tables of their own (a fixed layout that splits unsized columns
equally, right-aligned and vertically centred cells, striped rows); inline styles win over
those rules, so the text takes the full width left by the two narrow columns in a notebook,
in a report's HTML and in the standalone page alike.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import styles
from .article import Article
from .output import atomic_write
from .presence import find_article_mentions
from .styles import stance_color, target_styles
from .targets import Targets

__all__ = ["HighlightedText", "highlighted_text"]

NUMBER_WIDTH = "3.2em"
MARGIN_WIDTH = "270px"
_CELL = "border: none; background: transparent; vertical-align: top; white-space: normal; max-width: none;"


@dataclass(frozen=True)
class HighlightedText:
    """An article rendered as HTML; displays itself in a notebook and saves to a file."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def save(self, path: str | Path) -> Path:
        """Write a standalone HTML page (atomically, mode 0644) and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        page = ('<!doctype html>\n<html><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>Stance and frames</title></head>\n<body style="margin: 16px;">{self.html}</body></html>\n')
        with atomic_write(path) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return path


def highlighted_text(article: Article, stance_table: pd.DataFrame, targets: Targets, *,
                     frame_table: pd.DataFrame | None = None, n_frames: int = 2,
                     target_labels: Mapping[str, str] | None = None) -> HighlightedText:
    """Render the article with mentions coloured by stance, evidence marked, frames and scores in a margin.

    Each mention's background is its target's stance colour in that paragraph (RdBu: red
    critical, white neutral, blue favorable), underlined in the target's colour (the same as
    in the figures); hovering shows target, label and score. The sentence each score rests on
    (its evidence) is boxed and tagged with the target. The margin lists each present
    target's label, score and confidence and the paragraph's ``n_frames`` largest frame shares.

    Parameters
    ----------
    article : Article
    stance_table : pandas.DataFrame
        The article's scorer table.
    targets : Targets
        The targets that were scored (to find the mentions again).
    frame_table : pandas.DataFrame, optional
        The article's frame table.
    n_frames : int
        Frames shown per paragraph.
    target_labels : mapping, optional
        Display names by target name (default: the targets file's labels).

    Returns
    -------
    HighlightedText
        Displays as HTML in a notebook; ``.save(path)`` writes a page.
    """
    table = stance_table[stance_table["article_id"] == article.article_id]
    names = [t for t in targets if t in set(table["target"])]
    labels = styles.target_labels(names, target_labels)
    colors = {name: style.color for name, style in target_styles(names).items()}
    rows = {(r.paragraph, r.target): r for r in table.itertuples()}
    frames = frame_table[frame_table["article_id"] == article.article_id] if frame_table is not None else None
    esc = html.escape
    parts = [
        '<div class="edm-highlight" style="font-family: Georgia, serif; font-size: 14px; line-height: 1.55; '
        'width: 100%; max-width: 1200px; text-align: left;">',
        f'<div style="font-family: sans-serif; font-size: 12px; color: #333; margin-bottom: 8px;">'
        f'<b>{esc(article.display_title)}</b> — mentions shaded by the paragraph\'s stance toward the target: '
        f'<span style="background:{stance_color(-0.8, 0.6)}; padding: 0 4px;">critical</span> '
        f'<span style="background:#F2F2F2; padding: 0 4px;">neutral</span> '
        f'<span style="background:{stance_color(0.8, 0.6)}; padding: 0 4px;">favorable</span>; '
        f'underline colour = target ('
        + ", ".join(f'<span style="border-bottom: 3px solid {colors[n]};">{esc(labels[n])}</span>' for n in names)
        + '); <span style="outline: 1.5px dashed #555; padding: 0 2px;">boxed</span> = the evidence sentence of a score.</div>',
        '<table class="edm-highlight-table" style="border-collapse: collapse; table-layout: fixed; width: 100%; '
        'margin: 0; font-size: 14px; color: #222;">',
        f'<colgroup><col style="width: {NUMBER_WIDTH};"><col><col style="width: {MARGIN_WIDTH};"></colgroup>',
        "<tbody>",
    ]
    selected = targets.select(names)
    found_by_paragraph = (find_article_mentions(article, selected, entities=selected.entities) if names
                          else [{} for _ in article.paragraphs])
    for paragraph in article.paragraphs:
        evidence: dict[str, list[str]] = {}
        for name in names:
            row = rows.get((paragraph.number, name))
            if row is not None and row.label != "absent" and row.evidence:
                evidence.setdefault(row.evidence, []).append(name)
        mentions = []
        found = sorted((m for ms in found_by_paragraph[paragraph.number - 1].values() for m in ms),
                       key=lambda m: (m.start, m.end, m.target))
        for mention in found:
            if mentions and mention.start < mentions[-1].end:
                continue  # overlapping mention of another target: keep the first
            mentions.append(mention)
        body = []
        for sentence in paragraph.sentences:
            inner, pos = [], sentence.start
            for mention in (m for m in mentions if sentence.start <= m.start < sentence.end):
                row = rows[(paragraph.number, mention.target)]
                inner.append(esc(article.text[pos : mention.start]))
                tip = f"{labels[mention.target]}: {row.label} {row.score:+.2f}"
                inner.append(f'<span title="{esc(tip)}" style="background:{stance_color(row.score, 0.6)}; '
                             f'border-bottom: 3px solid {colors[mention.target]}; padding: 0 1px;">'
                             f"{esc(article.text[mention.start : mention.end])}</span>")
                pos = mention.end
            inner.append(esc(article.text[pos : sentence.end]))
            text = "".join(inner)
            if sentence.text in evidence:
                tags = " ".join(f'<sup style="font-family: sans-serif; font-size: 10px; color: {colors[n]};">'
                                f"{esc(labels[n])}</sup>" for n in evidence[sentence.text])
                text = f'<span style="outline: 1.5px dashed #555; outline-offset: 1px;">{text}</span>{tags}'
            body.append(text)
        margin = []
        for name in names:
            row = rows.get((paragraph.number, name))
            if row is None or row.label == "absent":
                continue
            margin.append(f'<div><span style="color:{colors[name]}; font-weight: bold;">{esc(labels[name])}</span>: '
                          f'<span style="background:{stance_color(row.score, 0.6)}; padding: 0 3px;">{esc(row.label)}</span> '
                          f"{row.score:+.2f} <span style='color:#777;'>(conf. {row.confidence:.2f})</span></div>")
        if not margin:
            margin.append('<div style="color:#999;">no target mentioned</div>')
        if frames is not None:
            top = frames[frames["paragraph"] == paragraph.number].nlargest(n_frames, "share")
            for frame_row in top.itertuples():
                width = int(round(60 * frame_row.share))
                margin.append(f'<div style="color:#333;">{esc(frame_row.label)} {frame_row.share:.0%} '
                              f'<span style="display:inline-block; height:7px; width:{width}px; background:#7A7A7A;"></span></div>')
        parts.append(
            '<tr style="border: none; border-top: 1px solid #E0E0E0; background: transparent;">'
            f'<td style="{_CELL} font-family: sans-serif; color:#777; padding: 6px 8px 6px 0; text-align: right;">'
            f"¶{paragraph.number}</td>"
            f'<td class="edm-highlight-text" style="{_CELL} padding: 6px 14px 6px 0; text-align: left; line-height: 1.55;">'
            f'{" ".join(body)}</td>'
            f'<td style="{_CELL} font-family: sans-serif; font-size: 11.5px; padding: 6px 0; text-align: left; '
            f'line-height: 1.45;">{"".join(margin)}</td></tr>'
        )
    parts.append("</tbody></table></div>")
    return HighlightedText("\n".join(parts))

