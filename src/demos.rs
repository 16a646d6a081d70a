//! The rules' demonstrations, compiled in: for TL001 to TL004, a bad program and its fixed twin
//! in Python and in Rust, kept beside the rule docs in `rules/demos/<CODE>/` (`bad.py`,
//! `fixed.py`, `bad.rs`, `fixed.rs`). The bad program marks the line the linter flags with
//! `# expect: CODE` (`// expect: CODE`); the runtime reproduces the bug at that line, and the
//! fixed program runs without an event (`tasklint repro`, `tests/repro.rs`).
//!
//! A Python demonstration runs on the interpreter from its source. A Rust demonstration is
//! plain tokio or smol code: it is compiled in by `include!` inside a module that imports the
//! runtime's models of those crates ([`crate::runtime::native`]) under the crates' names, and
//! runs its `main` on the same loop.

use crate::rule::Rule;

/// The language of a demonstration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Rust,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }
}

/// How a demonstration program runs.
#[derive(Debug, Clone, Copy)]
pub enum Runner {
    /// On the Python interpreter, from the source.
    Python,
    /// The program's compiled `main`, on the Rust runtime.
    Rust(fn()),
}

/// One program of a demonstration.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// The path in the repository: `rules/demos/TL001/bad.py`.
    pub path: &'static str,
    pub source: &'static str,
    pub runner: Runner,
}

/// A rule's demonstration in one language.
#[derive(Debug, Clone, Copy)]
pub struct Demo {
    pub rule: Rule,
    pub language: Language,
    pub bad: Program,
    pub fixed: Program,
}

/// The Rust programs' `println!` (in scope in their modules, declared below): their output goes to
/// stdout as with the std macro, but a closed pipe (`tasklint repro TL001 --lang rust | head`)
/// is not an error.
macro_rules! println {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        let _ = std::io::Write::write_all(&mut std::io::stdout(), format!("{line}\n").as_bytes());
    }};
}

/// One program of `rules/demos/<CODE>/`, with its runner.
macro_rules! program {
    ($code:literal, $file:literal, $runner:expr) => {
        Program {
            path: concat!("rules/demos/", $code, "/", $file),
            source: include_str!(concat!("../rules/demos/", $code, "/", $file)),
            runner: $runner,
        }
    };
}

/// The table of demonstrations: per rule, its code, the crate its Rust programs are written
/// against (`tokio` or `smol`, whose model is imported under the crate's name) and the modules
/// that hold the Rust programs' items.
macro_rules! demonstrations {
    ($($rule:expr, $code:literal, $krate:ident, $bad:ident, $fixed:ident;)*) => {
        $(
            mod $bad {
                use crate::runtime::native::$krate;
                include!(concat!("../rules/demos/", $code, "/bad.rs"));
            }
            mod $fixed {
                use crate::runtime::native::$krate;
                include!(concat!("../rules/demos/", $code, "/fixed.rs"));
            }
        )*

        /// Every demonstration, in rule order, Python first.
        pub const DEMOS: &[Demo] = &[
            $(
                Demo {
                    rule: $rule,
                    language: Language::Python,
                    bad: program!($code, "bad.py", Runner::Python),
                    fixed: program!($code, "fixed.py", Runner::Python),
                },
                Demo {
                    rule: $rule,
                    language: Language::Rust,
                    bad: program!($code, "bad.rs", Runner::Rust($bad::main)),
                    fixed: program!($code, "fixed.rs", Runner::Rust($fixed::main)),
                },
            )*
        ];
    };
}

demonstrations! {
    Rule::DroppedTaskHandle, "TL001", smol, tl001_bad, tl001_fixed;
    Rule::LoopOverwrittenHandle, "TL002", tokio, tl002_bad, tl002_fixed;
    Rule::UnawaitedCoroutine, "TL003", tokio, tl003_bad, tl003_fixed;
    Rule::NonYieldingLoop, "TL004", smol, tl004_bad, tl004_fixed;
}

/// The demonstration of `rule` in `language`, if it has one.
pub fn find(rule: Rule, language: Language) -> Option<&'static Demo> {
    DEMOS
        .iter()
        .find(|demo| demo.rule == rule && demo.language == language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demonstration_marks_the_line_of_its_rule_in_the_bad_program_only() {
        for demo in DEMOS {
            let marker = format!("expect: {}", demo.rule.code());
            assert_eq!(
                demo.bad.source.matches(&marker).count(),
                1,
                "{}",
                demo.bad.path
            );
            assert!(
                !demo.fixed.source.contains("expect:"),
                "{}",
                demo.fixed.path
            );
        }
    }
}
