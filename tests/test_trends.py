"""Comparing issues: per-article stance, periods with bootstrap intervals, countries, sharpest shifts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from edm_stance import trends


def _table(rows):
    """A results table from (article_id, paragraph, target, label, score, date, volume, issue, title, evidence) rows."""
    columns = ["article_id", "paragraph", "target", "label", "score", "date", "volume", "issue", "title", "evidence"]
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture
def table():
    return _table([
        ("a", 1, "russia", "critical", -0.6, "2006-07-19", 3, 138, "On Bishkek", "Bishkek and Kyrgyz officials met."),
        ("a", 2, "russia", "favorable", 0.4, "2006-07-19", 3, 138, "On Bishkek", "Kyrgyzstan welcomed Russia."),
        ("a", 3, "russia", "absent", np.nan, "2006-07-19", 3, 138, "On Bishkek", ""),
        ("b", 1, "russia", "critical", -0.5, "July 20, 2006", 3, 139, "Tbilisi", "Georgia and Tbilisi protest."),
        ("b", 2, "russia", "critical", -0.3, "July 20, 2006", 3, 139, "Tbilisi", "Georgian leaders spoke."),
        ("c", 1, "russia", "neutral", 0.0, "2007-01-05", 4, 2, "Kyiv", "Ukraine answered."),
    ])


def test_article_stance_is_the_mean_of_present_paragraphs(table):
    per_article = trends.article_stance(table).set_index("article_id")
    assert per_article.loc["a", "score"] == pytest.approx(-0.1)
    assert per_article.loc["a", "n_paragraphs"] == 2
    assert per_article.loc["b", "when"] == pd.Timestamp("2006-07-20")


def test_stance_over_time_by_year_with_intervals(table):
    summary = trends.stance_over_time(table, n_boot=200)
    assert summary["period"].tolist() == [pd.Timestamp("2006-01-01"), pd.Timestamp("2007-01-01")]
    first = summary.iloc[0]
    assert (first["n_articles"], first["mean_score"]) == (2, pytest.approx(-0.25))
    assert (first["low"], first["high"]) == (pytest.approx(-0.4), pytest.approx(-0.1))  # the two articles' means
    assert np.isnan(summary.iloc[1]["low"])  # one article: no interval
    pd.testing.assert_frame_equal(summary, trends.stance_over_time(table, n_boot=200))  # fixed seed


def test_without_dates_periods_fall_back_to_volumes(table):
    summary = trends.stance_over_time(table.assign(date=None))
    assert summary["period"].tolist() == ["Vol. 3", "Vol. 4"]


def test_countries_and_sharpest_shifts(table):
    assert trends.article_countries(table).to_dict() == {"a": "Kyrgyzstan", "b": "Georgia", "c": "Ukraine"}
    by_country = trends.stance_by_country(table)
    assert by_country["country"].tolist() == ["Georgia", "Kyrgyzstan", "Ukraine"]
    sharpest = trends.sharpest_shifts(table, n=5)
    assert sharpest[["article_id", "kind"]].values.tolist() == [["a", "flip"]]
    assert sharpest.loc[0, "change"] == pytest.approx(1.0)
    assert sharpest.loc[0, "title"] == "On Bishkek"


def test_every_period_between_the_first_and_the_last_is_there(table):
    later = table[table["article_id"] == "c"].assign(article_id="d", date="2009-03-01")
    summary = trends.stance_over_time(pd.concat([table, later]), n_boot=50)
    assert summary["period"].dt.year.tolist() == [2006, 2007, 2008, 2009]
    empty = summary.iloc[2]
    assert empty["n_articles"] == 0 and np.isnan(empty["mean_score"]) and np.isnan(empty["low"])
    assert summary["n_articles"].dtype.kind == "i"


def test_volumes_are_ordered_by_number_with_gaps_filled(table):
    volumes = table.assign(date=None, volume=table["volume"].map({3: 9, 4: 11}))
    summary = trends.stance_over_time(volumes, n_boot=50)
    assert summary["period"].tolist() == ["Vol. 9", "Vol. 10", "Vol. 11"]
    assert summary["n_articles"].tolist() == [2, 0, 1]


def test_no_present_target_gives_an_empty_summary(table):
    summary = trends.stance_over_time(table.assign(label="absent", score=np.nan))
    assert summary.empty and list(summary.columns) == ["period", "target", "n_articles", "mean_score", "low", "high"]
