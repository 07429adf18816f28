//! Helpers for the unit tests.

/// A xorshift generator for the randomized tests (deterministic: a failure reproduces).
pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// A path under the shared data folder beside the repository (`../shared`).
pub fn shared(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(rel)
}

/// Every long document of the shared corpus (`corpus/long/*.txt`), in name order.
pub fn long_docs() -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(shared("corpus/long")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// Texts of `units` in random order, `rounds` of them: most up to 40 units long, every
/// fourth up to 300, so they cross 64-byte block edges often and several blocks sometimes.
pub fn random_mixes(seed: u64, units: &[&str], rounds: usize, mut f: impl FnMut(&str)) {
    let mut next = xorshift(seed);
    for round in 0..rounds {
        let len = (next() % if round % 4 == 0 { 300 } else { 40 }) as usize;
        let text: String = (0..len).map(|_| units[(next() % units.len() as u64) as usize]).collect();
        f(&text);
    }
}

/// `unit` repeated `n` times for every `n` of `counts`, alone and inside every frame
/// (text before, text after): runs that end just before, on and just after block edges.
pub fn runs_in_frames(units: &[&str], counts: &[usize], frames: &[(&str, &str)], mut f: impl FnMut(&str)) {
    for unit in units {
        for &n in counts {
            for (pre, post) in frames {
                f(&format!("{pre}{}{post}", unit.repeat(n)));
            }
        }
    }
}

/// The shared corpus's five mixed files (`corpus/*.txt`), each whole.
pub fn corpus_files(mut f: impl FnMut(&str)) {
    for name in ["en_prose.txt", "code.txt", "multilingual.txt", "emoji.txt", "prompts.txt"] {
        let text = std::fs::read_to_string(shared("corpus").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        f(&text);
    }
}
