"""Saved jamestown.org pages (an invented fixture shaped like one) read into articles."""

from __future__ import annotations

import pytest

from edm_stance.article import read_article
from edm_stance.errors import ArticleReadError
from edm_stance.pages import page_to_text, parse_page

from .conftest import fixture_path

PAGE = fixture_path("pages/edm-invented-page.html")
BOILERPLATE = ["Facebook", "Twitter", "Share", "Related Articles", "Invented Related Headline", "Invented caption",
               "Invented map caption", "newsletter", "Subscribe", "1310 L St", "All rights reserved", "Donate",
               "Terrorism Monitor", "Age: 5 years"]


def test_page_metadata_and_body():
    article = read_article(PAGE)
    assert article.article_id == "edm-invented-page"
    assert article.title == "Invented Test Headline: Tbilisi Weighs Moscow’s Offer Against NATO Hopes"
    assert article.author == "Test Author"
    assert article.date == "2019-05-14"
    assert (article.volume, article.issue) == (16, 68)
    assert article.source == "https://jamestown.org/program/invented-test-headline-tbilisi-weighs-moscows-offer/"
    assert len(article.paragraphs) == 4
    assert article.paragraphs[0].text.startswith("This invented first paragraph says that the Georgian government")
    assert article.paragraphs[3].text.endswith("it is weighing both options carefully.")
    assert [len(p.sentences) for p in article.paragraphs] == [2, 2, 2, 2]


def test_boilerplate_is_removed():
    body = "\n".join(p.text for p in read_article(PAGE).paragraphs)
    text = page_to_text(PAGE.read_text(encoding="utf-8"))
    for phrase in BOILERPLATE:
        assert phrase not in body, phrase
        assert phrase not in text, phrase


def test_page_goes_through_the_text_parser():
    article = parse_page(PAGE.read_text(encoding="utf-8"), "page")
    for paragraph in article.paragraphs:
        assert article.text[paragraph.start : paragraph.start + len(paragraph.text)] == paragraph.text
        for sentence in paragraph.sentences:
            assert article.text[sentence.start : sentence.end] == sentence.text
    assert article.header["publication"] == "Eurasia Daily Monitor Volume: 16 Issue: 68"


def test_page_without_text(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><img src='x.png'></body></html>", encoding="utf-8")
    with pytest.raises(ArticleReadError, match=f"^{path}: no article text found in this HTML page$"):
        read_article(path)
