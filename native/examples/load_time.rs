//! Load time of a tokenizer.json, best of N loads in one process (the first is reported
//! apart, cold): cargo run --release --no-default-features --example load_time -- <json> [N]
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(&args[1]);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut times = vec![];
    for _ in 0..n {
        let started = Instant::now();
        let engine = ferrotok_native::load::from_path(path).expect("tokenizer loads");
        times.push(started.elapsed().as_secs_f64() * 1e3);
        assert!(engine.fast_path().is_some() || std::env::var_os("FERROTOK_NO_FAST").is_some());
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    println!("load: first {first:.1} ms, best {:.1} ms, median {:.1} ms", times[0], times[times.len() / 2]);
}
