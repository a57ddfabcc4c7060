"""Article files as text: size limits, byte-order marks and encodings, binary data, tables posing as text.

:func:`read_bytes` reads a file in chunks up to :data:`MAX_ARTICLE_BYTES`, so that an
endless stream (``/dev/zero``, a pipe) stops at the limit or at its first bytes and Ctrl-C is
honoured between chunks. :func:`decode_text` turns the bytes into text: a byte-order mark
(UTF-8, UTF-16, UTF-32) or UTF-16's zero bytes decide, else UTF-8, else the 8-bit encoding
(cp1252/Latin-1 or cp1251) that reads plausibly; NUL bytes anywhere, or many control bytes,
mean binary data. :func:`data_kind` tells tables (CSV) and JSON from prose, and
:func:`is_html` a saved web page. Every refusal is an :class:`ArticleReadError` naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from pathlib import Path

from .errors import ArticleReadError

__all__ = ["DATA_SUFFIXES", "MAX_ARTICLE_BYTES", "data_kind", "decode_text", "is_html", "read_bytes"]

MAX_ARTICLE_BYTES = 10 * 1024 * 1024
"""Largest article file read, in bytes (10 MiB; an EDM article is about 10 KB, a saved page under 1 MB)."""
_READ_CHUNK = 1024 * 1024
_SNIFF_BYTES = 8192
DATA_SUFFIXES = {
    ".csv": "a table (CSV)", ".tsv": "a table (TSV)", ".parquet": "a Parquet table", ".xlsx": "a spreadsheet",
    ".xls": "a spreadsheet", ".ods": "a spreadsheet", ".json": "JSON data", ".jsonl": "JSON data",
    ".ipynb": "a notebook", ".yaml": "a YAML file", ".yml": "a YAML file", ".pdf": "a PDF",
    ".docx": "a Word document", ".doc": "a Word document", ".odt": "an OpenDocument text", ".rtf": "an RTF document",
    ".zip": "an archive", ".gz": "a compressed file", ".bz2": "a compressed file", ".xz": "a compressed file",
    ".tar": "an archive", ".7z": "an archive",
}
_COLUMN_NAME = re.compile(r"[\w .()/-]{1,40}")
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def _unicode_encoding(data: bytes) -> str | None:
    """Return the UTF encoding that a byte-order mark, or UTF-16's pattern of zero bytes, shows; else None."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[: _SNIFF_BYTES - _SNIFF_BYTES % 2]
    pairs = len(sample) // 2
    if pairs < 8:
        return None
    zero_even, zero_odd = sample[0::2].count(0) / pairs, sample[1::2].count(0) / pairs
    if zero_odd > 0.3 and zero_even < 0.02:
        return "utf-16-le"  # ASCII text as UTF-16 without a mark: "T\0i\0t\0..."
    if zero_even > 0.3 and zero_odd < 0.02:
        return "utf-16-be"
    return None


def _looks_binary(data: bytes) -> bool:
    """Tell whether the first bytes of a file are binary data (NUL bytes or many control bytes)."""
    head = data[:_SNIFF_BYTES]
    return _unicode_encoding(head) is None and (b"\x00" in head or _control_ratio(head) > 0.05)


def _checked(text: str, source: str) -> str:
    """Refuse decoded text that is empty or holds NUL characters or many control characters."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ArticleReadError(f"{source}: the file is empty")
    nul = text.find("\x00")
    if nul >= 0:
        raise ArticleReadError(f"{source}: holds NUL characters (the first at character {nul}), so it is binary data "
                               "or a damaged text file, not article text")
    head = text[:_SNIFF_BYTES]
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\n\f\r")
    if controls > 0.05 * len(head):
        raise ArticleReadError(f"{source}: this is a binary file, not article text")
    return text


def decode_text(data: bytes, source: str = "<text>", encoding: str | None = None) -> tuple[str, str]:
    """Decode article bytes, refusing binary data and guessing between UTF-8, UTF-16/32, cp1252 and cp1251.

    A byte-order mark (UTF-8, UTF-16, UTF-32) decides the encoding; so does the pattern of
    zero bytes of ASCII text in UTF-16 without a mark. Otherwise UTF-8 is tried, then the
    8-bit encodings: one that gives a plausible text while the other does not wins, and when
    both give the same text (curly quotes and dashes are the same bytes in cp1252 and
    cp1251) that text is taken.

    Returns the text and the encoding used. Raises :class:`ArticleReadError` naming ``source``
    when the bytes are not text (NUL bytes anywhere, many control bytes) or the encoding
    cannot be told apart with confidence.
    """
    if not data.strip():
        raise ArticleReadError(f"{source}: the file is empty")
    if encoding:
        try:
            return _checked(data.decode(encoding), source), encoding
        except (LookupError, UnicodeDecodeError) as exc:
            raise ArticleReadError(f"{source}: cannot be decoded as {encoding} ({exc})") from exc
    unicode = _unicode_encoding(data)
    if unicode:
        try:
            text = data.decode(unicode)
        except UnicodeDecodeError as exc:
            raise ArticleReadError(f"{source}: looks like {unicode.upper().removesuffix('-SIG')} text but cannot be "
                                   f"decoded as such ({exc.reason} at byte {exc.start}); pass --encoding") from exc
        return _checked(text, source), unicode.removesuffix("-sig")
    nul = data.find(b"\x00")
    if nul >= 0 or _control_ratio(data[:_SNIFF_BYTES]) > 0.05:
        if nul >= _SNIFF_BYTES:
            raise ArticleReadError(f"{source}: holds NUL bytes (the first at byte {nul}), so it is binary data or a "
                                   "damaged text file, not article text")
        raise ArticleReadError(f"{source}: this is a binary file, not article text")
    try:
        return _checked(data.decode("utf-8"), source), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = {}
    try:
        candidates["cp1252"] = data.decode("cp1252")
    except UnicodeDecodeError:  # bytes that cp1252 leaves undefined: plain Latin-1
        candidates["latin-1"] = data.decode("latin-1")
    candidates["cp1251"] = data.decode("cp1251", errors="replace")
    # a stable sort: on a tie the Latin reading comes first
    (best, name), (runner_up, other) = sorted(((_implausibility(text), name) for name, text in candidates.items()),
                                              key=lambda pair: pair[0])
    if best == 0 and (runner_up > 0 or candidates[name] == candidates[other]):
        return _checked(candidates[name], source), name
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



def _too_big(path: Path, size: str, max_bytes: int) -> ArticleReadError:
    return ArticleReadError(f"{path}: {size} over the limit of {max_bytes / 2**20:g} MB for one article file "
                            "(an EDM article is about 10 KB); split it into one file per article")


def read_bytes(path: str | Path, *, max_bytes: int = MAX_ARTICLE_BYTES) -> bytes:
    """Read a file's bytes, refusing at once a file over ``max_bytes`` or one that starts as binary data.

    Reads in chunks, so that an endless stream (``/dev/zero``, a pipe) stops at the limit or
    at its first bytes, and Ctrl-C is honoured between chunks.

    Raises
    ------
    ArticleReadError
        For a missing, unreadable, binary or too large file, named in the message.
    """
    path = Path(path)
    if not path.exists():
        what = "is a broken symbolic link" if path.is_symlink() else "no such file"
        raise ArticleReadError(f"{path}: {what}")
    if path.is_dir():
        raise ArticleReadError(f"{path}: is a folder, not an article file")
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size if path.is_file() else 0
            if size > max_bytes:
                raise _too_big(path, f"is {size / 2**20:.1f} MB,", max_bytes)
            head = handle.read(_SNIFF_BYTES)
            if _looks_binary(head):
                raise ArticleReadError(f"{path}: this is a binary file, not article text")
            chunks, total = [head], len(head)
            while chunk := handle.read(_READ_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(path, "goes on", max_bytes)
                chunks.append(chunk)
    except ArticleReadError:
        raise
    except OSError as exc:
        raise ArticleReadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return b"".join(chunks)


def data_kind(text: str) -> str | None:
    """Return what kind of data ``text`` is when it is a table or JSON rather than prose, else None."""
    head = text[:20000]
    first = head.lstrip()[:1]
    if first in ("{", "["):
        line = head.lstrip().split("\n", 1)[0]
        for candidate in (text, line):
            try:
                json.loads(candidate)
                return "JSON data"
            except ValueError:
                pass
    for delimiter in ",;\t|":
        rows = [row for row in csv.reader(io.StringIO(head), delimiter=delimiter) if any(f.strip() for f in row)][:10]
        if len(head) == 20000:
            rows = rows[:-1]  # the last row may be cut
        if (len(rows) >= 3 and len(rows[0]) >= 3 and all(len(row) == len(rows[0]) for row in rows)
                and all(_COLUMN_NAME.fullmatch(field.strip()) for field in rows[0])):
            return "a table (CSV)" if delimiter == "," else "a table (delimited text)"
    return None


_HTML_START = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|article)\b",
    re.IGNORECASE | re.DOTALL,
)


def is_html(text: str) -> bool:
    """Tell whether ``text`` is an HTML page or fragment (a saved web page) rather than EDM text."""
    return _HTML_START.match(text[:5000]) is not None
