"""Where NewsMTSC comes from: an option or $EDM_STANCE_NEWSMTSC, never a path beside the checkout."""

from __future__ import annotations

import re

import pytest

from edm_stance.cli import main
from edm_stance.errors import DataFileError
from edm_stance.newsmtsc import NEWSMTSC_ENV, newsmtsc_dir

WHERE = "get it from the authors' repository, https://github.com/fhamborg/NewsMTSC"


def test_the_folder_comes_from_the_option_before_the_environment(tmp_path, monkeypatch):
    given, from_env = tmp_path / "given", tmp_path / "env"
    for folder in (given, from_env):
        folder.mkdir()
        (folder / "devtest_rw.jsonl").write_text("")
    monkeypatch.setenv(NEWSMTSC_ENV, str(from_env))
    assert newsmtsc_dir(given) == given
    assert newsmtsc_dir() == from_env
    assert newsmtsc_dir("") == from_env


def test_absent_newsmtsc_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv(NEWSMTSC_ENV, raising=False)
    with pytest.raises(DataFileError, match=re.escape(f"no NewsMTSC folder given. NewsMTSC (Hamborg & Donnay, EACL 2021) "
                                                      f"is not part of this project: {WHERE}")) as caught:
        newsmtsc_dir()
    assert str(caught.value).endswith(f"(edm-stance train --newsmtsc DIR; notebook 03's newsmtsc_dir) or {NEWSMTSC_ENV}=DIR")
    with pytest.raises(DataFileError, match=re.escape(f"{tmp_path}: no NewsMTSC files here (train.jsonl, "
                                                      f"devtest_rw.jsonl, devtest_mt.jsonl)")):
        newsmtsc_dir(tmp_path)


def test_train_without_newsmtsc_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(NEWSMTSC_ENV, raising=False)
    assert main(["train", "--output", str(tmp_path / "model")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("edm-stance: error: no NewsMTSC folder given.") and WHERE in error
    assert error.count("\n") == 1
    assert not (tmp_path / "model").exists()
