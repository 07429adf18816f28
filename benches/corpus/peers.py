#!/usr/bin/env python3
"""The `ferrotok corpus` job done by its Python peers, for the corpus benchmark.

    peers.py make-input --out docs.jsonl [--parquet docs.parquet] [--max-mb 8] [--edge-cases]
    peers.py datatrove --input docs.jsonl|docs.parquet|DIR --tokenizer tokenizer.json --out DIR
                       [--workers N] [--append-eos] [--eos-token S] [--no-special-tokens] ...
    peers.py megatron  --input docs.jsonl --tokenizer tokenizer.json --out DIR
                       [--workers N] [--append-eos] [--eos-token S] [--no-special-tokens] ...

Each run prints one JSON line: {"peer", "seconds", "bytes", "documents", "tokens", "out", ...}.
`seconds` is the wall time of the job itself (process start, tokenizer load, read, encode, write);
`bytes` is the UTF-8 size of the text fields read, `documents` and `tokens` what the output holds
(read back from its index), `out` the output shard prefixes.

datatrove: datatrove's own pipeline, JsonlReader or ParquetReader -> DocumentTokenizer, run by
  LocalPipelineExecutor with tasks = workers = N. Its readers hand whole files to tasks, so a
  single input file is first cut into N files of consecutive lines (untimed, reported as
  "presplit"). The tokenizer is the local tokenizer.json (datatrove's load_tokenizer calls
  Tokenizer.from_file for a path that is a file; nothing reaches the Hub). Needs tokenizers 0.x:
  datatrove imports tokenizers.processors, which tokenizers 1.0.0rc3 does not have.
megatron: the logic of Megatron-LM tools/preprocess_data.py (Encoder.encode, Partition.
  process_json_file): a multiprocessing.Pool of N workers over the JSONL lines, the main process
  writing with megatron-core's IndexedDatasetBuilder (needs torch) or, when that does not import
  or with --writer numpy, a numpy writer of the same .bin/.idx bytes. Encoding is Hugging Face
  `tokenizers` Tokenizer.from_file(...).encode_batch(...) on batches of lines, in place of
  Megatron's per-line HuggingFaceTokenizer.tokenize (the same ids: see --no-special-tokens).
  Output names follow preprocess_data: <out>/<prefix>_<field>_document.{bin,idx}.

Both give each worker one thread (RAYON_NUM_THREADS=1, TOKENIZERS_PARALLELISM=false) unless
--threads-per-worker says otherwise, so N workers use N cores.
"""
import argparse
import glob
import json
import multiprocessing
import os
import shutil
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------
# tokenizer.json facts shared by both peers (read from the files, as the libraries do)

def load_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read())


def vocab_with_added(tokenizer_json):
    """token -> id for the model vocabulary plus added tokens: what tokenizers' get_vocab(True)
    holds and what transformers' len(tokenizer) counts."""
    model = tokenizer_json["model"]
    vocab = model.get("vocab", {})
    if isinstance(vocab, list):  # Unigram: [[piece, score], ...]
        vocab = {piece: i for i, (piece, _score) in enumerate(vocab)}
    vocab = dict(vocab)
    for t in tokenizer_json.get("added_tokens", []):
        vocab[t["content"]] = t["id"]
    return vocab


def config_token(value):
    if isinstance(value, dict):  # older tokenizer_config.json: {"content": ..., ...}
        return value.get("content")
    return value


def default_eos_token(tokenizer_path):
    """The EOS text as Megatron's HuggingFaceTokenizer resolves it from tokenizer_config.json:
    eos_token, else sep_token (megatron/core/tokenizers/text/libraries/huggingface_tokenizer.py)."""
    cfg_path = os.path.join(os.path.dirname(tokenizer_path), "tokenizer_config.json")
    if not os.path.exists(cfg_path):
        return None
    cfg = load_json(cfg_path)
    return config_token(cfg.get("eos_token")) or config_token(cfg.get("sep_token"))


def set_threads(threads):
    if threads:
        os.environ["RAYON_NUM_THREADS"] = str(threads)
        os.environ["RAYON_RS_NUM_CPUS"] = str(threads)
        if threads == 1:
            os.environ["TOKENIZERS_PARALLELISM"] = "false"


def text_bytes_jsonl(paths, field):
    total = docs = 0
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    text = json.loads(line).get(field) or ""
                    total += len(text.encode("utf-8"))
                    docs += 1
    return total, docs


def text_bytes_parquet(paths, field):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    total = docs = 0
    for path in paths:
        col = pq.read_table(path, columns=[field]).column(field)
        total += int(pc.sum(pc.binary_length(col.cast("binary"))).as_py() or 0)
        docs += len(col)
    return total, docs


def input_files(spec):
    if os.path.isdir(spec):
        files = sorted(glob.glob(os.path.join(spec, "*.jsonl")) + glob.glob(os.path.join(spec, "*.parquet")))
    else:
        files = [spec]
    if not files:
        sys.exit(f"peers.py: no .jsonl or .parquet files in {spec}")
    kinds = {os.path.splitext(f)[1] for f in files}
    if len(kinds) != 1 or not kinds <= {".jsonl", ".parquet"}:
        sys.exit(f"peers.py: input must be all .jsonl or all .parquet, got {sorted(kinds)}")
    return files, kinds.pop()


# ---------------------------------------------------------------------------------------------
# make-input: documents cut from shared/corpus

def cmd_make_input(args):
    corpus = args.corpus or os.path.join(HERE, "..", "..", "..", "shared", "corpus")
    sources = ["en_prose.txt", "code.txt", "multilingual.txt", "emoji.txt"]
    budget = int(args.max_mb * 1024 * 1024)
    docs = []
    if args.edge_cases:
        docs += [
            "",                      # empty: datatrove's readers skip it, Megatron keeps it (no sequence)
            " ",                     # whitespace only
            "\n\n",
            "a",
            "\u00e9t\u00e9 \U0001F600 \u4f60\u597d",
            "text with <|endoftext|> and [SEP] and <|end_of_text|> inside",
        ]
    lines_per_doc = args.lines_per_doc
    per_source = budget // len(sources)
    for name in sources:
        with open(os.path.join(corpus, name), encoding="utf-8") as f:
            lines = f.read().split("\n")
        used = 0
        for i in range(0, len(lines), lines_per_doc):
            text = "\n".join(lines[i:i + lines_per_doc])
            if not text.strip() and not args.edge_cases:
                continue
            docs.append(text)
            used += len(text.encode("utf-8"))
            if used >= per_source:
                break
    if args.long:
        for path in sorted(glob.glob(os.path.join(corpus, "long", "*.txt"))):
            with open(path, encoding="utf-8") as f:
                docs.append(f.read())
    with open(args.out, "w", encoding="utf-8") as f:
        for i, text in enumerate(docs):
            f.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n")
    if args.parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"id": [str(i) for i in range(len(docs))], "text": docs}), args.parquet)
    total = sum(len(t.encode("utf-8")) for t in docs)
    print(json.dumps({"out": args.out, "parquet": args.parquet, "documents": len(docs), "bytes": total}))


# ---------------------------------------------------------------------------------------------
# datatrove

def split_jsonl(path, n, dest):
    """Cuts one JSONL file into n files of consecutive lines, so each of n tasks reads one."""
    with open(path, "rb") as f:
        lines = f.readlines()
    os.makedirs(dest, exist_ok=True)
    per = -(-len(lines) // n)
    out = []
    for r in range(n):
        p = os.path.join(dest, f"part_{r:05d}.jsonl")
        with open(p, "wb") as f:
            f.writelines(lines[r * per:(r + 1) * per])
        out.append(p)
    return out


def split_parquet(path, n, dest):
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    os.makedirs(dest, exist_ok=True)
    per = -(-table.num_rows // n)
    out = []
    for r in range(n):
        p = os.path.join(dest, f"part_{r:05d}.parquet")
        pq.write_table(table.slice(r * per, per), p)
        out.append(p)
    return out


def cmd_datatrove(args):
    set_threads(args.threads_per_worker)
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader, ParquetReader
    from datatrove.pipeline.tokens import DocumentTokenizer
    from datatrove.pipeline.tokens.merger import load_doc_ends
    import datatrove
    import tokenizers

    files, kind = input_files(args.input)
    os.makedirs(args.out, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="peer-datatrove-", dir=args.out)
    presplit = None
    if len(files) < args.workers:
        if len(files) != 1:
            sys.exit("peers.py: give one input file or at least --workers files")
        split = split_jsonl if kind == ".jsonl" else split_parquet
        files = split(files[0], args.workers, os.path.join(scratch, "input"))
        presplit = len(files)
    count = text_bytes_jsonl if kind == ".jsonl" else text_bytes_parquet
    nbytes, _lines = count(files, args.field)

    folder = os.path.dirname(os.path.abspath(files[0]))
    names = [os.path.basename(f) for f in files]
    if len({os.path.dirname(os.path.abspath(f)) for f in files}) != 1:
        sys.exit("peers.py: input files must share one folder")
    pattern = names[0] if len(names) == 1 else ("*" + kind)
    if kind == ".jsonl":
        reader = JsonlReader(folder, glob_pattern=pattern, text_key=args.field, compression=None)
    else:
        reader = ParquetReader(folder, glob_pattern=pattern, text_key=args.field)

    eos = None
    if args.append_eos:
        eos = args.eos_token or default_eos_token(args.tokenizer)
        if not eos:
            sys.exit("peers.py: --append-eos needs --eos-token (no tokenizer_config.json eos/sep)")
    step = DocumentTokenizer(
        output_folder=args.out,
        tokenizer_name_or_path=os.path.abspath(args.tokenizer),
        save_filename=args.prefix,
        eos_token=eos,
        shuffle_documents=args.shuffle,
        batch_size=args.batch_size,
        seed=0,
    )
    special = "tokenizer post-processor"
    if eos:
        special = "replaced by $A <EOS> (datatrove's eos_token)"
    elif args.no_special_tokens:
        from tokenizers.processors import TemplateProcessing

        # PipelineStepWithTokenizer.tokenizer installs self.post_processor when set
        step.post_processor = TemplateProcessing(single="$A", pair=None, special_tokens=[])
        special = "none ($A)"

    executor = LocalPipelineExecutor(
        pipeline=[reader, step],
        tasks=args.workers,
        workers=args.workers,
        logging_dir=os.path.join(scratch, "logs"),
        skip_completed=False,
    )
    t0 = time.perf_counter()
    executor.run()
    seconds = time.perf_counter() - t0

    shards = sorted(glob.glob(os.path.join(args.out, "*.ds")))
    documents = tokens = 0
    for ds in shards:
        ends = load_doc_ends(open(ds + ".index", "rb"))
        documents += len(ends)
        tokens += int(ends[-1]) if len(ends) else 0
    if not args.keep_scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({
        "peer": "datatrove",
        "seconds": round(seconds, 4),
        "bytes": nbytes,
        "documents": documents,
        "tokens": tokens,
        "out": [ds[: -len(".ds")] for ds in shards],
        "workers": args.workers,
        "input": kind[1:],
        "presplit": presplit,
        "eos_token": eos,
        "special_tokens": special,
        "shuffle": args.shuffle,
        "versions": {"datatrove": datatrove.__version__ if hasattr(datatrove, "__version__") else _dist("datatrove"),
                     "tokenizers": tokenizers.__version__},
    }))


def _dist(name):
    import importlib.metadata as md

    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


# ---------------------------------------------------------------------------------------------
# megatron

class NumpyIndexedDatasetBuilder:
    """The .bin/.idx bytes of megatron-core's IndexedDatasetBuilder (add_document / finalize,
    megatron/core/datasets/indexed_dataset.py), for when megatron-core does not import."""

    def __init__(self, bin_path, dtype):
        import numpy as np

        self.np = np
        self.data_file = open(bin_path, "wb")
        self.dtype = dtype
        self.sequence_lengths = []
        self.document_indices = [0]

    def add_document(self, tokens, lengths):
        arr = self.np.array(tokens, dtype=self.dtype)
        self.data_file.write(arr.tobytes(order="C"))
        self.sequence_lengths.extend(lengths)
        self.document_indices.append(len(self.sequence_lengths))

    def finalize(self, idx_path):
        np = self.np
        self.data_file.close()
        code = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}[np.dtype(self.dtype)]
        lengths = np.array(self.sequence_lengths, dtype=np.int32)
        pointers = np.zeros(len(lengths), dtype=np.int64)
        if len(lengths):
            pointers[1:] = np.cumsum(lengths[:-1].astype(np.int64)) * np.dtype(self.dtype).itemsize
        with open(idx_path, "wb") as f:
            f.write(b"MMIDIDX\x00\x00")
            f.write(struct.pack("<Q", 1))
            f.write(struct.pack("<B", code))
            f.write(struct.pack("<Q", len(lengths)))
            f.write(struct.pack("<Q", len(self.document_indices)))
            f.write(lengths.tobytes(order="C"))
            f.write(pointers.tobytes(order="C"))
            f.write(np.array(self.document_indices, dtype=np.int64).tobytes(order="C"))


def optimal_dtype(vocab_size):
    # megatron-core DType.optimal_dtype: uint16 when cardinality < 65500, else int32
    import numpy as np

    return np.uint16 if vocab_size is not None and vocab_size < 65500 else np.int32


class Encoder:
    """preprocess_data.Encoder, on a batch of lines: a document's ids are its text's ids if any,
    then EOD when --append-eod and the document is not empty."""

    def __init__(self, tokenizer_path, field, append_eod, eod, add_special_tokens):
        self.tokenizer_path = tokenizer_path
        self.field = field
        self.append_eod = append_eod
        self.eod = eod
        self.add_special_tokens = add_special_tokens

    def initializer(self):
        from tokenizers import Tokenizer

        Encoder.tokenizer = Tokenizer.from_file(self.tokenizer_path)

    def encode_batch(self, lines):
        texts, shapes = [], []
        for line in lines:
            text = json.loads(line)[self.field]
            sentences = text if isinstance(text, list) else [text]
            texts.extend(sentences)
            shapes.append(len(sentences))
        encoded = Encoder.tokenizer.encode_batch(texts, add_special_tokens=self.add_special_tokens)
        out, k, nbytes = [], 0, 0
        for n, line in zip(shapes, lines):
            doc_ids, sentence_lens = [], []
            for enc in encoded[k:k + n]:
                ids = enc.ids
                if len(ids) > 0:
                    doc_ids.extend(ids)
                    sentence_lens.append(len(ids))
            k += n
            if len(doc_ids) > 0 and self.append_eod:
                doc_ids.append(self.eod)
                sentence_lens[-1] += 1
            out.append((doc_ids, sentence_lens))
            nbytes += len(line)
        return out, nbytes


def batched_lines(path, size):
    batch = []
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            batch.append(line)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def cmd_megatron(args):
    set_threads(args.threads_per_worker)
    import tokenizers

    files, kind = input_files(args.input)
    if kind != ".jsonl" or len(files) != 1:
        sys.exit("peers.py: Megatron's preprocess_data reads one JSONL file (--input docs.jsonl)")
    path = files[0]
    nbytes, _ = text_bytes_jsonl(files, args.field)
    os.makedirs(args.out, exist_ok=True)
    prefix = os.path.join(args.out, f"{args.prefix}_{args.field}_document")

    writer = args.writer
    if writer in ("auto", "megatron"):
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from megatron.core.datasets.indexed_dataset import IndexedDatasetBuilder
            writer = "megatron"
        except Exception as e:  # torch or megatron-core missing
            if args.writer == "megatron":
                sys.exit(f"peers.py: megatron-core's IndexedDatasetBuilder does not import: {e}")
            writer = "numpy"

    t0 = time.perf_counter()
    tok_json = load_json(args.tokenizer)  # what AutoTokenizer would read; part of the job's start
    vocab = vocab_with_added(tok_json)
    vocab_size = len(vocab)  # HuggingFaceTokenizer.vocab_size = len(AutoTokenizer) (with added tokens)
    eod = None
    eos_text = args.eos_token or default_eos_token(args.tokenizer)
    if eos_text is not None:
        eod = vocab.get(eos_text)
    if args.append_eos and eod is None:
        sys.exit("peers.py: --append-eos needs an EOS token in the vocabulary (--eos-token)")
    dtype = optimal_dtype(vocab_size)
    if writer == "megatron":
        builder = IndexedDatasetBuilder(prefix + ".bin", dtype=dtype)
    else:
        builder = NumpyIndexedDatasetBuilder(prefix + ".bin", dtype)

    encoder = Encoder(os.path.abspath(args.tokenizer), args.field, args.append_eos, eod,
                      not args.no_special_tokens)
    documents = tokens = 0
    with multiprocessing.Pool(args.workers, initializer=encoder.initializer) as pool:
        for batch, _ in pool.imap(encoder.encode_batch, batched_lines(path, args.batch_size), 1):
            for doc_ids, sentence_lens in batch:
                builder.add_document(doc_ids, sentence_lens)
                documents += 1
                tokens += len(doc_ids)
    builder.finalize(prefix + ".idx")
    seconds = time.perf_counter() - t0

    import numpy as np

    print(json.dumps({
        "peer": "megatron",
        "seconds": round(seconds, 4),
        "bytes": nbytes,
        "documents": documents,
        "tokens": tokens,
        "out": [prefix],
        "workers": args.workers,
        "input": "jsonl",
        "writer": "megatron-core IndexedDatasetBuilder" if writer == "megatron" else "numpy (same format)",
        "dtype": np.dtype(dtype).name,
        "vocab_size": vocab_size,
        "eod": eod if args.append_eos else None,
        "eos_token": eos_text if args.append_eos else None,
        "add_special_tokens": not args.no_special_tokens,
        "versions": {"tokenizers": tokenizers.__version__, "megatron-core": _dist("megatron-core"),
                     "torch": _dist("torch") if writer == "megatron" else None},
    }))


# ---------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    m = sub.add_parser("make-input", help="write a JSONL (and Parquet) of documents cut from shared/corpus")
    m.add_argument("--out", required=True)
    m.add_argument("--parquet")
    m.add_argument("--corpus", help="default: ../shared/corpus beside the repo")
    m.add_argument("--max-mb", type=float, default=8.0, help="about this many MB of text from the short files")
    m.add_argument("--lines-per-doc", type=int, default=40)
    m.add_argument("--long", action="store_true", help="add corpus/long/*.txt as one document each")
    m.add_argument("--edge-cases", action="store_true", help="add empty, whitespace and special-token-text documents")
    m.set_defaults(fn=cmd_make_input)

    for name, fn in (("datatrove", cmd_datatrove), ("megatron", cmd_megatron)):
        s = sub.add_parser(name)
        s.add_argument("--input", required=True, help="a .jsonl or .parquet file, or a folder of them")
        s.add_argument("--tokenizer", required=True, help="a local tokenizer.json")
        s.add_argument("--out", required=True, help="output folder")
        s.add_argument("--prefix", default="corpus")
        s.add_argument("--field", default="text")
        s.add_argument("--workers", type=int, default=1)
        s.add_argument("--threads-per-worker", type=int, default=1, help="0: leave the tokenizer's own threading")
        s.add_argument("--append-eos", action="store_true")
        s.add_argument("--eos-token", help="EOS text; default: tokenizer_config.json eos_token, else sep_token")
        s.add_argument("--no-special-tokens", action="store_true",
                       help="no post-processor tokens (Megatron: --tokenizer-hf-no-include-special-tokens)")
        if name == "datatrove":
            s.add_argument("--batch-size", type=int, default=10000, help="DocumentTokenizer batch_size (its default)")
            s.add_argument("--shuffle", action="store_true", help="DocumentTokenizer shuffle_documents (its default is True)")
            s.add_argument("--keep-scratch", action="store_true")
        else:
            s.add_argument("--batch-size", type=int, default=1000, help="lines per encode_batch call")
            s.add_argument("--writer", choices=["auto", "megatron", "numpy"], default="auto")
        s.set_defaults(fn=fn)

    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
