//! The tensor kernels (../tensor.rs) for JS: Float32Array in, Float32Array out.

use super::error::run;
use crate::tensor;
use napi::bindgen_prelude::Float32Array;
use napi_derive::napi;

#[napi(catch_unwind)]
pub fn mean_pool(hidden: &[f32], mask: &[u32], batch: u32, seq: u32, dim: u32) -> napi::Result<Float32Array> {
    run(|| tensor::mean_pool(hidden, mask, batch as usize, seq as usize, dim as usize).map(Float32Array::from))
}

/// Returns normalised copies: the caller's buffer (often onnxruntime's output) is not touched.
#[napi(catch_unwind)]
pub fn l2_normalize(vectors: &[f32], rows: u32, dim: u32) -> napi::Result<Float32Array> {
    run(|| {
        let mut v = vectors.to_vec();
        tensor::l2_normalize(&mut v, rows as usize, dim as usize)?;
        Ok(Float32Array::from(v))
    })
}

#[napi(catch_unwind)]
pub fn dot_many(query: &[f32], matrix: &[f32], rows: u32, dim: u32) -> napi::Result<Float32Array> {
    run(|| tensor::dot_many(query, matrix, rows as usize, dim as usize).map(Float32Array::from))
}

#[napi(catch_unwind)]
pub fn cosine_similarity(a: &[f32], b: &[f32]) -> napi::Result<f64> {
    run(|| tensor::cosine(a, b).map(f64::from))
}
