//! The BPE merge table, resolved at load by two threads (load.rs): the merge list's strings
//! become (pair key → (rank, merged id)), as the crate builds its table (`BPE::build`): rank
//! = position in the file, a later duplicate overwrites an earlier one; no table where the
//! crate would refuse the file (a merge of, or into, a token outside the vocabulary).
//!
//! The spawned thread builds the vocabulary's ids (`TokenIds`) and starts resolving; the
//! loading thread joins in once its own tables are built, each claiming chunks of merges
//! from a counter. On Llama 3 the loading thread used to wait ~20 ms for the merges.
//!
//! Two passes on purpose: resolving every merge first (three vocabulary probes each, into
//! flat vectors), then building the table, loads Llama 3 ~15 ms faster than inserting each
//! merge as it is resolved — the two big random-access structures then do not share the
//! caches. The list and the ids are freed before the table grows.

use super::bpe::Bpe;
use super::MergeTable;
use crate::hash::joined_short_key;
use crate::spec::token_ids::{Probe, AHEAD};
use crate::spec::{MergeList, TokenIds};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

/// Merges per claim: ~0.5 ms of work, small enough that neither thread waits long for the
/// other's last chunk.
const CHUNK: usize = 8192;

type Resolved = Vec<(u64, (u32, u32))>;

#[derive(Default)]
pub struct MergeResolver<'a> {
    /// The list and the vocabulary's ids, once `start` has them.
    inputs: RwLock<Option<(MergeList<'a>, TokenIds<'a>)>>,
    /// The next chunk to claim.
    next: AtomicUsize,
    /// Resolved chunks by index; None for a chunk with a merge the vocabulary lacks.
    parts: Mutex<Vec<(usize, Option<Resolved>)>>,
    /// How many chunks the list has (set by `start`).
    chunks: AtomicUsize,
}

impl<'a> MergeResolver<'a> {
    /// The list and the ids, then this thread's share of the work.
    pub fn start(&self, merges: MergeList<'a>, ids: TokenIds<'a>) {
        self.chunks.store(merges.len().div_ceil(CHUNK), Ordering::Release);
        *self.inputs.write().unwrap_or_else(|e| e.into_inner()) = Some((merges, ids));
        self.work();
    }

    /// Claims and resolves chunks until none is left; returns at once before `start`.
    pub fn work(&self) {
        let inputs = self.inputs.read().unwrap_or_else(|e| e.into_inner());
        let Some((merges, ids)) = inputs.as_ref() else { return };
        loop {
            let chunk = self.next.fetch_add(1, Ordering::Relaxed);
            let start = chunk * CHUNK;
            if start >= merges.len() {
                return;
            }
            let part = resolve(merges, ids, start..merges.len().min(start + CHUNK));
            self.parts.lock().unwrap_or_else(|e| e.into_inner()).push((chunk, part));
        }
    }

    /// The table, once every `work` has returned; None if a merge did not resolve, or `start`
    /// never ran, or a chunk is missing (a thread panicked).
    pub fn table(&self) -> Option<MergeTable> {
        drop(self.inputs.write().unwrap_or_else(|e| e.into_inner()).take()?);
        let mut parts = std::mem::take(&mut *self.parts.lock().unwrap_or_else(|e| e.into_inner()));
        if parts.len() != self.chunks.load(Ordering::Acquire) {
            return None;
        }
        parts.sort_unstable_by_key(|p| p.0);
        let mut table = MergeTable::default();
        table.reserve(parts.iter().map(|p| p.1.as_ref().map_or(0, Vec::len)).sum());
        for (_, part) in parts {
            table.extend(part?);
        }
        Some(table)
    }
}

/// Merges `ranks` as (pair key, (rank, merged id)); None if a side or the merged token is not
/// in the vocabulary. The three probes of a merge are asked for `AHEAD` merges before they
/// are read (token_ids.rs), so their cache misses overlap. A merged token of over 15 bytes is
/// joined then, into the ring slot's buffer, to be hashed and later compared.
fn resolve(merges: &MergeList, ids: &TokenIds, ranks: std::ops::Range<usize>) -> Option<Resolved> {
    let mut ahead = [[Probe::Short { key: 0, home: 0 }; 3]; AHEAD];
    let mut joined: [Vec<u8>; AHEAD] = Default::default();
    let mut out = Vec::with_capacity(ranks.len());
    for rank in ranks.start..ranks.end + AHEAD {
        let ring = rank % AHEAD;
        // The merge `AHEAD` back is read before its ring slot takes this one's probes.
        if let Some(back) = rank.checked_sub(AHEAD).filter(|&r| r >= ranks.start) {
            let [pa, pb, pm] = ahead[ring];
            let (a, b) = merges.pair(back)?;
            let (ia, ib) = (ids.find(&pa, || a)?, ids.find(&pb, || b)?);
            let im = ids.find(&pm, || &joined[ring])?;
            out.push((Bpe::pair_key(ia, ib), (back as u32, im)));
        }
        if rank < ranks.end {
            let (a, b) = merges.pair(rank)?;
            let (pa, pb) = (ids.probe(a), ids.probe(b));
            let short = match (pa, pb) {
                (Probe::Short { key: ka, .. }, Probe::Short { key: kb, .. }) => joined_short_key(ka, kb),
                _ => None,
            };
            let pm = match short {
                Some(key) => ids.probe_key(key),
                None => ids.probe(join(&mut joined[ring], a, b)),
            };
            let probes = [pa, pb, pm];
            probes.iter().for_each(|p| ids.prefetch(p));
            ahead[ring] = probes;
        }
    }
    Some(out)
}

/// `a` followed by `b`, in `buf`.
fn join<'b>(buf: &'b mut Vec<u8>, a: &[u8], b: &[u8]) -> &'b [u8] {
    buf.clear();
    buf.extend_from_slice(a);
    buf.extend_from_slice(b);
    buf
}

/// The table on this thread alone.
pub fn merge_table(merges: MergeList, ids: TokenIds) -> Option<MergeTable> {
    let resolver = MergeResolver::default();
    resolver.start(merges, ids);
    resolver.table()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// Two threads, chunks claimed in any order: the same table as one thread, and the
    /// crate's rule for a repeated merge (the later rank) across chunk boundaries.
    #[test]
    fn shared_work_builds_the_same_table() {
        let n = CHUNK * 3 + 17;
        let chars = ["a", "b", "c", "d"];
        let mut vocab: Vec<(Cow<str>, u32)> = Vec::new();
        let mut merges = Vec::new();
        for (i, a) in chars.iter().enumerate() {
            vocab.push((Cow::Borrowed(a), i as u32));
        }
        let mut id = chars.len() as u32;
        for a in chars {
            for b in chars {
                vocab.push((Cow::Owned(format!("{a}{b}")), id));
                id += 1;
            }
        }
        for i in 0..n {
            let (a, b) = (chars[i % 4], chars[(i / 4) % 4]);
            merges.push(format!("[\"{a}\",\"{b}\"]"));
        }
        let json = format!(r#"{{"model":{{"type":"BPE","vocab":{{}},"merges":[{}]}}}}"#, merges.join(","));
        let (_, mut model) = crate::spec::read(json.as_bytes()).unwrap();
        let one = merge_table(model.take_merges().unwrap(), TokenIds::new(&vocab)).unwrap();
        let (_, mut model) = crate::spec::read(json.as_bytes()).unwrap();
        let resolver = MergeResolver::default();
        std::thread::scope(|s| {
            let list = model.take_merges().unwrap();
            let r = &resolver;
            let v = &vocab;
            let t = s.spawn(move || r.start(list, TokenIds::new(v)));
            while r.inputs.read().unwrap().is_none() {
                std::thread::yield_now();
            }
            r.work();
            t.join().unwrap();
        });
        let two = resolver.table().unwrap();
        assert_eq!(one, two);
        // 16 distinct pairs, each repeated: the last rank of each wins.
        assert_eq!(one.len(), 16);
        let last =
            |a: u32, b: u32| (0..n).rev().find(|&i| (i % 4) as u32 == a && ((i / 4) % 4) as u32 == b).unwrap() as u32;
        for (&key, &(rank, _)) in &one {
            assert_eq!(rank, last((key >> 32) as u32, key as u32));
        }
        // Merges into tokens of more than 15 bytes, and from them.
        let mut long = vocab.clone();
        for (i, t) in
            ["abcdefghij", "klmnopqrst", "abcdefghijklmnopqrst", "abcdefghijklmnopqrstabcdefghij"].iter().enumerate()
        {
            long.push((Cow::Borrowed(t), 100 + i as u32));
        }
        let json = r#"{"model":{"type":"BPE","vocab":{},"merges":[["abcdefghij","klmnopqrst"],["abcdefghijklmnopqrst","abcdefghij"]]}}"#;
        let (_, mut model) = crate::spec::read(json.as_bytes()).unwrap();
        let table = merge_table(model.take_merges().unwrap(), TokenIds::new(&long)).unwrap();
        assert_eq!(table.get(&Bpe::pair_key(100, 101)), Some(&(0, 102)));
        assert_eq!(table.get(&Bpe::pair_key(102, 100)), Some(&(1, 103)));
        let json = r#"{"model":{"type":"BPE","vocab":{},"merges":[["abcdefghijklmnopqrst","klmnopqrst"]]}}"#;
        let (_, mut model) = crate::spec::read(json.as_bytes()).unwrap();
        assert!(merge_table(model.take_merges().unwrap(), TokenIds::new(&long)).is_none());
        // A merge outside the vocabulary: no table.
        let bad = r#"{"model":{"type":"BPE","vocab":{},"merges":[["a","z"]]}}"#;
        let (_, mut model) = crate::spec::read(bad.as_bytes()).unwrap();
        assert!(merge_table(model.take_merges().unwrap(), TokenIds::new(&vocab)).is_none());
    }
}
