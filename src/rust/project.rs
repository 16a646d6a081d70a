//! The project index as the rules of one file see it ([`Project`]), and the questions they asked
//! it whose answers may depend on other files ([`Asked`], see [`crate::index::asked`]). What the
//! configuration says about external functions depends on the configuration only, so it is not
//! written down.

use super::api::HandleKind;
use super::crates::FileScope;
use super::effects::Summary;
use super::index::{Callee, RustIndex, Target};

/// What the project index knows, and where the file is in its crate; the questions are written
/// down in `asked` when it is given.
#[derive(Clone, Copy)]
pub struct Project<'m> {
    pub index: &'m RustIndex,
    pub scope: &'m FileScope,
    pub asked: Option<&'m Asked>,
}

/// The questions a file's rules asked the index whose answers may depend on other files, each
/// with its answer.
#[derive(Debug, Default)]
pub struct Asked(crate::index::asked::Asked<Question, TargetFacts>);

#[derive(Debug, PartialEq, Eq, Hash)]
struct Question(Callee, Reading);

/// What the rules read of a call's [`Target`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reading {
    /// What the call creates: a future, or a task that nothing keeps.
    Creation,
    /// What the call changes and reads (its summary).
    Effects,
    /// Whether awaiting what the call returns suspends.
    Await,
}

/// What the rules read of a [`Target`], for one [`Reading`]: two targets with the same facts
/// lead the rules the same way.
#[derive(Debug, PartialEq, Eq)]
enum TargetFacts {
    /// Nothing the reading looks at.
    Nothing,
    /// A project function that returns a future.
    Future,
    /// A project function that returns a task nothing keeps: its handle, where it is spawned.
    Task(HandleKind, String),
    /// An external function the configuration says returns a task or a future, by path.
    Configured(String),
    /// The summary of a project function.
    Effects(Summary),
    /// A project future that never suspends, by where it is defined.
    InlineProject(Option<String>),
    /// An external future that never suspends, by path.
    InlineExternal(String),
}

impl TargetFacts {
    fn of(index: &RustIndex, callee: &Callee, target: &Target<'_>, reading: Reading) -> Self {
        let is_method = matches!(callee, Callee::Method { .. });
        match (reading, target) {
            (Reading::Creation, Target::Project(merged)) => {
                if is_method && !merged.has_receiver() {
                    TargetFacts::Nothing
                } else if let Some(wrapper) = merged.unkept_task() {
                    TargetFacts::Task(wrapper.kind, wrapper.location.clone())
                } else if merged.returns_future() {
                    TargetFacts::Future
                } else {
                    TargetFacts::Nothing
                }
            }
            (Reading::Creation, Target::External(path))
                if index.is_external_task(path) || index.is_external_coroutine(path) =>
            {
                TargetFacts::Configured(path.clone())
            }
            (Reading::Effects, Target::Project(merged)) if !is_method || merged.has_receiver() => {
                TargetFacts::Effects(merged.summary())
            }
            (Reading::Await, Target::Project(merged)) if merged.never_suspends() => {
                TargetFacts::InlineProject(merged.first().map(|f| f.location.clone()))
            }
            (Reading::Await, Target::External(path)) if index.never_suspends_external(path) => {
                TargetFacts::InlineExternal(path.clone())
            }
            _ => TargetFacts::Nothing,
        }
    }
}

impl<'m> Project<'m> {
    /// What a call resolves to (see [`target`]), of which the caller reads what `reading` says.
    pub fn target(&self, callee: &Callee, reading: Reading) -> Target<'m> {
        let target = target(self.index, &self.scope.krate, callee, reading);
        if let Some(asked) = self.asked {
            let facts = TargetFacts::of(self.index, callee, &target, reading);
            asked.0.write_down(Question(callee.clone(), reading), facts);
        }
        target
    }
}

/// What a call of `callee` from a file of `krate` resolves to. A path that cannot name a
/// function of the project or a configured one ([`RustIndex::may_name_project`], a cheap test)
/// is not resolved for a creation or effects, and is unknown.
fn target<'i>(index: &'i RustIndex, krate: &str, callee: &Callee, reading: Reading) -> Target<'i> {
    if let (
        Callee::Path {
            module, segments, ..
        },
        Reading::Creation | Reading::Effects,
    ) = (callee, reading)
    {
        let Some(first) = segments.first() else {
            return Target::Unknown;
        };
        if !index.may_name_project(krate, module, first, segments.len() == 1) {
            return Target::Unknown;
        }
    }
    index.target(krate, callee)
}

impl Asked {
    /// Whether `index` gives a file of `krate` every answer it gave when the questions were
    /// asked.
    pub fn agrees_with(&self, index: &RustIndex, krate: &str) -> bool {
        self.0.all_answered_alike(|Question(callee, reading)| {
            let target = target(index, krate, callee, *reading);
            TargetFacts::of(index, callee, &target, *reading)
        })
    }
}
