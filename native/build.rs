fn main() {
    // Only the Node addon needs napi's link arguments; `cargo test` builds the plain rlib.
    if std::env::var_os("CARGO_FEATURE_NAPI").is_some() {
        napi_build::setup();
    }
}
