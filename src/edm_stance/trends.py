"""Compare EDM issues: stance toward each target over time and by country, and the sharpest shifts.

Everything starts from a results table (``edm-stance score FOLDER -o results.parquet``, or
:func:`load_results`), one row per paragraph and target with the article's metadata. The
unit of comparison is the article: an article's stance toward a target is the mean score
of its paragraphs where the target is present, and periods or countries are compared
through the mean over their articles, with a percentile bootstrap interval that resamples
articles (fixed seed), so that a long article does not count more than a short one.

When is an article? Its ``date`` when it parses, else its place in the series (volume,
then issue), which orders articles but has no calendar.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataFileError
from .scoring.registry import DEFAULT_SCORER

__all__ = ["COUNTRIES", "article_countries", "article_stance", "load_results", "sharpest_shifts", "stance_by_country",
           "stance_over_time"]

# Countries EDM covers, and the words that name them (whole words, case-sensitive).
COUNTRIES = {
    "Russia": ["Russia", "Russian", "Moscow", "Kremlin"],
    "Ukraine": ["Ukraine", "Ukrainian", "Kyiv", "Kiev"],
    "Belarus": ["Belarus", "Belarusian", "Minsk"],
    "Moldova": ["Moldova", "Moldovan", "Chisinau", "Transnistria"],
    "Georgia": ["Georgia", "Georgian", "Tbilisi"],
    "Armenia": ["Armenia", "Armenian", "Yerevan"],
    "Azerbaijan": ["Azerbaijan", "Azerbaijani", "Baku"],
    "Kazakhstan": ["Kazakhstan", "Kazakh", "Astana", "Almaty"],
    "Kyrgyzstan": ["Kyrgyzstan", "Kyrgyz", "Bishkek"],
    "Tajikistan": ["Tajikistan", "Tajik", "Dushanbe"],
    "Turkmenistan": ["Turkmenistan", "Turkmen", "Ashgabat"],
    "Uzbekistan": ["Uzbekistan", "Uzbek", "Tashkent"],
    "Baltic states": ["Estonia", "Latvia", "Lithuania", "Baltic"],
    "China": ["China", "Chinese", "Beijing"],
}
_COUNTRY_REGEX = {name: re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b") for name, words in COUNTRIES.items()}


def load_results(source: str | Path, *, scorer: str = DEFAULT_SCORER, model: str = "", targets_path: str | None = None) -> pd.DataFrame:
    """Return a results table: read a ``.parquet``/``.csv`` written by ``edm-stance score``, or score a folder.

    A folder (or an article file) is scored with ``scorer`` (on ``model``, a model folder;
    empty: the scorer's default model) through the results cache, so a second call costs no
    model time.
    """
    source = Path(source)
    if source.suffix.lower() in {".parquet", ".csv"}:
        if not source.is_file():
            raise DataFileError(f"{source}: no such results file")
        return pd.read_parquet(source) if source.suffix.lower() == ".parquet" else pd.read_csv(source)
    from .cache import ResultCache
    from .corpus import read_corpus
    from .runner import score_corpus
    from .scoring import scorer_for
    from .targets import load_targets

    targets = load_targets(targets_path)
    chosen = scorer_for(scorer, model)
    cache = ResultCache(scorer_identity=chosen.identity(), targets=targets)
    return score_corpus(read_corpus([source]).articles, chosen, targets, cache=cache).table


def _when(articles: pd.DataFrame) -> pd.DataFrame:
    dates = pd.to_datetime(articles["date"], format="mixed", errors="coerce") if "date" in articles else pd.NaT
    volume = pd.to_numeric(articles.get("volume"), errors="coerce")
    issue = pd.to_numeric(articles.get("issue"), errors="coerce")
    return articles.assign(when=dates, series=volume * 1000 + issue.fillna(0))


def article_stance(table: pd.DataFrame) -> pd.DataFrame:
    """Return one row per article and present target: mean score, paragraphs present, date, volume, issue.

    Columns: article_id, target, score, n_paragraphs, title, when (a Timestamp or NaT),
    volume, issue, series (volume * 1000 + issue, for ordering without dates).
    """
    present = table[table["label"] != "absent"]
    per_article = present.groupby(["article_id", "target"], sort=False).agg(
        score=("score", "mean"), n_paragraphs=("paragraph", "size")).reset_index()
    metadata = table.drop_duplicates("article_id").set_index("article_id")
    columns = [c for c in ("title", "date", "volume", "issue") if c in metadata]
    per_article = per_article.join(metadata[columns], on="article_id")
    return _when(per_article)


def _bootstrap(values: np.ndarray, n_boot: int, level: float, rng: np.random.Generator) -> tuple[float, float]:
    if len(values) < 2:
        return float("nan"), float("nan")
    means = rng.choice(values, size=(n_boot, len(values)), replace=True).mean(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def _summarise(per_article: pd.DataFrame, by: str, n_boot: int, level: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for (group, target), part in per_article.groupby([by, "target"], sort=True):
        values = part["score"].to_numpy(dtype=float)
        low, high = _bootstrap(values, n_boot, level, rng)
        rows.append({by: group, "target": target, "n_articles": len(values), "mean_score": float(values.mean()),
                     "low": low, "high": high})
    return pd.DataFrame(rows, columns=[by, "target", "n_articles", "mean_score", "low", "high"])


def stance_over_time(table: pd.DataFrame, *, freq: str = "YS", n_boot: int = 1000, level: float = 0.95,
                     seed: int = 13) -> pd.DataFrame:
    """Mean article stance per period and target, with a bootstrap interval over articles.

    Parameters
    ----------
    table : pandas.DataFrame
        A results table with date and/or volume and issue columns.
    freq : str
        pandas period start alias for dated articles: ``"YS"`` years, ``"QS"`` quarters, ``"MS"`` months.
    n_boot : int
        Bootstrap resamples.
    level : float
        Coverage of the interval.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Columns period (a Timestamp, or "Vol. V" when no article has a date), target,
        n_articles, mean_score, low, high, in time order. Every period from the first to the
        last is there for every target: one without an article has n_articles 0 and NaN
        scores (so that a plot breaks its line there); low/high are NaN for a single article.
    """
    per_article = article_stance(table)
    if per_article["when"].notna().any():
        per_article = per_article[per_article["when"].notna()]
        starts = per_article["when"].dt.to_period(freq.removesuffix("S")).dt.start_time
        per_article = per_article.assign(period=starts)
        periods = list(pd.date_range(starts.min(), starts.max(), freq=freq))
    else:
        volumes = pd.to_numeric(per_article["volume"], errors="coerce")
        per_article = per_article.assign(period=volumes.map(lambda v: f"Vol. {int(v)}" if pd.notna(v) else "unknown"))
        known = volumes.dropna().astype(int)
        periods = [f"Vol. {v}" for v in range(known.min(), known.max() + 1)] if len(known) else []
        periods += ["unknown"] if volumes.isna().any() else []
    summary = _summarise(per_article, "period", n_boot, level, seed)
    grid = pd.MultiIndex.from_product([periods, sorted(per_article["target"].unique())], names=["period", "target"])
    summary = summary.set_index(["period", "target"]).reindex(grid).reset_index()
    return summary.assign(n_articles=summary["n_articles"].fillna(0).astype(int))


def article_countries(table: pd.DataFrame) -> pd.Series:
    """Return each article's main country: the one most named in its title and evidence sentences.

    The results table keeps each scored paragraph's evidence sentence, not the whole text,
    so this is the country the stance judgments rest on. Ties go to the country named first
    in :data:`COUNTRIES`; an article naming none is "other".
    """
    countries = {}
    for article_id, part in table.groupby("article_id", sort=False):
        text = " ".join([str(part["title"].iloc[0] or "") if "title" in part else ""] + part["evidence"].fillna("").tolist())
        counts = {name: len(regex.findall(text)) for name, regex in _COUNTRY_REGEX.items()}
        best = max(counts, key=counts.get)
        countries[article_id] = best if counts[best] else "other"
    return pd.Series(countries, name="country")


def stance_by_country(table: pd.DataFrame, *, exclude: tuple[str, ...] = ("Russia",), n_boot: int = 1000,
                      level: float = 0.95, seed: int = 13) -> pd.DataFrame:
    """Mean article stance per main country (:func:`article_countries`) and target, with bootstrap intervals.

    Russia is excluded by default as a main country, since it is also a target and is named
    in most EDM articles; pass ``exclude=()`` to keep it.
    """
    per_article = article_stance(table).join(article_countries(table), on="article_id")
    per_article = per_article[~per_article["country"].isin(exclude)]
    return _summarise(per_article, "country", n_boot, level, seed)


def sharpest_shifts(table: pd.DataFrame, *, n: int = 10, threshold: float = 0.5) -> pd.DataFrame:
    """Return the ``n`` articles whose stance toward a target moves most between present paragraphs.

    Uses :func:`edm_stance.shifts.stance_shifts`; one row per article (its largest shift),
    sorted by the size of the change, with the article's title and date.
    """
    from .shifts import stance_shifts

    shifts = stance_shifts(table, threshold=threshold)
    if shifts.empty:
        return shifts.assign(size=pd.Series(dtype=float))
    shifts = shifts.assign(size=shifts["change"].abs()).sort_values(["size", "article_id"], ascending=[False, True])
    top = shifts.drop_duplicates("article_id").head(n)
    metadata = table.drop_duplicates("article_id").set_index("article_id")
    columns = [c for c in ("title", "date") if c in metadata]
    return top.join(metadata[columns], on="article_id").reset_index(drop=True)
