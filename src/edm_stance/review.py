"""The review queue: paragraph x target rows for an analyst to correct, most uncertain first.

:func:`review_queue` turns a scorer's table into the queue: one row per present pair, with
everything a correction needs (the paragraph's text, the target's mention spans and name,
the model's label, score and calibrated confidence, which model), sorted by confidence,
lowest first (then by the width of the score band, ``score_low`` to ``score_high``). :func:`paragraph_html` shows a
row's paragraph with the target's mentions marked and the evidence sentence boxed.
:func:`review_input` reads what to review: an article, a folder of them, or a results table
of ``edm-stance score`` (whose manifest names the articles). :func:`write_queue_csv` and
:func:`import_queue_csv` are the spreadsheet way: fill ``label``/``strength``/``note`` in the
queue's CSV, then import the filled rows into the corrections. The widgets that save
corrections one by one are in :mod:`edm_stance.review_widget`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .article import Article
from .corrections import CORRECTION_COLUMNS, KEYS, CorrectionLog, check_correction
from .errors import DataFileError
from .presence import find_article_mentions
from .styles import stance_color, target_labels, target_styles
from .targets import Targets, load_targets

__all__ = ["QUEUE_COLUMNS", "Review", "compare_scores", "import_queue_csv", "open_review", "paragraph_html",
           "review_input", "review_queue", "write_queue_csv"]

QUEUE_COLUMNS = [*KEYS, "target_label", "targets_source", "mentions", "text", "article_path", "evidence",
                 "model_label", "model_score", "model_confidence", "score_low", "score_high", "model", "model_revision"]
_RESULT_SUFFIXES = {".csv", ".parquet"}


@dataclass
class Review:
    """What the review notebook works on: the articles, their scores, the queue and the corrections log."""

    articles: list[Article]
    targets: Targets
    stance: pd.DataFrame
    queue: pd.DataFrame
    log: CorrectionLog
    origin: str
    n_corrected: int = 0
    n_imported: int = 0

    def summary(self) -> str:
        """A few lines: articles, present pairs, rows to review, corrections already made and imported."""
        present = int((self.stance["label"] != "absent").sum())
        lines = [f"{len(self.articles)} article(s), {present} paragraph × target pairs with the target present "
                 f"({'scored now or read from the cache' if self.origin == 'scored' else 'from ' + self.origin}).",
                 f"{len(self.queue)} to review, most uncertain first; {self.n_corrected} pair(s) already corrected "
                 f"are left out. Corrections are saved to {self.log.path}."]
        if self.n_imported:
            lines.append(f"{self.n_imported} correction(s) imported from the edited queue CSV.")
        return "\n".join(lines)

    def rescore(self, model: str) -> pd.DataFrame:
        """Score the same articles with another paragraph model (e.g. the refitted one), through the cache."""
        from .scoring import scorer_for

        return _score_cached(self.articles, scorer_for("paragraph", model), self.targets)


def open_review(source: str | Path, *, model: str = "", targets_path: str = "", corrections_dir: str | Path,
                analyst: str, n: int | None = None, queue_csv: str | Path = "") -> Review:
    """Score ``source`` with the paragraph model and build the queue of rows not yet corrected (the notebook's start).

    Parameters
    ----------
    source : str or Path
        An article, a folder of articles, or a results table of ``edm-stance score`` (see :func:`review_input`).
    model : str
        A paragraph model folder; empty: the shipped one.
    targets_path : str
        A targets YAML with more targets; empty: the default targets.
    corrections_dir : str or Path
        Where corrections are appended (``<corrections_dir>/<analyst>.csv``).
    analyst : str
    n : int, optional
        Review only the ``n`` most uncertain rows.
    queue_csv : str or Path
        An edited queue CSV (:func:`write_queue_csv`) whose filled rows are imported first.
    """
    from .corrections import read_corrections
    from .scoring import scorer_for

    log = CorrectionLog(folder=corrections_dir, analyst=analyst)
    imported = import_queue_csv(queue_csv, log) if queue_csv else 0
    targets = load_targets(targets_path or None)
    scorer = scorer_for("paragraph", model)
    articles, stance, origin = review_input(source, scorer=scorer, targets=targets)
    identity = scorer.identity() if origin == "scored" else {"model_name_or_path": origin, "model_revision": ""}
    folder = Path(corrections_dir)
    corrected = read_corrections(folder) if folder.is_dir() and any(folder.rglob("*.csv")) else None
    queue = review_queue(articles, stance, targets, model=str(identity["model_name_or_path"]),
                         model_revision=str(identity["model_revision"]), targets_source=targets_path or "packaged",
                         corrected=corrected, n=n)
    done = set() if corrected is None else set(zip(corrected["article_id"], corrected["paragraph"], corrected["target"]))
    present = stance[stance["label"] != "absent"]
    n_corrected = sum(key in done for key in zip(present["article_id"], present["paragraph"], present["target"]))
    return Review(articles, targets, stance, queue, log, origin, n_corrected, imported)


def _score_cached(articles: Sequence[Article], scorer, targets: Targets) -> pd.DataFrame:
    """Score articles through the results cache (a second call costs no model time)."""
    from .cache import ResultCache
    from .runner import score_corpus

    cache = ResultCache(scorer_identity=scorer.identity(), targets=targets)
    return score_corpus(articles, scorer, targets, cache=cache, show_progress_bar=False).table


def review_input(source: str | Path, *, scorer, targets: Targets) -> tuple[list[Article], pd.DataFrame, str]:
    """Read what to review: the articles, their stance table and where the table came from.

    ``source`` is an article file or a folder of them (scored with ``scorer`` through the
    results cache, so a second call costs no model time), or a results table written by
    ``edm-stance score -o OUT`` (``.csv``/``.parquet``), whose manifest ``OUT.manifest.csv``
    names the articles to read the paragraphs from. The third value is ``"scored"`` or the
    table's path.
    """
    from .corpus import read_corpus
    from .output import manifest_path

    source = Path(source)
    if source.suffix.lower() in _RESULT_SUFFIXES and source.is_file():
        table = pd.read_parquet(source) if source.suffix.lower() == ".parquet" else pd.read_csv(
            source, dtype={"article_id": str, "target": str, "label": str, "evidence": str})
        missing = [c for c in [*KEYS, "label", "score", "confidence", "evidence"] if c not in table.columns]
        if missing:
            raise DataFileError(f"{source}: not a results table of 'edm-stance score' (no {', '.join(missing)} column)")
        manifest = manifest_path(source)
        if not manifest.is_file():
            raise DataFileError(f"{source}: its manifest {manifest.name} is not beside it; it names the article "
                                "files whose paragraphs the review shows")
        listed = pd.read_csv(manifest, dtype=str, keep_default_na=False)
        paths = listed.loc[listed["status"].isin(["scored", "cached", "read"]), "path"].tolist()
        articles = read_corpus(paths).articles
        kept = {article.article_id for article in articles}
        return articles, table[table["article_id"].isin(kept)].reset_index(drop=True), str(source)
    articles = read_corpus([source]).articles
    return articles, _score_cached(articles, scorer, targets), "scored"


def review_queue(articles: Sequence[Article], stance_table: pd.DataFrame, targets: Targets, *, model: str = "",
                 model_revision: str = "", targets_source: str = "packaged",
                 corrected: pd.DataFrame | None = None, n: int | None = None) -> pd.DataFrame:
    """Return the present (paragraph, target) pairs to review, most uncertain first.

    Parameters
    ----------
    articles : sequence of Article
        The scored articles (their paragraphs and mentions are found again, as the scorer found them).
    stance_table : pandas.DataFrame
        The scorer's table for them (``label``, ``score``, ``confidence``, ``evidence``; and
        ``score_low``/``score_high`` when the scorer has them).
    targets : Targets
    model, model_revision : str
        The model that made the table, recorded with each correction.
    targets_source : str
        Where the targets' definitions came from (``packaged`` or the YAML path).
    corrected : pandas.DataFrame, optional
        Corrections already made; their pairs are left out of the queue.
    n : int, optional
        Keep only the ``n`` most uncertain rows.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`QUEUE_COLUMNS`; ``mentions`` are (start, end) spans into ``text``.
    """
    present = stance_table[stance_table["label"] != "absent"].copy()
    for column in ("score_low", "score_high"):
        if column not in present.columns:
            present[column] = present["score"]
    done = set() if corrected is None or corrected.empty else set(
        zip(corrected["article_id"], corrected["paragraph"].astype(int), corrected["target"]))
    rows_by_key = {(r.article_id, int(r.paragraph), r.target): r for r in present.itertuples()}
    rows = []
    for article in articles:
        found = find_article_mentions(article, targets, entities=targets.entities)
        for paragraph, by_target in zip(article.paragraphs, found):
            for name, mentions in by_target.items():
                key = (article.article_id, paragraph.number, name)
                row = rows_by_key.get(key)
                if row is None or not mentions or key in done:
                    continue
                rows.append({
                    "article_id": key[0], "paragraph": key[1], "target": name, "target_label": targets[name].label,
                    "targets_source": targets_source,
                    "mentions": [(m.start - paragraph.start, m.end - paragraph.start) for m in mentions],
                    "text": paragraph.text, "article_path": article.path or "",
                    "evidence": row.evidence if isinstance(row.evidence, str) else "",
                    "model_label": row.label, "model_score": float(row.score), "model_confidence": float(row.confidence),
                    "score_low": float(row.score_low), "score_high": float(row.score_high),
                    "model": model, "model_revision": model_revision,
                })
    queue = pd.DataFrame(rows, columns=QUEUE_COLUMNS)
    if queue.empty:
        return queue
    spread = queue["score_high"] - queue["score_low"]
    order = queue.assign(_spread=spread).sort_values(["model_confidence", "_spread"], ascending=[True, False],
                                                     na_position="last", kind="stable")
    order = order.drop(columns="_spread").reset_index(drop=True)
    return order.head(n) if n else order


def paragraph_html(row: pd.Series | dict) -> str:
    """Render a queue row's paragraph: the target's mentions marked in its colour, the evidence sentence boxed."""
    row = dict(row)
    text, evidence = row["text"], row.get("evidence") or ""
    color = target_styles([row["target"]])[row["target"]].color
    shade = stance_color(float(row["model_score"]), 0.6) if pd.notna(row.get("model_score")) else "#F2F2F2"
    spans = sorted((int(a), int(b)) for a, b in (json.loads(row["mentions"]) if isinstance(row["mentions"], str)
                                                 else row["mentions"]))
    box = text.find(evidence) if evidence else -1

    def marked(start: int, end: int) -> str:  # text[start:end] with the mentions in it marked
        cuts = sorted({start, end, *(p for span in spans for p in span if start < p < end)})
        return "".join(
            f'<span style="background:{shade}; border-bottom: 3px solid {color}; padding: 0 1px; font-weight: bold;">'
            f"{html.escape(text[a:b])}</span>" if any(s <= a and b <= e for s, e in spans) else html.escape(text[a:b])
            for a, b in zip(cuts, cuts[1:]))

    if box >= 0:
        end = box + len(evidence)
        body = (marked(0, box) + '<span style="outline: 1.5px dashed #555; outline-offset: 1px;">'
                + marked(box, end) + "</span>" + marked(end, len(text)))
    else:
        body = marked(0, len(text))
    label = target_labels([row["target"]], {row["target"]: row.get("target_label") or row["target"]})[row["target"]]
    return ('<div class="edm-review-paragraph" style="font-family: Georgia, serif; font-size: 14px; line-height: 1.6; '
            'max-width: 60em; text-align: left;">'
            f'<div style="font-family: sans-serif; font-size: 12px; color: #555; margin-bottom: 4px;">'
            f'{html.escape(str(row["article_id"]))} · ¶{int(row["paragraph"])} · mentions of '
            f'<span style="border-bottom: 3px solid {color};">{html.escape(label)}</span> in bold; '
            '<span style="outline: 1.5px dashed #555;">boxed</span>: the model\'s evidence sentence</div>'
            f'<p style="margin: 0;">{body}</p></div>')


def write_queue_csv(queue: pd.DataFrame, path: str | Path) -> Path:
    """Write the queue as a corrections-format CSV with empty ``label``, ``strength`` and ``note`` to fill in.

    Open it in a spreadsheet, fill the three columns for the rows you judged (codebook
    labels; strength -2..2 with the label's sign), save it as CSV and import it with
    :func:`import_queue_csv`. Written atomically.
    """
    from .output import write_table

    table = queue.assign(
        label="", strength="", note="", analyst="", timestamp="",
        mentions=[json.dumps([list(map(int, s)) for s in spans]) for spans in queue["mentions"]])
    return write_table(table.reindex(columns=CORRECTION_COLUMNS), path)


def import_queue_csv(path: str | Path, log: CorrectionLog) -> int:
    """Append the rows of an edited queue CSV that have a label to ``log``; return how many were added.

    A row already in the log with the same label, strength and note is not added again, so
    importing the same file twice adds nothing.

    Raises
    ------
    DataFileError
        Naming the file and line of a bad label or strength, or a missing column.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such queue file")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError(f"{path}: not a readable queue CSV ({' '.join(str(exc).split())})") from exc
    missing = [c for c in CORRECTION_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: not a review queue CSV: it lacks the column(s) {', '.join(missing)}")
    saved = log.read()
    seen = {_identity(row) for row in saved.to_dict("records")}
    filled = [(number, row) for number, row in enumerate(table.to_dict("records"), 2) if row["label"].strip()]
    checked = []
    for number, row in filled:  # check every row first: a bad row adds nothing
        row["label"] = row["label"].strip().lower()
        strength = check_correction(row["label"], row["strength"].strip() or None, f"{path}:{number}")
        checked.append({**row, "strength": strength, "timestamp": ""})
    added = 0
    for row in checked:
        key = _identity(row)
        if key in seen:
            continue
        log.append(row)
        seen.add(key)
        added += 1
    return added


def _identity(row: dict) -> tuple:
    """What makes two corrections the same: the pair, the label, the strength and the note."""
    strength = row["strength"]
    return (str(row["article_id"]), int(row["paragraph"]), str(row["target"]), row["label"],
            None if strength is None or pd.isna(strength) else float(strength), str(row["note"] or "").strip())


def compare_scores(before: pd.DataFrame, after: pd.DataFrame, corrections: pd.DataFrame | None = None) -> pd.DataFrame:
    """Put two scorings of the same articles side by side (present pairs), with the analyst's label where there is one.

    Columns: ``article_id, paragraph, target, label_before, confidence_before, label_after,
    confidence_after, changed`` and ``analyst_label``.
    """
    columns = [*KEYS, "label", "score", "confidence"]
    merged = before[columns].merge(after[columns], on=KEYS, suffixes=("_before", "_after"))
    merged = merged[(merged["label_before"] != "absent") | (merged["label_after"] != "absent")]
    merged["changed"] = merged["label_before"] != merged["label_after"]
    if corrections is not None and not corrections.empty:
        analyst = corrections[[*KEYS, "label"]].rename(columns={"label": "analyst_label"})
        merged = merged.merge(analyst.astype({"paragraph": "int64"}), on=KEYS, how="left")
    else:
        merged["analyst_label"] = pd.NA
    return merged.reset_index(drop=True)
