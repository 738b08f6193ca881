"""The one entry point the CLI, the chat and the evaluation share: ask, search, browse the registry, ingest."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant import phrasing
from assistant.extract import best_sentences, has_amount
from assistant.question import Question, understand
from assistant.records import Answer, Citation
from assistant.verify import verify
from index.build import current_generation, ingest_folder
from index.records import Hit
from index.search import SearchIndex
from ingest import norsk
from ingest.deadlines import map_label
from ingest.errors import SettingsError
from ingest.records import Assignment, Letter, Paragraph
from ingest.registry import Registry
from ingest.settings import Settings

CONFIGS = ("bm25", "dense", "hybrid", "full")
_CHANGE_KINDS = ("cancels", "deadline", "reworded", "renumbered", "clarified")
_STRONG_CHANGES = ("cancels", "deadline", "reworded", "renumbered")


def ingest_letters(letters_dir: Path, settings: Settings, progress: Callable[[str, int, int], None] | None = None,
                   embedder: Any = None) -> dict[str, Any]:
    """Build or update the index from a folder (the SPEC `letters ingest` report)."""
    return ingest_folder(Path(letters_dir), settings, embedder=embedder, progress=progress)


def hit_json(hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {"letter": c.letter, "title": c.title, "year": c.year, "section": c.section, "assignment": c.assignment,
            "sub": c.sub, "line": c.line, "line_end": c.line_end, "page": c.page, "text": c.text,
            "score": round(float(hit.score), 6), "dense": hit.dense, "bm25": hit.bm25}


class Assistant:
    """Answers over one index folder. Holds the loaded letters and search index; safe to share across threads."""

    def __init__(self, settings: Settings | None = None, config: str = "full", embedder: Any = None):
        if config not in CONFIGS:
            raise SettingsError(f"unknown configuration {config!r}; allowed: {', '.join(CONFIGS)}")
        self.settings = settings or Settings()
        self.config = config
        self._embedder = embedder
        self._lock = threading.RLock()
        self._index: SearchIndex | None = None
        self._letters: dict[str, Letter] | None = None
        self._generation: Path | None = None

    # --- state ---------------------------------------------------------------------------------------

    def reload(self) -> None:
        with self._lock:
            self._index, self._letters, self._generation = None, None, None

    def _fresh(self) -> None:
        gen = current_generation(self.settings.index_dir)
        if gen != self._generation:
            with self._lock:
                self._letters, self._generation = None, gen
                if self._index is not None:
                    self._index.refresh()

    @property
    def index(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                self._index = SearchIndex.open(self.settings.index_dir, self.settings, self._embedder)
            return self._index

    def registry(self) -> Registry:
        self._fresh()
        assert self._generation is not None
        return Registry(self._generation / "registry.sqlite")

    @property
    def letters(self) -> dict[str, Letter]:
        self._fresh()
        with self._lock:
            if self._letters is None:
                with self.registry() as reg:
                    self._letters = {letter.file: letter for letter in reg.letters()}
            return self._letters

    # --- browsing ------------------------------------------------------------------------------------

    def assignments(self, year: int | None = None, owner: str | None = None, due_before: str | None = None,
                    letter: str | None = None) -> list[dict[str, Any]]:
        with self.registry() as reg:
            return reg.assignments(year=year, owner=owner, due_before=due_before, letter=letter)

    def assignment(self, ident: str) -> list[dict[str, Any]]:
        with self.registry() as reg:
            return reg.find(ident)

    def status(self) -> dict[str, Any]:
        gen = current_generation(self.settings.index_dir)
        with self.registry() as reg:
            counts = reg.counts()
            letters = reg.letter_rows()
            files = reg.files()
        return {"letters": letters, "assignments": counts["assignments"], "counts": counts,
                "chunks": self.index.stats().get("chunks", 0), "built_at": _built_at(gen),
                "failed": [{"file": f, "error": e} for f, (_, s, e) in files.items() if s == "failed"]}

    def search(self, query: str, k: int = 5, filters: dict[str, Any] | None = None) -> list[Hit]:
        return self.index.search(query, k=k, mode=self.config, filters=_clean_filters(filters))

    # --- asking --------------------------------------------------------------------------------------

    def ask(self, question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, Any] | None = None) -> Answer:
        t0 = time.perf_counter()
        q = understand(question, history)
        timings = {"understand_ms": (time.perf_counter() - t0) * 1000}
        if self.config == "full" and q.ids:
            answer = self._by_id(q, filters)
        elif self.config == "full" and q.intent == "list":
            answer = self._list(q, filters) or self._retrieve(q, filters, timings)
        else:
            answer = self._retrieve(q, filters, timings)
        answer = verify(dataclasses.replace(answer, language=q.language), self.letters)
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return Answer(question=question, text=answer.text, found=answer.found, citations=answer.citations,
                      candidates=answer.candidates, intent=q.intent, language=q.language,
                      timings_ms={**answer.timings_ms, **timings})

    # --- structured answers by ID ---------------------------------------------------------------------

    def _by_id(self, q: Question, filters: dict[str, Any] | None) -> Answer:
        ident = q.ids[0]
        with self.registry() as reg:
            rows = reg.find(ident)
            refs = reg.references_to(ident)
            known = reg.known_ids()
        if not rows and not refs:
            return self._unknown_id(q, ident, known)
        if not rows:
            return self._changes_only(q, ident, refs)
        row = _primary(rows, q)
        letter = self.letters[row["letter"]]
        a = _find_assignment(letter, row)
        changes = [r for r in _amendments(rows) if r["kind"] in _CHANGE_KINDS]
        if q.intent == "change":
            return self._change_answer(q, row, a, letter, changes)
        if q.intent == "owner":
            return self._owner_answer(q, row, a, letter)
        if q.intent == "deadline":
            return self._deadline_answer(q, rows, changes)
        if q.intent == "amount":
            return self._amount_by_id(q, rows, refs)
        return self._content_by_id(q, row, a, letter)

    def _unknown_id(self, q: Question, ident: str, known: set[str]) -> Answer:
        what = f"oppdrag {ident}" if q.language == "no" else f"assignment {ident}"
        return Answer(q.text, phrasing.not_found(what, q.language), False, (),
                      tuple(_candidate_ids(ident, known, q)))

    def _changes_only(self, q: Question, ident: str, refs: list[dict[str, Any]]) -> Answer:
        cites, parts = [], []
        for r in refs[:4]:
            letter = self.letters.get(r["letter"])
            if letter is None:
                continue
            para, a = _paragraph_at(letter, r["line"])
            cites.append(_cite(letter, a, para, None, highlight=r["text"]))
            kinds = phrasing.KIND_EN if q.language == "en" else phrasing.KIND_NO
            parts.append(f"{letter.title} ({letter.year}): {kinds.get(r['kind'], r['kind'])} — «{_short(r['text'])}»")
        lead = (f"{ident} is not an assignment of its own in the letters, but it is mentioned: " if q.language == "en"
                else f"{ident} står ikke som eget oppdrag i brevene, men omtales: ")
        return Answer(q.text, lead + " ".join(parts), True, tuple(cites))

    def _change_answer(self, q: Question, row: dict[str, Any], a: Assignment, letter: Letter,
                       changes: list[dict[str, Any]]) -> Answer:
        if not changes:
            text = (f"I find no later letter that changes {a.id} {a.title}." if q.language == "en"
                    else f"Jeg finner ingen senere brev som endrer {a.id} {a.title}.")
            return Answer(q.text, text, True, (_header_cite(letter, a),))
        kinds = phrasing.KIND_EN if q.language == "en" else phrasing.KIND_NO
        parts, cites = [], []
        for c in changes[:4]:
            ref_letter = self.letters.get(c["letter"])
            if ref_letter is None:
                continue
            para, ra = _paragraph_at(ref_letter, c["line"])
            cites.append(_cite(ref_letter, ra, para, None, highlight=c["text"]))
            parts.append(f"{ref_letter.title} ({ref_letter.year}): {kinds.get(c['kind'], c['kind'])} — «{_short(c['text'])}»")
        cites.append(_header_cite(letter, a))
        return Answer(q.text, f"{a.id} {a.title}: " + " ".join(parts), True, tuple(cites))

    def _owner_answer(self, q: Question, row: dict[str, Any], a: Assignment, letter: Letter) -> Answer:
        cite = _header_cite(letter, a)
        if a.owner and a.owner not in a.header:
            for p in a.paragraphs:
                if "Ansvarlig avdeling" in p.text:
                    cite = _cite(letter, a, p, None, highlight="Ansvarlig avdeling")
        return Answer(q.text, phrasing.owner_answer(a.id, a.title, a.owner, q.language), bool(a.owner), (cite,))

    def _deadline_answer(self, q: Question, rows: list[dict[str, Any]], changes: list[dict[str, Any]]) -> Answer:
        ordered = sorted(rows, key=lambda r: -(r["year"] or 0))
        for n, row in enumerate(ordered):
            letter = self.letters[row["letter"]]
            a = _find_assignment(letter, row)
            labels = {s.label for s in a.subitems} | {d.sub for d in a.deadlines if d.sub}
            sub = map_label(q.sub, labels) if q.sub else None
            own = [d for d in a.deadlines if d.kind != "default_rule"]
            if sub and sub not in labels and (a.subitems or any(d.sub for d in a.deadlines)):
                continue
            chosen = [d for d in a.deadlines if sub and d.sub == sub]
            whole = False
            if not chosen:
                chosen = [d for d in a.deadlines if d.sub is None] or ([] if sub else own)
                whole = bool(chosen) and bool(sub)
            if not chosen and n < len(ordered) - 1:
                continue  # a later letter restating the assignment without a deadline: look further back
            return self._deadline_reply(q, letter, a, sub, chosen, whole, changes)
        row = _primary(rows, q)
        letter = self.letters[row["letter"]]
        a = _find_assignment(letter, row)
        labels = sorted({s.label for s in a.subitems} | {d.sub for d in a.deadlines if d.sub})
        if q.sub and labels:
            shown = ", ".join(f"{x})" if len(x) == 1 else x for x in labels)
            text = (f"{a.id} {a.title} has no sub-item {q.sub}); it has {shown}." if q.language == "en"
                    else f"{a.id} {a.title} har ikke deloppdrag {q.sub}); det har {shown}.")
            cands = tuple(f"Hva er fristen for {a.id} {x}{')' if len(x) == 1 else ''}?" for x in labels[:3])
            return Answer(q.text, text, False, (_header_cite(letter, a),), cands)
        return self._deadline_reply(q, letter, a, None, [], False, changes)

    def _deadline_reply(self, q: Question, letter: Letter, a: Assignment, sub: str | None, chosen: list[Any],
                        whole: bool, changes: list[dict[str, Any]]) -> Answer:
        lead, cites = self._change_lead(q, changes, letter)
        if not chosen:
            return Answer(q.text, lead + phrasing.no_deadline(a.id, a.title, sub, q.language), False,
                          tuple(cites) + (_body_cite(letter, a),))
        ds = [{"sub": d.sub, "text": d.text, "date": d.date, "kind": d.kind} for d in chosen]
        text = phrasing.deadline_answer(a.id, a.title, sub if not whole else sub, ds, q.language, whole)
        for d in chosen:
            para = _deadline_paragraph(letter, a, d)
            c = _cite(letter, a if d.kind != "default_rule" else None, para, d.sub, highlight=d.text)
            if c not in cites:
                cites.append(c)
        if sub:
            for s in a.subitems:
                if s.label == sub:
                    cites.append(_cite(letter, a, Paragraph(s.text, s.line, s.line_end, s.page), sub))
        if any(d.kind == "default_rule" for d in chosen):
            cites.append(_header_cite(letter, a))
        return Answer(q.text, lead + text, True, tuple(cites))

    def _change_lead(self, q: Question, changes: list[dict[str, Any]], letter: Letter) -> tuple[str, list[Citation]]:
        strong = [c for c in changes if c["kind"] in _STRONG_CHANGES and c["letter"] != letter.file]
        cites = []
        for c in strong[:2]:
            ref_letter = self.letters.get(c["letter"])
            if ref_letter is not None:
                para, ra = _paragraph_at(ref_letter, c["line"])
                cites.append(_cite(ref_letter, ra, para, None, highlight=c["text"]))
        return (phrasing.change_lead(strong[:2], q.language) if strong else ""), cites

    def _amount_by_id(self, q: Question, rows: list[dict[str, Any]], refs: list[dict[str, Any]]) -> Answer:
        passages: list[tuple[Letter, Assignment | None, Paragraph]] = []
        for row in rows:
            letter = self.letters[row["letter"]]
            a = _find_assignment(letter, row)
            passages.extend((letter, a, p) for p in a.paragraphs)
        for r in refs:
            letter = self.letters.get(r["letter"])
            if letter is not None:
                passages.extend((letter, a2, p) for a2, p in _paragraphs_from(letter, r["line"], 3))
        with_amount = [x for x in passages if has_amount(x[2].text)]
        if not with_amount:
            row = _primary(rows, q)
            letter = self.letters[row["letter"]]
            a = _find_assignment(letter, row)
            text = (f"I can't find an amount for {a.id} {a.title} in the letters." if q.language == "en"
                    else f"Jeg finner ikke noe beløp for {a.id} {a.title} i brevene.")
            return Answer(q.text, text, False, (_body_cite(letter, a),))
        best = best_sentences(q.text, [x[2].text for x in with_amount], want_amount=True, n=1)
        pi, sentence, _ = best[0]
        letter, a, para = with_amount[pi]
        return Answer(q.text, _short(sentence, 380), True, (_cite(letter, a, para, None, highlight=sentence),))

    def _content_by_id(self, q: Question, row: dict[str, Any], a: Assignment, letter: Letter) -> Answer:
        if q.sub:
            labels = {s.label for s in a.subitems}
            sub = map_label(q.sub, labels)
            for s in a.subitems:
                if s.label == sub:
                    para = Paragraph(s.text, s.line, s.line_end, s.page)
                    return Answer(q.text, f"{phrasing.sub_phrase(sub, q.language)}{a.id}: {_short(s.text, 380)}".strip(),
                                  True, (_cite(letter, a, para, sub, highlight=s.text),))
            shown = ", ".join(sorted(labels)) or "-"
            text = (f"{a.id} {a.title} has no sub-item {q.sub}) (it has: {shown})." if q.language == "en"
                    else f"{a.id} {a.title} har ikke deloppdrag {q.sub}) (det har: {shown}).")
            return Answer(q.text, text, False, (_header_cite(letter, a),))
        body = [p for p in a.paragraphs if not p.text.lower().startswith(("frist", "ansvarlig avdeling"))]
        if not body:
            return Answer(q.text, f"{a.id} {a.title}" + (" (listed by its header only)." if q.language == "en"
                                                          else " (står bare oppført med overskrift)."),
                          True, (_header_cite(letter, a),))
        best = best_sentences(q.text, [p.text for p in body[:6]], n=2)
        pi = best[0][0] if best else 0
        sentence = " ".join(s for _, s, _ in best) if best else body[0].text
        return Answer(q.text, f"{a.id} {a.title}: {_short(sentence, 380)}", True,
                      (_cite(letter, a, body[pi], None, highlight=best[0][1] if best else None),
                       _header_cite(letter, a)))

    # --- lists ---------------------------------------------------------------------------------------

    def _list(self, q: Question, filters: dict[str, Any] | None) -> Answer | None:
        f = _clean_filters(filters) or {}
        year, owner, letter_file = f.get("year") or q.year, f.get("owner") or q.owner, f.get("letter")
        if not letter_file:
            letter_file = self._letter_named(q.text, year)
        if not (owner or q.month or letter_file):
            return None
        rows = self.assignments(year=year if not letter_file else None, owner=owner, letter=letter_file)
        if q.month:
            prefix = f"{q.month[0]}-{q.month[1]:02d}"
            rows = [r for r in rows if any((d["date"] or "").startswith(prefix) for d in r["deadlines"])]
        if not rows:
            return Answer(q.text, phrasing.not_found("oppdrag som passer" if q.language == "no"
                                                     else "assignments that match", q.language), False)
        items = ", ".join(f"{r['id']} {r['title']}" for r in rows[:40])
        more = f" (+{len(rows) - 40})" if len(rows) > 40 else ""
        head = (f"{len(rows)} assignments: " if q.language == "en" else f"{len(rows)} oppdrag: ")
        cites = []
        for r in rows[:10]:
            letter = self.letters[r["letter"]]
            cites.append(_header_cite(letter, _find_assignment(letter, r)))
        return Answer(q.text, head + items + more, True, tuple(cites))

    def _letter_named(self, text: str, year: int | None) -> str | None:
        low = text.lower()
        kind = ("supplementary" if "supplerende" in low or "supplementary" in low else
                "addendum" if "tillegg" in low or "addendum" in low or "supplement no" in low else None)
        if kind is None:
            return None
        matches = [lt for lt in self.letters.values() if lt.kind == kind and (year is None or lt.year == year)]
        return matches[0].file if len(matches) == 1 else None

    # --- retrieval answers ---------------------------------------------------------------------------

    def _retrieve(self, q: Question, filters: dict[str, Any] | None, timings: dict[str, float]) -> Answer:
        t = time.perf_counter()
        query = q.text if not q.inherited else f"{' '.join(q.ids)} {q.text}"
        hits = self.index.search(query, k=max(5, self.settings.top_k), mode=self.config, filters=_clean_filters(filters))
        timings["search_ms"] = (time.perf_counter() - t) * 1000
        if not hits or not self._relevant(hits[0]):
            cands = tuple(f"Hva går {h.chunk.assignment} ut på?" if q.language == "no"
                          else f"What does {h.chunk.assignment} ask for?"
                          for h in _distinct_assignments(hits)[:3])
            return Answer(q.text, phrasing.not_found("noe som svarer på dette" if q.language == "no"
                                                     else "anything that answers this", q.language), False, (), cands)
        top = hits[: max(3, self.settings.top_k)]
        if self.config == "full" and q.intent in ("deadline", "owner") and top[0].chunk.assignment:
            by_id = self._by_id(Question(**{**q.__dict__, "ids": (top[0].chunk.assignment,)}), filters)
            if by_id.found:
                return by_id
        embed, qvec = self._sentence_embedder(q)
        best = best_sentences(q.text, [h.chunk.text for h in top[:3]], want_amount=q.intent == "amount", n=2,
                              embed=embed, query_vec=qvec)
        if not best:
            return Answer(q.text, phrasing.not_found("et svar", q.language), False)
        pi = best[0][0]
        chosen = top[pi].chunk
        sentence = " ".join(s for i, s, _ in best if i == pi)
        prefix = f"{chosen.assignment}: " if chosen.assignment and self.config == "full" else ""
        cites = [_hit_cite(top[pi], highlight=best[0][1])] + [_hit_cite(h) for i, h in enumerate(top) if i != pi]
        return Answer(q.text, prefix + _short(sentence, 380), True, tuple(cites))

    def _relevant(self, hit: Hit) -> bool:
        if hit.reason == "id":
            return True
        if hit.dense is not None:
            return hit.dense >= self.settings.min_relevance
        return (hit.bm25 or 0.0) >= self.settings.min_bm25

    def _sentence_embedder(self, q: Question) -> tuple[Callable[[list[str]], np.ndarray] | None, np.ndarray | None]:
        if self.config == "bm25":
            return None, None
        emb = self.index.embedder
        return emb.embed_passages, emb.embed_queries([q.text])[0]


# --- helpers ---------------------------------------------------------------------------------------


def _built_at(gen: Path) -> str | None:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(gen.stat().st_mtime))
    except OSError:
        return None


def _clean_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    out = {k: v for k, v in filters.items() if v not in (None, "", [], "Alle", "All")}
    return out or None


def _primary(rows: list[dict[str, Any]], q: Question) -> dict[str, Any]:
    """The letter where the assignment was given (its ID's year), else the newest one."""
    if q.year:
        same = [r for r in rows if r["year"] == q.year]
        if same:
            return same[0]
    for r in rows:
        m = re.search(r"(?:19|20)\d\d", r["id"])
        if m and r["year"] == int(m.group(0)):
            return r
    return rows[-1]


def _amendments(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for r in rows:
        for a in r["amendments"]:
            key = (a["letter"], a["line"], a["kind"])
            if key not in seen:
                seen.add(key)
                out.append(a)
    return out


def _find_assignment(letter: Letter, row: dict[str, Any]) -> Assignment:
    for a in letter.assignments:
        if a.id == row["id"] and a.line == row["line"]:
            return a
    return next(a for a in letter.assignments if a.id == row["id"])


def _paragraph_at(letter: Letter, line: int) -> tuple[Paragraph, Assignment | None]:
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


def _paragraphs_from(letter: Letter, line: int, n: int) -> list[tuple[Assignment | None, Paragraph]]:
    for s in letter.sections:
        for i, p in enumerate(s.paragraphs):
            if p.line <= line <= p.line_end:
                return [(None, x) for x in s.paragraphs[i : i + n]]
    para, a = _paragraph_at(letter, line)
    return [(a, para)]


def _deadline_paragraph(letter: Letter, a: Assignment, d: Any) -> Paragraph:
    if d.kind == "default_rule":
        for s in letter.sections:
            if s.default_deadline is not None and s.name == a.section:
                for p in s.paragraphs:
                    if p.line <= d.line <= p.line_end:
                        return p
    for p in a.paragraphs:
        if p.line <= d.line <= p.line_end:
            return p
    return Paragraph(a.header, a.line, a.header_end or a.line, a.page)


def _section_name(letter: Letter, a: Assignment | None, line: int) -> str:
    if a is not None:
        return a.section
    best = ""
    for s in letter.sections:
        if s.line <= line:
            best = s.name
    return best


def _cite(letter: Letter, a: Assignment | None, para: Paragraph, sub: str | None,
          highlight: str | None = None) -> Citation:
    return Citation(letter=letter.file, title=letter.title, year=letter.year,
                    section=_section_name(letter, a, para.line), assignment=a.id if a else None, sub=sub,
                    line=para.line, page=para.page, text=para.text, line_end=para.line_end,
                    highlight=_short(highlight, 300) if highlight else None)


def _header_cite(letter: Letter, a: Assignment) -> Citation:
    return _cite(letter, a, Paragraph(a.header or f"{a.id} {a.title}", a.line, a.header_end or a.line, a.page), None)


def _body_cite(letter: Letter, a: Assignment) -> Citation:
    if not a.paragraphs:
        return _header_cite(letter, a)
    p = a.paragraphs[0]
    return _cite(letter, a, Paragraph(f"{a.header} {p.text}".strip(), a.line, p.line_end, a.page), None)


def _hit_cite(hit: Hit, highlight: str | None = None) -> Citation:
    c = hit.chunk
    return Citation(letter=c.letter, title=c.title, year=c.year, section=c.section, assignment=c.assignment,
                    sub=c.sub, line=c.line, page=c.page, text=c.text, line_end=c.line_end, highlight=highlight)


def _distinct_assignments(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.chunk.assignment and h.chunk.assignment not in seen:
            seen.add(h.chunk.assignment)
            out.append(h)
    return out


def _candidate_ids(ident: str, known: set[str], q: Question) -> list[str]:
    key = norsk.id_key(ident) or ""
    m = re.match(r"([A-Z]+)(\d{4})-(\d+)", key)
    if not m:
        return []
    prefix, year, num = m.group(1), m.group(2), int(m.group(3))
    near = []
    for k in known:
        km = re.match(r"([A-Z]+)(\d{4})-(\d+)$", k or "")
        if km and km.group(2) == year:
            near.append((abs(int(km.group(3)) - num) + (0 if km.group(1) == prefix else 5), k))
    verb = {"deadline": ("Hva er fristen for", "What is the deadline for"),
            "owner": ("Hvem eier", "Who owns")}.get(q.intent, ("Hva går ut på", "What does this ask for:"))
    lead = verb[1] if q.language == "en" else verb[0]
    return [f"{lead} {k}?" for _, k in sorted(near)[:3]]


def _short(text: str | None, limit: int = 240) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1].rsplit(" ", 1)[0] + " …"
