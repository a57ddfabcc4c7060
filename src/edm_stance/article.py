"""Read EDM articles: header fields, body paragraphs and sentences with character offsets.

The text format is a header of ``Field: value`` lines (``Publication: Eurasia Daily Monitor
Volume: 3 Issue: 138``, ``Title:``, ``By:``/``Author:``, ``Date:``, ``Source:``/``URL:``) and
body paragraphs separated by blank lines. A block in which every line is such a field is
header. An ``Executive Summary:`` block and the bullet blocks right after it form one
paragraph. The original text is kept exactly: paragraph spans partition the body.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArticleReadError

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
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9А-ЯЁ])")


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
    depth = 0
    depth_at = [0] * (len(text) + 1)
    for i, char in enumerate(text):
        depth_at[i] = depth
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
    depth_at[len(text)] = depth
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        if depth_at[match.start()] > 0 or not _is_boundary(text, match.start(), end):
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
    word = re.search(r"([\w.]+)$", text[:punct_start])
    token = word.group(1) if word else ""
    next_word = re.match(r"\s+[\"'“‘«(\[]?(\w+)", text[end:])
    following = next_word.group(1) if next_word else ""
    if len(token) == 1 and token.isupper():
        return False  # an initial: "Vladimir V. Putin"
    if token.lower() in {"u.s", "u.k", "u.n", "e.u"}:
        return following in _SENTENCE_STARTERS
    if token.lower() in _ABBREVIATIONS:
        return False
    return True


def decode_text(data: bytes, source: str = "<text>", encoding: str | None = None) -> tuple[str, str]:
    """Decode article bytes, refusing binary data and guessing between UTF-8, cp1252 and cp1251.

    Returns the text and the encoding used. Raises :class:`ArticleReadError` naming ``source``
    when the bytes are not text or the encoding cannot be told apart with confidence.
    """
    if not data.strip():
        raise ArticleReadError(f"{source}: the file is empty")
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > 0.05:
        raise ArticleReadError(f"{source}: this is a binary file, not article text")
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError) as exc:
            raise ArticleReadError(f"{source}: cannot be decoded as {encoding} ({exc})") from exc
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = {"cp1251": data.decode("cp1251", errors="replace")}
    try:
        candidates["cp1252"] = data.decode("cp1252")
    except UnicodeDecodeError:  # bytes that cp1252 leaves undefined: plain Latin-1
        candidates["latin-1"] = data.decode("latin-1")
    (best, name), (runner_up, _) = sorted((_implausibility(text), name) for name, text in candidates.items())
    if best == 0 and runner_up > 0:
        return candidates[name], name
    raise ArticleReadError(
        f"{source}: the file is not UTF-8 and its 8-bit encoding cannot be told apart "
        "(Latin-1/cp1252 or Cyrillic cp1251); convert it to UTF-8 or pass --encoding"
    )


def _control_ratio(data: bytes) -> float:
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(1, len(data))


def _implausibility(text: str) -> int:
    """Count signs that a decoding is wrong: control characters and mixed-script words."""
    bad = sum(1 for ch in text if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f"))
    for word in re.findall(r"\w+", text):
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        scripts.discard(None)
        if len(scripts) > 1:
            bad += 1
        elif scripts == {"latin"} and sum(1 for ch in word if ord(ch) > 0x7F) >= 3:
            bad += 1  # "Ðîññèÿ": Cyrillic bytes read as Latin-1
    return bad


def _script(char: str) -> str | None:
    if "LATIN" in unicodedata.name(char, "") or char.isascii():
        return "latin"
    if "CYRILLIC" in unicodedata.name(char, ""):
        return "cyrillic"
    return None


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
    spans = _blocks(text)
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


def read_article(path: str | Path, article_id: str | None = None, *, encoding: str | None = None) -> Article:
    """Read an EDM article from a text file or a saved jamestown.org page; ``article_id`` defaults to the file's stem.

    An HTML page (by its content, whatever the suffix) is read by :func:`edm_stance.pages.parse_page`.

    Raises :class:`ArticleReadError` naming the file for a missing, empty, binary or
    undecodable file, or one with no body.
    """
    path = Path(path)
    if not path.exists():
        raise ArticleReadError(f"{path}: no such file")
    if path.is_dir():
        raise ArticleReadError(f"{path}: is a folder, not an article file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleReadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    text, used = decode_text(data, str(path), encoding)
    if is_html(text):
        from .pages import parse_page

        return parse_page(text, article_id or path.stem, path=str(path), encoding=used)
    return parse_article(text, article_id or path.stem, path=str(path), encoding=used)


def is_html(text: str) -> bool:
    """Tell whether ``text`` is an HTML page (a saved web page) rather than EDM text."""
    return re.match(r"\s*(<!doctype html|<html)", text, re.IGNORECASE) is not None
