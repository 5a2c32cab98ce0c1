//! Dependency graphs over named things (attribute references, OU nesting, planned changes),
//! built on petgraph, with cycles reported by naming every member of each loop.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;
use std::hash::Hash;

/// A directed graph where an edge `a → b` means "a needs b first".
pub struct DependencyGraph<N> {
    graph: DiGraph<N, ()>,
    index: HashMap<N, NodeIndex>,
}

impl<N: Clone + Eq + Hash> Default for DependencyGraph<N> {
    fn default() -> Self {
        DependencyGraph { graph: DiGraph::new(), index: HashMap::new() }
    }
}

impl<N: Clone + Eq + Hash> DependencyGraph<N> {
    pub fn add_node(&mut self, node: N) -> NodeIndex {
        if let Some(ix) = self.index.get(&node) {
            return *ix;
        }
        let ix = self.graph.add_node(node.clone());
        self.index.insert(node, ix);
        ix
    }

    /// Records that `from` needs `to` first.
    pub fn add_edge(&mut self, from: N, to: N) {
        let a = self.add_node(from);
        let b = self.add_node(to);
        self.graph.update_edge(a, b, ());
    }

    /// Strongly connected components, dependencies before dependents. A component of more than
    /// one node, or a node that needs itself, is a cycle.
    fn components(&self) -> Vec<Vec<NodeIndex>> {
        tarjan_scc(&self.graph)
    }

    /// Every cycle, each as a closed walk `a → b → ... → a` through all its members where possible.
    pub fn cycles(&self) -> Vec<Vec<N>> {
        self.components()
            .into_iter()
            .filter(|c| c.len() > 1 || self.graph.contains_edge(c[0], c[0]))
            .map(|c| self.walk(&c))
            .collect()
    }

    /// Nodes in an order where each comes after everything it needs (cycle members arbitrary).
    pub fn order(&self) -> Vec<N> {
        self.components().into_iter().flatten().map(|ix| self.graph[ix].clone()).collect()
    }

    /// A walk through a component that starts and ends at its first member.
    fn walk(&self, component: &[NodeIndex]) -> Vec<N> {
        let members: std::collections::HashSet<_> = component.iter().copied().collect();
        let start = component.iter().copied().min().unwrap_or(component[0]);
        let mut path = vec![start];
        let mut current = start;
        let mut seen = std::collections::HashSet::from([start]);
        loop {
            let next = self
                .graph
                .neighbors(current)
                .filter(|n| members.contains(n))
                .min_by_key(|n| (seen.contains(n), n.index()));
            match next {
                Some(n) if n == start || seen.contains(&n) => {
                    path.push(n);
                    break;
                }
                Some(n) => {
                    seen.insert(n);
                    path.push(n);
                    current = n;
                }
                None => break,
            }
        }
        path.into_iter().map(|ix| self.graph[ix].clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_member_of_a_loop_and_orders_dependencies_first() {
        let mut g = DependencyGraph::default();
        g.add_edge("a", "b");
        g.add_edge("b", "c");
        g.add_edge("c", "a");
        g.add_edge("d", "e");
        let cycles = g.cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0], vec!["a", "b", "c", "a"]);
        let order = g.order();
        let pos = |n| order.iter().position(|x| *x == n).unwrap();
        assert!(pos("e") < pos("d"));
    }

    #[test]
    fn a_self_reference_is_a_cycle() {
        let mut g = DependencyGraph::default();
        g.add_edge("a", "a");
        assert_eq!(g.cycles(), vec![vec!["a", "a"]]);
    }
}
