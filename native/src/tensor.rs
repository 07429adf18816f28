//! Kernels over model output buffers: mean pooling with an attention mask, L2
//! normalisation, and dot/cosine similarity — what sentence-embedding pipelines do after
//! the ONNX model runs. They take flat row-major buffers (what onnxruntime returns) and
//! their dims, so JS hands over a Float32Array without reshaping.
//!
//! Accumulation is in f64: summing a few hundred f32 token vectors in f32 loses digits that
//! Python's reference (numpy/torch in float32, but pairwise) keeps; f64 stays within 1e-7.

use crate::error::{Error, Result};

/// `hidden`: [batch, seq, dim]; `mask`: [batch, seq] (0/1). Returns [batch, dim]: the mean of
/// the vectors whose mask is 1 (a row with no such token pools to zeros, as torch's
/// `clamp(min=1e-9)` divisor gives).
pub fn mean_pool(hidden: &[f32], mask: &[u32], batch: usize, seq: usize, dim: usize) -> Result<Vec<f32>> {
    check_len("hidden", hidden.len(), batch * seq * dim)?;
    check_len("mask", mask.len(), batch * seq)?;
    let mut out = vec![0f32; batch * dim];
    let mut acc = vec![0f64; dim];
    for b in 0..batch {
        acc.iter_mut().for_each(|a| *a = 0.0);
        let mut n = 0u64;
        for s in 0..seq {
            if mask[b * seq + s] == 0 {
                continue;
            }
            n += 1;
            let row = &hidden[(b * seq + s) * dim..(b * seq + s + 1) * dim];
            acc.iter_mut().zip(row).for_each(|(a, &x)| *a += x as f64);
        }
        let denom = (n as f64).max(1e-9);
        out[b * dim..(b + 1) * dim].iter_mut().zip(&acc).for_each(|(o, a)| *o = (a / denom) as f32);
    }
    Ok(out)
}

/// Scales each of the `rows` vectors of `dim` to unit length in place (zero vectors stay
/// zero: the divisor is clamped at 1e-12, as torch's `F.normalize` does).
pub fn l2_normalize(v: &mut [f32], rows: usize, dim: usize) -> Result<()> {
    check_len("vectors", v.len(), rows * dim)?;
    for row in v.chunks_exact_mut(dim.max(1)).take(rows) {
        let norm = row.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>().sqrt().max(1e-12);
        row.iter_mut().for_each(|x| *x = (*x as f64 / norm) as f32);
    }
    Ok(())
}

/// Dot products of one query vector against `rows` vectors of the same `dim`.
pub fn dot_many(query: &[f32], matrix: &[f32], rows: usize, dim: usize) -> Result<Vec<f32>> {
    check_len("query", query.len(), dim)?;
    check_len("matrix", matrix.len(), rows * dim)?;
    Ok(matrix
        .chunks_exact(dim.max(1))
        .take(rows)
        .map(|row| row.iter().zip(query).map(|(&a, &b)| a as f64 * b as f64).sum::<f64>() as f32)
        .collect())
}

/// Cosine similarity of two vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> Result<f32> {
    check_len("b", b.len(), a.len())?;
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        dot += x as f64 * y as f64;
        na += x as f64 * x as f64;
        nb += y as f64 * y as f64;
    }
    let denom = (na.sqrt() * nb.sqrt()).max(1e-12);
    Ok((dot / denom) as f32)
}

fn check_len(what: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!("{what} has {got} elements but the dims say {want}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_pool_ignores_masked_tokens() {
        // batch 2, seq 3, dim 2
        let hidden = [1.0, 2.0, 3.0, 4.0, 100.0, 100.0, 5.0, 5.0, 7.0, 9.0, 0.0, 0.0];
        let mask = [1, 1, 0, 0, 1, 0];
        assert_eq!(mean_pool(&hidden, &mask, 2, 3, 2).unwrap(), vec![2.0, 3.0, 7.0, 9.0]);
    }

    #[test]
    fn a_fully_masked_row_pools_to_zero() {
        assert_eq!(mean_pool(&[1.0, 1.0], &[0], 1, 1, 2).unwrap(), vec![0.0, 0.0]);
    }

    #[test]
    fn normalize_then_dot_is_cosine() {
        let mut v = vec![3.0, 4.0, 1.0, 0.0];
        l2_normalize(&mut v, 2, 2).unwrap();
        assert_eq!(v, vec![0.6, 0.8, 1.0, 0.0]);
        let d = dot_many(&[0.6, 0.8], &v, 2, 2).unwrap();
        assert!((d[0] - 1.0).abs() < 1e-6 && (d[1] - 0.6).abs() < 1e-6);
        assert!((cosine(&[3.0, 4.0], &[6.0, 8.0]).unwrap() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn wrong_dims_are_an_error_not_a_panic() {
        assert!(mean_pool(&[1.0], &[1], 1, 1, 2).is_err());
        assert!(l2_normalize(&mut [1.0], 1, 2).is_err());
        assert!(dot_many(&[1.0], &[1.0, 2.0], 1, 2).is_err());
    }
}
