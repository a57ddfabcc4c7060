"""Collecting articles from folders (recursive), with a manifest of what was skipped and why."""

from __future__ import annotations

import re
import shutil

import pytest

from edm_stance.corpus import collect_paths, read_corpus
from edm_stance.errors import ArticleReadError

from .conftest import SEED, fixture_path


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "archive"
    (root / "2006" / "07").mkdir(parents=True)
    (root / "2019").mkdir()
    (root / ".ipynb_checkpoints").mkdir()
    shutil.copy(SEED, root / "2006" / "07" / "edm-v3-i138.txt")
    shutil.copy(fixture_path("pages/edm-invented-page.html"), root / "2019" / "edm-invented-page.html")
    shutil.copy(SEED, root / ".ipynb_checkpoints" / "edm-v3-i138.txt")
    (root / "2019" / "empty.txt").write_text("")
    (root / "2019" / "edm-v3-i138.txt").write_text("Title: Invented duplicate\n\nA body paragraph about Russia.")
    (root / "README.md").write_text("notes")
    return root


def test_folders_are_read_recursively_with_a_manifest(archive):
    corpus = read_corpus([archive])
    # two files named edm-v3-i138.txt: each takes its id from the folder above it
    assert [a.article_id for a in corpus.articles] == ["07-edm-v3-i138", "edm-invented-page", "2019-edm-v3-i138"]
    manifest = corpus.manifest_frame()
    rows = {(row.path.removeprefix(f"{archive}/"), row.status, row.reason) for row in manifest.itertuples()}
    shared = "article id from the folders above: the name 'edm-v3-i138' is shared by 2 inputs"
    assert rows == {
        ("2006/07/edm-v3-i138.txt", "read", shared),
        ("2019/edm-invented-page.html", "read", ""),
        ("2019/empty.txt", "skipped", "the file is empty"),
        ("2019/edm-v3-i138.txt", "read", shared),
        (".ipynb_checkpoints/edm-v3-i138.txt", "skipped", "hidden file or folder"),
        ("README.md", "skipped", "not an article file (.txt, .html, .htm)"),
    }
    status = corpus.manifest_frame({"07-edm-v3-i138": "cached", "edm-invented-page": "scored", "2019-edm-v3-i138": "cached"})
    assert sorted(status["status"]) == ["cached", "cached", "scored", "skipped", "skipped", "skipped"]
    assert collect_paths([archive]) == [archive / "2006/07/edm-v3-i138.txt", archive / "2019/edm-invented-page.html",
                                        archive / "2019/edm-v3-i138.txt", archive / "2019/empty.txt"]


def test_named_bad_file_still_fails(archive):
    with pytest.raises(ArticleReadError, match=re.escape(f"{archive / '2019/empty.txt'}: the file is empty")):
        read_corpus([archive / "2006", archive / "2019/empty.txt"])
    named = read_corpus([archive / "2006/07/edm-v3-i138.txt", archive / "2019/edm-v3-i138.txt"])
    assert [a.article_id for a in named.articles] == ["07-edm-v3-i138", "2019-edm-v3-i138"]


def test_url_needs_fetch():
    with pytest.raises(ArticleReadError, match=re.escape("https://jamestown.org/x/: is a URL; pass --fetch to download it")):
        read_corpus(["https://jamestown.org/x/"])
