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
