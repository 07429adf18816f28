//! Loops the engine on one input, for profilers (perf, callgrind):
//!   cargo run --release --no-default-features --example profile_count -- <tokenizer.json> <text file> [iterations] [encode|lean|ids|lines|encode-lines]
use ferrotok_native::{load, EncodeOptions, Input};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = load::from_path(std::path::Path::new(&args[1])).expect("tokenizer loads");
    let text = std::fs::read_to_string(&args[2]).expect("text file");
    let iterations: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mode = args.get(4).map_or("", String::as_str);
    let encode = mode.starts_with("encode");
    let opts = EncodeOptions { elide_token_strings: true, ..Default::default() };
    // "lines", "encode-lines": each line of the file is one input (the batch workload,
    // single-threaded).
    let lines: Vec<&str> = if mode.ends_with("lines") { text.lines().collect() } else { vec![text.as_str()] };
    // Each iteration timed alone; the minimum is the least disturbed on a shared machine.
    let mut times = Vec::with_capacity(iterations);
    let mut total = 0;
    for _ in 0..iterations {
        let started = Instant::now();
        for line in &lines {
            total += if encode {
                engine.encode(Input::from(*line), &opts).map(|e| e.len()).unwrap_or(0)
            } else if mode == "lean" {
                engine.encode_lean(line, &opts).ok().flatten().map_or(0, |e| e.len())
            } else if mode == "ids" {
                engine.encode_ids(line, &Default::default()).map_or(0, |ids| ids.len())
            } else {
                engine.count(line, true).unwrap_or(0)
            };
        }
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let (min, median) = (times[0], times[times.len() / 2]);
    println!(
        "{} tokens/iter, min {:.2} us/iter ({:.1} MB/s), median {:.1} MB/s, fast path: {:?}",
        total / iterations,
        min * 1e6,
        text.len() as f64 / min / 1e6,
        text.len() as f64 / median / 1e6,
        engine.fast_path()
    );
}
