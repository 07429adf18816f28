"""One benchmark process for a Python peer: `python3 benches/lib/child.py <job.json>`.

The same protocol, groups and workloads as child.mjs (which documents them): `@@{json}` lines on
stdout, a `part` per workload, `ready`, a `case` per hostile input, then `done`. Python peers are native references: they
show what the Rust engines do without a JS boundary, measured from Python's side of its own.
"""
import gc
import importlib.util
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from digest import Digest, counts_digest, ids_digest, text_digest  # noqa: E402

BENCHES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def now_ms():
    return time.perf_counter_ns() / 1e6


def emit(obj):
    sys.stdout.write("@@" + json.dumps(obj) + "\n")
    sys.stdout.flush()


def summarize(samples):
    s = sorted(samples)
    m = len(s) // 2
    med = s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2
    return {"n": len(s), "minMs": s[0], "medianMs": med, "samplesMs": samples}


def percentile(xs, p):
    s = sorted(xs)
    rank = max(0, min(len(s) - 1, -(-p * len(s) // 100) - 1))
    return s[int(rank)]


def repeat(fn, reps, min_reps, budget_ms, warmup=1):
    out = None
    for _ in range(warmup):
        out = fn()
    samples = []
    start = now_ms()
    while len(samples) < reps:
        t = now_ms()
        out = fn()
        samples.append(now_ms() - t)
        if len(samples) >= min_reps and now_ms() - start > budget_ms:
            break
    return summarize(samples), out


def load_adapter(name):
    path = os.path.join(BENCHES, "peers", name.replace("-", "_") + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Child:
    def __init__(self, job):
        self.job = job
        self.mode = job["mode"]
        with open(os.path.join(job["inputsDir"], "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)

    def opts(self):
        return dict(reps=self.mode["reps"], min_reps=self.mode["minReps"], budget_ms=self.mode["repBudgetMs"])

    def want(self, w):
        return not self.job.get("workloads") or w in self.job["workloads"]

    def part(self, key, value):
        emit({"type": "part", "key": key, "value": value})

    def run(self):
        t0 = now_ms()
        self.adapter = load_adapter(self.job["peer"])
        import_ms = now_ms() - t0
        t1 = now_ms()
        self.peer = self.adapter.load(self.job["tokenizer"])
        first_load_ms = now_ms() - t1
        t2 = now_ms()
        first = self.peer.encode(self.manifest["prompt100"])
        first_encode_ms = now_ms() - t2
        self.part("memory", {"maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "rssBytes": current_rss()})
        self.part("load", {"importMs": import_ms, "firstLoadMs": first_load_ms, "firstEncodeMs": first_encode_ms, "firstTokens": len(first)})
        getattr(self, "group_" + self.job["group"])()
        emit({"type": "done"})

    def group_main(self):
        if self.want("docs"):
            self.part("docsCold", self.cold_docs())
        if self.want("load"):
            reloads = []
            for _ in range(self.mode["reloads"]):
                t = now_ms()
                self.adapter.load(self.job["tokenizer"])
                reloads.append(now_ms() - t)
            self.part("reloads", reloads)
        gc.collect()
        if not self.job.get("skipAgreement"):
            self.part("check", self.agreement())
        if self.want("docs"):
            docs, ids = self.encode_docs()
            self.part("docs", docs)
        elif self.want("decode"):  # decode still needs the documents' ids
            ids = [self.peer.encode(read_text(d["path"])) for d in self.manifest["docs"]]
        if self.want("latency"):
            self.part("latency", self.latency())
        if self.want("count"):
            self.part("count", self.count_prompts())
        if self.want("decode"):
            self.part("decode", self.decode_docs(ids))
        if self.want("batch"):
            self.group_batch()
        if self.want("unique"):
            self.part("unique", self.unique_lines())
        if self.want("hostile"):
            self.group_hostile()

    def agreement(self):
        """Hashes of every agreement sample; compared locally with ferrotok's (see child.mjs)."""
        with open(self.manifest["samples"]["path"], encoding="utf-8") as f:
            samples = json.load(f)
        count = getattr(self.peer, "count", None)
        own = {"encode": [], "decode": [], "tokens": [], "count": []}
        for s in samples:
            ids = self.peer.encode(s["text"])
            own["encode"].append(Digest().ids(ids).hex())
            own["tokens"].append(len(ids))
            own["decode"].append(Digest().text(self.peer.decode(ids)).hex() if len(ids) else "")
            if count:
                own["count"].append(count(s["text"]))
        if not self.job.get("reference"):
            return {"samples": len(samples), "own": own}
        with open(self.job["reference"], encoding="utf-8") as f:
            ref = json.load(f)

        def differ(pred):
            names = [s["name"] for i, s in enumerate(samples) if pred(i)]
            return {"n": len(names), "first": names[:8]}

        return {
            "samples": len(samples),
            "encode": differ(lambda i: own["encode"][i] != ref["encode"][i]),
            "decode": differ(lambda i: own["decode"][i] != ref["decode"][i]),
            "count": differ(lambda i: own["count"][i] != ref["tokens"][i]) if count else None,
        }

    def cold_docs(self):
        """Each document's first encode in this process (see child.mjs coldDocs)."""
        per_doc, ids = [], []
        for d in self.manifest["docs"]:
            text = read_text(d["path"])
            t = now_ms()
            ids.append(self.peer.encode(text))
            per_doc.append({"name": d["name"], "bytes": d["bytes"], "ms": now_ms() - t})
        return {"ms": sum(d["ms"] for d in per_doc), "bytes": sum(d["bytes"] for d in self.manifest["docs"]),
                "tokens": sum(len(i) for i in ids), "digest": ids_digest(ids), "perDoc": per_doc}

    def encode_docs(self):
        docs = [read_text(d["path"]) for d in self.manifest["docs"]]
        # no untimed warm-up pass: the cold pass encoded every document, the agreement pass their starts
        per_doc = [[] for _ in docs]
        enc = self.peer.encode

        def one_pass():
            out = []
            for k, d in enumerate(docs):
                t = now_ms()
                out.append(enc(d))
                per_doc[k].append(now_ms() - t)
            return out

        timing, ids = repeat(one_pass, warmup=0, **self.opts())
        summary = []
        for k, d in enumerate(self.manifest["docs"]):
            s = summarize(per_doc[k][-self.mode["reps"]:])
            summary.append({"name": d["name"], "bytes": d["bytes"], "minMs": s["minMs"], "medianMs": s["medianMs"]})
        row = dict(timing, bytes=sum(d["bytes"] for d in self.manifest["docs"]),
                   tokens=sum(len(i) for i in ids), digest=ids_digest(ids), perDoc=summary)
        return row, ids

    def latency(self):
        pool = [(str(i % 10) + self.manifest["prompt100"])[1:] for i in range(64)]
        enc = self.peer.encode
        for i in range(200):
            enc(pool[i & 63])
        calls, us = self.mode["latencyCalls"], []
        deadline = now_ms() + self.mode["latencyBudgetMs"]
        clock = time.perf_counter_ns
        for n in range(calls):
            if n >= 100 and now_ms() > deadline:
                break
            text = pool[n & 63]
            t = clock()
            enc(text)
            us.append((clock() - t) / 1e3)
        overhead = []
        for _ in range(2000):
            t = clock()
            overhead.append((clock() - t) / 1e3)
        return {"calls": len(us), "p50Us": percentile(us, 50), "p99Us": percentile(us, 99), "minUs": min(us),
                "bytes": len(self.manifest["prompt100"].encode()), "timerOverheadUs": percentile(overhead, 50)}

    def prompts(self):
        with open(self.manifest["prompts"]["path"], encoding="utf-8") as f:
            return json.load(f)

    def count_prompts(self):
        prompts = self.prompts()[: self.manifest["countPrompts"]["count"]]
        count = getattr(self.peer, "count", None) or (lambda t: len(self.peer.encode(t)))
        timing, out = repeat(lambda: [count(t) for t in prompts], **self.opts())
        return dict(timing, api="count" if hasattr(self.peer, "count") else "len(encode())",
                    bytes=self.manifest["countPrompts"]["bytes"], lines=len(prompts), tokens=sum(out), digest=counts_digest(out))

    def decode_docs(self, ids_list):
        timing, out = repeat(lambda: [self.peer.decode(i) for i in ids_list], **self.opts())
        return dict(timing, bytes=sum(len(s.encode("utf-8", "surrogatepass")) for s in out),
                    tokens=sum(len(i) for i in ids_list), digest=text_digest(out))

    def batch_modes(self):
        threads = self.job["threads"]
        return [(n, m) for n, m in self.peer.batch(threads).items() if threads == 1 or m["parallel"]]

    def group_batch(self):
        if not self.want("batch"):  # the batch group for (i) alone
            if self.job["group"] == "batch" and self.want("unique"):
                self.warm_up()
                self.part("unique", self.unique_lines())
            return
        prompts = self.prompts()
        threads = self.job["threads"]
        modes = self.batch_modes()
        if not modes and threads == 1:  # a library without a batch API is used in a loop
            modes.append(("loop", {"parallel": False, "run": lambda ts: [self.peer.encode(t) for t in ts]}))
        batch = {}
        for name, m in modes:
            warmup = 0 if self.job["group"] == "main" else 1  # main: the count pass warmed up
            timing, out = repeat(lambda: m["run"](prompts), warmup=warmup, **self.opts())
            batch[name] = dict(timing, parallel=m["parallel"], bytes=self.manifest["prompts"]["bytes"],
                               lines=len(prompts), tokens=sum(len(r) for r in out), digest=ids_digest(out))
            gc.collect()
        self.part("batch", batch)
        if self.job["group"] == "batch" and self.want("unique"):
            self.part("unique", self.unique_lines())

    def unique_lines(self):
        """(i) A different never-seen set of lines per repetition (see child.mjs uniqueLines)."""
        sets, reps, threads = self.manifest["unique"]["sets"], self.mode["reps"], self.job["threads"]

        def measure(first, run):
            samples, digests, used, tokens, lines = [], [], [], 0, 0
            start = now_ms()
            for i in range(first, first + reps):
                with open(sets[i]["path"], encoding="utf-8") as f:
                    texts = json.load(f)
                gc.collect()
                t = now_ms()
                out = run(texts)
                samples.append(now_ms() - t)
                digests.append(ids_digest(out))
                used.append(i)
                tokens += sum(len(r) for r in out)
                lines += len(texts)
                if len(samples) >= self.mode["minReps"] and now_ms() - start > self.mode["repBudgetMs"]:
                    break
            return dict(summarize(samples), sets=used, bytes=sum(sets[i]["bytes"] for i in used) / len(used),
                        lines=lines / len(used), tokens=tokens, digests=digests)

        out = {}
        if threads == 1:
            out["single"] = dict(measure(0, lambda ts: [self.peer.encode(t) for t in ts]), api="loop")
        modes = self.batch_modes()
        primary = next((x for x in modes if x[1].get("primary")), modes[0] if modes else None)
        if primary:
            name, m = primary
            out["batch"] = dict(measure(reps if threads == 1 else 0, m["run"]), api=name, parallel=m["parallel"])
        return out

    def warm_up(self):
        with open(self.manifest["samples"]["path"], encoding="utf-8") as f:
            for s in json.load(f)[:50]:
                self.peer.encode(s["text"])

    def group_hostile(self):
        wanted = set(self.job.get("cases") or [c["id"] for c in self.manifest["hostile"]])
        self.warm_up()
        emit({"type": "ready"})
        for c in self.manifest["hostile"]:
            if c["id"] not in wanted:
                continue
            texts = [read_text(p) for p in c["paths"][1:]]  # variant 0 was an agreement sample
            samples, first = [], None
            start = now_ms()
            for text in texts:
                t = now_ms()
                ids = self.peer.encode(text)
                samples.append(now_ms() - t)
                first = ids if first is None else first
                if now_ms() - start > self.mode["hostileBudgetMs"]:
                    break
            emit(dict(summarize(samples), type="case", id=c["id"], bytes=c["bytes"], tokens=len(first), digest=ids_digest([first])))


def read_text(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def current_rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        Child(json.load(f)).run()
