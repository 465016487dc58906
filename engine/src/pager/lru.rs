//! The recycling order of the page cache: pcache1's LRU list of unpinned pages.
//!
//! A cached page is *pinned* while it is referenced or dirty; the moment it becomes neither
//! (its last handle is released while it is clean, or it is made clean while unreferenced) it
//! is *unpinned* and joins the newest end of this list, unless the cache holds more pages than
//! its capacity: then it is discarded at once (pcache1Unpin with nPurgeable > nMaxPage), which
//! is how a cache that grew past its limit while every page was pinned shrinks back. A page
//! fetched again is pinned and leaves the list. When the cache needs room it recycles the
//! oldest member (pcache1FetchStage2, step 4): the page that has been unpinned the longest.
//!
//! The engine must recycle exactly the pages SQLite recycles, because which pages stay
//! cached decides which later fetches miss, and a miss under a full cache spills a dirty page
//! (taking the EXCLUSIVE lock): another connection's BUSY, the reads and the writes all follow
//! from it.
//!
//! The list links cache *slots* (the cache's index of a resident page), not pages, so that a
//! page can join or leave it knowing only its slot; each operation is O(1).
//!
//! Invariants: `listed[s]` iff slot `s` is linked between `oldest` and `newest`; `len` counts
//! the linked slots; `resident` counts the pages in the cache (pinned or not) that have not
//! been discarded, and a slot in `doomed` is neither linked nor counted.

/// The end of the list.
const NONE: u32 = u32::MAX;

/// The LRU list, the cache's page count and capacity, and the pages discarded on unpin.
#[derive(Debug)]
pub(super) struct Lru {
    /// Per slot: the next older and next newer linked slot, `NONE` at the ends.
    older: Vec<u32>,
    newer: Vec<u32>,
    /// Per slot: linked in the list.
    listed: Vec<bool>,
    oldest: u32,
    newest: u32,
    len: usize,
    /// Pages in the cache, pinned or not (pcache1's nPage).
    resident: usize,
    /// The cache's capacity in pages (pcache1's nMax).
    capacity: usize,
    /// Slots whose pages were discarded on unpin; the cache frees them before its next lookup.
    doomed: Vec<u32>,
}

impl Lru {
    /// An empty list for a cache of `capacity` pages.
    pub(super) fn new(capacity: usize) -> Lru {
        Lru {
            older: Vec::new(),
            newer: Vec::new(),
            listed: Vec::new(),
            oldest: NONE,
            newest: NONE,
            len: 0,
            resident: 0,
            capacity,
            doomed: Vec::new(),
        }
    }

    /// Pages in the cache.
    pub(super) fn resident(&self) -> usize {
        self.resident
    }

    /// Unpinned pages, the ones that may be recycled.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    pub(super) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
    }

    /// True when the cache holds more pages than its capacity.
    pub(super) fn over_capacity(&self) -> bool {
        self.resident > self.capacity
    }

    /// A page entered the cache in `slot` (pinned: it is not linked).
    pub(super) fn admit(&mut self, slot: u32) {
        let s = slot as usize;
        if s >= self.listed.len() {
            self.older.resize(s + 1, NONE);
            self.newer.resize(s + 1, NONE);
            self.listed.resize(s + 1, false);
        }
        debug_assert!(!self.listed[s], "slot {slot} admitted while listed");
        self.resident += 1;
    }

    /// The page in `slot` left the cache (recycled, truncated, dropped): it leaves the list if
    /// it was in it.
    pub(super) fn forget(&mut self, slot: u32) {
        self.unlink(slot);
        debug_assert!(self.resident > 0);
        self.resident -= 1;
    }

    /// The page in `slot` became unpinned: it joins the newest end, or, when the cache is over
    /// its capacity, it is discarded (returns false; the slot waits in `doomed`).
    pub(super) fn unpin(&mut self, slot: u32) -> bool {
        debug_assert!(!self.listed[slot as usize], "slot {slot} unpinned twice");
        if self.over_capacity() {
            self.resident -= 1;
            self.doomed.push(slot);
            return false;
        }
        let s = slot as usize;
        self.older[s] = self.newest;
        self.newer[s] = NONE;
        if self.newest == NONE {
            self.oldest = slot;
        } else {
            self.newer[self.newest as usize] = slot;
        }
        self.newest = slot;
        self.listed[s] = true;
        self.len += 1;
        true
    }

    /// The page in `slot` became pinned (fetched again, or made dirty): it leaves the list.
    pub(super) fn pin(&mut self, slot: u32) {
        self.unlink(slot);
    }

    /// The slot of the page unpinned the longest, without unlinking it.
    pub(super) fn oldest(&self) -> Option<u32> {
        (self.oldest != NONE).then_some(self.oldest)
    }

    /// Takes the slots discarded on unpin since the last call.
    pub(super) fn take_doomed(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.doomed)
    }

    /// True when pages were discarded on unpin and their slots are not yet freed.
    pub(super) fn has_doomed(&self) -> bool {
        !self.doomed.is_empty()
    }

    /// Unlinks `slot` if it is linked.
    fn unlink(&mut self, slot: u32) {
        let s = slot as usize;
        if !self.listed[s] {
            return;
        }
        let (older, newer) = (self.older[s], self.newer[s]);
        if older == NONE {
            self.oldest = newer;
        } else {
            self.newer[older as usize] = newer;
        }
        if newer == NONE {
            self.newest = older;
        } else {
            self.older[newer as usize] = older;
        }
        self.listed[s] = false;
        self.len -= 1;
    }

    /// The linked slots, oldest first (tests).
    #[cfg(test)]
    fn order(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut at = self.oldest;
        while at != NONE {
            out.push(at);
            at = self.newer[at as usize];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list against a model (a vector of slots, oldest first, and a resident count)
    /// through random admissions, pins, unpins, recycles and removals.
    #[test]
    fn lru_matches_a_model() {
        const SLOTS: u32 = 16;
        let mut lru = Lru::new(10);
        let mut model: Vec<u32> = Vec::new();
        // Per slot: None when not in the cache, Some(pinned) when resident.
        let mut state: Vec<Option<bool>> = vec![None; SLOTS as usize];
        let mut doomed: Vec<u32> = Vec::new();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        for _ in 0..50_000 {
            let slot = next(u64::from(SLOTS)) as u32;
            let s = slot as usize;
            match (next(5), state[s]) {
                (0, None) if !doomed.contains(&slot) => {
                    lru.admit(slot);
                    state[s] = Some(true);
                }
                (1, Some(true)) => {
                    let resident = state.iter().flatten().count();
                    if lru.unpin(slot) {
                        assert!(resident <= 10);
                        model.push(slot);
                        state[s] = Some(false);
                    } else {
                        assert!(resident > 10);
                        state[s] = None;
                        doomed.push(slot);
                    }
                }
                (2, Some(false)) => {
                    lru.pin(slot);
                    model.retain(|&x| x != slot);
                    state[s] = Some(true);
                }
                (3, Some(_)) => {
                    lru.forget(slot);
                    model.retain(|&x| x != slot);
                    state[s] = None;
                }
                (4, _) => {
                    if let Some(old) = lru.oldest() {
                        assert_eq!(Some(&old), model.first());
                        lru.forget(old);
                        model.remove(0);
                        state[old as usize] = None;
                    } else {
                        assert!(model.is_empty());
                    }
                    if next(4) == 0 {
                        let mut got = lru.take_doomed();
                        got.sort_unstable();
                        doomed.sort_unstable();
                        assert_eq!(got, doomed);
                        doomed.clear();
                    }
                }
                _ => {}
            }
            assert_eq!(lru.order(), model);
            assert_eq!(lru.len(), model.len());
            assert_eq!(lru.resident(), state.iter().flatten().count());
        }
    }
}
