"""The assignments page: every assignment with owner and deadlines, filtered, one in detail, CSV export."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assistant.timeline import timeline_json
from ui import state, view

st.set_page_config(layout="wide")
assistant = state.assistant()
rows = assistant.assignments()
titles = {x["file"]: f"{x['title']} ({x['year']})" for x in assistant.status()["letters"]}
state.index_panel(assistant)
st.title("Alle oppdrag")

c1, c2, c3 = st.columns([1, 1, 2])
year = c1.selectbox("År", [None, *view.years(rows)], format_func=lambda y: "Alle år" if y is None else str(y))
owner = c2.selectbox("Eier i HOD", [None, *view.owners(rows)], format_func=lambda o: "Alle" if o is None else o)
text = c3.text_input("Søk i ID, tittel og deloppdrag", placeholder="f.eks. tobakk eller TB2024-07")
d1, d2, d3 = st.columns([1, 1, 2])
due = d1.toggle("Bare med frist", help="Vis bare oppdrag med en frist innen så mange dager fra datoen")
days = d2.number_input("innen dager", min_value=1, max_value=3650, value=30, disabled=not due)
start = d3.date_input("fra dato", value=dt.date.today(), format="DD.MM.YYYY", disabled=not due)

shown = view.filter_assignments(rows, year=year, owner=owner, text=text,
                                due_from=start if due else None, due_days=int(days) if due else None)
table = view.table_rows(shown, titles)
st.caption(f"{len(shown)} av {len(rows)} oppdrag. Klikk på en kolonne for å sortere; velg ett under tabellen.")
st.dataframe(table, hide_index=True, width="stretch")
st.download_button("Last ned som CSV", view.csv_bytes(table), "oppdrag.csv", "text/csv", disabled=not table)

labels = {view.row_key(r, titles): r for r in shown}
chosen = st.selectbox("Vis ett oppdrag", [None, *labels], format_func=lambda k: "Velg …" if k is None else k)
if chosen:
    st.markdown("\n".join(view.detail_lines(labels[chosen], titles)))
    tl = assistant.timeline(labels[chosen]["id"])
    if tl is not None:
        st.markdown("\n".join(view.timeline_lines(timeline_json(tl), titles)))
