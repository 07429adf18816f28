#!/usr/bin/env python3
"""Reads one corpus shard with the reader of the library that defines its format, and prints
one JSON line per document: that document's token ids as a list.

    read_corpus.py --format megatron  --prefix OUT/corpus_00000   # OUT/corpus_00000.{bin,idx}
    read_corpus.py --format datatrove --prefix OUT/corpus_00000   # OUT/corpus_00000.ds{,.index,.metadata}
    read_corpus.py --format npy       --prefix OUT/corpus_00000   # OUT/corpus_00000.{ids,offsets}.npy
    read_corpus.py ... --info        # one JSON object instead: dtype, documents, tokens, ...
    read_corpus.py --format F --prefix A B C   # several shards: their documents in that order

Readers (no format is parsed here by hand):
  megatron   megatron.core.datasets.indexed_dataset.IndexedDataset (megatron-core; it imports
             torch, so this needs a real torch). A document is the concatenation of its
             sequences, document_indices[d] .. document_indices[d+1]. A 0-byte .bin is read
             with mmap=False (its default mmap=True cannot map an empty file).
  datatrove  --reader merger (default): datatrove.pipeline.tokens.merger.load_doc_ends and
             get_data_reader, what DocumentTokenizerMerger reads shards with (no torch).
             --reader dataset: datatrove.utils.dataset.DatatroveFileDataset, the training-time
             reader (needs torch), asked for one window spanning the whole file, then cut at
             the .ds.index document ends. The token size (2 or 4 bytes) comes from the first
             line of .ds.metadata (`name|size`, parsed as the merger parses it), else --token-size.
  npy        numpy.load of <prefix>.ids.npy and <prefix>.offsets.npy (offsets: uint64,
             documents + 1 entries, starting at 0, ending at len(ids)).

Exit status 0 when the shard reads and is self-consistent; 1 with a message on stderr otherwise.
"""
import argparse
import json
import os
import sys


def fail(msg):
    print(f"read_corpus: {msg}", file=sys.stderr)
    sys.exit(1)


def read_megatron(prefix, args):
    import warnings

    import numpy as np

    with warnings.catch_warnings():
        # megatron.core's import and IndexedDataset warn about Transformer Engine, Apex,
        # absl and torch.distributed being absent; none of them is used to read a shard.
        warnings.simplefilter("ignore")
        from megatron.core.datasets.indexed_dataset import IndexedDataset

        # IndexedDataset(mmap=True), its default, numpy.memmap()s the .bin, which raises
        # "cannot mmap an empty file" for a 0-byte .bin (no tokens at all): read those unmapped.
        mmap = not args.no_mmap and os.path.getsize(prefix + ".bin") > 0
        ds = IndexedDataset(prefix, mmap=mmap)
    doc_idx = ds.document_indices
    info = {
        "format": "megatron",
        "dtype": np.dtype(ds.index.dtype).name,
        "dtype_code": {np.uint16: 8, np.int32: 4}.get(ds.index.dtype),
        "sequences": int(len(ds)),
        "documents": int(len(doc_idx) - 1),
        "mmap": mmap,
    }

    def docs():
        for d in range(len(doc_idx) - 1):
            parts = [ds[int(s)] for s in range(int(doc_idx[d]), int(doc_idx[d + 1]))]
            yield np.concatenate(parts) if parts else np.zeros(0, dtype=ds.index.dtype)

    return info, docs


def datatrove_token_size(prefix, override):
    meta = prefix + ".ds.metadata"
    if override:
        return override, None
    if not os.path.exists(meta):
        fail(f"{meta} is missing; pass --token-size 2|4")
    with open(meta, "rt") as f:
        lines = f.read().splitlines()
    # DocumentTokenizerMerger.run: name, size = first_line.split("|"); size = int(size)
    name, size = lines[0].split("|")
    return int(size), {"metadata_lines": lines, "tokenizer": name}


def read_datatrove(prefix, args):
    import numpy as np
    from datatrove.pipeline.tokens.merger import get_data_reader, load_doc_ends

    token_size, meta = datatrove_token_size(prefix, args.token_size)
    if token_size not in (2, 4):
        fail(f"token size {token_size} is neither 2 nor 4")
    dtype = np.dtype("<u2" if token_size == 2 else "<u4")
    ds_path, index_path = prefix + ".ds", prefix + ".ds.index"
    doc_ends = load_doc_ends(open(index_path, "rb"))  # noqa: SIM115 (it closes the file)
    n_tokens = int(doc_ends[-1]) if len(doc_ends) else 0
    size = os.path.getsize(ds_path)
    if size != n_tokens * token_size:
        fail(f"{ds_path} has {size} bytes; the index ends at {n_tokens} tokens of {token_size} bytes")
    if len(doc_ends) and (np.diff(doc_ends) < 0).any():
        fail(f"{index_path}: document ends decrease")
    info = {"format": "datatrove", "dtype": dtype.name, "token_size": token_size,
            "documents": int(len(doc_ends)), "reader": args.reader}
    if meta:
        info.update(meta)

    if args.reader == "merger":
        def docs():
            for raw in get_data_reader(open(ds_path, "rb"), doc_ends, nb_bytes=token_size):  # noqa: SIM115
                yield np.frombuffer(raw, dtype=dtype)
        return info, docs

    try:
        from datatrove.utils.dataset import DatatroveFileDataset  # imports torch at its top
    except ImportError as e:
        fail(f"--reader dataset: datatrove.utils.dataset does not import ({e}); it needs torch")
    if n_tokens >= 1:
        # one window of seq_len + 1 tokens = the whole file
        window = DatatroveFileDataset(ds_path, seq_len=n_tokens - 1, token_size=token_size)
        if len(window) != 1:
            fail(f"DatatroveFileDataset saw {len(window)} windows, not 1")
        stream = window[0]["input_ids"].numpy()
    else:
        stream = np.zeros(0, dtype=np.int64)

    def docs():
        start = 0
        for end in doc_ends:
            yield stream[start:int(end)]
            start = int(end)

    return info, docs


def read_npy(prefix, args):
    import numpy as np

    ids = np.load(prefix + ".ids.npy", mmap_mode=None if args.no_mmap else "r")
    offsets = np.load(prefix + ".offsets.npy")
    if ids.ndim != 1 or ids.dtype not in (np.dtype("<u2"), np.dtype("<u4")):
        fail(f"ids.npy: want a 1-D uint16 or uint32 array, got {ids.dtype} with shape {ids.shape}")
    if offsets.ndim != 1 or offsets.dtype != np.dtype("<u8"):
        fail(f"offsets.npy: want a 1-D uint64 array, got {offsets.dtype} with shape {offsets.shape}")
    if len(offsets) < 1 or offsets[0] != 0 or int(offsets[-1]) != len(ids) or (np.diff(offsets.astype(np.int64)) < 0).any():
        fail("offsets.npy must start at 0, never decrease and end at len(ids)")
    info = {"format": "npy", "dtype": ids.dtype.name, "documents": int(len(offsets) - 1)}

    def docs():
        for d in range(len(offsets) - 1):
            yield ids[int(offsets[d]):int(offsets[d + 1])]

    return info, docs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--format", required=True, choices=["megatron", "datatrove", "npy"])
    p.add_argument("--prefix", required=True, nargs="+",
                   help="shard path(s) without extensions, e.g. OUT/corpus_00000 (several: read in order)")
    p.add_argument("--info", action="store_true", help="print one JSON summary object instead of the documents")
    p.add_argument("--reader", choices=["merger", "dataset"], default="merger",
                   help="datatrove only: merger (no torch) or dataset (DatatroveFileDataset, needs torch)")
    p.add_argument("--token-size", type=int, choices=[2, 4], help="datatrove only: override .ds.metadata")
    p.add_argument("--no-mmap", action="store_true", help="read files instead of memory-mapping them")
    args = p.parse_args()

    reader = {"megatron": read_megatron, "datatrove": read_datatrove, "npy": read_npy}[args.format]
    out = sys.stdout
    for prefix in args.prefix:
        for ext in (".ds", ".bin", ".idx", ".ids.npy", ".offsets.npy"):
            prefix = prefix.removesuffix(ext)
        info, docs = reader(prefix, args)
        if args.info:
            tokens = empty = 0
            for ids in docs():
                tokens += len(ids)
                empty += len(ids) == 0
            info.update(prefix=prefix, tokens=tokens, empty_documents=empty)
            out.write(json.dumps(info) + "\n")
            continue
        for ids in docs():
            out.write(json.dumps(ids.tolist(), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
