"""The grammar stage with Harper, the offline default for English, on the seeds and on new text;
and what the packs let a checker do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import RULES, SEEDS

from postedit.grammar import (
    MAX_FAILURES,
    CheckerError,
    Finding,
    GrammarConfig,
    GrammarSettings,
    finding_change,
    harper_check,
    harper_checks,
    rule_slug,
)
from postedit.pipeline import Engine, clean_article
from postedit.read import ReadDefaults, read_folder
from postedit.rules import RuleError, load_rules
from postedit.runner import Settings, cleanup


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("grammar")
    cleanup(Settings(SEEDS, RULES, out, "en", "ar", decisions=None))  # grammar: auto
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def grammar_edits(records: dict[str, dict]) -> list[dict]:
    return [e for r in records.values() for e in r["edits"] if e["stage"] == "grammar"]


def test_harper_flags_lower_case_sentence_starts_on_the_seeds(seeds_out) -> None:
    found = grammar_edits(seeds_out)
    starts = [e for e in found if e["rule"] == "grammar.harper.sentence-capitalization"]
    assert starts and all(e["action"] == "flag" for e in starts)
    assert all(e["after"] == e["before"][:1].upper() + e["before"][1:] for e in starts)
    # every finding is a flag: the English allow-list only lets Harper fix spacing
    assert {e["action"] for e in found if not e["rule"].endswith(".spaces")} == {"flag"}


def test_no_finding_repeats_a_pack_edit_at_its_span(seeds_out) -> None:
    for record in seeds_out.values():
        packs = {(e["start"], e["end"]) for e in record["edits"] if e["stage"] != "grammar"}
        checker = {(e["start"], e["end"]) for e in record["edits"] if e["stage"] == "grammar"}
        assert not packs & checker


def test_names_are_not_spelling_errors_and_noise_is_off(seeds_out) -> None:
    found = grammar_edits(seeds_out)
    spelled = {e["before"] for e in found if e["rule"] == "grammar.harper.spell-check"}
    for name in ("Sudani", "al-Sudani", "Kataib", "Hezbollah", "HMC", "Anbar", "ISIS", "Nasr"):
        assert name not in spelled
    rules = {e["rule"] for e in found}
    assert not rules & {
        "grammar.harper.long-sentences",
        "grammar.harper.oxford-comma",
        "grammar.harper.orthographic-consistency",
    }


def test_harper_flags_fused_words_and_misspellings_in_new_text(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "new.txt").write_text(
        "Talks\n\nThe sides reached a constructive strategicpartnership on Tuesday.\n\n"
        "Officials condemned the reccklessness of the attack.\n\n"
        "the ministry said the border would reopen.\n",
        encoding="utf-8",
    )
    # not declared machine-translated: en.mt.fused-words (which flags it first where it is)
    # does not apply, and the checker's finding is what the editor sees
    cleanup(Settings(inbox, RULES, tmp_path / "out", "en", None, decisions=None))
    (record,) = map(json.loads, (tmp_path / "out" / "corpus.jsonl").read_text().splitlines())
    found = {e["before"]: e for e in record["edits"] if e["stage"] == "grammar"}
    # the English pack does not run Harper's SplitWords (it splits every word it does not
    # know: "eurobond"): a fused word is an unknown word to the spell check
    assert found["strategicpartnership"]["rule"] == "grammar.harper.spell-check"
    assert not [e for e in record["edits"] if e["rule"] == "grammar.harper.split-words"]
    assert found["reccklessness"]["after"] == "recklessness"
    assert "“recklessness”" in found["reccklessness"]["message"]  # suggestions listed
    assert found["the"]["rule"] == "grammar.harper.sentence-capitalization"
    assert {e["action"] for e in found.values()} == {"flag"}
    assert record["text"].count("strategicpartnership") == 1  # flags change nothing


def test_a_hard_wrapped_article_is_checked_a_paragraph_at_a_time(tmp_path: Path) -> None:
    """Newswire wrapped at a fixed width: its lines are not sentences, so a line that goes on
    in lower case is not a sentence that should start with a capital."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    body = (
        "The central bank said it would keep its main lending rate\n"
        "unchanged at 7.5 pct after a meeting of its board on Tuesday,\n"
        "citing the slower growth of the money supply in January.\n"
        "    The decision had been expected by most dealers, who said the\n"
        "bank wanted to see the February figures before it moved.\n"
    )
    (inbox / "wire.txt").write_text("Rates unchanged\n\n" + body, encoding="utf-8")
    cleanup(Settings(inbox, RULES, tmp_path / "out", "en", None, decisions=None))
    (record,) = map(json.loads, (tmp_path / "out" / "corpus.jsonl").read_text().splitlines())
    assert not [e for e in record["edits"] if e["rule"].endswith("sentence-capitalization")]
    assert "rate\nunchanged" in record["text"]  # the text keeps its lines


def test_a_finding_in_text_a_rule_fix_wrote_turns_that_fix_into_a_flag(rules) -> None:
    """A fix must not bring in a grammar-checker finding: when the checker finds a problem in
    the text a rule's fix wrote, the fix is not applied (a flag naming the finding) and the
    finding, about text no longer there, is dropped."""

    class Stub:
        def check(self, paragraphs, language, config, store=None):
            out: list[list[Finding]] = [[] for _ in paragraphs]
            k = next(i for i, text in enumerate(paragraphs) if "truce" in text)
            at = paragraphs[k].index("a truce")
            out[k].append(Finding(at, at + 7, "Spaces", "Formatting", False, "Odd.", ("a  truce",)))
            return "harper", out

    (article,) = [a for a in read_folder(SEEDS, ReadDefaults("en", "ar")) if a.id.startswith("002")]
    engine = Engine(rules, None, Stub())  # type: ignore[arg-type]
    cleaned = clean_article(article, engine)
    assert rules.grammar_for("en").fix["harper"] >= {"Spaces"}  # allow-listed
    assert not [e for e in cleaned.edits if e.stage == "grammar"]
    (edit,) = [
        e for e in cleaned.edits if e.rule == "en.from-ar.truth-truce" and e.action == "flag"
    ]
    assert edit.before == "truth"
    assert "the grammar checker finds a problem in the text it writes: Odd." in edit.message
    unguarded = clean_article(article, Engine(rules))
    same = [e for e in unguarded.edits if (e.rule, e.start) == (edit.rule, edit.start)]
    assert [e.action for e in same] == ["fix"]  # without the finding the fix stands


def test_what_a_finding_becomes() -> None:
    config = GrammarConfig(
        fix={"harper": frozenset({"Spaces"})}, dictionary=frozenset({"sudani", "al"})
    )
    text = "Al-Sudani’s  office"

    def finding(rule: str, start: int, end: int, replacements: tuple, spelling=False) -> Finding:
        return Finding(start, end, rule, "Kind", spelling, "Message.", replacements)

    assert (
        finding_change(finding("SpellCheck", 0, 11, ("Sudan's",), True), "harper", config, text)
        is None
    )
    fix = finding_change(finding("Spaces", 11, 13, (" ",)), "harper", config, text)
    assert fix is not None and fix.action == "fix" and fix.rule == "grammar.harper.spaces"
    assert (fix.start, fix.end, fix.before, fix.after) == (11, 13, "  ", " ")
    two = finding_change(finding("Spaces", 11, 13, (" ", "")), "harper", config, text)
    assert two is not None and two.action == "flag"  # two suggestions: not unambiguous
    other = finding_change(finding("Other", 11, 13, (" ",)), "languagetool", config, text)
    assert other is not None and other.action == "flag"  # allow-lists are per checker
    assert rule_slug("SentenceCapitalization") == "sentence-capitalization"
    assert rule_slug("MORFOLOGIK_RULE_EN_US") == "morfologik_rule_en_us"


def test_a_failing_checker_is_not_asked_for_ever(monkeypatch) -> None:
    from postedit import grammar

    calls = []

    def broken(paragraphs, config):
        calls.append(1)
        raise RuntimeError("crashed")

    monkeypatch.setattr(grammar, "harper_check", broken)
    checker = grammar.Grammar(GrammarSettings("harper"))
    for _ in range(MAX_FAILURES + 2):
        with pytest.raises(CheckerError):
            checker.check(["Text."], "en", GrammarConfig())
    assert len(calls) == MAX_FAILURES


def test_bad_grammar_settings_in_a_pack_stop_the_load(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    pack = tmp_path / "en" / "grammar.yaml"
    pack.write_text("grammar:\n  fix:\n    vale: [Spelling]\n")
    with pytest.raises(RuleError, match="unknown checker 'vale'") as error:
        load_rules(tmp_path)
    assert "grammar.yaml" in str(error.value)
    pack.write_text("grammar:\n  dictionnary: [HMC]\n")
    with pytest.raises(RuleError, match="unknown grammar field"):
        load_rules(tmp_path)
    with pytest.raises(ValueError, match="grammar checker must be one of"):
        GrammarSettings("vale")
    # a check allowed to fix must be one that runs
    pack.write_text(
        "grammar:\n  enabled:\n    harper: [SpellCheck]\n  fix:\n    harper: [Spaces]\n"
    )
    with pytest.raises(RuleError, match=r"harper may fix \['Spaces'\] but does not run them"):
        load_rules(tmp_path)


def test_only_the_enabled_checks_run() -> None:
    text = "the ministry said the border would reopen on tuesday with  two crossings."
    every = {f.rule for f in harper_check([text], GrammarConfig())[0]}
    assert {"SentenceCapitalization", "Spaces"} <= every
    only = GrammarConfig(enabled={"harper": frozenset({"Spaces", "SpellCheck"})})
    assert {f.rule for f in harper_check([text], only)[0]} == every & {"Spaces", "SpellCheck"}
    off = GrammarConfig(
        enabled=only.enabled, disabled={"harper": frozenset({"Spaces"})}
    )  # what is disabled stays off
    assert {f.rule for f in harper_check([text], off)[0]} == every & {"SpellCheck"}


def test_the_packs_name_checks_that_harper_has(rules) -> None:
    """A misspelt check id would silently turn a check off (``enabled``) or leave it on."""
    known = harper_checks()
    config = rules.grammar_for("en")
    named = {
        check
        for lists in (config.enabled, config.disabled, config.fix)
        for check in lists.get("harper", ())
    }
    assert named and not named - known, sorted(named - known)
    assert {"SpellCheck", "SentenceCapitalization", "Spaces"} <= config.enabled["harper"]


def test_the_dictionary_takes_in_every_gazetteer_name(rules) -> None:
    config = rules.grammar_for("en")
    for word in ("al-Sudani", "Sudani", "Kataib", "Hezbollah", "HMC", "Anbar", "Al-Sudani’s"):
        assert config.knows(word), word
    assert not config.knows("reccklessness")


def test_which_unknown_words_are_worth_a_spelling_flag() -> None:
    from postedit.grammar import GrammarConfig, spelling_worth_flagging

    config = GrammarConfig(dictionary=frozenset({"kataib", "sudani", "mandalawi"}), language="en")
    for name in ("Urumqi", "ISIL", "KRG", "Labour"):  # names and acronyms the checker never saw
        assert spelling_worth_flagging(name, config) == (False, "")
    for british, american in (
        ("programme", "program"),
        ("centre", "center"),
        ("counselled", "counseled"),
        ("jewellery", "jewelry"),
    ):
        assert not spelling_worth_flagging(british, config, (american,))[0]
    assert spelling_worth_flagging("reccklessness", config)[0]  # no such word
    assert spelling_worth_flagging("goverment", config, ("government",))[0]  # a common word's typo
    worth, note = spelling_worth_flagging("Mandalavi", config)  # a known name, misspelt
    assert worth and "mandalawi" in note
    assert spelling_worth_flagging("communiquée", config, (), frequencies=False)[0]


def test_a_space_fix_never_unsafe_space_removal_that_starts_a_token() -> None:
    from postedit.grammar import _unsafe_space_removal

    assert _unsafe_space_removal("the new domain .post was", 14, 15, "")
    assert _unsafe_space_removal("a .22 calibre rifle", 1, 2, "")
    assert _unsafe_space_removal("the match . . . momentum", 11, 12, "")
    assert _unsafe_space_removal("Financial News Website | Home", 22, 23, "")  # a separator
    assert not _unsafe_space_removal("the end .", 7, 8, "")
    assert not _unsafe_space_removal('the " greenhouse effect "', 23, 24, "")


def test_pieces_of_domains_codes_and_units_are_not_spelling_errors() -> None:
    from postedit.grammar import _part_of_a_token

    assert _part_of_a_token("see www.voc.com.cn now", 16, 18)  # after a dot: a domain
    assert _part_of_a_token("Ecns.cn reports", 0, 4)  # before ".cn"
    assert _part_of_a_token("an area of 10000m2 in all", 11, 18)  # digits: a unit or code
    assert not _part_of_a_token("the famiiy reunion", 4, 10)


def test_the_checker_leaves_the_columns_of_a_table_alone() -> None:
    table = "Wheat   Loan   Release\nCorn    2.36   2.40"
    finding = Finding(5, 8, "Spaces", "Formatting", False, "Two spaces.", (" ",))
    assert finding_change(finding, "harper", GrammarConfig(), table) is None
    prose = "The bank  said so."
    finding = Finding(8, 10, "Spaces", "Formatting", False, "Two spaces.", (" ",))
    assert finding_change(finding, "harper", GrammarConfig(), prose) is not None
