//! Whether a vocabulary entry is what its own bytes merge to, decided from the merge that
//! made it instead of by merging its bytes (mod.rs `reachable`).
//!
//! Where every token is made by exactly one merge, and every merge ranks after the merges
//! that made its two sides (o200k and Qwen 3 are; `MergeTree::new` checks, and builds no tree
//! for a table that is not), merging applies ranks in increasing order: a merge only creates
//! pairs that rank after it. Then a token `t = a + b` is what its bytes merge to if and only
//! if `a` and `b` are what theirs merge to and, while the two halves merge each on its own,
//! the pair across the boundary between them never merges first. Only the two tokens at the
//! boundary matter, so that last check walks the halves' merges backwards from `(a, b)`:
//! undo whichever of the two was made later, and at each step ask whether the pair now at
//! the boundary has a merge that ranks before the one that was undone (rust-gems `bpe`
//! checks its token pairs the same way). A walk is a few table probes where merging the
//! piece's bytes is one probe per pair per merge.

use super::{REACHABLE, UNKNOWN, UNREACHABLE};
use std::sync::atomic::{AtomicU8, Ordering};

/// The merge that made a token.
#[derive(Clone, Copy)]
struct Node {
    left: u32,
    right: u32,
    /// The merge's rank + 1; 0 for a token no merge makes.
    order: u32,
}

/// Levels of undecided sides `reaches` follows (every level is a shorter token, so only a
/// token of more bytes than this can need more).
const MAX_DEPTH: u32 = 64;

/// A token no merge makes and that is no single byte: its bytes never merge to it.
const ORPHAN: Node = Node { left: u32::MAX, right: u32::MAX, order: 0 };

pub struct MergeTree {
    /// By token id. A byte token is its own left and right side, at order 0.
    nodes: Box<[Node]>,
}

impl MergeTree {
    /// The tree of `merges` ((left, right, rank, merged) each) over tokens below `slots`, the
    /// ids of the single bytes in `byte_ids`; None where the rule above does not hold (a token
    /// made by two merges, a merge that ranks before one of its sides', an id past `slots`).
    pub fn new(
        merges: impl Iterator<Item = (u32, u32, u32, u32)>,
        byte_ids: &[u32; 256],
        slots: usize,
    ) -> Option<Self> {
        let mut nodes = vec![ORPHAN; slots].into_boxed_slice();
        for &id in byte_ids {
            *nodes.get_mut(id as usize)? = Node { left: id, right: id, order: 0 };
        }
        for (left, right, rank, merged) in merges {
            let node = nodes.get_mut(merged as usize)?;
            if node.left != u32::MAX || left as usize >= slots || right as usize >= slots {
                return None;
            }
            *node = Node { left, right, order: rank.checked_add(1)? };
        }
        let made_after_sides = |n: &Node| {
            n.order == 0 || (nodes[n.left as usize].order < n.order && nodes[n.right as usize].order < n.order)
        };
        nodes.iter().all(made_after_sides).then_some(MergeTree { nodes })
    }

    /// Whether `id`'s bytes merge to `id` alone, memoised in `memo` (mod.rs's states) for it
    /// and for every token on the way; `rank` is the merge table's (left, right) → rank. None
    /// for a token whose undecided sides nest deeper than `MAX_DEPTH` (a long chain of merges:
    /// the caller merges its bytes instead, so no file's tree can exhaust the stack).
    pub fn reaches(&self, id: u32, memo: &[AtomicU8], rank: &impl Fn(u32, u32) -> Option<u32>) -> Option<bool> {
        self.decide(id, memo, rank, MAX_DEPTH)
    }

    fn decide(&self, id: u32, memo: &[AtomicU8], rank: &impl Fn(u32, u32) -> Option<u32>, depth: u32) -> Option<bool> {
        match memo[id as usize].load(Ordering::Relaxed) {
            UNKNOWN => {}
            state => return Some(state == REACHABLE),
        }
        let n = self.nodes[id as usize];
        let yes = if n.order == 0 {
            n.left == id
        } else {
            let depth = depth.checked_sub(1)?;
            // Sides first: a side that is not its own bytes' merge makes the walk meaningless.
            self.decide(n.left, memo, rank, depth)?
                && self.decide(n.right, memo, rank, depth)?
                && self.apart(n.left, n.right, n.order, rank)
        };
        memo[id as usize].store(if yes { REACHABLE } else { UNREACHABLE }, Ordering::Relaxed);
        Some(yes)
    }

    /// Whether the halves `left` and `right` (each its own bytes' merge) merge apart until the
    /// merge of order `limit` joins them: no boundary pair met walking back ranks first.
    fn apart(&self, mut left: u32, mut right: u32, mut limit: u32, rank: &impl Fn(u32, u32) -> Option<u32>) -> bool {
        loop {
            // `limit` ≥ 1: it is always some merge's order.
            if rank(left, right).is_some_and(|r| r < limit - 1) {
                return false;
            }
            let (l, r) = (self.nodes[left as usize], self.nodes[right as usize]);
            if l.order > r.order {
                // The left side was made last. Before it, its right part stood at the
                // boundary; a boundary pair of the same rank is that merge's own pair, found
                // further left, so it merges first and takes the boundary token with it.
                limit = l.order;
                left = l.right;
            } else if r.order > 0 {
                // The right side was made last (or both are the same token, the right one
                // made second). A boundary pair of the same rank is leftmost: it would win.
                limit = r.order + 1;
                right = r.left;
            } else {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{key, Alphabet, Bpe, Piece, Whole};
    use super::*;
    use crate::hash::FxHashMap;

    fn tree_of(merges: &FxHashMap<u64, (u32, u32)>, slots: usize) -> Option<MergeTree> {
        let byte_ids: [u32; 256] = std::array::from_fn(|b| b as u32);
        MergeTree::new(merges.iter().map(|(&k, &(r, m))| ((k >> 32) as u32, k as u32, r, m)), &byte_ids, slots)
    }

    /// Random trained-like tables (every merge joins tokens that already exist, ranks in
    /// creation order) over a small alphabet, so that many entries are not what their bytes
    /// merge to: the tree's verdict for every entry against merging the entry's bytes.
    #[test]
    fn agrees_with_merging_every_entry() {
        let mut rand = crate::testing::xorshift(0x9E3779B97F4A7C15);
        let (mut reachable, mut unreachable) = (0, 0);
        for _table in 0..400 {
            let alphabet = &b"abcd"[..2 + rand() as usize % 3];
            let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
            let mut merges = FxHashMap::default();
            let made: Vec<u32> = alphabet.iter().map(|&b| b as u32).collect();
            let mut made = made;
            for rank in 0..(4 + rand() % 60) as u32 {
                let (a, b) = (made[rand() as usize % made.len()], made[rand() as usize % made.len()]);
                let joined = [tokens[a as usize].clone(), tokens[b as usize].clone()].concat();
                if merges.contains_key(&key(a, b)) || tokens.contains(&joined) || joined.len() > 12 {
                    continue;
                }
                let id = tokens.len() as u32;
                tokens.push(joined);
                made.push(id);
                merges.insert(key(a, b), (rank, id));
            }
            let slots = tokens.len();
            let tree = tree_of(&merges, slots).expect("a trained-like table has a tree");
            let mut whole = Whole::with_capacity(slots);
            for (id, t) in tokens.iter().enumerate() {
                whole.insert(t, id as u32);
            }
            let bpe = Bpe::new(merges.clone(), Alphabet::Bytes(std::array::from_fn(|b| b as u32)), whole, false);
            let memo: Vec<AtomicU8> = (0..slots).map(|_| AtomicU8::new(UNKNOWN)).collect();
            let rank = |a: u32, b: u32| merges.get(&key(a, b)).map(|&(r, _)| r);
            // Decided in a random order, so memoised sides are sometimes there and sometimes not.
            let mut order: Vec<usize> = (256..slots).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rand() as usize % (i + 1));
            }
            for id in order {
                let mut out: Vec<Piece> = Vec::new();
                bpe.merge(&tokens[id], &mut out);
                let merged = out.len() == 1 && out[0].id == id as u32;
                assert_eq!(
                    tree.reaches(id as u32, &memo, &rank),
                    Some(merged),
                    "{:?}",
                    String::from_utf8_lossy(&tokens[id])
                );
                if merged {
                    reachable += 1;
                } else {
                    unreachable += 1;
                }
            }
        }
        // Both verdicts must be common for the test to mean something.
        assert!(reachable > 2000 && unreachable > 2000, "{reachable} {unreachable}");
    }

    /// A chain of merges (a, a → aa; aa, a → aaa; …) 300 long: deciding its last token by the
    /// tree would nest 300 deep, so `reaches` declines and encoding merges the bytes instead.
    #[test]
    fn deep_chains_are_left_to_merging() {
        let a = b'a' as u32;
        let mut merges = FxHashMap::default();
        let mut whole = Whole::with_capacity(600);
        whole.insert(b"a", a);
        let mut prev = a;
        for rank in 0..300u32 {
            merges.insert(key(prev, a), (rank, 256 + rank));
            prev = 256 + rank;
            whole.insert(&vec![b'a'; rank as usize + 2], prev);
        }
        let slots = 256 + 300;
        let tree = tree_of(&merges, slots).unwrap();
        let memo: Vec<AtomicU8> = (0..slots).map(|_| AtomicU8::new(UNKNOWN)).collect();
        let rank = |x: u32, y: u32| merges.get(&key(x, y)).map(|&(r, _)| r);
        assert_eq!(tree.reaches(prev, &memo, &rank), None);
        // "aaa" merges as aa + a: a, a first, leftmost.
        assert_eq!(tree.reaches(257, &memo, &rank), Some(true));
        let bpe = Bpe::new(merges, Alphabet::Bytes(std::array::from_fn(|b| b as u32)), whole, false);
        bpe.prepare();
        for len in [3, 4, 60, 200, 301] {
            let (mut by_merging, mut encoded) = (vec![], vec![]);
            bpe.merge(&vec![b'a'; len], &mut by_merging);
            bpe.encode(&vec![b'a'; len], &mut encoded);
            assert_eq!(encoded, by_merging, "{len}");
        }
    }

    #[test]
    fn no_tree_where_the_rule_does_not_hold() {
        let (a, b, c) = (b'a' as u32, b'b' as u32, b'c' as u32);
        let mut merges = FxHashMap::default();
        merges.insert(key(a, b), (0, 300)); // ab
        merges.insert(key(300, c), (1, 301)); // abc
        assert!(tree_of(&merges, 302).is_some());
        // A merge id past the vocabulary.
        assert!(tree_of(&merges, 301).is_none());
        // "abc" made twice.
        let mut twice = merges.clone();
        twice.insert(key(a, 302), (2, 301));
        twice.insert(key(b, c), (3, 302));
        assert!(tree_of(&twice, 303).is_none());
        // "abc" ranked before "ab", one of its sides.
        let mut early = merges.clone();
        early.insert(key(a, b), (5, 300));
        assert!(tree_of(&early, 302).is_none());
    }

    /// Pairs across the boundary: merging "ab" + "c" where "bc" ranks first, and where it
    /// ranks after "ab"; and a token whose halves are the same token.
    #[test]
    fn boundary_pairs_decide() {
        let (a, b, c) = (b'a' as u32, b'b' as u32, b'c' as u32);
        let memo = || -> Vec<AtomicU8> { (0..310).map(|_| AtomicU8::new(UNKNOWN)).collect() };
        let decide = |merges: &FxHashMap<u64, (u32, u32)>, id: u32| {
            let rank = |x: u32, y: u32| merges.get(&key(x, y)).map(|&(r, _)| r);
            tree_of(merges, 310).unwrap().reaches(id, &memo(), &rank).unwrap()
        };
        let mut merges = FxHashMap::default();
        merges.insert(key(a, b), (1, 300)); // ab
        merges.insert(key(300, c), (2, 301)); // ab+c
        assert!(decide(&merges, 301));
        merges.insert(key(b, c), (0, 302)); // bc first: "abc" merges to a, bc
        assert!(!decide(&merges, 301));
        merges.insert(key(b, c), (3, 302)); // bc after ab: no harm
        assert!(decide(&merges, 301));
        // "aaaa" = aa + aa: the second "aa" is made after the first, at the same rank.
        let mut same = FxHashMap::default();
        same.insert(key(a, a), (0, 300));
        same.insert(key(300, 300), (1, 301));
        assert!(decide(&same, 301));
        // "aaa" = aa + a reaches; a + aa does not (the left pair merges first).
        same.insert(key(300, a), (2, 302));
        assert!(decide(&same, 302));
        let mut right = FxHashMap::default();
        right.insert(key(a, a), (0, 300));
        right.insert(key(a, 300), (1, 303));
        assert!(!decide(&right, 303));
    }
}
