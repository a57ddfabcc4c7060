"""Read EDM articles: header fields, body paragraphs and sentences with character offsets.

The text format is a header of ``Field: value`` lines (``Publication: Eurasia Daily Monitor
Volume: 3 Issue: 138``, ``Title:``, ``By:``/``Author:``, ``Date:``, ``Source:``/``URL:``) and
body paragraphs separated by blank lines. A block in which every line is such a field is
header. An ``Executive Summary:`` block and the bullet blocks right after it form one
paragraph. The original text is kept exactly: paragraph spans partition the body.

Exports that separate paragraphs by single newlines (no blank line anywhere in the body) are
recognised: the header lines at the top are read as header, and each line of the body is a
paragraph, unless the lines are hard-wrapped prose (short, mostly ending mid-sentence).

Files are read and decoded by :mod:`edm_stance.textfile` (a size limit, encodings, binary
data, tables posing as text); sentence splitting is linear in the paragraph's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArticleReadError
from .textfile import DATA_SUFFIXES, MAX_ARTICLE_BYTES, data_kind, decode_text, is_html, read_bytes

__all__ = [
    "Article",
    "Paragraph",
    "Sentence",
    "decode_text",
    "is_html",
    "parse_article",
    "read_article",
    "split_sentences",
]

HEADER_FIELDS = {
    "publication": "publication",
    "title": "title",
    "by": "author",
    "author": "author",
    "authors": "author",
    "date": "date",
    "source": "source",
    "url": "source",
    "volume": "volume",
    "issue": "issue",
}
_FIELD_LINE = re.compile(r"^\s*(" + "|".join(HEADER_FIELDS) + r")\s*:\s*(.*?)\s*$", re.IGNORECASE)
_BLOCK_SEP = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦–—]|\d{1,2}[.)])\s+")
_EXEC_SUMMARY = re.compile(r"^\s*Executive Summary\s*:?", re.IGNORECASE)

# Abbreviations after which a period does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "capt", "sgt", "adm", "gov",
    "sen", "rep", "st", "mt", "ft", "jr", "sr", "vs", "no", "nos", "vol", "pp", "p", "ed",
    "eds", "etc", "e.g", "i.e", "cf", "al", "approx", "est", "dept", "univ", "inc", "ltd",
    "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "u.s", "u.k", "u.n", "e.u", "u.s.a", "u.s.s.r", "d.c", "a.m", "p.m",
}
# Words that start a sentence even right after "U.S." or "U.K.".
_SENTENCE_STARTERS = {
    "The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "In", "On", "At",
    "But", "However", "Meanwhile", "Moreover", "And", "Yet", "As", "For", "A", "An", "There",
    "Such", "If", "When", "While", "According", "Still", "Nevertheless", "Indeed", "Some",
}
# A run of sentence-ending punctuation (matched from its first character only, possessively,
# so that long runs of dots cost linear time), closing quotes or brackets, then a capital.
_CANDIDATE = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’»)\]]*+(?=\s+[\"'“‘«(\[]?[A-Z0-9А-ЯЁ])")
_WORD_BEFORE = re.compile(r"[\w.]+$")
_NEXT_WORD = re.compile(r"\s+[\"'“‘«(\[]?(\w+)")
_PARENS = re.compile(r"[()]")
_LOOKBEHIND = 40  # characters searched back for the word before a period (abbreviations are short)

_TERMINAL = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$")
_WRAP_WIDTH = 100  # lines of hard-wrapped prose are shorter than this


@dataclass(frozen=True)
class Sentence:
    """A sentence of a paragraph; ``start``/``end`` are offsets into ``Article.text``."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph, numbered from 1; ``start``/``end`` are offsets into ``Article.text``."""

    number: int
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Article:
    """An EDM article: its metadata, its exact original text and its paragraphs."""

    article_id: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    title: str | None = None
    author: str | None = None
    date: str | None = None
    volume: int | None = None
    issue: int | None = None
    source: str | None = None
    path: str | None = None
    encoding: str | None = None
    header: dict[str, str] = field(default_factory=dict)

    @property
    def body_start(self) -> int:
        return self.paragraphs[0].start if self.paragraphs else len(self.text)

    @property
    def display_title(self) -> str:
        """Return a title to show, never empty: the header's title, else "EDM Vol. V, No. I", else the first sentence."""
        if self.title:
            return self.title
        if self.volume is not None:
            return f"EDM Vol. {self.volume}" + (f", No. {self.issue}" if self.issue is not None else "")
        sentences = self.paragraphs[0].sentences if self.paragraphs else ()
        if sentences:
            first = sentences[0].text
            return first if len(first) <= 80 else first[:79].rsplit(" ", 1)[0] + "…"
        return self.article_id

    def metadata(self) -> dict:
        """Return the article's metadata as a flat dict (for tables and reports)."""
        return {
            "article_id": self.article_id,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "volume": self.volume,
            "issue": self.issue,
            "source": self.source,
            "n_paragraphs": len(self.paragraphs),
        }


def split_sentences(text: str, offset: int = 0) -> tuple[Sentence, ...]:
    """Split a paragraph into sentences with offsets (``offset`` is added to each).

    Survives abbreviations ("U.S.", "Mr."), initials ("Vladimir V. Putin"), quotes and
    parenthesized citations such as "(see EDM, June 6)".
    """
    bounds, begin = [], 0
    parens = _PARENS.finditer(text)
    paren = next(parens, None)
    depth = 0
    for match in _CANDIDATE.finditer(text):
        while paren is not None and paren.start() < match.start():  # parenthesis depth, advanced in step
            depth = depth + 1 if paren.group() == "(" else max(0, depth - 1)
            paren = next(parens, None)
        end = match.end()
        if depth > 0 or not _is_boundary(text, match.start(), end):
            continue
        bounds.append((begin, end))
        begin = end
    bounds.append((begin, len(text)))
    sentences = []
    for start, end in bounds:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            sentences.append(Sentence(len(sentences), offset + start, offset + end, text[start:end]))
    return tuple(sentences)


def _is_boundary(text: str, punct_start: int, end: int) -> bool:
    if text[punct_start] != ".":
        return True
    word = _WORD_BEFORE.search(text, max(0, punct_start - _LOOKBEHIND), punct_start)
    token = word.group() if word else ""
    next_word = _NEXT_WORD.match(text, end)
    following = next_word.group(1) if next_word else ""
    if len(token) == 1 and token.isupper():
        return False  # an initial: "Vladimir V. Putin"
    if token.lower() in {"u.s", "u.k", "u.n", "e.u"}:
        return following in _SENTENCE_STARTERS
    if token.lower() in _ABBREVIATIONS:
        return False
    return True


def _blocks(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of the non-blank blocks of ``text``, separated by blank lines."""
    spans, pos = [], 0
    for sep in _BLOCK_SEP.finditer(text):
        if text[pos : sep.start()].strip():
            spans.append((pos, sep.start()))
        pos = sep.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    spans = [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans]
    return spans


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return (start, end) of the non-blank lines of ``text[start:end]``, without surrounding whitespace."""
    spans, pos = [], start
    while pos < end:
        newline = text.find("\n", pos, end)
        stop = end if newline < 0 else newline
        line = text[pos:stop]
        if line.strip():
            spans.append((pos + len(line) - len(line.lstrip()), pos + len(line.rstrip())))
        pos = stop + 1
    return spans


def _split_leading_header(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split the header lines off a first block that goes on with body text (no blank line after the header)."""
    if not spans:
        return spans
    start, end = spans[0]
    lines = _lines(text, start, end)
    n = 0
    while n < len(lines) and _FIELD_LINE.match(text[lines[n][0] : lines[n][1]]):
        n += 1
    if 0 < n < len(lines):
        return [(start, lines[n - 1][1]), (lines[n][0], end), *spans[1:]]
    return spans


def _one_paragraph_per_line(lines: list[str]) -> bool:
    """Tell lines that are paragraphs (long, or ending sentences) from hard-wrapped prose."""
    if any(len(line) > _WRAP_WIDTH for line in lines):
        return True
    ends = sum(1 for line in lines[:-1] if _TERMINAL.search(line))
    return ends >= 0.75 * (len(lines) - 1)


def _split_flat_body(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """When the whole body is one block of several lines (an export with single newlines), make each line a block."""
    body = [n for n, (start, end) in enumerate(spans) if not _is_header_block(text[start:end])]
    if len(body) != 1:
        return spans
    start, end = spans[body[0]]
    lines = _lines(text, start, end)
    if len(lines) < 2 or not _one_paragraph_per_line([text[a:b] for a, b in lines]):
        return spans
    return spans[: body[0]] + lines + spans[body[0] + 1 :]


def _is_header_block(block: str) -> bool:
    return all(_FIELD_LINE.match(line) for line in block.splitlines() if line.strip())


def _read_header(blocks: list[str]) -> dict[str, str]:
    header: dict[str, str] = {}
    for block in blocks:
        for line in block.splitlines():
            match = _FIELD_LINE.match(line)
            if match and match.group(2):
                key = HEADER_FIELDS[match.group(1).lower()]
                header.setdefault(key, match.group(2))
    return header


def _int_field(header_text: str, name: str) -> int | None:
    match = re.search(rf"\b{name}\s*:\s*(\d+)", header_text, re.IGNORECASE)
    return int(match.group(1)) if match else None


def parse_article(text: str, article_id: str = "article", *, path: str | None = None, encoding: str | None = None) -> Article:
    """Parse EDM text into an :class:`Article`.

    Raises :class:`ArticleReadError` when the text holds no body paragraph.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    source = path or article_id
    spans = _split_flat_body(text, _split_leading_header(text, _blocks(text)))
    header_blocks, body = [], []
    for start, end in spans:
        block = text[start:end]
        if _is_header_block(block) and not _EXEC_SUMMARY.match(block):
            header_blocks.append(block)
        elif body and _EXEC_SUMMARY.match(text[body[-1][0] : body[-1][1]]) and all(
            _BULLET.match(line) for line in block.splitlines() if line.strip()
        ):
            body[-1] = (body[-1][0], end)  # bullets of the Executive Summary
        else:
            body.append((start, end))
    if not body:
        what = "has a header but no body paragraphs" if header_blocks else "has no body paragraphs"
        raise ArticleReadError(f"{source}: the file {what}")
    header = _read_header(header_blocks)
    paragraphs = []
    for number, (start, end) in enumerate(body, 1):
        stop = body[number][0] if number < len(body) else len(text)
        paragraph_text = text[start:end].rstrip()
        paragraphs.append(Paragraph(number, start, stop, paragraph_text, split_sentences(paragraph_text, start)))
    return Article(
        article_id=article_id,
        text=text,
        paragraphs=tuple(paragraphs),
        title=header.get("title"),
        author=header.get("author"),
        date=header.get("date"),
        volume=_int_field("\n".join(header_blocks), "volume"),
        issue=_int_field("\n".join(header_blocks), "issue"),
        source=header.get("source"),
        path=path,
        encoding=encoding,
        header=header,
    )


def read_article(path: str | Path, article_id: str | None = None, *, encoding: str | None = None,
                 max_bytes: int = MAX_ARTICLE_BYTES) -> Article:
    """Read an EDM article from a text file or a saved jamestown.org page; ``article_id`` defaults to the file's stem.

    An HTML page (by its content, whatever the suffix) is read by :func:`edm_stance.pages.parse_page`.

    Raises :class:`ArticleReadError` naming the file for a missing, empty, binary, too large
    (over ``max_bytes``) or undecodable file, a table, JSON or document file rather than
    article text, or one with no body.
    """
    path = Path(path)
    kind = DATA_SUFFIXES.get(path.suffix.lower())
    if kind and path.is_file():
        raise ArticleReadError(f"{path}: is {kind}, not an article; score .txt articles or saved .html pages")
    data = read_bytes(path, max_bytes=max_bytes)
    text, used = decode_text(data, str(path), encoding)
    if is_html(text):
        from .pages import parse_page

        return parse_page(text, article_id or path.stem, path=str(path), encoding=used)
    kind = data_kind(text)
    if kind:
        raise ArticleReadError(f"{path}: looks like {kind}, not article text")
    return parse_article(text, article_id or path.stem, path=str(path), encoding=used)


