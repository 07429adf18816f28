//! The phases of a BPE load, run one after another on this thread and timed apart (the real
//! load resolves the merges on a second thread beside the others: `load.rs`); pin it to one
//! CPU for one-CPU numbers:
//!   cargo run --release --no-default-features --example load_phases -- <tokenizer.json> [rounds]
//! Each round parses the file again; the first round is the cold one.
use ferrotok_native::fast::resolve::merge_table;
use ferrotok_native::fast::FastPath;
use ferrotok_native::spec::{self, ModelSpec, TokenIds};
use ferrotok_native::vocab::model::ModelVocab;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("tokenizer.json reads");
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    for round in 0..rounds {
        let mut phases = Phases::start();
        let Some((components, ModelSpec::Bpe(mut model))) = spec::read_model(&bytes) else {
            panic!("not a BPE tokenizer.json this engine reads without the crate");
        };
        phases.done("parse");
        let list = model.take_merges().expect("a merge list");
        let ids = TokenIds::new(&model.vocab);
        phases.done("vocabulary ids");
        let table = merge_table(list, ids).expect("every merge resolves");
        phases.done("merges resolved");
        let vocab = ModelVocab::new(&model.vocab).expect("model vocabulary");
        phases.done("model vocabulary");
        let shell = components.shell(&vocab).expect("shell tokenizer");
        phases.done("shell");
        let fast = FastPath::build(&shell, &model, move || Some(table), vocab).expect("a fast path");
        phases.done("fast path");
        drop(model);
        phases.done("drop the parsed file");
        println!("round {round}: {}", phases.times.join(", "));
        drop((fast, shell));
    }
}

struct Phases {
    at: Instant,
    times: Vec<String>,
}

impl Phases {
    fn start() -> Self {
        Phases { at: Instant::now(), times: Vec::new() }
    }

    fn done(&mut self, name: &str) {
        let now = Instant::now();
        self.times.push(format!("{name} {:.1} ms", (now - self.at).as_secs_f64() * 1e3));
        self.at = now;
    }
}
