"""Streamlit glue the pages share: the cached model and assistant, the first-start index build,
the sidebar (filters, index status, upload, rebuild), and the pieces of a chat turn.

Logic lives in `ui.view` (pure) and `assistant`; this module only wires them to widgets.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
import uuid
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.feedback import record_feedback
from assistant.records import Answer, Citation
from assistant.service import Assistant, ingest_letters
from ingest import norsk
from ingest.errors import IndexMissingError, LettersError
from ingest.settings import Settings
from ui import view

SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLES_COPY = "eksempelbrev"  # inside the index folder, so uploads next to the samples are writable
SOURCES_SHOWN = 8  # sources shown one by one under an answer; the rest as one list

# Tests only: LETTERS_FAKE_EMBEDDER=1 swaps the e5 model for index.embed.FakeEmbedder (hashed
# bag-of-words vectors), so AppTest runs in seconds without the built model. Never set it in use.
FAKE_EMBEDDER = "LETTERS_FAKE_EMBEDDER"


def settings() -> Settings:
    return Settings()


def _fake() -> bool:
    return os.environ.get(FAKE_EMBEDDER) == "1"


# --- heavy objects, loaded once per server process and shared by every session ---------------------


@st.cache_resource(show_spinner="Laster språkmodellen …")
def load_embedder(model: str, fake: bool) -> Any:
    if fake:
        from index.embed import FakeEmbedder

        return FakeEmbedder()
    from index.embed import Embedder

    embedder = Embedder(model)
    embedder.embed_queries(["oppvarming"])  # load the weights now, not on the first question
    return embedder


@st.cache_resource(show_spinner="Åpner indeksen …")
def load_assistant(index_dir: str, model: str, fake: bool) -> Assistant:
    # FAISS runs single-threaded (set in index.search): two OpenMP runtimes were seen to hang an ask.
    assistant = Assistant(settings().replace(index_dir=index_dir), embedder=load_embedder(model, fake))
    assistant.search("frist", k=1)  # load FAISS and BM25 now; a rebuild clears this cache
    return assistant


@st.cache_resource
def build_lock() -> threading.Lock:
    """One ingest at a time in this server; the index's own file lock guards against other processes."""
    return threading.Lock()


def embedder() -> Any:
    s = settings()
    return load_embedder(s.embedding_model, _fake())


def assistant() -> Assistant:
    """The shared assistant over the configured index, building the index first if there is none."""
    s = settings()
    ensure_index(s)
    return load_assistant(str(s.index_dir), s.embedding_model, _fake())


# --- the letters folder and the first build -----------------------------------------------------------


def has_index(index_dir: Path) -> bool:
    from index.build import current_generation

    try:
        current_generation(index_dir)
    except IndexMissingError:
        return False
    return True


def letters_folder(s: Settings) -> Path | None:
    """Where uploads go and rebuilds read: LETTERS_DIR, else the copy of the samples, else none."""
    if s.letters_dir:
        return Path(s.letters_dir)
    copy = Path(s.index_dir) / SAMPLES_COPY
    return copy if copy.is_dir() else None


def using_samples(s: Settings) -> bool:
    return not s.letters_dir and (Path(s.index_dir) / SAMPLES_COPY).is_dir()


def ensure_index(s: Settings) -> None:
    """Serve the index if there is one; else build it from LETTERS_DIR, or from the fictional samples."""
    if has_index(s.index_dir):
        return
    with build_lock():
        if has_index(s.index_dir):
            return
        folder = letters_folder(s)
        if folder is None:
            folder = Path(s.index_dir) / SAMPLES_COPY
            shutil.copytree(SAMPLES, folder, dirs_exist_ok=True)
            st.info(f"Ingen brevmappe er satt opp (LETTERS_DIR), så jeg bygger en indeks av {len(list(SAMPLES.iterdir()))} "
                    f"fiktive eksempelbrev i {folder}.")
        elif not folder.is_dir():
            st.error(f"Brevmappen {folder} finnes ikke. Sett LETTERS_DIR til en mappe med brev.")
            st.stop()
        else:
            st.info(f"Fant ingen indeks i {s.index_dir}; bygger den fra {folder}. Første gang tar det litt tid.")
        report = run_ingest(folder, s)
    if "error" in report:
        st.error(report["error"])
        st.stop()


def run_ingest(folder: Path, s: Settings) -> dict[str, Any]:
    """Ingest `folder` with a progress bar; the cached assistant is dropped so the next use loads the
    new generation. Returns the ingest report, or {"error": reason}."""
    bar = st.progress(0.0, "Starter …")

    def progress(stage: str, done: int, total: int) -> None:
        share, text = view.progress_step(stage, done, total)
        bar.progress(share, text)

    try:
        report = ingest_letters(folder, s, progress=progress, embedder=embedder())
    except LettersError as exc:
        return {"error": f"Indeksen ble ikke oppdatert: {exc}"}
    finally:
        bar.empty()
    load_assistant.clear()
    return report


def save_uploads(files: list[Any], folder: Path, max_mb: int) -> dict[str, Any]:
    """Write accepted uploads into the letters folder, never over a file already there: a name in use
    gets ' (2)', ' (3)' …, and content the folder holds already is not saved twice. Returns
    {saved: [names], rejected: [{file, error}], renamed: {saved name: uploaded name},
    duplicates: [{file, existing}]}."""
    saved: list[str] = []
    rejected: list[dict[str, str]] = []
    renamed: dict[str, str] = {}
    duplicates: list[dict[str, str]] = []
    for f in files:
        try:
            name = view.check_upload(f.name, f.size, max_mb)
            data = f.getvalue()
            existing = same_content(folder, data)
            if existing:
                duplicates.append({"file": f.name, "existing": existing})
                continue
            final = save_new(folder, name, data)
            saved.append(final)
            if final != name:
                renamed[final] = f.name
        except view.UploadRejected as exc:
            rejected.append({"file": f.name, "error": str(exc)})
        except OSError as exc:
            rejected.append({"file": f.name, "error": f"kunne ikke lagre i {folder}: {exc.strerror or exc}"})
    return {"saved": saved, "rejected": rejected, "renamed": renamed, "duplicates": duplicates}


def same_content(folder: Path, data: bytes) -> str | None:
    """The name of a letter in `folder` with exactly these bytes, or None."""
    for p in sorted(folder.iterdir()):
        if (not p.name.startswith(".") and p.is_file() and not p.is_symlink()
                and p.stat().st_size == len(data) and p.read_bytes() == data):
            return p.name
    return None


def save_new(folder: Path, name: str, data: bytes) -> str:
    """Save `data` under `name` or the first free variant of it (view.free_names); returns the name used.

    The bytes go to a hidden part file first (an ingest skips it), then get their name by a hard link,
    which fails when the name exists: even an upload racing another never replaces a letter.
    """
    taken = {p.name.casefold() for p in folder.iterdir()}
    tmp = folder / f".{name}.{uuid.uuid4().hex}.part"
    tmp.write_bytes(data)
    try:
        for candidate in view.free_names(name):
            if candidate.casefold() in taken:
                continue
            try:
                os.link(tmp, folder / candidate)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: create the name exclusively instead
                try:
                    with open(folder / candidate, "xb") as out:
                        out.write(data)
                except FileExistsError:
                    continue
            return candidate
    finally:
        tmp.unlink(missing_ok=True)
    raise OSError(f"no free name for {name}")


# --- sidebar ---------------------------------------------------------------------------------------------


def filters(a: Assistant, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Year, letter and HOD department filters; returns the `filters` argument of `Assistant.ask`."""
    letters = {x["file"]: x for x in a.status()["letters"]}
    with st.sidebar:
        st.subheader("Avgrens svarene")
        year = st.selectbox("År", [None, *view.years(rows)], format_func=lambda y: "Alle år" if y is None else str(y))
        letter = st.selectbox("Brev", [None, *letters], format_func=lambda f: "Alle brev" if f is None
                              else f"{letters[f]['title']} ({letters[f]['year']})")
        owner = st.selectbox("Avdeling i HOD", [None, *view.owners(rows)], format_func=lambda o: "Alle avdelinger"
                             if o is None else f"{o} – {norsk.DEPARTMENTS.get(o, '')}".rstrip(" –"))
    return {"year": year, "letter": letter, "owner": owner}


def index_panel(a: Assistant) -> None:
    """Index status, the upload of new letters and the rebuild button, with the last result per file."""
    s = settings()
    folder = letters_folder(s)
    with st.sidebar:
        st.subheader("Indeksen")
        for line in view.status_lines(a.status()):
            st.markdown(line)
        if using_samples(s):
            st.warning("Viser fiktive eksempelbrev fordi ingen brevmappe er satt opp (LETTERS_DIR).")
        if folder is None:
            st.caption("Opplasting krever en brevmappe: start med `letters serve --letters MAPPE`.")
            return
        if writable(folder):
            upload_form(folder, s)
        else:
            st.caption(f"Brevmappen {folder} er skrivebeskyttet, så opplasting er slått av. "
                       "Start med en skrivbar mappe: `letters serve --letters MAPPE`.")
        if st.button("Oppdater indeksen fra brevmappen", help=f"Leser nye og endrede filer i {folder}"):
            report = run_ingest(folder, s)
            st.session_state["ingest"] = {"report": report, "saved": [], "rejected": [], "all": True}
        result = st.session_state.get("ingest")
        if result:
            show_ingest(result)


def writable(folder: Path) -> bool:
    """May uploads be saved here? A folder marked read-only (like the shared real letters) is respected
    even by root, who could write into it anyway."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IWUSR) and os.access(folder, os.W_OK)


def upload_form(folder: Path, s: Settings) -> None:
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader("Legg til brev", type=list(view.UPLOAD_TYPES), accept_multiple_files=True,
                                 help=f"PDF, DOCX, TXT, MD eller HTML, høyst {s.max_upload_mb} MB per fil. "
                                 f"Lagres i {folder}.")
        send = st.form_submit_button("Last opp og oppdater indeksen")
    if send and files:
        uploads = save_uploads(list(files), folder, s.max_upload_mb)
        report = run_ingest(folder, s) if uploads["saved"] else {}
        st.session_state["ingest"] = {"report": report, **uploads, "all": False}


def show_ingest(result: dict[str, Any]) -> None:
    report = result["report"]
    if "error" in report:
        st.error(report["error"])
    for row in view.upload_result(report, result["saved"], result["rejected"], everything=result["all"],
                                  renamed=result.get("renamed"), duplicates=result.get("duplicates", ())):
        text = f"{row['file']}: {row['status']}" + (f" – {row['reason']}" if row["reason"] else "")
        show = {"feilet": st.error, view.SKIPPED: st.warning, view.ALREADY: st.info}.get(row["status"], st.success)
        show(text)
    if report and "error" not in report:
        st.caption(view.ingest_summary(report))
        shown = view.parse_report_lines(report.get("report") or [], None if result["all"] else result["saved"])
        if shown:
            with st.expander("Hva ble forstått av brevene", expanded=not result["all"]):
                st.markdown("\n".join(shown))


# --- a chat turn -----------------------------------------------------------------------------------------


def ask_later(question: str) -> None:
    """Button callback: the next run asks this question as if it were typed."""
    st.session_state["asked"] = question


def show_turn(turn: dict[str, Any], a: Assistant) -> None:
    answer: Answer = turn["answer"]
    with st.chat_message("user"):
        st.markdown(view.md_escape(turn["question"]))
    with st.chat_message("assistant"):
        st.markdown(view.answer_markdown(answer))
        for n, c in enumerate(answer.citations[:SOURCES_SHOWN], 1):
            source(n, c, a, answer.language)
        rest = answer.citations[SOURCES_SHOWN:]
        if rest:  # a long list cites every assignment it names: the rest as one list of labels
            with st.expander(f"{len(rest)} kilder til" if answer.language == "no" else f"{len(rest)} more sources"):
                st.markdown("\n".join(f"- {view.md_escape(view.citation_label(c, n, answer.language))}"
                                       for n, c in enumerate(rest, SOURCES_SHOWN + 1)))
        if not answer.found and answer.candidates:
            st.caption("Kanskje du mente:" if answer.language == "no" else "Did you mean:")
            for n, q in enumerate(answer.candidates):
                st.button(q, key=f"cand-{turn['id']}-{n}", on_click=ask_later, args=(q,))
        feedback(turn)


def source(n: int, c: Citation, a: Assistant, language: str) -> None:
    """The first source open: its label, the cited paragraph with the answering sentence marked, and
    its assignment's other parts behind an expander. Further sources wait in one expander each."""
    label = view.md_escape(view.citation_label(c, n, language))
    context = view.context_lines(a.assignment(c.assignment) if c.assignment else [], c, language)
    more = "Se resten av oppdraget" if language == "no" else "See the rest of the assignment"
    if n == 1:
        st.markdown(f"**{label}**")
        with st.container(border=True):
            st.markdown(view.highlight(c.text, c.highlight))
        if context:
            with st.expander(more):
                st.markdown("\n".join(context))
        return
    with st.expander(label):
        st.markdown(view.highlight(c.text, c.highlight))
        if context:
            st.caption(more)
            st.markdown("\n".join(context))


def _save_feedback(turn: dict[str, Any]) -> None:
    thumb = st.session_state.get(f"fb-{turn['id']}")
    if thumb is None:
        return
    comment = st.session_state.get(f"fbc-{turn['id']}") or None
    record_feedback(settings().index_dir, turn["question"], turn["answer"], 1 if thumb == 1 else -1, comment,
                    turn=turn["id"])


def feedback(turn: dict[str, Any]) -> None:
    """Thumbs up/down and, once given, an optional comment; both stored in the index folder."""
    thumb = st.feedback("thumbs", key=f"fb-{turn['id']}", on_change=_save_feedback, args=(turn,))
    if thumb is not None:
        st.text_input("Kommentar (valgfritt)", key=f"fbc-{turn['id']}", on_change=_save_feedback, args=(turn,),
                      placeholder="Hva var bra eller galt med svaret?")
