//! Suspension analysis: a coroutine *may suspend* when some path awaits something that
//! suspends, or awaits a project coroutine that may suspend; it *never suspends* otherwise.
//! This is the least fixpoint over the graph of project coroutines and the coroutines they
//! await, shared by both languages.

use std::hash::Hash;

use rustc_hash::{FxHashMap, FxHashSet};

/// What one coroutine does, as far as suspending goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coroutine<K> {
    /// It awaits something that suspends (or whose origin is unknown) on some path.
    pub suspends_directly: bool,
    /// The project coroutines it awaits.
    pub awaits: Vec<K>,
}

/// The coroutines of `graph` that may suspend. A coroutine awaited but absent from the graph is
/// treated as the caller says (callers mark unknown awaits as suspending directly); recursion
/// without a suspending await never suspends.
pub fn may_suspend<K: Clone + Eq + Hash>(graph: &FxHashMap<K, Coroutine<K>>) -> FxHashSet<K> {
    let mut awaited_by: FxHashMap<&K, Vec<&K>> = FxHashMap::default();
    for (caller, coroutine) in graph {
        for callee in &coroutine.awaits {
            awaited_by.entry(callee).or_default().push(caller);
        }
    }
    let mut suspending: FxHashSet<K> = FxHashSet::default();
    let mut pending: Vec<&K> = graph
        .iter()
        .filter(|(_, coroutine)| coroutine.suspends_directly)
        .map(|(key, _)| key)
        .collect();
    while let Some(key) = pending.pop() {
        if !suspending.insert(key.clone()) {
            continue;
        }
        if let Some(callers) = awaited_by.get(key) {
            pending.extend(
                callers
                    .iter()
                    .copied()
                    .filter(|caller| !suspending.contains(*caller)),
            );
        }
    }
    suspending
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(
        edges: &[(&'static str, bool, &[&'static str])],
    ) -> FxHashMap<&'static str, Coroutine<&'static str>> {
        edges
            .iter()
            .map(|(name, suspends_directly, awaits)| {
                (
                    *name,
                    Coroutine {
                        suspends_directly: *suspends_directly,
                        awaits: awaits.to_vec(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn suspension_flows_from_callee_to_caller() {
        let graph = graph(&[
            ("poll", false, &["refresh"]),
            ("refresh", false, &["fetch"]),
            ("fetch", true, &[]),
        ]);
        let suspending = may_suspend(&graph);
        assert_eq!(
            suspending,
            FxHashSet::from_iter(["poll", "refresh", "fetch"])
        );
    }

    #[test]
    fn coroutines_awaiting_only_inline_work_never_suspend() {
        let graph = graph(&[
            ("poll", false, &["refresh"]),
            ("refresh", false, &["compute"]),
            ("compute", false, &[]),
            ("io", true, &[]),
        ]);
        assert_eq!(may_suspend(&graph), FxHashSet::from_iter(["io"]));
    }

    #[test]
    fn recursion_without_a_suspending_await_never_suspends() {
        let graph = graph(&[("ping", false, &["pong"]), ("pong", false, &["ping"])]);
        assert!(may_suspend(&graph).is_empty());
        let graph = {
            let mut graph = graph;
            graph.get_mut("pong").unwrap().suspends_directly = true;
            graph
        };
        assert_eq!(may_suspend(&graph), FxHashSet::from_iter(["ping", "pong"]));
    }
}
