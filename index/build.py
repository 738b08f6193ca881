"""Build or incrementally update the index from a letters folder, atomically, one generation at a time.

Layout of the index folder:

    index_dir/CURRENT             names the generation being served (switched with os.replace)
    index_dir/gen-<time>-<pid>/   registry.sqlite, vectors.faiss, bm25/, chunks.jsonl, meta.json
    index_dir/embeddings.sqlite   vectors by (model, chunk text hash), shared by every generation
    index_dir/.lock               flock held by the one ingest allowed at a time

A build copies the current generation's registry and store, applies the changes (new, changed
and removed files), writes everything into a hidden `.tmp-gen-*` folder, fsyncs it, renames it
to `gen-*` and only then points CURRENT at it. A reader resolves CURRENT once and loads one
complete generation, so it never sees a half-written index, and a build killed at any point
leaves the previous generation serving (its leftover `.tmp-gen-*` is removed by the next build).

Why our own registry instead of LangChain's `index()` with a `SQLRecordManager`: the record
manager tracks documents (chunks) in one live vector store and deletes/updates it in place.
We need (1) per-file state, including failed files with their reason that are not retried
until their hash changes, which the record manager has no notion of; (2) an all-or-nothing
switch across FAISS, BM25, the chunk table and the parsed-letter registry, where in-place
updates of a live store would let a crash leave them out of step; (3) BM25 and the exact-ID
map, which are not LangChain vector stores. Skipping unchanged text, the record manager's
main gift, we get from the content-addressed EmbeddingCache instead, across generations.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.chunks import chunk_letter
from index.embed import EmbeddingCache, TextEmbedder, embed_with_cache
from index.records import Chunk
from index.store import META_FILE, Store, assignment_infos, fsync_dir, fsync_tree
from ingest import SUFFIXES, read_letter
from ingest.errors import IndexBusyError, IndexMissingError, LetterReadError, LettersError
from ingest.records import Letter
from ingest.registry import Registry
from ingest.report import parse_report
from ingest.settings import Settings

CURRENT = "CURRENT"
GEN_PREFIX = "gen-"
TMP_PREFIX = ".tmp-gen-"
LOCK_FILE = ".lock"
REGISTRY_FILE = "registry.sqlite"
EMBED_CACHE_FILE = "embeddings.sqlite"
KEEP_GENERATIONS = 2  # the new one and the one before it (a reader may still be loading it)
from ingest.parse import PARSER_VERSION  # noqa: E402

CHUNKER_VERSION = 1  # bump when chunking changes, so the next ingest re-chunks every letter
EMBED_BATCH = 128  # chunks per embedding call between progress reports

Progress = Callable[[str, int, int], None]


# --- generations -------------------------------------------------------------------------------------


def current_generation(index_dir: Path) -> Path:
    """The generation folder CURRENT names; IndexMissingError when there is no usable index."""
    index_dir = Path(index_dir)
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        raise IndexMissingError(f"no index in {index_dir}: run `letters ingest --letters DIR`") from None
    except OSError as exc:
        raise IndexMissingError(f"cannot read {index_dir / CURRENT} ({exc.strerror}): "
                                "run `letters ingest --letters DIR`") from exc
    gen = index_dir / name
    if not name.startswith(GEN_PREFIX) or "/" in name or not gen.is_dir():
        raise IndexMissingError(f"the index in {index_dir} names a generation {name!r} that is missing: "
                                "run `letters ingest --letters DIR` to rebuild it")
    return gen


def _current_or_none(index_dir: Path) -> Path | None:
    try:
        return current_generation(index_dir)
    except IndexMissingError:
        return None


def _new_generation_name() -> str:
    # Microseconds keep two builds of one process in one second apart; names sort by time.
    return f"{GEN_PREFIX}{dt.datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}"


def _switch_current(index_dir: Path, gen: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(gen.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)
    fsync_dir(index_dir)


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Delete leftovers of killed builds and generations older than the last KEEP_GENERATIONS."""
    for p in index_dir.iterdir():
        stale_gen = p.name.startswith(GEN_PREFIX) and p.name not in keep
        if p.is_dir() and (stale_gen or p.name.startswith(TMP_PREFIX)):
            shutil.rmtree(p, ignore_errors=True)


# --- the lock ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def index_lock(index_dir: Path, timeout: float = 0.0) -> Iterator[None]:
    """Hold index_dir/.lock; wait up to `timeout` seconds, then raise IndexBusyError."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                    raise IndexBusyError(
                        f"another `letters ingest` (pid {holder}) is updating the index in {index_dir}; "
                        f"waited {timeout:g} s. Wait for it to finish, or pass a longer lock timeout"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


# --- scanning ----------------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def letter_files(letters_dir: Path) -> list[Path]:
    """Every candidate letter in the folder (not recursive); see `scan_folder` for what is left out."""
    return scan_folder(letters_dir)[0]


def scan_folder(letters_dir: Path) -> tuple[list[Path], list[dict[str, str]]]:
    """The candidate letters in the folder (not recursive), and every other entry with why it is skipped
    ({file, reason}). Hidden files (an upload being written) and Office lock files are passed over quietly."""
    if not letters_dir.is_dir():
        raise LettersError(f"the letters folder {letters_dir} does not exist or is not a folder")
    root = letters_dir.resolve()
    files, skipped = [], []
    for p in sorted(letters_dir.iterdir()):
        if p.name.startswith((".", "~$")):
            continue
        reason = _skip_reason(p, root)
        if reason:
            skipped.append({"file": p.name, "reason": reason})
        else:
            files.append(p)
    return files, skipped


def _skip_reason(p: Path, root: Path) -> str | None:
    """Why a folder entry is not read as a letter, or None. A link is followed only to a file inside the
    letters folder: a link to /etc/passwd must not put that file's text into the index."""
    if p.is_symlink():
        try:
            target = p.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a broken link (what it points to does not exist)"
        if not target.is_relative_to(root):
            return "a link to a file outside the letters folder; links are not followed out of it (copy the file in)"
    if p.is_dir():
        return "a sub-folder; letters in sub-folders are not read (move them into the letters folder itself)"
    if not p.is_file():
        return "not a regular file (a pipe, socket or device)"
    return None


def embed_key(chunk: Chunk) -> str:
    """Cache key of what is embedded (header + text), so a changed header is embedded afresh."""
    return hashlib.sha256(chunk.embed_text.encode("utf-8")).hexdigest()[:32]


@dataclass
class _Report:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # folder entries not read, with why
    new_failures: list[str] = field(default_factory=list)  # read (and failed) in this run

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.new_failures)

    def to_json(self, counts: dict[str, int], chunks: int, seconds: float, embedded: int,
                reports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
            "failed": self.failed, "skipped": self.skipped,
            "letters": counts.get("letters", 0), "assignments": counts.get("assignments", 0), "chunks": chunks,
            "changes": counts.get("changes", 0),
            "seconds": round(seconds, 3), "embedded": embedded,
            "report": reports or [],
        }


def _read(path: Path, settings: Settings) -> Letter:
    """Parse one file within the settings' limits; every failure becomes a LetterReadError so one bad
    file cannot stop the build."""
    if path.suffix.lower() not in SUFFIXES:
        raise LetterReadError(path.name, f"unsupported file type '{path.suffix or '(none)'}'; "
                                         f"use one of {', '.join(SUFFIXES)}")
    try:
        letter = read_letter(path, settings)
    except LetterReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - a reader bug is this file's failure, not the build's
        raise LetterReadError(path.name, f"could not read the letter ({exc.__class__.__name__}: {exc})") from exc
    return letter if letter.file == path.name else replace(letter, file=path.name)


# --- the build ---------------------------------------------------------------------------------------


def ingest_folder(letters_dir: Path, settings: Settings, embedder: TextEmbedder | None = None,
                  progress: Progress | None = None, lock_timeout: float = 0.0) -> dict[str, Any]:
    """Bring the index in settings.index_dir up to date with `letters_dir`; returns the `letters ingest` JSON."""
    start = time.monotonic()
    letters_dir = Path(letters_dir)
    files, skipped = scan_folder(letters_dir)
    index_dir = Path(settings.index_dir)
    with index_lock(index_dir, lock_timeout):
        return _Build(index_dir, settings, embedder, progress or _no_progress).run(files, start, skipped)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class _Build:
    def __init__(self, index_dir: Path, settings: Settings, embedder: TextEmbedder | None, progress: Progress):
        self.index_dir = index_dir
        self.settings = settings
        self._embedder = embedder
        self.progress = progress
        self.chunker = {"version": CHUNKER_VERSION, "max_tokens": settings.max_chunk_tokens}

    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            from index.embed import Embedder

            self._embedder = Embedder(self.settings.embedding_model)
        return self._embedder

    def run(self, files: list[Path], start: float, skipped: list[dict[str, str]] | None = None) -> dict[str, Any]:
        prev = _current_or_none(self.index_dir)
        _prune(self.index_dir, keep={prev.name} if prev else set())  # a killed build's leftovers
        tmp = self.index_dir / (TMP_PREFIX + _new_generation_name()[len(GEN_PREFIX):])
        tmp.mkdir(parents=True)
        try:
            registry = self._open_registry(prev, tmp)
            try:
                report = self._apply_files(registry, registry.files(), files)
                report.skipped = list(skipped or [])
                counts = registry.counts()
                reports = [parse_report(letter).to_json() for letter in registry.letters()]
                previous = self._previous_store(prev)
                if previous is not None and not report.changed:
                    shutil.rmtree(tmp)  # nothing to do: keep serving the current generation
                    return report.to_json(counts, len(previous.chunks), time.monotonic() - start, 0, reports)
                store, embedded = self._update_store(previous, registry, report, tmp)
            finally:
                registry.close()
            gen = self._publish(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _prune(self.index_dir, keep={gen.name} | ({prev.name} if prev else set()))
        return report.to_json(counts, len(store.chunks), time.monotonic() - start, embedded, reports)

    def _open_registry(self, prev: Path | None, tmp: Path) -> Registry:
        dst = tmp / REGISTRY_FILE
        if prev is not None and (prev / REGISTRY_FILE).is_file():
            try:
                Registry.copy(prev / REGISTRY_FILE, dst)
            except Exception:  # noqa: BLE001 - a damaged registry means a fresh start, not a failed ingest
                dst.unlink(missing_ok=True)
        return Registry(dst)

    def _compatible(self, meta: dict[str, Any]) -> bool:
        """Can the previous store be updated in place: same chunker and same embedding model?"""
        return meta.get("extra", {}).get("chunker") == self.chunker and meta.get("model_id") == self.embedder.model_id

    def _previous_store(self, prev: Path | None) -> Store | None:
        """The previous generation's store, when it loads and fits this build; else None (rebuild)."""
        meta = _meta(prev)
        if prev is None or meta is None or not self._compatible(meta):
            return None
        try:
            store = Store.load(prev)
        except IndexMissingError:
            return None  # a damaged generation is rebuilt from the registry
        store.exact_index_max = self.settings.exact_index_max  # finalize() switches flat/HNSW to fit
        return store

    def _update_store(self, store: Store | None, registry: Registry, report: _Report,
                      tmp: Path) -> tuple[Store, int]:
        """Apply the report to the store (or build a new one), save it into `tmp`; returns it and the count embedded."""
        if store is None:
            store = Store(self.embedder.dim, self.embedder.model_id, self.settings.exact_index_max)
            letters = registry.letters()  # every letter chunked again; the cache spares re-embedding
        else:
            for name in report.removed + report.updated + report.new_failures:
                store.remove_letter(name)
            letters = [x for x in (registry.letter(f) for f in report.added + report.updated) if x is not None]
        chunks = [c for letter in letters for c in chunk_letter(letter, self.settings.max_chunk_tokens)]
        embedded = self._embed_into(store, chunks)
        for letter in letters:
            store.add_assignments(assignment_infos(letter))
        store.extra = {"chunker": self.chunker,
                       "built_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        self.progress("save", 0, 1)
        store.save(tmp)
        self.progress("save", 1, 1)
        return store, embedded

    def _apply_files(self, registry: Registry, known: dict[str, tuple[str, str, str | None]],
                     files: list[Path]) -> _Report:
        """Classify every file and parse the new and changed ones into the registry."""
        report = _Report()
        present = {p.name for p in files}
        for name in sorted(set(known) - present):
            registry.remove_file(name)
            report.removed.append(name)
        for i, path in enumerate(files):
            self.progress("parse", i, len(files))
            sha = f"{file_sha256(path)}+parser{PARSER_VERSION}"  # a parser change re-parses every letter
            old = known.get(path.name)
            if old is not None and old[0] == sha:
                if old[1] == "ok":
                    report.unchanged.append(path.name)
                else:  # failed before with this very content: not retried until the file changes
                    report.failed.append({"file": path.name, "error": old[2] or "could not be read"})
                continue
            try:
                letter = _read(path, self.settings)
            except LetterReadError as exc:
                registry.remove_letter(path.name)  # a good letter replaced by a bad file leaves the index
                registry.put_file(path.name, sha, "failed", exc.reason)
                report.failed.append({"file": path.name, "error": exc.reason})
                report.new_failures.append(path.name)
                continue
            registry.put_letter(letter)
            registry.put_file(path.name, sha, "ok", None)
            (report.updated if old is not None and old[1] == "ok" else report.added).append(path.name)
        self.progress("parse", len(files), len(files))
        return report

    def _embed_into(self, store: Store, chunks: list[Chunk]) -> int:
        """Add chunks to the store with their vectors; only text the cache has not seen is embedded."""
        embedded = 0
        with EmbeddingCache(self.index_dir / EMBED_CACHE_FILE) as cache:
            self.progress("embed", 0, len(chunks))
            for lo in range(0, len(chunks), EMBED_BATCH):
                batch = chunks[lo : lo + EMBED_BATCH]
                matrix, n = embed_with_cache(self.embedder, cache, [(embed_key(c), c.embed_text) for c in batch])
                store.add(batch, np.asarray(matrix, dtype="float32"))
                embedded += n
                self.progress("embed", lo + len(batch), len(chunks))
        return embedded

    def _publish(self, tmp: Path) -> Path:
        """fsync the finished generation, give it its final name, then point CURRENT at it."""
        fsync_tree(tmp)
        gen = self.index_dir / (GEN_PREFIX + tmp.name[len(TMP_PREFIX):])
        os.rename(tmp, gen)
        fsync_dir(self.index_dir)
        _switch_current(self.index_dir, gen)
        return gen


def _meta(gen: Path | None) -> dict[str, Any] | None:
    if gen is None:
        return None
    try:
        meta = json.loads((gen / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and "chunks" in meta else None
