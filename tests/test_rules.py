"""Tests of the presence rules added in the second pass of issue 9 (edm_stance.rules, targets.yaml).

Every sentence here was written for these tests; none is EDM or corpus text.
"""

from __future__ import annotations

import re

import pytest

from edm_stance import find_article_mentions, load_targets, parse_article
from edm_stance.errors import TargetsFileError


def _present(text: str, targets) -> list[set[str]]:
    """Return, per paragraph of ``text``, the targets present."""
    return [{name for name, mentions in found.items() if mentions}
            for found in find_article_mentions(parse_article(text), targets)]


def _rules(text: str, targets, target: str) -> list[tuple[str, str]]:
    return [(m.text, m.rule) for found in find_article_mentions(parse_article(text), targets) for m in found[target]]


# --- NGOs referred to later by their role noun alone -------------------------------------------------

def test_a_body_named_by_role_is_referred_to_later_by_the_role_noun(default_targets):
    text = ("The Steppe Polling Centre asked 800 people about the new tariffs.\n\n"
            "The centre's analysts expect the protests to spread.\n\n"
            "The group of deputies did not reply.")
    assert _present(text, default_targets) == [{"ngos"}, {"ngos"}, set()]
    assert _rules(text, default_targets, "ngos")[1] == ("The centre's", "anaphor: the centre")


def test_a_role_noun_alone_introduces_nothing(default_targets):
    text = "The centre's analysts expect the protests to spread.\n\nThe Steppe Polling Centre disagreed."
    assert _present(text, default_targets) == [set(), {"ngos"}]


def test_an_anaphor_needs_the_same_role_noun(default_targets):
    text = "Rights groups condemned the verdict.\n\nThe institute's figures were ignored."
    assert _present(text, default_targets) == [{"ngos"}, set()]


# --- pollsters introduced by the survey they ran -------------------------------------------------------

def test_a_pollster_named_by_its_survey_counts_here_and_later(default_targets):
    text = ("In a survey of 1,000 adults by Vox Populi in May, most trusted the army.\n\n"
            "Vox Populi also asked about the currency.")
    assert _present(text, default_targets) == [{"ngos"}, {"ngos"}]
    assert _rules(text, default_targets, "ngos")[0] == ("Vox Populi", "intro: survey of 1,000 adults by")


@pytest.mark.parametrize(
    "text",
    [
        "A survey by the State Statistics Committee found wages rising.",
        "A poll by VTsIOM, taken in March, found the president ahead.",
        "A survey by the Higher School of Economics found the same.",
        "A poll by the Kazakh government showed support for the plant.",
    ],
)
def test_state_bodies_that_run_surveys_are_not_ngos(default_targets, text):
    assert "ngos" not in _present(text, default_targets)[0]


# --- NGOs described by what they are -----------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "A Khorog association that runs a shelter lost its lease.",
        "An association calling itself Fair Harvest sued the mine.",
        "The money came from a Vienna-based foundation.",
        "The director of a women's crisis centre was barred from travel.",
        "Lawyers at a legal clinic in Naryn took the case.",
        "The Osh group Clean Water published the figures.",
        "The work is done by a local group, Mothers of Talas, which runs a school.",
        "The deputy said foreign-funded groups were plotting unrest.",
        "According to the independent research firm Sigma, prices rose.",
        "The Kazakh-Dutch Forum for Human Rights sent monitors to the farms.",
        "The Soldiers' Mothers of Samara counted the dead.",
    ],
)
def test_ngos_described_by_what_they_are(default_targets, text):
    assert _present(text, default_targets) == [{"ngos"}]


@pytest.mark.parametrize(
    "text",
    [
        "Kyiv wants an association agreement with the EU.",
        "An Islamist group that recruited in the valley was banned.",
        "Officials praised state-sponsored bodies such as the Youth Union and the Women's Committee.",
        "The government's own version of civil society was on show.",
        "The National Association of Lawyers, created by presidential decree in 2005, praised the verdict.",
        "The Committee for the Protection of the State Border took over the posts.",
        "Baltic Wave, the Russian state news agency's local bureau, was raided.",
        "Downstream, the giant dam project has stalled.",
        "Activists of the ruling party collected signatures.",
        "Supplies moved along the Northern Distribution Network.",
        "The Organisation for the Prohibition of Chemical Weapons confirmed the agent.",
        "Fuel was sold at the Manas Transit Center.",
        "Its co-chair sits for the presidential party, whose youth activists marched.",
    ],
)
def test_state_intergovernmental_and_party_bodies_are_not_ngos(default_targets, text):
    assert "ngos" not in _present(text, default_targets)[0]


def test_a_verb_between_a_state_body_and_a_name_does_not_block_it(default_targets):
    text = "The Justice Ministry added The Way Forward, a movement of veterans' widows, to the register."
    assert "ngos" in _present(text, default_targets)[0]


def test_learned_names_are_names(default_targets):
    text = ("Friends of Migrants (The Helping Hand), an association of students, fed the stranded.\n\n"
            "The flights resumed in June.\n\n"
            "The Clean Courts Initiative Moldova published a report.\n\n"
            "Moldova voted in November.")
    assert [p & {"ngos"} for p in _present(text, default_targets)] == [{"ngos"}, set(), {"ngos"}, set()]


# --- the West: private companies and people, places, venues, officials -------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "The Italian contractor has 9,000 people on the site.",
        "German buyers pay more for the same gas.",
        "Some Western technology companies moved staff to the city.",
        "A survey by the U.S.-based polling organisation found trust falling.",
        "Moscow promised at the 1999 OSCE summit in Istanbul to leave the bases.",
        "Voters queued for hours in Rome, Paris and Vienna.",
        "Refineries in Poland and eastern Germany ran short.",
        "No pro-European leader has won such a majority.",
        "Visitors from the European Union arrived in record numbers.",
        "Fans from England, the United States and Brazil filled the trains.",
        "The congress of refugees from Western Azerbaijan met in the capital.",
    ],
)
def test_not_the_west(default_targets, text):
    assert "west" not in _present(text, default_targets)[0]


@pytest.mark.parametrize(
    "text",
    [
        "European diplomats say the funding is real.",
        "Officials in Paris and Vienna welcomed the deal.",
        "OSCE observers called the vote competitive.",
        "The FBI had been warned two years earlier.",
        "Loans from the European Investment Bank paid for the line.",
        "Critics blamed Western-funded NGOs for the unrest.",
    ],
)
def test_the_west(default_targets, text):
    assert "west" in _present(text, default_targets)[0]


def test_a_nationality_inside_an_ngo_name_is_not_the_state(default_targets):
    text = "The Uzbek-German Forum for Human Rights and the Moscow Helsinki Group wrote to the court."
    assert _present(text, default_targets) == [{"ngos"}]


# --- Russia: companies and agencies, the language, ethnic Russians, private people -------------------

@pytest.mark.parametrize(
    "text",
    ["Rusal wants a lower dam.", "Roscosmos offered compensation.", "The FMS collected fines from employers."],
)
def test_russian_companies_and_agencies(default_targets, text):
    assert "russia" in _present(text, default_targets)[0]


@pytest.mark.parametrize(
    "text",
    [
        "Most voters get their news in Russian from local channels.",
        "Separatist posts circulated in the heavily Russian-populated north.",
        "The fund raised money for Russian political prisoners.",
    ],
)
def test_not_russia(default_targets, text):
    assert "russia" not in _present(text, default_targets)[0]


# --- user targets --------------------------------------------------------------------------------------

def test_user_targets_without_the_new_keys_ignore_places_and_anaphors(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("china:\n  aliases: [China, Beijing]\n")
    targets = load_targets(path).select(["china"])
    assert _present("Crowds gathered in Rome, Beijing and Vienna.\n\nThe centre said so.", targets) == [{"china"}, set()]


def test_user_targets_can_use_intros_and_places(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("china:\n  aliases: [China, Beijing]\n  intros: ['\\b[Ll]oans?\\s+from']\n  places: [in]\n")
    targets = load_targets(path).select(["china"])
    text = ("Loans from Silk Fund in 2019 paid for the road.\n\n"
            "Silk Fund also lent to Baku. Crowds gathered in Rome, Beijing and Vienna.")
    assert _rules(text, targets, "china") == [("Silk Fund", "intro: Loans from"), ("Silk Fund", "name: intro: Loans from")]


def test_intros_are_validated(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("x:\n  aliases: [X]\n  intros: ['(unclosed']\n")
    with pytest.raises(TargetsFileError, match=re.escape("bad regular expression '(unclosed'")):
        load_targets(path)
