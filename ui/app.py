"""The Streamlit chat over HOD's allocation letters: ask in Norwegian or English, get the answer and its sources."""

from __future__ import annotations

import os
import uuid

# torch and FAISS spin-wait in OpenMP by default; on a busy 2-core machine that made a query embedding
# 36x slower (20 ms -> 730 ms). Passive waiting must be set before either library is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st  # noqa: E402

from ui import state, view


def chat() -> None:
    assistant = state.assistant()
    rows = assistant.assignments()
    filters = state.filters(assistant, rows)
    state.index_panel(assistant)
    st.title("Spør tildelingsbrevene")
    st.caption("Frister, eieravdeling, innhold og endringer i oppdragene fra HOD til Helsedirektoratet. "
               "Hvert svar viser kilden, så du kan sjekke det selv.")
    turns = st.session_state.setdefault("turns", [])
    for turn in turns:
        state.show_turn(turn, assistant)
    question = st.chat_input("Spør om et oppdrag, en frist eller en avdeling …") or st.session_state.pop("asked", None)
    if not turns and not question:
        st.markdown("**Prøv for eksempel:**")
        allocation = [x["file"] for x in assistant.status()["letters"] if x["kind"] == "allocation"]
        for n, example in enumerate(view.example_questions(rows, prefer=allocation)):
            st.button(example, key=f"example-{n}", on_click=state.ask_later, args=(example,))
    if question:
        with st.chat_message("user"):
            st.markdown(view.md_escape(question))
        with st.chat_message("assistant"), st.spinner("Leter i brevene …"):
            answer = assistant.ask(question, history=view.history(turns), filters=filters)
        turns.append({"id": uuid.uuid4().hex, "question": question, "answer": answer})
        st.rerun()


st.set_page_config(page_title="Tildelingsbrev – spør brevene", page_icon=":material/mail:")
st.navigation([
    st.Page(chat, title="Spør brevene", icon=":material/chat:", default=True),
    st.Page("pages/1_Oppdrag.py", title="Alle oppdrag", icon=":material/table:"),
]).run()
