//! The project index as the rules of one module see it ([`ModuleView`]), and the questions they
//! asked it whose answers may depend on other modules ([`Asked`], see [`crate::index::asked`]).
//! Whether the module defines a name and whether the configuration names methods depend on the
//! module and the configuration only, so they are not written down.

use super::{Awaiting, ModuleId, PythonIndex, Returns};
use crate::python::resolve::Reference;

/// The index, from one module of it, writing down what it is asked when `asked` is given.
#[derive(Clone, Copy)]
pub struct ModuleView<'i> {
    index: &'i PythonIndex,
    module: ModuleId,
    asked: Option<&'i Asked>,
}

/// The questions a module's rules asked the index whose answers may depend on other modules,
/// each with its answer.
#[derive(Debug, Default)]
pub struct Asked(crate::index::asked::Asked<Question, Answer>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Question {
    Returns(Reference),
    Awaiting(Reference),
    Changes(Reference),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Returns(Option<Returns>),
    Awaiting(Awaiting),
    Changes(Vec<String>),
}

impl<'i> ModuleView<'i> {
    /// The index as the module at `path` sees it, if the module is part of it; the questions
    /// are written down in `asked` when it is given.
    pub fn new(index: &'i PythonIndex, path: &str, asked: Option<&'i Asked>) -> Option<Self> {
        let module = index.module_id(path)?;
        Some(ModuleView {
            index,
            module,
            asked,
        })
    }

    /// What a call of `reference` returns (see [`PythonIndex::returns`]).
    pub fn returns(&self, reference: &Reference) -> Option<Returns> {
        let answer = self.index.returns(self.module, reference);
        self.write_down(
            Question::Returns(reference.clone()),
            Answer::Returns(answer.clone()),
        );
        answer
    }

    /// What awaiting a call of `reference` does (see [`PythonIndex::awaiting`]).
    pub fn awaiting(&self, reference: &Reference) -> Awaiting {
        let answer = self.index.awaiting(self.module, reference);
        self.write_down(
            Question::Awaiting(reference.clone()),
            Answer::Awaiting(answer.clone()),
        );
        answer
    }

    /// What a call of `reference` changes that the caller sees (see [`PythonIndex::changes`]).
    pub fn changes(&self, reference: &Reference) -> Vec<String> {
        let answer = self.index.changes(self.module, reference);
        self.write_down(
            Question::Changes(reference.clone()),
            Answer::Changes(answer.clone()),
        );
        answer
    }

    /// Whether the module defines a function or class `name` at its top level.
    pub fn defines(&self, name: &str) -> bool {
        self.index.defines(self.module, name)
    }

    /// Whether the configuration names a method (see [`PythonIndex::configures_methods`]).
    pub fn configures_methods(&self) -> bool {
        self.index.configures_methods()
    }

    fn write_down(&self, question: Question, answer: Answer) {
        if let Some(asked) = self.asked {
            asked.0.write_down(question, answer);
        }
    }
}

impl Asked {
    /// Whether `index` gives the module at `path` every answer it gave when the questions were
    /// asked.
    pub fn agrees_with(&self, index: &PythonIndex, path: &str) -> bool {
        let Some(module) = index.module_id(path) else {
            return false;
        };
        self.0.all_answered_alike(|question| match question {
            Question::Returns(reference) => Answer::Returns(index.returns(module, reference)),
            Question::Awaiting(reference) => Answer::Awaiting(index.awaiting(module, reference)),
            Question::Changes(reference) => Answer::Changes(index.changes(module, reference)),
        })
    }
}
