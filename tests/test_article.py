"""Tests of edm_stance.article: header, paragraphs, sentences, encodings and bad input."""

from __future__ import annotations

import re

import pytest

from edm_stance.article import decode_text, parse_article, read_article, split_sentences
from edm_stance.errors import ArticleReadError

from .conftest import SEED, fixture_path


def test_seed_metadata_and_paragraphs(seed_article):
    assert seed_article.article_id == "edm-v3-i138"
    assert seed_article.volume == 3
    assert seed_article.issue == 138
    assert len(seed_article.paragraphs) == 8
    assert [p.number for p in seed_article.paragraphs] == list(range(1, 9))
    assert seed_article.paragraphs[0].text.startswith("Kyrgyzstan’s relations with Russia")
    assert seed_article.paragraphs[-1].text.endswith("remain stable.")


def test_every_body_character_belongs_to_exactly_one_paragraph(seed_article):
    text = seed_article.text
    spans = [(p.start, p.end) for p in seed_article.paragraphs]
    assert "".join(text[a:b] for a, b in spans) == text[seed_article.body_start :]
    assert all(b1 == a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    assert text[: seed_article.body_start].startswith("Publication: Eurasia Daily Monitor")


def test_sentence_offsets_point_into_the_original_text(seed_article):
    for paragraph in seed_article.paragraphs:
        for sentence in paragraph.sentences:
            assert seed_article.text[sentence.start : sentence.end] == sentence.text


def test_seed_sentence_counts(seed_article):
    assert [len(p.sentences) for p in seed_article.paragraphs] == [4, 7, 6, 4, 4, 4, 5, 2]
    # "(see EDM, June 6)" and "U.S. diplomats" do not end sentences
    fourth = seed_article.paragraphs[3].sentences
    assert fourth[1].text.endswith("(see EDM, June 6).")
    assert fourth[3].text.startswith("Bishkek’s expulsion of two U.S. diplomats")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Putin met Dr. Smith. They talked.", ["Mr. Putin met Dr. Smith.", "They talked."]),
        ("Vladimir V. Putin spoke. Then he left.", ["Vladimir V. Putin spoke.", "Then he left."]),
        ("He moved to the U.S. The move was quiet.", ["He moved to the U.S.", "The move was quiet."]),
        ("The U.S. Embassy replied. Nothing changed.", ["The U.S. Embassy replied.", "Nothing changed."]),
        ("He said, “We will leave.” Nobody believed him.", ["He said, “We will leave.”", "Nobody believed him."]),
        ("Talks failed (see EDM, July 13). Fighting resumed.", ["Talks failed (see EDM, July 13).", "Fighting resumed."]),
        ("Prices rose (e.g. bread. Milk too). Then fell.", ["Prices rose (e.g. bread. Milk too).", "Then fell."]),
    ],
)
def test_split_sentences(text, expected):
    assert [s.text for s in split_sentences(text)] == expected


def test_executive_summary_block_is_one_paragraph():
    article = read_article(fixture_path("executive_summary.txt"))
    assert article.title == "Invented Test Article With an Executive Summary"
    assert article.author == "Test Author"
    assert article.date == "March 3, 2025"
    assert (article.volume, article.issue) == (22, 31)
    assert len(article.paragraphs) == 3
    summary = article.paragraphs[0].text
    assert summary.startswith("Executive Summary:")
    assert summary.endswith("still belongs to the summary.")
    assert article.paragraphs[1].text.startswith("This invented body paragraph")


def test_missing_volume_and_issue_are_none():
    article = parse_article("Title: Only a title\n\nA body paragraph.", "x")
    assert (article.volume, article.issue, article.title) == (None, None, "Only a title")


def test_article_id_can_be_given():
    assert read_article(SEED, "custom").article_id == "custom"


def _error(path) -> str:
    with pytest.raises(ArticleReadError) as info:
        read_article(path)
    return str(info.value)


def test_missing_file(tmp_path):
    assert _error(tmp_path / "nope.txt") == f"{tmp_path / 'nope.txt'}: no such file"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n")
    assert _error(path) == f"{path}: the file is empty"


def test_header_without_body(tmp_path):
    path = tmp_path / "header.txt"
    path.write_text("Publication: Eurasia Daily Monitor Volume: 1 Issue: 2\nTitle: T\n")
    assert _error(path) == f"{path}: the file has a header but no body paragraphs"


def test_binary_file(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert _error(path) == f"{path}: this is a binary file, not article text"


def test_html_page_without_article_text_is_refused(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("<!DOCTYPE html><html><head><title>Page</title></head><body><img src='photo.jpg'></body></html>")
    assert _error(path) == f"{path}: no article text found in this HTML page"


def test_latin1_is_read_correctly(tmp_path):
    path = tmp_path / "latin1.txt"
    text = "Title: Café talks\n\nPresident Aliyev met François Hollande in Baku. The café was crowded."
    path.write_bytes(text.encode("latin-1"))
    article = read_article(path)
    assert article.paragraphs[0].text == "President Aliyev met François Hollande in Baku. The café was crowded."
    assert article.encoding == "cp1252"


def test_cp1251_is_read_correctly(tmp_path):
    path = tmp_path / "cp1251.txt"
    text = "Title: Quotes\n\nThe newspaper Известия wrote that Россия и Кыргызстан are partners."
    path.write_bytes(text.encode("cp1251"))
    article = read_article(path)
    assert "Известия" in article.paragraphs[0].text
    assert article.encoding == "cp1251"


def test_undecidable_8bit_encoding_is_refused(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("Title: X\n\nCafé ".encode("latin-1") + "Россия".encode("cp1251"))
    message = _error(path)
    assert re.search(r"not UTF-8 and its 8-bit encoding cannot be told apart", message)
    assert message.startswith(str(path))


def test_explicit_encoding_wins():
    text, used = decode_text("Café".encode("latin-1"), "x", encoding="latin-1")
    assert (text, used) == ("Café", "latin-1")


def test_wrong_explicit_encoding_is_refused():
    with pytest.raises(ArticleReadError, match=re.escape("x: cannot be decoded as utf-8")):
        decode_text("Café".encode("latin-1"), "x", encoding="utf-8")


def test_display_title_is_never_empty(seed_article):
    assert seed_article.title is None and seed_article.display_title == "EDM Vol. 3, No. 138"
    titled = parse_article("Title: Gas and Loans\n\nMoscow offered gas.", "a")
    assert titled.display_title == "Gas and Loans"
    volume_only = parse_article("Publication: Eurasia Daily Monitor Volume: 22\n\nMoscow offered gas.", "a")
    assert volume_only.display_title == "EDM Vol. 22"
    long_first = "Moscow offered cheap gas and new loans to Bishkek while the Kremlin praised the partnership at length. Then more."
    untitled = parse_article(long_first, "a")
    assert untitled.display_title == "Moscow offered cheap gas and new loans to Bishkek while the Kremlin praised…"
    assert parse_article("Short one. Two.", "b").display_title == "Short one."
