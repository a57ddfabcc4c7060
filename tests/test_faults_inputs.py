"""Fault cases, family "inputs": encodings, layouts, non-articles, odd folder entries, size limits.

Each case is a bad or unusual input that the issue-11 probe (or a case in its spirit) met:
it must either be read correctly or stop the run with exit 2 and one line naming the file
and the problem, without a traceback and without an output file.
"""

from __future__ import annotations

import os
import shutil
import sys

import pandas as pd
import pytest

from edm_stance.article import read_article

from .conftest import SEED, fixture_path
from .faultkit import assert_one_line_error, files_in, leftovers, run_cli, run_subprocess, write_article

TEXT = ("Title: Invented encoding test\n\n"
        "The Kremlin’s “partnership” offer – made in Moscow – was rejected by the West… NGOs said so.\n\n"
        "A second paragraph says that Russia and NATO met again.\n")


def score(paths, out, capsys, *extra):
    return run_cli(["score", *paths, "-o", out, "--scorer", "lexicon", *extra], capsys)


# --- encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "extra"), [
    ("cp1252-curly-quotes", TEXT.encode("cp1252"), []),  # probe: refused as ambiguous
    ("utf16-bom", TEXT.encode("utf-16"), []),  # probe: called binary
    ("utf16-explicit", TEXT.encode("utf-16"), ["--encoding", "utf-16"]),  # probe: --encoding did not help
    ("utf16le-no-bom", TEXT.encode("utf-16-le"), []),
    ("utf16be-no-bom", TEXT.encode("utf-16-be"), []),
    ("utf32-bom", TEXT.encode("utf-32"), []),
    ("utf8-bom-crlf", ("\ufeff" + TEXT).replace("\n", "\r\n").encode("utf-8"), []),
])
def test_text_encodings_are_read_exactly(tmp_path, capsys, name, data, extra):
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    out = tmp_path / "out.csv"
    code, _, err = score([path], out, capsys, *extra)
    assert code == 0, err
    table = pd.read_csv(out)
    assert table["title"].unique().tolist() == ["Invented encoding test"]
    assert table["paragraph"].max() == 2
    article = read_article(path, encoding=extra[1] if extra else None)
    assert article.paragraphs[0].text == TEXT.split("\n\n")[1]


def test_nul_bytes_after_the_first_8_kb_are_refused(tmp_path, capsys):
    path = tmp_path / "late-nul.txt"
    path.write_bytes(TEXT.encode() + b"Filler sentence about Russia. " * 400 + b"\x00\x00 More text.\n")
    out = tmp_path / "out.csv"
    code, _, err = score([path], out, capsys)
    assert_one_line_error(code, err, path, "NUL")
    assert files_in(tmp_path) == {"late-nul.txt"}


def test_nul_bytes_with_an_explicit_encoding_are_refused(tmp_path, capsys):
    path = tmp_path / "nul-latin1.txt"
    path.write_bytes(TEXT.encode("latin-1", errors="replace") + b"Filler about Russia. " * 500 + b"\x00 the end.")
    code, _, err = score([path], tmp_path / "out.csv", capsys, "--encoding", "latin-1")
    assert_one_line_error(code, err, path, "NUL")


def test_wrong_explicit_encoding_names_the_file(tmp_path, capsys):
    path = tmp_path / "utf16.txt"
    path.write_bytes(TEXT.encode("utf-16"))
    code, _, err = score([path], tmp_path / "out.csv", capsys, "--encoding", "ascii")
    assert_one_line_error(code, err, path, "cannot be decoded as ascii")


def test_a_file_that_is_only_a_byte_order_mark_is_empty(tmp_path, capsys):
    path = tmp_path / "bom-only.txt"
    path.write_bytes(b"\xef\xbb\xbf\n")
    code, _, err = score([path], tmp_path / "out.csv", capsys)
    assert_one_line_error(code, err, path, "the file is empty")


def test_text_full_of_control_characters_is_binary(tmp_path, capsys):
    path = tmp_path / "controls.txt"
    path.write_bytes(b"Title: x\n\n" + bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 100)
    code, _, err = score([path], tmp_path / "out.csv", capsys)
    assert_one_line_error(code, err, path, "binary file")


# --- layouts --------------------------------------------------------------------------------------

def test_paragraphs_separated_by_single_newlines_are_split_and_the_header_kept(tmp_path, capsys):
    seed = read_article(SEED)
    header = "Publication: Eurasia Daily Monitor Volume: 3 Issue: 138\nTitle: Single newlines\nBy: Test Author\n"
    path = tmp_path / "single-newlines.txt"
    path.write_text(header + "\n".join(p.text for p in seed.paragraphs) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = score([path], out, capsys)
    assert code == 0, err
    table = pd.read_csv(out)
    assert table["paragraph"].max() == len(seed.paragraphs) == 8
    assert (table["title"].iloc[0], table["author"].iloc[0], table["issue"].iloc[0]) == ("Single newlines", "Test Author", 138)
    article = read_article(path)
    assert [p.text for p in article.paragraphs] == [p.text for p in seed.paragraphs]
    assert [len(p.sentences) for p in article.paragraphs] == [len(p.sentences) for p in seed.paragraphs]


def test_hard_wrapped_prose_stays_one_paragraph():
    from edm_stance.article import parse_article

    wrapped = ("Title: Wrapped\n\nKyrgyzstan's relations with Russia have been warm since the\n"
               "president's visit to Moscow, where he promised closer ties and\n"
               "new investment in the hydropower plants of the south.\n")
    assert len(parse_article(wrapped, "x").paragraphs) == 1


def test_header_directly_followed_by_body_blocks(tmp_path):
    path = write_article(tmp_path / "a.txt", "")
    path.write_text("Title: No blank line after the header\nDate: 2020-01-02\nRussia spoke first.\n\n"
                    "The West answered.\n", encoding="utf-8")
    article = read_article(path)
    assert (article.title, article.date) == ("No blank line after the header", "2020-01-02")
    assert [p.text for p in article.paragraphs] == ["Russia spoke first.", "The West answered."]


# --- things that are not articles -----------------------------------------------------------------

def test_html_page_without_an_article_is_refused(tmp_path, capsys):
    path = tmp_path / "not-found.html"
    path.write_text("<!DOCTYPE html><html><head><title>Page not found</title></head><body><nav><a href='/'>Home</a>"
                    "</nav><h1>Page not found</h1><p>Sorry, this page does not exist.</p></body></html>")
    out = tmp_path / "out.csv"
    code, _, err = score([path], out, capsys)
    assert_one_line_error(code, err, path, "no article text found in this HTML page")
    assert not out.exists()


def test_html_fragment_is_read_as_a_page_not_as_text(tmp_path):
    page = fixture_path("pages/edm-invented-page.html").read_text(encoding="utf-8")
    body = page[page.index("<body"):]
    path = tmp_path / "fragment.txt"
    path.write_text(body.replace("<body", "<div", 1), encoding="utf-8")
    article = read_article(path)
    assert not any("<" in p.text for p in article.paragraphs)
    assert article.paragraphs[0].text.startswith("This invented first paragraph")


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("gold.csv", "article_id,paragraph,target,label\na,1,russia,critical\n", "is a table (CSV), not an article"),
    ("table.txt", "article_id,paragraph,target,label\na,1,russia,critical\na,2,west,absent\n",
     "looks like a table (CSV), not article text"),
    ("semicolons.txt", "id;paragraph;target\na;1;russia\na;2;west\nb;1;ngos\n", "looks like a table"),
    ("records.txt", '{"title": "x", "text": "Russia and the West."}\n', "looks like JSON data"),
    ("records.jsonl", '{"title": "x"}\n', "is JSON data, not an article"),
    ("report.pdf", "%PDF-1.7 invented", "is a PDF, not an article"),
])
def test_tables_json_and_documents_are_refused(tmp_path, capsys, name, content, problem):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = score([path], out, capsys)
    assert_one_line_error(code, err, path, problem)
    assert not out.exists()


# --- sizes and endless streams --------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path, capsys):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(11 * 2**20)  # sparse: costs no disk
    code, _, err = score([path], tmp_path / "out.csv", capsys)
    assert_one_line_error(code, err, path, "is 11.0 MB, over the limit of 10 MB for one article file")


def test_dev_zero_stops_at_once(tmp_path):
    result = run_subprocess(["score", "/dev/zero", "--scorer", "lexicon"], tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "edm-stance: error: /dev/zero: this is a binary file, not article text\n"


def test_an_endless_text_stream_stops_at_the_size_limit(tmp_path):
    import subprocess

    yes = subprocess.Popen(["yes", "Russia and the West met again."], stdout=subprocess.PIPE)
    try:
        result = run_subprocess(["score", "/dev/stdin", "--scorer", "lexicon"], tmp_path, timeout=120, stdin=yes.stdout)
    finally:
        yes.kill()
        yes.wait()
    assert result.returncode == 2
    assert result.stderr == ("edm-stance: error: /dev/stdin: goes on over the limit of 10 MB for one article file "
                             "(an EDM article is about 10 KB); split it into one file per article\n")


def test_sentence_splitting_is_linear_on_long_and_pathological_paragraphs(tmp_path):
    """The probe's 200k-character paragraph took 15 s (quadratic); these 2M-character ones finish in seconds."""
    code = (
        "from edm_stance.article import split_sentences\n"
        "seed = open(%r, encoding='utf-8').read().split('\\n\\n', 2)[2]\n"
        "prose = (seed.replace('\\n\\n', ' ') * 400)[:2_000_000]\n"
        "for text in (prose, '.' * 2_000_000, '(' * 1_000_000 + 'A. B', 'A. ' * 300_000, 'U.S. ' * 300_000):\n"
        "    split_sentences(text)\n"
        "print(len(split_sentences(prose)))\n" % str(SEED)
    )
    import subprocess

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(SEED.parents[2] / "src")})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 10_000


# --- folders --------------------------------------------------------------------------------------

def test_broken_links_fifos_and_link_loops_are_listed_in_the_manifest(tmp_path, capsys):
    folder = tmp_path / "archive"
    write_article(folder / "good.txt", "Russia and the West met.")
    (folder / "gone.txt").symlink_to(folder / "deleted.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "loop").symlink_to(folder)
    out = tmp_path / "out.csv"
    code, stdout, err = score([folder], out, capsys)
    assert code == 0, err
    manifest = pd.read_csv(tmp_path / "out.csv.manifest.csv", keep_default_na=False)
    reasons = dict(zip(manifest["path"].str.removeprefix(f"{folder}/"), manifest["reason"]))
    assert reasons == {"good.txt": "", "gone.txt": "broken symbolic link", "pipe.txt": "not a regular file (a FIFO (named pipe))",
                       "loop": "link to a folder, not followed"}
    assert "3 file(s) skipped" in stdout


def test_unreadable_subfolder_is_listed_in_the_manifest(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "archive"
    write_article(folder / "good.txt", "Russia and the West met.")
    (folder / "locked").mkdir()
    write_article(folder / "locked" / "hidden-away.txt", "NGOs.")
    scandir = os.scandir

    def refusing(path="."):  # what a folder without read permission does (root ignores chmod, so fake it)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    code, _, err = score([folder], tmp_path / "out.csv", capsys)
    assert code == 0, err
    manifest = pd.read_csv(tmp_path / "out.csv.manifest.csv", keep_default_na=False)
    assert [f"{folder}/locked", "skipped", "folder cannot be read (Permission denied)"] in manifest[
        ["path", "status", "reason"]].values.tolist()


def test_pages_with_the_same_file_name_in_different_folders_get_distinct_ids(tmp_path, capsys):
    mirror = tmp_path / "mirror" / "program"
    for slug in ("moscow-offer", "tbilisi-answer", "nato-hopes"):
        (mirror / slug).mkdir(parents=True)
        page = fixture_path("pages/edm-invented-page.html").read_text(encoding="utf-8")
        (mirror / slug / "index.html").write_text(page.replace("This invented first paragraph", f"This {slug} paragraph"),
                                                  encoding="utf-8")
    out = tmp_path / "out.csv"
    code, stdout, err = score([tmp_path / "mirror"], out, capsys)
    assert code == 0, err
    assert "3 article(s) scored" in stdout and "0 file(s) skipped" in stdout
    assert sorted(pd.read_csv(out)["article_id"].unique()) == ["moscow-offer", "nato-hopes", "tbilisi-answer"]
    manifest = pd.read_csv(tmp_path / "out.csv.manifest.csv", keep_default_na=False)
    assert set(manifest["reason"]) == {"article id from the folders above: the name 'index' is shared by 3 inputs"}


def test_a_file_given_twice_is_read_once(tmp_path, capsys):
    path = write_article(tmp_path / "a.txt", "Russia spoke.")
    code, stdout, err = score([path, tmp_path, path], tmp_path / "out.csv", capsys)
    assert code == 0, err
    assert "1 article(s) scored" in stdout
    manifest = pd.read_csv(tmp_path / "out.csv.manifest.csv", keep_default_na=False)
    assert manifest["reason"].tolist()[1:] == [f"the same input as {path}, read once"] * 2


def test_a_run_that_reads_no_article_exits_2(tmp_path, capsys):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "header.txt").write_text("Title: only a header\n")
    out = tmp_path / "out.csv"
    code, stdout, err = score([folder], out, capsys)
    assert_one_line_error(code, err, folder, "no article could be read", "2 input(s) skipped",
                          f"{folder / 'empty.txt'}: the file is empty")
    assert stdout == "" and not out.exists() and not leftovers(tmp_path)


def test_undecodable_file_names_are_written_to_the_manifest(tmp_path, capsys):
    folder = tmp_path / "archive"
    write_article(folder / "good.txt", "Russia spoke.")
    name = os.fsdecode(b"caf\xe9.txt")  # a Latin-1 file name on a UTF-8 system
    shutil.copy(folder / "good.txt", folder / name)
    out = tmp_path / "out.csv"
    code, _, err = score([folder], out, capsys)
    assert code == 0, err
    assert sorted(pd.read_csv(out)["article_id"].unique()) == ["caf\ufffd", "good"]
    manifest = pd.read_csv(tmp_path / "out.csv.manifest.csv", keep_default_na=False)
    assert f"{folder}/caf\ufffd.txt" in manifest["path"].tolist()


def test_a_folder_of_only_other_files_is_refused(tmp_path, capsys):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.md").write_text("notes")
    code, _, err = score([folder], tmp_path / "out.csv", capsys)
    assert_one_line_error(code, err, folder, "the folder holds no article files")


def test_a_broken_link_named_on_the_command_line(tmp_path, capsys):
    link = tmp_path / "article.txt"
    link.symlink_to(tmp_path / "moved-away.txt")
    code, _, err = score([link], tmp_path / "out.csv", capsys)
    assert_one_line_error(code, err, link, "is a broken symbolic link")


def test_reading_shows_progress_in_bytes(tmp_path, capsys):
    from edm_stance.corpus import read_corpus

    paths = [write_article(tmp_path / "archive" / f"a{n}.txt", "Russia spoke. " * 2000) for n in range(3)]
    corpus = read_corpus([tmp_path / "archive"], show_progress_bar=True)
    assert len(corpus.articles) == 3
    err = capsys.readouterr().err
    assert "reading:" in err and "100%" in err, err
    assert "/84.1k" in err and sum(path.stat().st_size for path in paths) == 84_093  # bytes, scaled
