//! The Python front-end on arbitrary bytes: decode, parse, index, every rule.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::lint_all_rules("fuzz.py", data));
