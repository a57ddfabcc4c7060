"""Tests of edm_stance.targets: default definitions, false-hit guards, user targets, errors."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from edm_stance.errors import TargetsFileError, UnknownTargetError
from edm_stance.targets import load_targets

from .conftest import GOLD


def _names(targets, text):
    return [(m.target, m.text) for m in targets.find_mentions(text)]


def test_default_targets(default_targets):
    assert list(default_targets) == ["russia", "west", "ngos"]
    assert default_targets["west"].label == "the West"


def test_seed_presence_matches_gold(seed_article, default_targets):
    gold = pd.read_csv(GOLD)
    for row in gold.itertuples():
        paragraph = seed_article.paragraphs[row.paragraph - 1]
        present = bool(default_targets[row.target].find(paragraph.text))
        assert present == (row.label != "absent"), (row.paragraph, row.target)


def test_russia_presence_in_seed(seed_article, default_targets):
    present = [p.number for p in seed_article.paragraphs if default_targets["russia"].find(p.text)]
    assert present == [1, 2, 3, 5, 7, 8]


def test_mentions_have_offsets(default_targets):
    text = "Talks between Moscow and Washington stalled."
    mentions = default_targets.find_mentions(text, offset=100)
    assert [(m.target, m.start, m.end, m.text) for m in mentions] == [
        ("russia", 114, 120, "Moscow"),
        ("west", 125, 135, "Washington"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Let us see what the US and the U.S. Congress do.", [("west", "US"), ("west", "U.S. Congress")]),
        ("Gas from Western Siberia is priced in U.S. dollars.", []),
        ("The Soviet Union collapsed; ethnic Russians stayed.", []),
        ("He studied at Moscow State University.", []),
        ("Western donors and western governments funded it.", [("west", "Western"), ("west", "western")]),
        ("It lies in western Ukraine.", []),
        ("The pro-Russian and Kyrgyz-Russian deals.", [("russia", "Russian"), ("russia", "Russian")]),
        ("Civil society groups and NGOs protested.", [("ngos", "Civil society"), ("ngos", "NGOs")]),
        ("Party activists rallied.", []),
        ("Kazakhstan joined the CSTO and the Eurasian Economic Union.", [("russia", "CSTO"), ("russia", "Eurasian Economic Union")]),
        ("Latin America and the Council of Europe.", [("west", "Council of Europe")]),
        ("The Kremlin’s envoy and NATO’s chief.", [("russia", "Kremlin"), ("west", "NATO")]),
    ],
)
def test_false_hits_are_guarded(default_targets, text, expected):
    assert _names(default_targets, text) == expected


def test_user_targets_extend_the_defaults(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("china:\n  label: China\n  aliases: [China, Chinese, Beijing]\nkazakhstan:\n  aliases: [Kazakhstan, Astana]\n")
    targets = load_targets(path)
    assert list(targets) == ["russia", "west", "ngos", "china", "kazakhstan"]
    assert _names(targets.select(["china"]), "Beijing lent money; China gained.") == [("china", "Beijing"), ("china", "China")]
    assert targets["kazakhstan"].label == "kazakhstan"


def test_user_target_replaces_a_default_of_the_same_name(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("ngos:\n  aliases: [NGO]\n")
    assert load_targets(path)["ngos"].aliases == ("NGO",)


def test_unknown_target(default_targets):
    with pytest.raises(UnknownTargetError, match=re.escape("No target named 'china'. Available targets: russia, west, ngos.")):
        default_targets.select(["china"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("china: [unclosed", "not valid YAML"),
        ("- just a list", "must map target names to definitions"),
        ("China:\n  aliases: [China]\n", "target name 'China' must be lowercase letters"),
        ("china:\n  alias: [China]\n", "target 'china': unknown key(s) 'alias'"),
        ("china:\n  aliases: China\n", "target 'china': 'aliases' must be a list of non-empty strings"),
        ("china:\n  label: China\n", "target 'china' has neither 'aliases' nor 'patterns'"),
        ("china:\n  patterns: ['(unclosed']\n", "target 'china': bad regular expression '(unclosed'"),
    ],
)
def test_broken_targets_file(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(TargetsFileError) as info:
        load_targets(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_missing_targets_file(tmp_path):
    with pytest.raises(TargetsFileError, match=re.escape(f"{tmp_path / 'x.yaml'}: no such targets file")):
        load_targets(tmp_path / "x.yaml")
