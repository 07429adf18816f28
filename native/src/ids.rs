//! Where an ids walk puts its ids: every ids call (`encode_ids`, counts, batches of ids, the
//! budget calls, the per-call hot path) runs the one walk, `Engine::ids`, into a sink.
//!
//! A walk may have to start over on another engine after pushing some ids (a fast path that
//! hands an input back), so a sink can be cut back to an earlier length.

use std::ops::ControlFlow;

pub trait IdSink {
    /// Takes one id; `Break` ends the walk early (a count past its limit).
    fn push(&mut self, id: u32) -> ControlFlow<()>;
    /// Ids taken so far.
    fn len(&self) -> usize;
    /// Whether no id was taken yet.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Forgets the ids after the first `len`.
    fn truncate(&mut self, len: usize);
    /// Whether the walk may stop early: then a long text is not split for the thread pool,
    /// which would tokenize all of it.
    fn stops_early(&self) -> bool {
        false
    }

    fn push_all(&mut self, ids: &[u32]) -> ControlFlow<()> {
        ids.iter().try_for_each(|&id| self.push(id))
    }
}

impl IdSink for Vec<u32> {
    #[inline]
    fn push(&mut self, id: u32) -> ControlFlow<()> {
        Vec::push(self, id);
        ControlFlow::Continue(())
    }

    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }

    fn push_all(&mut self, ids: &[u32]) -> ControlFlow<()> {
        self.extend_from_slice(ids);
        ControlFlow::Continue(())
    }
}

/// Counts ids, stopping once past `limit` (the count is then some number above it).
pub struct Counter {
    pub n: usize,
    pub limit: usize,
}

impl IdSink for Counter {
    #[inline]
    fn push(&mut self, _: u32) -> ControlFlow<()> {
        self.n += 1;
        if self.n > self.limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn len(&self) -> usize {
        self.n
    }

    fn truncate(&mut self, len: usize) {
        self.n = len;
    }

    fn stops_early(&self) -> bool {
        self.limit != usize::MAX
    }
}

/// Ids written into a caller's buffer, moving to a vector once they outgrow it: a short
/// prompt's ids go straight into the array JS reads, with no vector between (napi/hot.rs).
pub struct Buffer<'a> {
    out: &'a mut [u32],
    n: usize,
    spill: Option<Vec<u32>>,
}

impl<'a> Buffer<'a> {
    pub fn new(out: &'a mut [u32]) -> Self {
        Buffer { out, n: 0, spill: None }
    }

    /// The buffer is full: its ids and `id` move to a vector, which takes every id after.
    #[cold]
    #[inline(never)]
    fn spill_with(&mut self, id: u32) {
        let mut ids = Vec::with_capacity(self.n * 2 + 16);
        ids.extend_from_slice(&self.out[..self.n]);
        ids.push(id);
        self.spill = Some(ids);
    }

    /// `Ok(n)`: the n ids are in the buffer; `Err(ids)`: they did not fit, here they all are.
    pub fn finish(self) -> std::result::Result<usize, Vec<u32>> {
        match self.spill {
            None => Ok(self.n),
            Some(ids) => Err(ids),
        }
    }
}

impl IdSink for Buffer<'_> {
    // Inlined into the walk: as a call it was 5% of a long document's encodeIds (perf).
    #[inline(always)]
    fn push(&mut self, id: u32) -> ControlFlow<()> {
        match &mut self.spill {
            Some(ids) => ids.push(id),
            None if self.n < self.out.len() => self.out[self.n] = id,
            None => self.spill_with(id),
        }
        self.n += 1;
        ControlFlow::Continue(())
    }

    fn len(&self) -> usize {
        self.n
    }

    fn truncate(&mut self, len: usize) {
        self.n = len.min(self.n);
        if let Some(ids) = &mut self.spill {
            ids.truncate(self.n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_fits_spills_and_truncates() {
        let mut out = [0u32; 3];
        let mut b = Buffer::new(&mut out);
        let _ = b.push_all(&[1, 2]);
        b.truncate(1);
        let _ = b.push_all(&[7, 8, 9, 10]);
        assert_eq!(b.len(), 5);
        b.truncate(4);
        assert_eq!(b.finish(), Err(vec![1, 7, 8, 9]));
        let mut b = Buffer::new(&mut out);
        let _ = b.push_all(&[4, 5, 6]);
        assert_eq!(b.finish(), Ok(3));
        assert_eq!(out, [4, 5, 6]);
    }

    #[test]
    fn counter_breaks_past_its_limit() {
        let mut c = Counter { n: 0, limit: 2 };
        assert!(c.push_all(&[1, 2]).is_continue());
        assert!(c.push(3).is_break());
        assert!(c.stops_early());
        assert!(!Counter { n: 0, limit: usize::MAX }.stops_early());
    }
}
