//! The questions a file's rules asked of an index, each with the answer they got.
//!
//! The first pass checks each file while its syntax tree is at hand, against an index of that
//! file alone, and writes down every question whose answer may depend on other files. Once the
//! project's index is built, the second pass asks the same questions again: when every answer
//! is the same, the rules take the same path through the file and report the same findings, so
//! they stand; otherwise the file is parsed and checked again. Each front-end says what its
//! questions and answers are.

use std::cell::RefCell;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// Questions of type `Q`, each with the first answer of type `A` it got (an index gives one
/// question one answer).
#[derive(Debug)]
pub struct Asked<Q, A>(RefCell<FxHashMap<Q, A>>);

impl<Q, A> Default for Asked<Q, A> {
    fn default() -> Self {
        Asked(RefCell::new(FxHashMap::default()))
    }
}

impl<Q: Eq + Hash, A: PartialEq> Asked<Q, A> {
    /// Writes down that `question` got `answer`.
    pub fn write_down(&self, question: Q, answer: A) {
        self.0.borrow_mut().entry(question).or_insert(answer);
    }

    /// How many questions are written down.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.0.borrow().len()
    }

    /// Whether `answer` answers every question as it was answered.
    pub fn all_answered_alike(&self, answer: impl Fn(&Q) -> A) -> bool {
        self.0
            .borrow()
            .iter()
            .all(|(question, given)| answer(question) == *given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_compared_with_the_first_one_given() {
        let asked: Asked<&str, bool> = Asked::default();
        asked.write_down("is it async?", true);
        asked.write_down("is it async?", false);
        asked.write_down("does it spawn?", false);
        assert!(asked.all_answered_alike(|question| *question == "is it async?"));
        assert!(!asked.all_answered_alike(|_| true));
        assert!(Asked::<&str, bool>::default().all_answered_alike(|_| false));
    }
}
