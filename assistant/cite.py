"""Citations: the paragraph that says something, found in a parsed letter and named by letter, section and line."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from assistant.extract import LIST_CHARS
from assistant.records import Citation
from index.records import Hit
from ingest import norsk
from ingest.records import Assignment, Letter, Paragraph


def paragraph_at(letter: Letter, line: int) -> tuple[Paragraph, Assignment | None]:
    for a in letter.assignments:
        for p in a.paragraphs:
            if p.line <= line <= p.line_end:
                return p, a
        if a.line <= line <= max(a.header_end, a.line):
            return Paragraph(a.header, a.line, a.header_end or a.line, a.page), a
    for s in letter.sections:
        for p in s.paragraphs:
            if p.line <= line <= p.line_end:
                return p, None
    return Paragraph("", line, line), None


def narrowed(letter: Letter, ct: Citation, sentence: str) -> Citation:
    """A citation of several paragraphs (a whole assignment) narrowed to the paragraph that holds the sentence."""
    said = " ".join(sentence.split())[:80]
    if not said or ct.line is None:
        return ct
    end = ct.line_end or ct.line
    paras = itertools.chain((p for a in letter.assignments for p in a.paragraphs),
                            (p for s in letter.sections for p in s.paragraphs))
    for p in paras:
        if ct.line <= p.line <= end and said in " ".join(p.text.split()) and (p.line, p.line_end) != (ct.line, end):
            return dataclasses.replace(ct, line=p.line, line_end=p.line_end, text=p.text, page=p.page)
    return ct


def paragraphs_from(letter: Letter, line: int, n: int) -> list[tuple[Assignment | None, Paragraph]]:
    for s in letter.sections:
        for i, p in enumerate(s.paragraphs):
            if p.line <= line <= p.line_end:
                # The passage the mention opens: up to n paragraphs, ending where another ID is named.
                out = [p]
                for x in s.paragraphs[i + 1 : i + n]:
                    if norsk.find_ids(x.text):
                        break
                    out.append(x)
                return [(None, x) for x in out]
    para, a = paragraph_at(letter, line)
    return [(a, para)]


def with_items(passage: list[Paragraph]) -> Paragraph:
    """A lead-in paragraph ("… følgende:") with the items after it, as one span: the first item always,
    the rest while they fit and name no other assignment."""
    lead = end = passage[0]
    said = lead.text
    for p in passage[1:]:
        if norsk.find_ids(p.text) or (end is not lead and len(said) + len(p.text) + 1 > LIST_CHARS):
            break
        said, end = f"{said} {p.text}", p
    return Paragraph(said, lead.line, end.line_end, lead.page)


def deadline_paragraph(letter: Letter, a: Assignment, d: Any) -> Paragraph:
    if d.kind == "default_rule":
        for s in letter.sections:
            if s.default_deadline is not None and s.default_deadline.line == d.line:  # its own or a parent's
                for p in s.paragraphs:
                    if p.line <= d.line <= p.line_end:
                        return p
    # Several paragraphs can share a source line (HTML blocks on one line): the one that says it.
    on_line = [p for p in a.paragraphs if p.line <= d.line <= p.line_end]
    said = " ".join(str(d.text or "").split())[:40]
    for p in on_line:
        if said and said in " ".join(p.text.split()):
            return p
    if on_line:
        return on_line[0]
    return Paragraph(a.header, a.line, a.header_end or a.line, a.page)


def section_name(letter: Letter, a: Assignment | None, line: int) -> str:
    if a is not None:
        return a.section
    best = ""
    for s in letter.sections:
        if s.line <= line:
            best = s.name
    return best


def cite(letter: Letter, a: Assignment | None, para: Paragraph, sub: str | None,
          highlight: str | None = None) -> Citation:
    return Citation(letter=letter.file, title=letter.title, year=letter.year,
                    section=section_name(letter, a, para.line), assignment=a.id if a else None, sub=sub,
                    line=para.line, page=para.page, text=para.text, line_end=para.line_end,
                    highlight=short(highlight, 300) if highlight else None)


def header_cite(letter: Letter, a: Assignment) -> Citation:
    return cite(letter, a, Paragraph(a.header or f"{a.id} {a.title}", a.line, a.header_end or a.line, a.page), None)


def owner_cite(letter: Letter, a: Assignment) -> Citation:
    """Where the owner is said: the header, or the "Ansvarlig avdeling: …" line when the header names none."""
    if a.owner and a.owner not in a.header:
        for p in reversed(a.paragraphs):
            said = norsk.owner_said(p.text)
            if said:
                return cite(letter, a, p, None, highlight=said.group(0))
    return header_cite(letter, a)


def whole_cite(letter: Letter, a: Assignment) -> Citation:
    text = " ".join([a.header, *(p.text for p in a.paragraphs)]).strip()
    end = a.paragraphs[-1].line_end if a.paragraphs else (a.header_end or a.line)
    return cite(letter, a, Paragraph(text, a.line, end, a.page), None)


def body_cite(letter: Letter, a: Assignment) -> Citation:
    if not a.paragraphs:
        return header_cite(letter, a)
    p = a.paragraphs[0]
    return cite(letter, a, Paragraph(f"{a.header} {p.text}".strip(), a.line, p.line_end, a.page), None)


def hit_cite(hit: Hit, highlight: str | None = None) -> Citation:
    c = hit.chunk
    return Citation(letter=c.letter, title=c.title, year=c.year, section=c.section, assignment=c.assignment,
                    sub=c.sub, line=c.line, page=c.page, text=c.text, line_end=c.line_end, highlight=highlight)


def short(text: str | None, limit: int = 240) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1].rsplit(" ", 1)[0] + " …"
