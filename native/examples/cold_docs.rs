//! The first (cold) pass over text no cache has seen, per document, right after load:
//!   cargo run --release --no-default-features --example cold_docs -- <tokenizer.json> [how] [docs dir]
//! how: `prepare` runs `Engine::prepare` first, `all` also `prepare_idle`, `thread` runs both
//! on a thread as the Node binding does after load (`thread-first`: only `prepare` there); by default the pass builds every table it
//! needs itself. Documents: the five the JS
//! benchmark runs, from ../shared/corpus/long unless a folder is given.
//! `count` splits a text of 32 KiB or more over rayon's pool: for the benchmark's one-thread
//! row, run it as `RAYON_NUM_THREADS=1 taskset -c 0 …` (unpinned, the pass uses both CPUs).
use ferrotok_native::load;
use std::time::Instant;

const DOCS: [&str; 5] = ["ar_fa_he_gettext", "code_ts_py_mix", "en_licenses", "ja_man", "zh_man"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(3).map_or("../shared/corpus/long", String::as_str);
    let texts: Vec<String> =
        DOCS.iter().map(|d| std::fs::read_to_string(format!("{dir}/{d}.txt")).expect("document")).collect();
    let started = Instant::now();
    let engine = load::from_path(std::path::Path::new(&args[1])).expect("tokenizer loads");
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let engine = std::sync::Arc::new(engine);
    match args.get(2).map(String::as_str) {
        Some("prepare") => engine.prepare(),
        Some("all") => {
            engine.prepare();
            engine.prepare_idle();
        }
        // What the Node binding does: a thread that builds the first tables, then the rest
        // at idle priority.
        Some("thread") => {
            let target = engine.clone();
            std::thread::spawn(move || ferrotok_native::idle::prepare(&target));
        }
        // The binding's first step alone: the tables a first call needs, without the idle proof.
        Some("thread-first") => {
            let target = engine.clone();
            std::thread::spawn(move || target.prepare());
        }
        _ => {}
    }
    let prepare_ms = started.elapsed().as_secs_f64() * 1e3;
    let _ = engine.count("The quick brown fox jumps over the lazy dog; then a few more words for a prompt.", false);
    let mut line = format!("load {load_ms:.1} ms, prepare {prepare_ms:.1} ms | MB/s");
    let (mut bytes, mut secs) = (0, 0.0);
    for (name, text) in DOCS.iter().zip(&texts) {
        let started = Instant::now();
        std::hint::black_box(engine.count(text, false).expect("counts"));
        let s = started.elapsed().as_secs_f64();
        bytes += text.len();
        secs += s;
        line += &format!(" {name} {:.1}", text.len() as f64 / s / 1e6);
    }
    println!("{line} | all {:.1}", bytes as f64 / secs / 1e6);
}
