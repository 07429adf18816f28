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
