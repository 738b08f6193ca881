"""`assistant.facts` on short invented passages (Norwegian and English), then on the real letters: the count,
list, yes/no and amount a question asks for, and the exact span each fact is highlighted by."""

from __future__ import annotations

import re

import pytest

from assistant.extract import sentences
from assistant.facts import Fact, amount_fact, asks, count_fact, list_fact, yesno_fact
from ingest import norsk
from tests.conftest import REAL_LETTERS


def _holds(fact: Fact, *texts: str) -> None:
    """The fact can be highlighted: its span is in its sentence, and its sentence is in one of the inputs."""
    assert fact.span and fact.span in fact.sentence
    assert any(fact.sentence in t for t in texts)


# --- asks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "kind"), [
    ("Hvor mange regionale sentre skal etableres?", "count"),
    ("How many teams will be set up?", "count"),
    ("Hva er antall deltakere i piloten?", "count"),
    ("What is the number of pilot municipalities?", "count"),
    ("Hvilke land er nevnt i oppdraget?", "list"),
    ("Which countries are mentioned?", "list"),
    ("Nevn organisasjonene som skal delta.", "list"),
    ("List the tools the directorate shall build.", "list"),
    ("Kan du liste opp verktøyene?", "list"),
    ("What agencies are named in the text?", "list"),
    ("Which assignments are due in June?", None),
    ("Hvilke oppdrag eier EHE?", None),
    ("Which department owns TB2034-07?", None),
    ("Skal direktoratet evaluere ordningen?", "yesno"),
    ("Inngår tannhelse i oppdraget?", "yesno"),
    ("Gjelder kravet også private aktører?", "yesno"),
    ("Does the assignment cover dental care?", "yesno"),
    ("Must the report be sent to KS?", "yesno"),
    ("Er det bevilget midler til kampanjen?", "yesno"),
    ("Hvor mye er bevilget til kampanjen?", "amount"),
    ("Hvor stor er Hdirs del av fullmakten på kap. 710 post 21?", "amount"),
    ("Hvor stort skal lageret være?", None),
    ("How much is set aside for the pilot?", "amount"),
    ("Hvilket beløp er satt av på kap. 765 post 21?", "amount"),
    ("Hvor mange kroner får hver kommune?", "amount"),
    ("Hva er fristen for TB2034-07?", None),
    ("Hva går oppdraget ut på?", None),
])
def test_asks_names_the_kind_of_fact(question: str, kind: str | None) -> None:
    assert asks(question) == kind


# --- count_fact ---------------------------------------------------------------------------------
PLAN = ["Planen omfatter følgende tiltak:", "a) Kartlegging av behov", "b) En ny veileder",
        "c) Opplæring av ansatte"]


@pytest.mark.parametrize(("question", "given", "language", "value", "span"), [
    ("Hvor mange regionale sentre skal etableres?", ["Direktoratet skal etablere fem regionale sentre innen 2035."],
     "no", "5", "fem regionale sentre"),
    ("How many teams are planned?", ["Det skal opprettes 12 FACT-team i løpet av 2034."], "en", "12",
     "12 FACT-team"),
    ("How many centres will open?", ["The directorate will open three new centres in 2034."], "en", "3",
     "three new centres"),
    ("How many regional centres will open?", ["The directorate will open three regional centres."], "en", "3",
     "three regional centres"),
    ("What is the number of pilot municipalities?", ["Forsøket omfatter sju pilotkommuner i nord."], "en", "7",
     "sju pilotkommuner"),
    ("Hvor mange deltakere kan være med?", ["Piloten har plass til 1 200 deltakere fra ti kommuner."], "no",
     "1 200", "1 200 deltakere"),
    ("Hvor mange kommuner deltar?", ["Piloten har plass til 1 200 deltakere fra ti kommuner."], "no", "10",
     "ti kommuner"),
    ("Hvor mange regioner gjelder det?", ["Fristen er 3. mai 2034 og gjelder fire regioner."], "no", "4",
     "fire regioner"),
    ("Hvor mange tiltak omfatter planen?", PLAN, "no", "3 (a–c)", "Planen omfatter følgende tiltak:"),
    ("How many measures does the plan list?", ["Planen har disse tiltakene:", "- Kartlegging", "- Veiledning"],
     "en", "2", "Planen har disse tiltakene:"),
    ("Hvor mange land deltar?", ["Samarbeidet omfatter følgende land: Sverige, Danmark og Finland."], "no", "3",
     "Samarbeidet omfatter følgende land:"),
])
def test_count_fact_finds_the_number_before_the_asked_noun(question: str, given: list[str], language: str,
                                                           value: str, span: str) -> None:
    fact = count_fact(question, given, language)
    assert fact is not None and fact.kind == "count"
    assert (fact.value, fact.span) == (value, span)
    _holds(fact, *given)


def test_a_counted_list_carries_its_items() -> None:
    fact = count_fact("Hvor mange tiltak omfatter planen?", PLAN, "no")
    assert fact is not None
    assert fact.items == ("Kartlegging av behov", "En ny veileder", "Opplæring av ansatte")


@pytest.mark.parametrize(("question", "given", "language"), [
    ("Hvor mange kommuner skal rapportere?", ["I 2034 skal kommunene rapportere på tiltaket."], "no"),  # a year
    ("How many municipalities will it reach?", ["The scheme will reach 40 percent more municipalities."],
     "en"),  # a percentage
    ("Hvor mange tiltak gjelder eldre?", ["Se kapittel 3 tiltak for eldre i planen."], "no"),  # a section number
    ("Hvor mange tilskudd gis?", ["765 21 Tilskudd til frivillige 1 222 348 1 311 863"], "no"),  # a budget row
    ("Hvor mange fylker deltar?", ["Fem kommuner deltar i forsøket."], "no"),  # another noun
    ("Hvor mange?", ["Fem kommuner deltar i forsøket."], "no"),  # no noun asked
    ("Hvor mange land deltar?", ["Samarbeidet skal styrkes i 2034."], "no"),  # no number, no list
])
def test_count_fact_returns_none_without_a_confident_count(question: str, given: list[str], language: str) -> None:
    assert count_fact(question, given, language) is None


def test_the_asked_noun_is_the_noun_not_the_verb_after_it() -> None:
    fact = count_fact("Hvor mange tilskudd gis?", ["Direktoratet forvalter sju tilskudd til frivillige."], "no")
    assert fact is not None and (fact.value, fact.span) == ("7", "sju tilskudd")


# --- list_fact ----------------------------------------------------------------------------------
AGENCIES = "Helsedirektoratet skal samarbeide med Folkehelseinstituttet, Statens legemiddelverk og Mattilsynet."
NORDIC = "Samarbeidet omfatter følgende land: Sverige, Danmark og Finland."
TOOLS = "Direktoratet skal utvikle disse verktøyene:\n- En digital veileder\n- Et kurs for ansatte\n- En sjekkliste"
LETTERED = "Planen har følgende tiltak:\na) Kartlegging av behov\nb) Ny veileder"
DOTS = "Tilskudd gis til disse organisasjonene:\n• Kreftforeningen\n• Røde Kors"
INLINE = "Følgende alternativer skal utredes: a) en ny ordning b) dagens ordning"


@pytest.mark.parametrize(("question", "passage", "language", "items", "value"), [
    ("Hvilke etater skal direktoratet samarbeide med?", AGENCIES, "no",
     ("Folkehelseinstituttet", "Statens legemiddelverk", "Mattilsynet"),
     "Folkehelseinstituttet, Statens legemiddelverk og Mattilsynet"),
    ("Hvilke land deltar?", NORDIC, "no", ("Sverige", "Danmark", "Finland"), "Sverige, Danmark og Finland"),
    ("Which countries take part?", NORDIC, "en", ("Sverige", "Danmark", "Finland"), "Sverige, Danmark and Finland"),
    ("Hvilke etater skal direktoratet samarbeide med?", "Direktoratet skal samarbeide med Udir, Arbeids- og "
     "velferdsdirektoratet og KS.", "no", ("Udir", "Arbeids- og velferdsdirektoratet", "KS"),
     "Udir, Arbeids- og velferdsdirektoratet og KS"),
    ("Hvilke verktøy skal utvikles?", TOOLS, "no", ("En digital veileder", "Et kurs for ansatte", "En sjekkliste"),
     "En digital veileder, Et kurs for ansatte og En sjekkliste"),
    ("Nevn tiltakene i planen.", LETTERED, "no", ("Kartlegging av behov", "Ny veileder"),
     "Kartlegging av behov og Ny veileder"),
    ("Which organisations are named?", DOTS, "en", ("Kreftforeningen", "Røde Kors"),
     "Kreftforeningen and Røde Kors"),
    ("Hvilke alternativer skal utredes?", INLINE, "no", ("en ny ordning", "dagens ordning"),
     "en ny ordning og dagens ordning"),
    # a name with a linking word ("Direktoratet for …") is one member
    ("Hvilke etater skal direktoratet samarbeide med?", "Direktoratet skal samarbeide med Direktoratet for eksempelsaker, "
     "Statens fiktivverk og Norsk Prøvenett.", "no",
     ("Direktoratet for eksempelsaker", "Statens fiktivverk", "Norsk Prøvenett"),
     "Direktoratet for eksempelsaker, Statens fiktivverk og Norsk Prøvenett"),
    # names of the asked kind spread over sentences, and the number in the question is not the noun
    ("Hvilke tre utvalg skal direktoratet lede?", "Direktoratet skal lede Utvalg for fiktive saker. Det skal "
     "også lede Utvalg for prøvedata. Utvalg for eksempler ledes også herfra. Utvalgene møtes årlig.", "no",
     ("Utvalg for fiktive saker", "Utvalg for prøvedata", "Utvalg for eksempler"),
     "Utvalg for fiktive saker, Utvalg for prøvedata og Utvalg for eksempler"),
])
def test_list_fact_names_the_members(question: str, passage: str, language: str, items: tuple[str, ...],
                                     value: str) -> None:
    fact = list_fact(question, passage, language)
    assert fact is not None and fact.kind == "list"
    assert (fact.items, fact.value) == (items, value)
    _holds(fact, passage)
    assert fact.span.startswith(items[0]) and fact.span.endswith(items[-1])


@pytest.mark.parametrize(("question", "passage"), [
    ("Hvilke land deltar?", "Samarbeidet skal styrkes i 2034."),  # no enumeration
    ("Hvilke land deltar?", "Direktoratet skal samarbeide med FHI og KS."),  # a list of something else
    ("Hvilke mål gjelder?", "Mål 2: Folk har gode vaner og god helse og trygge lokalsamfunn."),  # prose
    ("Hvilke avdelinger eier TB2034-16?", "ID: TB2034-16 Eieravdeling HOD: FHA, KTA og SHA"),  # a header label
    ("Hvilke frister gjelder?", "Frist: 1. mars 2035, 1. juni 2035 og 1. mai 2036"),  # a deadline label
])
def test_list_fact_returns_none_without_a_matching_list(question: str, passage: str) -> None:
    assert list_fact(question, passage, "no") is None


# --- yesno_fact ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "given", "language", "yes", "value"), [
    ("Skal direktoratet samarbeide med KS?", ["Arbeidet skal skje i samarbeid med KS.", "Rapporten sendes HOD."],
     "no", True, "Ja – Arbeidet skal skje i samarbeid med KS"),
    ("Kan midlene brukes til faste stillinger?", ["Midlene skal ikke brukes til faste stillinger."], "no", False,
     "Nei – Midlene skal ikke brukes til faste stillinger"),
    ("Skal midlene brukes til drift?", ["Midlene skal brukes til drift, men ikke til lønn."], "no", True,
     "Ja – Midlene skal brukes til drift"),
    ("Skal midlene brukes til lønn?", ["Midlene skal brukes til drift, men ikke til lønn."], "no", False,
     "Nei – ikke til lønn"),
    ("Skal kartleggingen gjennomføres?", ["Gjennomføringen av kartleggingen utgår."], "no", False,
     "Nei – Gjennomføringen av kartleggingen utgår"),
    ("Utgår kartleggingen av tannhelse?", ["Kartleggingen av tannhelse videreføres i 2035."], "no", False,
     "Nei – Kartleggingen av tannhelse videreføres i 2035"),
    ("Utgår kartleggingen av tannhelse?", ["Kartleggingen av tannhelse utgår."], "no", True,
     "Ja – Kartleggingen av tannhelse utgår"),
    ("Skal rapporten sendes til KS?", ["Rapporten skal ikke sendes til KS.", "Direktoratet lager en rapport."], "no",
     False, "Nei – Rapporten skal ikke sendes til KS"),
    ("Must the directorate evaluate the pilot?", ["The directorate must evaluate the pilot by 2035."], "en", True,
     "Yes – The directorate must evaluate the pilot by 2035"),
    ("Is the pilot still running?", ["The pilot is no longer running."], "en", False,
     "No – The pilot is no longer running"),
    ("Must the directorate evaluate the tobacco campaign?", ["Direktoratet skal evaluere tobakkskampanjen."], "en",
     True, "Yes – Direktoratet skal evaluere tobakkskampanjen"),
])
def test_yesno_fact_decides_from_the_matching_clause(question: str, given: list[str], language: str, yes: bool,
                                                     value: str) -> None:
    fact = yesno_fact(question, given, language)
    assert fact is not None and fact.kind == "yesno"
    assert (fact.yes, fact.value) == (yes, value)
    _holds(fact, *given)


@pytest.mark.parametrize("question", [
    "Skal direktoratet lage en app?",  # no sentence shares its words
    "Skal direktoratet evaluere tilskuddet til frivillige?",  # one shared word is not enough
    "Skal?",  # nothing to match
])
def test_yesno_fact_refuses_without_enough_shared_words(question: str) -> None:
    given = ["Midlene skal ikke brukes til lønn.", "Direktoratet skal evaluere kampanjen."]
    assert yesno_fact(question, given, "no") is None


@pytest.mark.parametrize(("question", "given", "language"), [
    ("Skal ordningen evalueres?", ["Direktoratet skal vurdere om ordningen bør evalueres."], "no"),
    ("Will the pilot be extended?", ["The ministry will decide whether the pilot is extended."], "en"),
])
def test_yesno_fact_refuses_when_the_sentence_leaves_it_open(question: str, given: list[str], language: str) -> None:
    assert yesno_fact(question, given, language) is None


# --- amount_fact --------------------------------------------------------------------------------
MONEY = "Det er satt av 12,5 mill. kroner til kartlegging. Drift får kr 300 000."
# Budget tables in the shapes the letters use: a space-separated PDF extraction with two year columns,
# a wrapped row whose figures stand on a line of their own, and a tab-separated table with comments.
SPACE_TABLE = ("Kap. Post Postnavn Saldert 2033 Tildeling 2034\n\n"
               "765 21 Spesielle driftsutgifter 133 966 180 553\n\n"
               " 72 Tilskudd til frivillige 1 222 348 1 311 863\n")
ONE_LINE_ROW = ("Kap. Post Postnavn Saldert 2033 Tildeling 2034\n"
                "714 21 Spesielle driftsutgifter, kan nyttes under post 70, 74 og 79 116 577 73 677\n")
WRAPPED_TABLE = ("Kap. Post Postnavn Saldert 2033 Tildeling 2034\n714 21 Spesielle driftsutgifter, kan nyttes\n"
                 "under post 70 og 79\n\n116 577 73 677\n")
TAB_TABLE = ("Kap.\tPost\tNavn på post\tTildeling 2034\tKommentar\n"
             "714\t21\tSpesielle driftsutgifter\t95 420\t8,1 mill. kroner til kostholdstiltak.\n"
             "\t74\tSkolemat\t22 880\tFrukt til alle elever i ungdomsskolen.\n")
# The same rows as the parser gives them: white space normalised, a later row without its chapter cell.
FLAT_ROWS = ("Kap. 714 post 21\n\n714 21 Spesielle driftsutgifter 95 420 8,1 mill. kroner til kosthold.\n\n"
             "74 Skolemat 22 880 Frukt til alle elever.\n\n75 Andre tiltak 15786 Se endring i Innst. 11 S.\n\n"
             "76 Private tiltak Se Innst. 12 S.")
HEADED = "Kap. 714 post 70 Rusmiddeltiltak\nDirektoratet tildeles 12,3 mill. kroner til forebygging."


@pytest.mark.parametrize(("question", "passage", "language", "year", "value", "budget"), [
    ("Hvor mye er satt av til kartlegging?", MONEY, "no", None, "12,5 mill. kroner", ""),
    ("Hvor mye går til drift?", MONEY, "no", None, "kr 300 000", ""),
    ("Hvor mye er tildelt på kap. 765 post 21?", SPACE_TABLE, "no", None, "180 553", "kap. 765 post 21"),
    ("Hvor mye fikk kap. 765 post 72 i 2033?", SPACE_TABLE, "no", None, "1 222 348", "kap. 765 post 72"),
    ("Hvor mye fikk kap. 765 post 21?", SPACE_TABLE, "no", 2033, "133 966", "kap. 765 post 21"),
    ("How much is allocated under chapter 765 item 72?", SPACE_TABLE, "en", None, "1 311 863", "kap. 765 post 72"),
    ("Hvor mye fikk kap. 714 post 21?", WRAPPED_TABLE, "no", None, "73 677", "kap. 714 post 21"),
    ("Hvor mye fikk kap. 714 post 21?", ONE_LINE_ROW, "no", 2033, "116 577", "kap. 714 post 21"),
    ("Hvor mye får Skolemat?", TAB_TABLE, "no", None, "22 880", "kap. 714 post 74"),
    ("Hvor mye går til kostholdstiltak?", TAB_TABLE, "no", None, "8,1 mill. kroner", "kap. 714 post 21"),
    ("Hvor mye får ungdomsskolen til frukt?", TAB_TABLE, "no", None, "22 880", "kap. 714 post 74"),
    ("Hvor mye er tildelt på kap. 714 post 70?", HEADED, "no", None, "12,3 mill. kroner", "kap. 714 post 70"),
    ("Hvor mye er tildelt på kap. 714 post 21?", FLAT_ROWS, "no", None, "95 420", "kap. 714 post 21"),
    ("Hvor mye er tildelt på kap. 714 post 74?", FLAT_ROWS, "no", None, "22 880", "kap. 714 post 74"),
    ("Hvor mye er tildelt på kap. 714 post 75?", FLAT_ROWS, "no", None, "15786", "kap. 714 post 75"),
    ("Hvor mye er satt av over kap. 762 post 21?", "Det er satt av 2 mill. kroner til arbeidet over kap. 762.21.",
     "no", None, "2 mill. kroner", "kap. 762 post 21"),
    ("Hvor mye er tildelt på kap. 762 post 21?", "Kap. 762 post 21 35 mill. kroner går til digitale tjenester.",
     "no", None, "35 mill. kroner", "kap. 762 post 21"),
    ("Hvor mye går til Kystverket?", "Av dette går 2 mill. kr til Språkrådet og 1 mill. kr til Kystverket.",
     "no", None, "1 mill. kr", ""),
])
def test_amount_fact_takes_the_amount_of_the_matching_sentence_or_row(
        question: str, passage: str, language: str, year: int | None, value: str, budget: str) -> None:
    fact = amount_fact(question, passage, language, year)
    assert fact is not None and fact.kind == "amount"
    assert (fact.value, fact.budget) == (value, budget)
    assert fact.value in passage
    _holds(fact, passage)


def test_a_table_figure_is_marked_as_one() -> None:
    row, prose = amount_fact("Hvor mye får Skolemat?", TAB_TABLE, "no"), amount_fact("Hvor mye går til drift?",
                                                                                       MONEY, "no")
    assert row is not None and row.table
    assert row.sentence == "74\tSkolemat\t22 880\tFrukt til alle elever i ungdomsskolen."
    assert prose is not None and not prose.table


@pytest.mark.parametrize(("question", "passage"), [
    ("Hvor mye er tildelt på kap. 999?", SPACE_TABLE),  # the passage has kap. 765 only
    ("Hvor mye er tildelt på kap. 765 post 99?", SPACE_TABLE),  # the chapter, but not the post
    ("Hvor mye er satt av på kap. 740 post 01?", MONEY),  # a named line the text never gives
    ("Hvor mye er tildelt på kap. 714 post 76?", FLAT_ROWS),  # a row without a figure ("Innst. 12 S" is none)
    ("Hvor mye er satt av til vaksiner?", "Det gis 5 mill. kroner til kampanjer. Drift får 2 mill. kroner."),
    ("Hvor mye koster det?", "Direktoratet skal lage en plan innen 1. mars 2035."),  # no amount at all
])
def test_amount_fact_returns_none_when_no_amount_answers(question: str, passage: str) -> None:
    assert amount_fact(question, passage, "no") is None


# --- The real letters ---------------------------------------------------------------------------
_NUMERAL_NOUN_RE = re.compile(r"(?<![\w.,-])(\d{1,6}|to|tre|fire|fem|seks|ti|tolv|tjue)[ \u00a0]+([^\W\d_]{3,})")


def _real_texts() -> list[tuple[str, str]]:
    if not REAL_LETTERS.is_dir():
        pytest.skip(f"the real letters are not at {REAL_LETTERS}")
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(REAL_LETTERS.glob("*.txt"))]


@pytest.mark.real
def test_real_letters_counts_are_never_years_and_always_in_their_sentence() -> None:
    checked = 0
    for _, text in _real_texts():
        for para in re.split(r"\n\s*\n", text):
            for sentence in sentences(para):
                for m in _NUMERAL_NOUN_RE.finditer(sentence):
                    fact = count_fact(f"Hvor mange {m.group(2)}?", [sentence], "no")
                    if fact is None:
                        continue
                    checked += 1
                    number = fact.value.split(" (")[0].replace(" ", "")
                    assert not norsk.YEAR_RE.fullmatch(number), (fact, sentence)
                    assert fact.span in sentence and fact.sentence == sentence
    assert checked > 20  # the letters do state counts: the loop above ran on them


def _windows(text: str, size: int = 40) -> list[str]:
    """Paragraphs, and runs of lines long enough to hold a budget table with its header."""
    lines = text.splitlines()
    return re.split(r"\n\s*\n", text) + ["\n".join(lines[i : i + size]) for i in range(0, len(lines), size // 2)]


@pytest.mark.real
def test_real_letters_amounts_are_substrings_of_their_passage() -> None:
    found = tables = 0
    for _, text in _real_texts():
        for passage in _windows(text):
            questions = ["Hvor mye er bevilget?", "Hvor mye er satt av til tilskudd?"]
            questions += [f"Hvor mye er tildelt på {norsk.budget_label(k, p)}?"
                          for k, p in norsk.budget_refs(passage)]
            for question in questions:
                fact = amount_fact(question, passage, "no")
                if fact is None:
                    continue
                found, tables = found + 1, tables + fact.table
                assert fact.value in passage and fact.span in fact.sentence and fact.sentence in passage
                assert any(ch.isdigit() for ch in fact.value)
                for kap, post in norsk.budget_refs(question):  # only the named line may answer
                    assert fact.budget.startswith(norsk.budget_label(kap, post)), (question, fact)
    assert found > 50 and tables > 5


def _parsed_paragraphs() -> list[tuple[str, str | None]]:
    """(text, budget line) of every paragraph the parser reads from the real letters."""
    from ingest.parse import read_letter

    if not REAL_LETTERS.is_dir():
        pytest.skip(f"the real letters are not at {REAL_LETTERS}")
    out = []
    for path in sorted(REAL_LETTERS.glob("*.txt")):
        letter = read_letter(path)
        paras = [p for s in letter.sections for p in s.paragraphs] + [p for a in letter.assignments
                                                                       for p in a.paragraphs]
        out += [(p.text, p.budget) for p in paras]
    return out


@pytest.mark.real
def test_real_budget_lines_answer_for_themselves_only() -> None:
    answered = 0
    paras = _parsed_paragraphs()
    for label in sorted({b for _, b in paras if b and " post " in b}):
        passage = "\n\n".join([label.capitalize(), *(t for t, b in paras if b == label)])
        fact = amount_fact(f"Hvor mye er tildelt på {label}?", passage, "no")
        if fact is not None:
            answered += 1
            assert fact.budget == label and fact.value in passage and fact.sentence in passage
    assert answered > 50


@pytest.mark.real
def test_real_list_and_yesno_facts_can_be_highlighted() -> None:
    lists = decided = 0
    for text, _ in _parsed_paragraphs():
        leads = [f"Hvilke {m.group(1)} nevnes?" for m in re.finditer(r"(\w{4,}):", text)]
        for question in ("Hvilke aktører skal direktoratet samarbeide med?", "Which organisations are named?", *leads):
            fact = list_fact(question, text, "en" if question.startswith("Which") else "no")
            if fact is not None:
                lists += 1
                _holds(fact, text)
                assert all(item and item in " ".join(fact.span.split()) for item in fact.items), fact
        said = sentences(text)
        if said:
            words = " ".join(said[0].split()[:6])
            fact = yesno_fact(f"Skal {words}?", said, "no")
            if fact is not None:
                decided += 1
                _holds(fact, *said)
                assert fact.value.startswith("Ja – " if fact.yes else "Nei – ")
    assert lists > 5 and decided > 100


@pytest.mark.parametrize(("question", "sentence", "language", "sure"), [
    ("Skal direktoratet lage en veileder for fiktive saker?", "Direktoratet skal lage en veileder for fiktive saker.",
     "no", True),
    ("Er direktoratet hovedansvarlig for forsøket i kommunene?", "Direktoratet skal bidra i forsøket.", "no", False),
    ("Skal direktoratet lage en veileder for fiktive saker?", "Det skal lages noe for fiktive saker.", "no", False),
])
def test_a_yes_is_sure_only_where_the_sentence_holds_nearly_all_the_question_says(question: str, sentence: str,
                                                                                  language: str, sure: bool) -> None:
    from assistant.facts import sure_yes

    assert sure_yes(question, sentence, language) is sure



# --- lists a count or list question asks about (seventh session) ----------------------------------
def test_a_list_of_named_bodies_with_acronyms_is_counted_and_listed() -> None:
    text = ("Det skal opprettes en fast gruppe bestående av Arbeids- og velferdsdirektoratet (AVDir), Barne-, "
            "ungdoms- og familiedirektoratet (Bufdir), Fiktivdirektoratet (FDir) og Sekretariatet for fiktive "
            "råd (Sfr). Bufdir leder arbeidet.")
    for question, language in (("Hvor mange etater skal være med i gruppen?", "no"),
                               ("How many agencies sit in the group?", "en")):
        fact = count_fact(question, sentences(text), language, text)
        assert fact is not None and fact.value == "4"
    listed = list_fact("Hvilke direktorater skal være med i gruppen?", text, "no")
    assert listed is not None and listed.items[1] == "Barne-, ungdoms- og familiedirektoratet (Bufdir)"


def test_a_list_whose_items_are_of_the_asked_kind_wins_over_one_whose_lead_in_names_the_subject() -> None:
    text = ("I 2025 skal direktoratet prioritere følgende:\n- Kartlegge tilbudet\n- Vurdere verktøyet\n\n"
            "Arbeidsgruppen består av AID, BFD, KD og UD.")
    fact = count_fact("Hvor mange departementer sitter i arbeidsgruppen?", sentences(text), "no", text)
    assert fact is not None and fact.value == "4"


def test_how_many_without_a_noun_counts_what_the_question_named_before() -> None:
    text = "Vi ber om at direktoratet redegjør for følgende:\n- Hva koster det?\n- Hvem berøres? Hvor mange?\n- Når?"
    question = "The assignment lists questions we must answer. How many are there?"
    fact = count_fact(question, sentences(text), "en", text)
    assert fact is not None and fact.value == "3"
    from assistant.facts import counted
    assert counted(question, "en") == "questions"


def test_a_bulleted_list_inside_one_html_line_ends_at_the_next_block() -> None:
    text = ("<p>Direktoratet skal forvalte tilskuddsordninger som består av:</p> <ul style=\"x: y\"> • Tilskudd A "
            "til kommuner • Tilskudd B • Tilskudd C <p>Ordningen skal utvikles over tid.</p>")
    fact = list_fact("Hvilke tilskuddsordninger skal direktoratet forvalte?", text, "no")
    assert fact is not None and fact.items == ("Tilskudd A til kommuner", "Tilskudd B", "Tilskudd C")
    assert fact.span.startswith("Tilskudd A") and "Direktoratet skal forvalte" in fact.sentence


# --- yes/no decided where the letter draws a line (seventh session) -------------------------------
def test_a_yes_no_question_is_decided_by_the_sentence_that_restricts() -> None:
    from assistant.extract import best_sentences

    passage = ("Direktoratet skal revidere de fiktive kostrådene. Grunnlaget om matens klima- og miljøavtrykk "
               "skal omtales, men ikke integreres i kostrådene.")
    question = "Skal klimaavtrykket fra maten bakes inn i de reviderte kostrådene?"
    plain = best_sentences(question, [passage], n=1)
    chosen = best_sentences(question, [passage], n=1, restrictive=True)
    assert "revidere" in plain[0][1] and "ikke integreres" in chosen[0][1]
    fact = yesno_fact(question, [chosen[0][1]], "no")
    assert fact is not None and fact.yes is False and "ikke integreres" in fact.span


def test_inflections_and_compounds_count_as_shared_words() -> None:
    from assistant.extract import loosely_shared, stem_tokens

    shared = loosely_shared(stem_tokens("klimaavtrykket fra maten"), stem_tokens("matens klima- og miljøavtrykk"))
    assert shared == stem_tokens("klimaavtrykket maten")
    assert not loosely_shared(stem_tokens("mat"), stem_tokens("matematikk"))  # under five letters: no prefix match


def test_a_passive_verb_after_a_modal_is_no_topic_of_its_own() -> None:
    from assistant.coverage import _passives

    assert _passives("Skal klimaavtrykket fra maten bakes inn i kostrådene?") == {"bakes"}
    assert _passives("Hvor mye penger går til droner?") == set()


def test_a_who_question_is_answered_by_a_sentence_naming_a_body_that_acts() -> None:
    from assistant.extract import best_sentences

    passage = ("Vi ber Helsedirektoratet utrede om Nasjonalt fiktivregister for selvmord kan bli en varig løsning. "
               "Oppdraget skal gjennomføres i samarbeid med Fiktivinstituttet.")
    question = "Hvem skal Helsedirektoratet samarbeide med om å utrede fiktivregisteret for selvmord?"
    chosen = best_sentences(question, [passage], n=1)
    assert "Fiktivinstituttet" in chosen[0][1]


def test_how_big_asks_for_a_sentence_with_a_number() -> None:
    from assistant.extract import best_sentences

    passage = ("Det er besluttet å etablere et nasjonalt fiktivlager for utstyr til beredskap. "
               "Lageret skal ha et volum tilsvarende 6 mnd. forbruk.")
    chosen = best_sentences("Hvor stort skal det nasjonale fiktivlageret for beredskap være?", [passage], n=1)
    assert "6 mnd" in chosen[0][1]


# --- amounts: a table's column names, a part of a total (seventh session) -------------------------
_AUTHORITY = ("Direktoratet gis fullmakt til å gjøre bestillinger ut over gitte bevilgninger:\n\n"
              "Kap. Post Benevnelse Samlet ramme Tildeling Hdir\n\n710 Fiktive vaksiner\n\n"
              "21 Spesielle driftsutgifter 178 mill. kroner 112 mill. kroner\n\n"
              "22 Salgsprodukter 130 mill. kroner 90 mill. kroner\n")


@pytest.mark.parametrize(("question", "value", "budget"), [
    ("Hvor mye av bestillingsfullmakten er tildelt Hdir?", "112 mill. kroner", "kap. 710 post 21"),
    ("Hvor mye av bestillingsfullmakten på kap. 710 post 22 er tildelt Hdir?", "90 mill. kroner", "kap. 710 post 22"),
    ("Hva er samlet ramme for bestillingsfullmakten på kap. 710 post 21?", "178 mill. kroner", "kap. 710 post 21"),
])
def test_an_amount_is_read_from_the_column_the_question_names(question: str, value: str, budget: str) -> None:
    fact = amount_fact(question, _AUTHORITY, "no")
    assert fact is not None and (fact.value, fact.budget) == (value, budget)


def test_how_much_of_asks_for_the_part_not_the_rows_total() -> None:
    text = ("Kap. Post Navn på post Tildeling 2024 Kommentar\n\n"
            "701 21 Spesielle driftsutgifter 58 000 Fiktiv samhandling 35,3 mill. kr til pasientens "
            "fiktivliste, hvorav minst 10 mill. kr skal gå til fastleger.\n")
    part = amount_fact("Hvor mye av pengene til fiktiv samhandling går til pasientens fiktivliste?", text, "no")
    whole = amount_fact("Hvor mye er tildelt til fiktiv samhandling på kap. 701 post 21?", text, "no")
    both = amount_fact("Hvor mye er tildelt fiktiv samhandling på kap. 701 post 21, og hvor mye av det går til "
                       "pasientens fiktivliste?", text, "no")
    assert part is not None and part.value == "35,3 mill. kr"
    assert both is not None and both.value == "58 000"  # two questions: the whole first
    assert whole is not None and whole.value == "58 000"


def test_bullets_run_into_one_item_line_are_separate_items() -> None:
    text = ("Direktoratet skal forvalte et sett av tilskuddsordninger som består av:\n\n"
            "- Tilskudd A til kommuner • Tilskudd B til samhandling • Tilskudd C til KS\n")
    fact = count_fact("Hvor mange tilskuddsordninger skal direktoratet forvalte?", sentences(text), "no", text)
    assert fact is not None and fact.value == "3"


def test_an_items_title_counts_for_each_of_its_sentences_and_the_decision_answers_what_became_of_it() -> None:
    from assistant.extract import best_sentences

    passage = ("- TB2031-25 Fiktiv informasjon om NIPT og ultralyd: Direktoratet meldte at det ikke hadde kapasitet "
               "til kurs for jordmødre og fastleger, og at behovet for fiktiv spisskompetanse gjør det vanskelig å "
               "sette oppgaven ut til andre aktører i en fiktiv tjeneste. Direktoratet anbefalte å prioritere god og "
               "lett tilgjengelig informasjon ved innføring av nye fiktive tilbud høsten 2031 i alle regioner. "
               "HOD gir sin tilslutning til at direktoratet prioriterer et "
               "informasjonsopplegg til jordmødre og fastleger på helsenorge.no.\n\n"
               "- TB2031-63 Fiktiv spesialitet i palliasjon: det er tilstrekkelig at arbeidet startes i 2031.")
    changed = best_sentences("Hva skjedde med kurset for jordmødre og fastleger om NIPT?", [passage], n=1)
    assert changed[0][1].startswith("HOD gir sin tilslutning")
    titled = best_sentences("Må den nye spesialiteten i palliasjon være ferdig i 2031?", [passage], n=1)
    assert "startes i 2031" in titled[0][1]
