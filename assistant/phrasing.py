"""Answer sentences in Norwegian and English: deadlines by kind, owners, changes, lists, not-found."""

from __future__ import annotations

import re

from assistant.records import Mention
from ingest import norsk
from ingest.records import Deadline

KIND_NO = {"cancels": "oppdraget utgår", "deadline": "fristen endres/utsettes", "reworded": "oppdragsteksten endres",
           "clarified": "oppdraget presiseres", "renumbered": "oppdraget får nytt nummer",
           "continued": "oppdraget videreføres", "refers": "oppdraget omtales"}
KIND_EN = {"cancels": "the assignment is cancelled", "deadline": "the deadline is changed/postponed",
           "reworded": "the assignment text is reworded", "clarified": "the assignment is clarified",
           "renumbered": "the assignment is renumbered", "continued": "the assignment is carried over",
           "refers": "the assignment is mentioned"}


def short_title(title: str, year: int | None = None) -> str:
    """'Tillegg nr. 18 til tildelingsbrevet - oppfølging …' -> 'Tillegg nr. 18 (2021)': answers stay short."""
    m = re.match(r"^((?:Supplerende\s+)?(?:tildelingsbrev|tillegg)\w*(?:\s+til\s+\w+)?(?:\s+nr\.?\s*\d+)?"
                 r"(?:\s+for\s+(?:19|20)\d\d)?)", title, re.I)
    short = m.group(1) if m and len(m.group(1)) > 10 else title[:50]
    if year and str(year) not in short:
        short += f" ({year})"
    return short


def sub_phrase(sub: str | None, lang: str) -> str:
    if not sub:
        return ""
    if sub.startswith(("deloppdrag", "fase")):
        word, label = sub.split(" ", 1)
        if lang == "en":
            return f"{'sub-task' if word == 'deloppdrag' else 'phase'} {label} of "
        return f"{word} {label} i "
    return f"sub-item {sub}) of " if lang == "en" else f"deloppdrag {sub}) i "


# The deadline word before a period ("Frist: 1. kvartal 2024", "utsettes til 2022") is not the period.
_CUE_RE = re.compile(r"^(?:ny\s+)?(?:tids)?(?:frist(?:en)?\s*(?:er\s+)?:?|(?:utsettes|forlenges|endres|flyttes|er\s+satt|settes)"
                     r"\s+til)\s*", re.IGNORECASE)
_MONTH_WORDS = set(norsk.MONTHS) | {"første", "andre", "annet", "tredje", "fjerde"}


def deadline_value(d: Deadline, lang: str) -> str:
    """The deadline itself, as written and in ISO form, saying what kind it is when it is not a date."""
    kind, iso, text = d.kind, d.date, " ".join((d.text or "").split())
    if kind == "date" and iso:
        shown = norsk.format_date_en(iso) if lang == "en" else norsk.format_date_no(iso)
        return f"{shown} ({iso})"
    if kind == "annual" and iso:
        shown = norsk.format_date_en(iso) if lang == "en" else norsk.format_date_no(iso)
        said = f" — «{text}»" if text else ""
        return (f"every year by {shown[:-5]}{said} (this year {iso})" if lang == "en"
                else f"hvert år innen {shown[:-5]}{said} (i år {iso})")
    if kind == "period_end" and iso:
        period = _CUE_RE.sub("", text).strip() or text
        if lang == "en":
            return f"by the end of the period: «{period}» ({iso})"
        if re.fullmatch(r"(?:19|20)\d\d", period):
            return f"i løpet av {period} ({iso})"
        return f"{'innen ' if period[:1].isdigit() or period.split()[0].lower() in _MONTH_WORDS else ''}{period} ({iso})"
    if kind == "week":
        return f"{text} (a week number, no exact date)" if lang == "en" else f"{text} (ukenummer, ingen eksakt dato)"
    if kind == "default_rule" and iso:
        year = iso[:4]
        return (f"no deadline of its own; the section's rule says it is to be done during {year} ({iso})"
                if lang == "en" else
                f"ingen egen frist; avsnittets regel sier at oppdraget skal gjennomføres i løpet av {year} ({iso})")
    if kind == "dialog":  # the letter's own words say with whom and how
        said = f": «{text}»" if text else ""
        return (f"to be agreed in dialogue with the ministry (no date given){said}" if lang == "en"
                else f"avklares i dialog med departementet (ingen dato oppgitt){said}")
    return f"«{text}»" if text else ("not stated" if lang == "en" else "ikke oppgitt")


def deadline_answer(ident: str, title: str, sub: str | None, deadlines: list[Deadline], lang: str,
                    whole_assignment: bool = False) -> str:
    who = f"{sub_phrase(sub, lang)}{ident} {title}".strip()
    # The same deadline stated twice (in the text and in a "Frist:" line) is one deadline to the reader.
    deadlines = list({(d.sub, d.date, d.kind, d.date or d.text): d for d in deadlines}.values())
    if len(deadlines) == 1:
        d = deadlines[0]
        value = deadline_value(d, lang)
        extra = ""
        span = re.search(r"\b([a-h])\)\s*(?:til|–|-)\s*([a-h])\)", d.text or "")
        if span and sub:  # "Deloppdrag d) til f) har frist …": say the deadline is shared
            extra = (f" (the deadline covers sub-items {span.group(1)}) to {span.group(2)}))" if lang == "en"
                     else f" (fristen gjelder deloppdrag {span.group(1)}) til {span.group(2)}))")
        if whole_assignment and sub:
            extra = (" (the deadline is given for the whole assignment)" if lang == "en"
                     else " (fristen gjelder hele oppdraget)")
        if lang == "en":
            return f"The deadline for {who} is {value}{extra}."
        return f"Fristen for {who} er {value}{extra}."
    rest = "otherwise: " if lang == "en" else "ellers: "  # the section's rule covers what is not dated
    parts = "; ".join(f"{rest if d.kind == 'default_rule' else _label(d.sub)}{deadline_value(d, lang)}"
                      for d in deadlines)
    return f"{who} has these deadlines: {parts}." if lang == "en" else f"{who} har disse fristene: {parts}."


def iso_pair(text: str, iso: str) -> str:
    """'1. desember 2038 (2038-12-01)': a date as the letter writes it and in ISO form."""
    m = norsk.DATE_RE.search(text)
    return f"{' '.join(m.group(0).split()) if m else text} ({iso})"


def _label(sub: str | None) -> str:
    if not sub:
        return ""
    return f"{sub}: " if " " in sub else f"{sub}): "


def no_deadline(ident: str, title: str, sub: str | None, lang: str) -> str:
    who = f"{sub_phrase(sub, lang)}{ident} {title}".strip()
    if lang == "en":
        return f"I can't find a deadline for {who} in the letters; the assignment text is cited below."
    return f"Jeg finner ingen frist for {who} i brevene; oppdragsteksten er sitert under."


def change_lead(changes: list[Mention], lang: str) -> str:
    """'Note: supplement no. 18 (2021) says the assignment is cancelled.' for the changes that matter."""
    kinds = KIND_EN if lang == "en" else KIND_NO
    parts = [f"{short_title(c.letter_title, c.letter_year)}: {kinds.get(c.kind, c.kind)}" for c in changes]
    return ("Note — a later letter changed this: " if lang == "en" else "Merk — et senere brev endret dette: ") + \
        "; ".join(parts) + ". "


def owner_answer(ident: str, title: str, owner: str | None, lang: str) -> str:
    if not owner:
        return (f"The letters name no owning department for {ident} {title}." if lang == "en"
                else f"Brevene oppgir ingen eieravdeling for {ident} {title}.")
    codes = [c.strip() for c in owner.replace(" og ", "/").replace(",", "/").split("/")]
    named = [f"{c} ({norsk.DEPARTMENTS[c]})" for c in codes if c in norsk.DEPARTMENTS]
    # "eies av KTA i HOD: KTA" says nothing twice: the department's name only where the grammar knows it.
    names = f": {', '.join(named)}" if named else ""
    if lang == "en":
        return f"{ident} {title} is owned by {owner} in the ministry{names}."
    return f"{ident} {title} eies av {owner} i HOD{names}."


ANSWER_CHARS = 390  # an answer is a sentence or two; a quoted list or new wording is cut here


def no_changes(ident: str, title: str, lang: str) -> str:
    return (f"I find no later letter that changes {ident} {title}." if lang == "en"
            else f"Jeg finner ingen senere brev som endrer {ident} {title}.")


def new_deadline_note(pair: str, lang: str) -> str:
    return f" New deadline: {pair}." if lang == "en" else f" Ny frist: {pair}."


def no_such_sub(ident: str, title: str, sub: str, known: list[str], lang: str) -> str:
    shown = ", ".join(f"{x})" if len(x) == 1 else x for x in known) or "-"
    return (f"{ident} {title} has no sub-item {sub}); it has {shown}." if lang == "en"
            else f"{ident} {title} har ikke deloppdrag {sub}); det har {shown}.")


def no_subitems(ident: str, title: str, sub: str, lang: str) -> str:
    return (f"{ident} {title} has no sub-items, so I can't find sub-item {sub})." if lang == "en"
            else f"{ident} {title} har ingen deloppdrag, så jeg finner ikke deloppdrag {sub}).")


def no_amount(ident: str, title: str, lang: str) -> str:
    return (f"I can't find an amount for {ident} {title} in the letters." if lang == "en"
            else f"Jeg finner ikke noe beløp for {ident} {title} i brevene.")


def header_only(ident: str, title: str, lang: str) -> str:
    return f"{ident} {title}" + (" (listed by its header only)." if lang == "en" else " (står bare oppført med overskrift).")


def count_head(n: int, what: str) -> str:
    """'12 oppdrag: ' / '3 new assignments in Tillegg nr. 1 (2023): '."""
    return f"{n} {what}: "


def id_span(ids: list[str]) -> str:
    """'TB2021-27 – TB2021-45' for a run the letter numbers in order, else the first few and how many more."""
    if len(ids) <= 8:
        return ", ".join(ids)
    return f"{ids[0]} – {ids[-1]} ({', '.join(ids[:4])}, …)"


def letter_says(lang: str) -> str:
    """The lead of a yes/no answer whose verdict the sentences do not settle: the reader judges."""
    return "The letter says" if lang == "en" else "Brevet sier"


def subitem_count(ident: str, title: str, n: int, labels: str, lang: str) -> str:
    return (f"{ident} {title} has {n} sub-items: {labels}." if lang == "en"
            else f"{ident} {title} har {n} deloppdrag: {labels}.")


def amount_fact(value: str, budget: str, sentence: str, lang: str, table: bool = False) -> str:
    """'12,5 mill. kroner (kap. 765 post 21) — «…»'; a budget table's bare figure is in thousands of kroner."""
    unit = (" (in thousands of NOK)" if lang == "en" else " (i tusen kroner)") if table else ""
    line = f" ({budget})" if budget else ""
    return f"{value}{unit}{line} — «{sentence}»"


def assignments_word(lang: str, new_in: str | None = None) -> str:
    if new_in:
        return f"new assignments in {new_in}" if lang == "en" else f"nye oppdrag i {new_in}"
    return "assignments" if lang == "en" else "oppdrag"


def what(key: str, lang: str, ident: str = "") -> str:
    """The thing not found, for not_found(): an assignment, an amount, a matching list, an answer."""
    words = {"assignment": (f"oppdrag {ident}", f"assignment {ident}"), "amount": ("et beløp", "an amount"),
             "matching": ("oppdrag som passer", "assignments that match"),
             "anything": ("noe som svarer på dette", "anything that answers this"), "answer": ("et svar", "an answer")}
    return words[key][1 if lang == "en" else 0]


def ask_about(ident: str, intent: str, lang: str) -> str:
    """A candidate question about a near assignment, for a not-found answer."""
    verbs = {"deadline": ("Hva er fristen for {}?", "What is the deadline for {}?"),
             "owner": ("Hvem eier {}?", "Who owns {}?")}
    no, en = verbs.get(intent, ("Hva går {} ut på?", "What does {} ask for?"))
    return (en if lang == "en" else no).format(ident)


def ask_deadline_of(ident: str, sub: str | None = None) -> str:
    label = f" {sub}{')' if len(sub) == 1 else ''}" if sub else ""
    return f"Hva er fristen for {ident}{label}?"


def not_found(what: str, lang: str) -> str:
    return f"I can't find {what} in the letters." if lang == "en" else f"Jeg finner ikke {what} i brevene."


def rephrase(lang: str) -> str:
    return ("I can't read a question in that. Ask about an assignment, a deadline, an owner or an amount, "
            "e.g. «What is the deadline for TB2024-07 d)?»" if lang == "en" else
            "Jeg finner ikke noe spørsmål i dette. Spør om et oppdrag, en frist, en eier eller et beløp, "
            "f.eks. «Hva er fristen for TB2024-07 d)?»")


def no_such_letter(number: int, held: list[str], lang: str) -> str:
    shown = "; ".join(held) or "-"
    return (f"I have no supplementary letter no. {number}; the later letters I have: {shown}." if lang == "en"
            else f"Jeg har ikke noe tilleggsbrev nr. {number}; de senere brevene jeg har: {shown}.")


def yes_no(yes: bool, lang: str) -> str:
    return ("Yes" if yes else "No") if lang == "en" else ("Ja" if yes else "Nei")


def no_deadline_found(lang: str) -> str:
    return ("I find no deadline for this in the letters; the passage that speaks of it is cited below." if lang == "en"
            else "Jeg finner ingen frist for dette i brevene; avsnittet som omtaler det, er sitert under.")


def only_renumbered(ident: str, said: str, lang: str) -> str:
    return (f"The letters do not say what {ident} contains, only that it is another assignment's new number: {said}"
            if lang == "en" else
            f"Brevene sier ikke hva {ident} går ut på, bare at det er et annet oppdrags nye nummer: {said}")


def unknown_name(name: str, lang: str) -> str:
    return (f"None of the letters mentions «{name}»; check the spelling, or ask about something they cover."
            if lang == "en" else f"Ingen av brevene nevner «{name}»; sjekk stavemåten, eller spør om noe de omtaler.")


def not_in_letter(ident: str, where: str, lang: str) -> str:
    return (f"{where} does not mention {ident}." if lang == "en" else f"{where} nevner ikke {ident}.")


def no_letter_year(year: int, years: list[int], lang: str) -> str:
    shown = ", ".join(str(y) for y in years)
    return (f"The letters I have are from {shown}; none is from {year}." if lang == "en"
            else f"Brevene jeg har, er fra {shown}; ingen er fra {year}.")


# --- timeline answers: the current value first, then what it replaced ----------------------------------

STATUS_NO = {"active": "aktivt", "cancelled": "utgår (tatt ut)", "renumbered": "har fått nytt nummer",
             "replaced": "er erstattet av et nytt oppdrag"}
STATUS_EN = {"active": "active", "cancelled": "cancelled", "renumbered": "renumbered",
             "replaced": "replaced by a new assignment"}
EVENT_NO = {"created": "gitt", "restated": "gjentatt", "new_deadline": "ny frist", "cancelled": "utgår",
            "reworded": "ny oppdragstekst", "renumbered": "nytt nummer", "replaced": "erstattet",
            "clarified": "presisert", "continued": "videreført", "renumbered_from": "nytt nummer for",
            "replaced_from": "erstatter"}
EVENT_EN = {"created": "given", "restated": "restated", "new_deadline": "new deadline", "cancelled": "cancelled",
            "reworded": "reworded", "renumbered": "renumbered", "replaced": "replaced",
            "clarified": "clarified", "continued": "carried over", "renumbered_from": "new number of",
            "replaced_from": "replaces"}
_FLAG_NO = {"earlier_than_replaced": "NB: den nye fristen er tidligere enn fristen den erstatter — sjekk brevet.",
            "before_the_letter": "NB: den nye fristen ligger før datoen på brevet som setter den — sjekk brevet."}
_FLAG_EN = {"earlier_than_replaced": "Note: the new deadline is earlier than the one it replaces — check the letter.",
            "before_the_letter": "Note: the new deadline falls before the date of the letter that sets it — "
                                 "check the letter."}


def where_said(title: str, year: int | None, date: str | None, lang: str) -> str:
    """'Tillegg nr. 1 (2023), 14. mars 2023': the letter a change stands in, with its own date."""
    short = short_title(title, year)
    if not date:
        return short
    return f"{short}, {norsk.format_date_en(date) if lang == 'en' else norsk.format_date_no(date)}"


def current_deadline(who: str, value: str, letter: str, replaced: str | None, flags: tuple[str, ...],
                     lang: str) -> str:
    if lang == "en":
        text = f"The current deadline for {who} is {value}, set in {letter}."
        text += f" It replaced {replaced}." if replaced else ""
    else:
        text = f"Gjeldende frist for {who} er {value}, satt i {letter}."
        text += f" Den erstattet {replaced}." if replaced else ""
    notes = _FLAG_EN if lang == "en" else _FLAG_NO
    return " ".join([text, *(notes[f] for f in flags if f in notes)])


def unreadable_deadline(who: str, letter: str, quote: str, before: str | None, lang: str) -> str:
    if lang == "en":
        text = (f"{letter} changes the deadline for {who}, but I can't read a new date in it: «{quote}».")
        return text + (f" Before that change the deadline was {before}." if before else "")
    text = f"{letter} endrer fristen for {who}, men jeg finner ingen ny dato i teksten: «{quote}»."
    return text + (f" Før endringen var fristen {before}." if before else "")


def status_answer(who: str, status: str, letter: str, quote: str, new_id: str | None, before: str | None,
                  lang: str) -> str:
    if status == "cancelled":
        if lang == "en":
            text = f"{who} is cancelled (no longer active): {letter} says «{quote}»."
            return text + (f" Its deadline had been {before}." if before else "")
        text = f"{who} utgår (er tatt ut og ikke lenger aktivt): {letter} sier «{quote}»."
        return text + (f" Fristen hadde vært {before}." if before else "")
    if status in ("renumbered", "replaced"):
        verb_en = "was renumbered to" if status == "renumbered" else "is replaced by"
        verb_no = "har fått nytt nummer" if status == "renumbered" else "er erstattet av"
        if lang == "en":
            return f"{who} {verb_en} {new_id} ({letter}): «{quote}»."
        return f"{who} {verb_no} {new_id} ({letter}): «{quote}»."
    return (f"{who} is active; no later letter cancels it." if lang == "en"
            else f"{who} er aktivt; ingen senere brev tar det ut.")


def status_note(ident: str, status: str, letter: str, new_id: str | None, lang: str) -> str:
    """'NB: TB2041-03 utgår (Tillegg nr. 1 (2041)).' before an answer about a cancelled assignment."""
    if lang == "en":
        what = {"cancelled": "is cancelled", "renumbered": f"was renumbered to {new_id}",
                "replaced": f"is replaced by {new_id}"}.get(status, status)
        return f"Note: {ident} {what} ({letter})."
    what = {"cancelled": "utgår (er tatt ut)", "renumbered": f"har fått nytt nummer {new_id}",
            "replaced": f"er erstattet av {new_id}"}.get(status, status)
    return f"NB: {ident} {what} ({letter})."


def may_change(ident: str, value: str, letter: str, clause: str, lang: str) -> str:
    """'Fristen for X er 1. juni 2021; Tillegg nr. 18 sier at den kan utsettes, uten ny dato: «…».'"""
    if lang == "en":
        return (f"The deadline for {ident} is {value}; {letter} says it may be postponed, without a new date: "
                f"«{clause}».")
    return f"Fristen for {ident} er {value}; {letter} sier at den kan utsettes, uten ny dato: «{clause}»."
