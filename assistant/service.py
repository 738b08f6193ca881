"""The one entry point the CLI, the chat and the evaluation share: ask, search, browse, ingest."""
# CONTRACT (being filled in): Assistant(settings, config="full")
#   .ask(question: str, history: list[dict] | None = None, filters: dict | None = None) -> Answer
#   .search(query: str, k: int = 5, filters: dict | None = None) -> list[Hit]
#   .assignments(year=None, owner=None, due_before=None) -> list[dict]   (SPEC `letters assignments` rows)
#   .status() -> dict  {"letters", "assignments", "chunks", "built_at", "files": [...]}
#   .reload() -> None   (after a rebuild)
# and ingest_letters(letters_dir, settings, progress=None) -> dict (SPEC `letters ingest` JSON)
