"""Tests of target presence v2 (issue 9): NGOs by role, Western officials by title, nationality guards.

Every sentence here was written for these tests; none is EDM text.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from edm_stance import Mention, explain_presence, find_article_mentions, load_targets, parse_article
from edm_stance.cli import main
from edm_stance.errors import TargetsFileError

from .conftest import GOLD


def _present(text: str, targets, *, entities: bool = False) -> list[set[str]]:
    """Return, per paragraph of ``text``, the targets present."""
    article = parse_article(text)
    return [{name for name, mentions in found.items() if mentions}
            for found in find_article_mentions(article, targets, entities=entities)]


def _mentions(text: str, targets, target: str) -> list[tuple[str, str]]:
    article = parse_article(text)
    return [(m.text, m.rule) for found in find_article_mentions(article, targets) for m in found[target]]


@pytest.mark.parametrize(
    "text",
    [
        "Fresh figures came from the Independent Centre for Social Research on Monday.",
        "A reputable non-state polling firm put turnout far lower.",
        "The 'Honest Count' campaign said the tally was padded.",
        "Police broke up this protest movement within hours.",
        "Leaders of the labour-migrant movement met the mayor.",
        "An environmental movement in the south blocked the quarry road.",
        "Brightwater, a Karaganda-based environmental organisation, filed a complaint.",
        "The think tank Open Steppe published the leaked budget.",
        "Our sources include the Coalition for Clean Elections and Civic Rights.",
        "Volunteers from the civic initiative Clean Ballot photographed the protocols.",
    ],
)
def test_ngos_named_by_what_they_are(default_targets, text):
    assert _present(text, default_targets) == [{"ngos"}]


@pytest.mark.parametrize(
    "text",
    [
        "The state-run polling institute predicted a landslide.",
        "The Presidential Institute for Strategic Studies hosted a forum on transit.",
        "The Investigative Committee opened a case against the mayor.",
        "Deputies of the ruling party's youth movement marched in the square.",
        "Two bystanders, described as activists by the police, were detained.",
        "The Steppe Youth League and the Women's Union, both state-run bodies, praised the decree.",
    ],
)
def test_state_run_and_partisan_bodies_are_not_ngos(default_targets, text):
    assert "ngos" not in _present(text, default_targets)[0]


def test_a_name_introduced_by_role_counts_in_later_paragraphs(default_targets):
    text = ("NOVAK, an independent polling institute, asked 1,200 adults about the courts.\n\n"
            "NOVAK found that only a third trust the judges.\n\n"
            "The Independent Centre for Social Research (ICSR) disagreed.\n\n"
            "ICSR figures put trust at half.")
    assert _present(text, default_targets) == [{"ngos"}, {"ngos"}, {"ngos"}, {"ngos"}]
    rules = [m.rule for found in find_article_mentions(parse_article(text), default_targets) for m in found["ngos"]]
    assert "name: apposition: an independent polling institute" in rules
    assert "name: role name" in rules


def test_a_place_before_an_apposition_is_not_a_name(default_targets):
    text = "Last week in Almaty, an independent pollster asked 900 people.\n\nAlmaty's mayor resigned."
    assert _present(text, default_targets) == [{"ngos"}, set()]


def test_western_officials_by_title_and_name(default_targets):
    text = ("U.S. Ambassador Jane Harlow met the foreign minister on Tuesday.\n\n"
            "Harlow also said that the talks on the airfield would continue.\n\n"
            "The minister thanked the visitor.")
    assert _present(text, default_targets) == [{"west"}, {"west"}, set()]
    assert _mentions(text, default_targets, "west") == [
        ("U.S. Ambassador Jane Harlow", "title: U.S. Ambassador"),
        ("Harlow", "name: title: U.S. Ambassador"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Tom Brinkley, the British envoy, toured the camps.",
        "The EU's special representative arrived in the capital.",
        "The State Department spokesman declined to comment.",
        "Assistant Secretary of State Ellen Marsh praised the reform.",
        "The delegation of MEPs left unimpressed.",
        "He promised a more balanced East–West policy.",
        "The country is torn between East and West.",
    ],
)
def test_the_west_by_title_and_as_a_pole(default_targets, text):
    assert "west" in _present(text, default_targets)[0]


def test_a_surname_alone_is_not_the_west(default_targets):
    assert _present("The talks resumed.\n\nHarlow said nothing about the base.", default_targets) == [set(), set()]


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("They funded NGOs, most of them American, for a decade.", "west"),
        ("The letter gathered signatories from Germany and the United States.", "west"),
        ("Two Americans and a Dutch citizen were injured in the crash.", "west"),
        ("American tourists filled the hotels in August.", "west"),
        ("The group relies on American and French charities.", "west"),
        ("A US-based environmental NGO tracks the gas sector.", "west"),
        ("Russian citizens crossed the border in their thousands.", "russia"),
        ("The Russian LGBT Network opened a hotline.", "russia"),
    ],
)
def test_nationality_words_for_private_people_or_ngos(default_targets, text, target):
    assert target not in _present(text, default_targets)[0]


@pytest.mark.parametrize(
    "text",
    [
        "Critics blamed Western-funded NGOs for the unrest.",
        "American diplomats protested the expulsion.",
        "The Kremlin rejected the Russian citizens' petition.",
    ],
)
def test_guards_keep_the_state(default_targets, text):
    present = _present(text, default_targets)[0]
    assert present & {"west", "russia"}


def test_new_mentions_carry_offsets_and_rules(default_targets):
    text = "Title: A test\n\nThe figures came from the Razumkov Centre and U.S. Ambassador Jane Harlow."
    article = parse_article(text)
    (found,) = find_article_mentions(article, default_targets)
    for mention in found["ngos"] + found["west"]:
        assert article.text[mention.start : mention.end] == mention.text
    assert [(m.text, m.rule) for m in found["ngos"]] == [("Razumkov Centre", "role name")]


def test_mention_is_backward_compatible():
    assert Mention("west", 0, 4, "NATO") == Mention("west", 0, 4, "NATO", "")


def test_user_targets_match_exactly_as_before(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("china:\n  aliases: [China, Beijing]\n  exclude: [China Sea]\n")
    targets = load_targets(path).select(["china"])
    text = "U.S. Ambassador Jane Harlow visited Beijing. China, the South China Sea and Chinese tourists."
    assert [(m.text, m.rule) for m in targets["china"].find(text)] == [("Beijing", "alias"), ("China", "alias")]
    assert targets["china"].names(text) == {}
    assert _present(text, targets, entities=True) == [{"china"}]


def test_user_targets_can_use_the_new_keys(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("china:\n  aliases: [China]\n  titles: ['Chinese [Aa]mbassador']\n  guards: [tourist]\n")
    targets = load_targets(path).select(["china"])
    text = "Chinese Ambassador Li Wen spoke.\n\nLi Wen left. Chinese tourists stayed."
    assert _present(text, targets) == [{"china"}, {"china"}]
    assert _present("Chinese tourists stayed.", targets) == [set()]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("x:\n  aliases: [X]\n  roles: institute\n", "'roles' must be a list of non-empty strings"),
        ("x:\n  aliases: [X]\n  titles: ['(unclosed']\n", "bad regular expression '(unclosed'"),
        ("x:\n  aliases: [X]\n  guard: [tourist]\n", "unknown key(s) 'guard'"),
    ],
)
def test_new_keys_are_validated(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(TargetsFileError, match=re.escape(message)):
        load_targets(path)


@pytest.mark.parametrize("entities", [False, True])
def test_seed_presence_stays_perfect(seed_article, entities):
    targets = load_targets(entities=entities)
    found = find_article_mentions(seed_article, targets, entities=targets.entities)
    for row in pd.read_csv(GOLD).itertuples():
        assert bool(found[row.paragraph - 1][row.target]) == (row.label != "absent"), (row.paragraph, row.target)


def test_entity_step_finds_pollsters_and_guards_by_dependency(default_targets):
    text = ("A Vox Populi poll found that most voters want change.\n\n"
            "German and American signatories backed the appeal.")
    assert _present(text, default_targets) == [set(), set()]
    assert _present(text, default_targets, entities=True) == [{"ngos"}, set()]
    article = parse_article(text)
    (first, _) = find_article_mentions(article, default_targets, entities=True)
    assert [(m.text, m.rule) for m in first["ngos"]] == [("Vox Populi", "name: entity: ORG conducting a poll")]


def test_explain_says_which_rule_made_a_target_present(default_targets):
    article = parse_article("Title: T\n\nNOVAK, an independent polling institute, met U.S. Ambassador Jane Harlow.")
    lines = explain_presence(article, default_targets)
    assert lines[0] == "article: 1 paragraph(s), targets russia, west, ngos (rules)"
    assert lines[1].startswith("¶1 NOVAK, an independent polling institute")
    assert lines[2] == "  russia  absent"
    assert lines[3] == '  west    present: "U.S. Ambassador Jane Harlow" [title: U.S. Ambassador]'
    assert lines[4] == ('  ngos    present: "NOVAK, an independent polling institute" '
                        "[apposition: an independent polling institute]")


def test_cli_targets_explain(tmp_path, capsys):
    path = tmp_path / "piece.txt"
    path.write_text("Title: T\n\nThe Razumkov Centre polled.\n\nMoscow replied.\n", encoding="utf-8")
    assert main(["targets", "--explain", str(path), "--target", "ngos"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2] == '  ngos  present: "Razumkov Centre" [role name]'
    assert out[4] == "  ngos  absent"


def test_cli_targets_explain_bad_file(tmp_path, capsys):
    assert main(["targets", "--explain", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("edm-stance: error: ") and str(tmp_path / "missing.txt") in err
    assert len(err.strip().splitlines()) == 1
