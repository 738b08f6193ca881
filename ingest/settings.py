"""The one Settings object: paths, model, retrieval knobs and the optional LLM endpoint."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import SettingsError


def _default_model_dir() -> str:
    return os.environ.get("LETTERS_MODEL", str(Path.home() / ".cache" / "letters" / "multilingual-e5-small"))


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number (default {default})") from None


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("LETTERS_INDEX", ".letters-index")),
        metadata={"help": "folder holding the registry, the FAISS index and the BM25 index"},
    )
    letters_dir: Path | None = field(
        default_factory=lambda: Path(os.environ["LETTERS_DIR"]) if os.environ.get("LETTERS_DIR") else None,
        metadata={"help": "folder of letters (PDF, DOCX, TXT/MD, HTML) to ingest"},
    )
    embedding_model: str = field(
        default_factory=_default_model_dir,
        metadata={"help": "sentence-transformers model name or folder (built offline by `make setup`)"},
    )
    max_chunk_tokens: int = field(default=400, metadata={"help": "largest chunk, in tiktoken cl100k tokens"})
    top_k: int = field(default=5, metadata={"help": "hits returned by search and cited by ask"})
    rrf_k: int = field(default=60, metadata={"help": "reciprocal-rank-fusion constant"})
    dense_weight: float = field(default=1.0, metadata={"help": "weight of the dense ranking in fusion"})
    bm25_weight: float = field(default=1.0, metadata={"help": "weight of the BM25 ranking in fusion"})
    exact_index_max: int = field(
        default=200_000, metadata={"help": "above this many chunks an approximate (HNSW) index is used"}
    )
    min_relevance: float = field(
        default=0.80, metadata={"help": "cosine similarity under which a topic answer counts as not found"}
    )
    min_bm25: float = field(
        default=6.0, metadata={"help": "BM25 score under which a bm25-only answer counts as not found"}
    )
    # Coverage: does a question name something the letters speak of? Tuned on the gold set's negatives.
    cover_unknown_word_dense: float = field(
        default=0.90, metadata={"help": "cosine a Norwegian question with a word the letters never use needs"}
    )
    cover_min_overlap: float = field(
        default=0.34, metadata={"help": "share of a Norwegian question's terms the top hits must hold ..."}
    )
    cover_low_overlap_dense: float = field(
        default=0.88, metadata={"help": "... unless the cosine reaches this"}
    )
    cover_en_absent_dense: float = field(
        default=0.90, metadata={"help": "cosine an English question needs when the glossary's Norwegian for its "
                                        "words is absent from the letters"}
    )
    cover_en_unknown_dense: float = field(
        default=0.86, metadata={"help": "cosine an English question in words the letters never use needs"}
    )
    llm_model: str | None = field(
        default_factory=lambda: os.environ.get("LETTERS_LLM_MODEL") or None,
        metadata={"help": "optional chat model for phrasing answers ('openai:NAME' or 'ollama:NAME')"},
    )
    llm_base_url: str | None = field(
        default_factory=lambda: os.environ.get("LETTERS_LLM_BASE_URL") or None,
        metadata={"help": "base URL of the OpenAI-compatible or Ollama endpoint"},
    )
    max_upload_mb: int = field(default=20, metadata={"help": "largest letter accepted by the UI upload"})
    # The ingest's own bounds, for every file however it arrived: a 50 MB letter-like text once took
    # 412 s and 4 GB and held the build lock. The largest real letter is 150 kB with 156 assignments.
    max_letter_mb: int = field(
        default_factory=lambda: _env_int("LETTERS_MAX_LETTER_MB", 20),
        metadata={"help": "largest letter file ingested, in MB", "env": "LETTERS_MAX_LETTER_MB"},
    )
    max_letter_chars: int = field(
        default_factory=lambda: _env_int("LETTERS_MAX_LETTER_CHARS", 3_000_000),
        metadata={"help": "most characters of text read from one letter (a small PDF can hold much text)",
                  "env": "LETTERS_MAX_LETTER_CHARS"},
    )
    max_assignments_per_letter: int = field(
        default_factory=lambda: _env_int("LETTERS_MAX_ASSIGNMENTS", 1000),
        metadata={"help": "most assignments one letter may hold", "env": "LETTERS_MAX_ASSIGNMENTS"},
    )

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` applied; unknown keys are rejected with the allowed ones named."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s) {unknown}; allowed: {sorted(known)}")
        clean = {k: v for k, v in changes.items() if v is not None}
        for k in ("index_dir", "letters_dir"):
            if k in clean:
                clean[k] = Path(clean[k])
        return dataclasses.replace(self, **clean)

    @classmethod
    def describe(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") + (f" (env {f.metadata['env']})" if "env" in f.metadata else "")
                for f in dataclasses.fields(cls)}

    @classmethod
    def how_to_raise(cls, name: str) -> str:
        """'raise the setting max_letter_mb or the environment variable LETTERS_MAX_LETTER_MB' for a limit's message."""
        env = next(f.metadata.get("env") for f in dataclasses.fields(cls) if f.name == name)
        return f"raise the setting {name}" + (f" or the environment variable {env}" if env else "")
