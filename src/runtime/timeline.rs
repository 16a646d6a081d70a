//! The record behind `tasklint run --timeline`: for every task the program created, when it was
//! created, the loop iterations in which it ran a step, and how and when it ended.
//!
//! The runtime records into a [`Timeline`] only when one was asked for
//! ([`Runtime::record_timeline`](super::Runtime::record_timeline)); otherwise each hook is one
//! `Option` check. Iterations are the runtime's counter: the code before the loop starts (where
//! `asyncio.run` creates the main task) is iteration 0, the first `run_once` is iteration 1.

use super::{FutureId, Site};

/// How a task's life ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEnd {
    /// It returned a value.
    Done,
    /// An exception escaped its coroutine.
    Raised,
    Cancelled,
    /// It was destroyed while pending; `rule` is the code of the event reported for it.
    Destroyed {
        rule: &'static str,
    },
}

/// One task's life.
#[derive(Debug, Clone)]
pub struct Lane {
    pub task: FutureId,
    pub name: String,
    /// Where the program created the task.
    pub site: Site,
    pub created: u64,
    /// The iterations in which a step of the task ran, as inclusive ranges in increasing order.
    pub runs: Vec<(u64, u64)>,
    /// How it ended, and when: the iteration one of its steps returned or raised in, or the
    /// one after which it was destroyed (collections run between iterations, before the
    /// counter moves on). From the next iteration on, the task is in its final state. `None`
    /// while (or when it stayed) pending.
    pub ending: Option<(u64, TaskEnd)>,
}

/// Every task's life, in creation order, and how many iterations the loop ran.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub lanes: Vec<Lane>,
    /// The last iteration of the run.
    pub iterations: u64,
}

impl Timeline {
    /// The lane of `task`; tasks get increasing ids, so the lanes are sorted by id.
    fn lane_mut(&mut self, task: FutureId) -> Option<&mut Lane> {
        let index = self.lanes.binary_search_by_key(&task, |l| l.task).ok()?;
        self.lanes.get_mut(index)
    }

    pub(super) fn created(&mut self, task: FutureId, name: &str, site: &Site, iteration: u64) {
        self.iterations = self.iterations.max(iteration);
        self.lanes.push(Lane {
            task,
            name: name.to_owned(),
            site: site.clone(),
            created: iteration,
            runs: Vec::new(),
            ending: None,
        });
    }

    pub(super) fn ran(&mut self, task: FutureId, iteration: u64) {
        self.iterations = self.iterations.max(iteration);
        let Some(lane) = self.lane_mut(task) else {
            return;
        };
        match lane.runs.last_mut() {
            Some((_, last)) if *last + 1 >= iteration => *last = iteration,
            _ => lane.runs.push((iteration, iteration)),
        }
    }

    pub(super) fn ended(&mut self, task: FutureId, iteration: u64, ending: TaskEnd) {
        self.iterations = self.iterations.max(iteration);
        if let Some(lane) = self.lane_mut(task) {
            lane.ending = Some((iteration, ending));
        }
    }

    pub(super) fn renamed(&mut self, task: FutureId, name: &str) {
        if let Some(lane) = self.lane_mut(task) {
            name.clone_into(&mut lane.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;

    fn site() -> Site {
        Site {
            path: Rc::from("t.py"),
            line: 3,
            column: 5,
            in_loop: None,
        }
    }

    #[test]
    fn steps_in_consecutive_iterations_merge_into_one_run() {
        let mut timeline = Timeline::default();
        timeline.created(4, "Task-1", &site(), 0);
        for iteration in [1, 2, 3, 5, 5, 6, 9] {
            timeline.ran(4, iteration);
        }
        timeline.ended(4, 9, TaskEnd::Done);
        let lane = &timeline.lanes[0];
        assert_eq!(lane.runs, [(1, 3), (5, 6), (9, 9)]);
        assert_eq!(lane.ending, Some((9, TaskEnd::Done)));
        assert_eq!(timeline.iterations, 9);
    }

    #[test]
    fn events_of_tasks_without_a_lane_are_ignored() {
        let mut timeline = Timeline::default();
        timeline.created(2, "Task-1", &site(), 0);
        timeline.created(7, "Task-2", &site(), 1);
        timeline.ran(5, 2);
        timeline.ended(5, 2, TaskEnd::Cancelled);
        timeline.renamed(7, "worker");
        assert!(timeline.lanes.iter().all(|l| l.runs.is_empty()));
        assert!(timeline.lanes.iter().all(|l| l.ending.is_none()));
        assert_eq!(timeline.lanes[1].name, "worker");
    }
}
