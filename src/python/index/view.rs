//! The project index as the rules of one module see it ([`ModuleView`]), and the questions they
//! asked it whose answers may depend on other modules ([`Asked`], see [`crate::index::asked`]).
//! Whether the module defines a name and whether the configuration names methods depend on the
//! module and the configuration only, so they are not written down; nor are the questions about
//! a method of an unknown receiver or a name imported from outside the run's packages, which
//! only the configuration answers.

use super::{Awaiting, ModuleId, PythonIndex, Returns, TopLevel};
use crate::python::resolve::Reference;

/// The index, from one module of it, writing down what it is asked when `asked` is given.
#[derive(Clone, Copy)]
pub struct ModuleView<'i> {
    index: &'i PythonIndex,
    module: ModuleId,
    asked: Option<Recorder<'i>>,
}

/// Where a view writes down its questions, and the run's top-level names that tell which
/// questions other modules may answer differently.
#[derive(Clone, Copy)]
pub struct Recorder<'i> {
    pub asked: &'i Asked,
    pub top_level: &'i TopLevel,
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
    /// are written down when `asked` is given.
    pub fn new(index: &'i PythonIndex, path: &str, asked: Option<Recorder<'i>>) -> Option<Self> {
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
        self.write_down(reference, Question::Returns, || {
            Answer::Returns(answer.clone())
        });
        answer
    }

    /// What awaiting a call of `reference` does (see [`PythonIndex::awaiting`]).
    pub fn awaiting(&self, reference: &Reference) -> Awaiting {
        let answer = self.index.awaiting(self.module, reference);
        self.write_down(reference, Question::Awaiting, || {
            Answer::Awaiting(answer.clone())
        });
        answer
    }

    /// What a call of `reference` changes that the caller sees (see [`PythonIndex::changes`]).
    pub fn changes(&self, reference: &Reference) -> Vec<String> {
        let answer = self.index.changes(self.module, reference);
        self.write_down(reference, Question::Changes, || {
            Answer::Changes(answer.clone())
        });
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

    /// Writes down the question about `reference` and its answer, if other modules may answer
    /// it differently.
    fn write_down(
        &self,
        reference: &Reference,
        question: fn(Reference) -> Question,
        answer: impl FnOnce() -> Answer,
    ) {
        if let Some(Recorder { asked, top_level }) = self.asked {
            if top_level.may_define(reference) {
                asked.0.write_down(question(reference.clone()), answer());
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::external::ExternalFacts;
    use crate::python::index::extract;
    use crate::source::SourceFile;

    #[test]
    fn only_questions_other_modules_may_answer_are_written_down() {
        let top_level = TopLevel::of_paths(&["shop/__init__.py", "shop/app.py", "shop/jobs.py"]);
        let source = SourceFile::new("shop/app.py", "import asyncio\n");
        let alone = PythonIndex::of_module(
            extract(&source, None, &top_level, &ExternalFacts::default()),
            &ExternalFacts::default(),
        );
        let asked = Asked::default();
        let recorder = Recorder {
            asked: &asked,
            top_level: &top_level,
        };
        let view = ModuleView::new(&alone, "shop/app.py", Some(recorder)).expect("indexed");
        view.returns(&Reference::Imported("asyncio.sleep".to_owned()));
        view.awaiting(&Reference::AnyMethod("refresh".to_owned()));
        view.changes(&Reference::Imported("aiohttp.ClientSession".to_owned()));
        assert_eq!(asked.0.count(), 0);
        view.returns(&Reference::Imported("shop.jobs.spawn".to_owned()));
        view.awaiting(&Reference::Imported(".jobs.refresh".to_owned()));
        view.changes(&Reference::InModule("refresh".to_owned()));
        assert_eq!(asked.0.count(), 3);
    }
}
