//! Rule selectors, as typed after `--select` and `--ignore`, and how they resolve into the set
//! of enabled rules.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::rule::Rule;

/// One entry of `--select`/`--ignore`: `ALL`, a code prefix (`TL`, `TL00`), an exact code
/// (`TL001`) or a rule name (`dropped-task-handle`). Case does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSelector {
    All,
    /// A prefix of at least one rule code, upper-cased; a whole code is its own prefix.
    Prefix(String),
    /// A rule named by its name.
    Named(Rule),
}

impl RuleSelector {
    pub fn matches(&self, rule: Rule) -> bool {
        match self {
            RuleSelector::All => true,
            RuleSelector::Prefix(prefix) => rule.code().starts_with(prefix.as_str()),
            RuleSelector::Named(named) => *named == rule,
        }
    }

    /// How narrowly the selector picks rules: `ALL` < `TL` < `TL0` < `TL00` < `TL001`.
    pub fn specificity(&self) -> usize {
        match self {
            RuleSelector::All => 0,
            RuleSelector::Prefix(prefix) => prefix.len(),
            RuleSelector::Named(rule) => rule.code().len(),
        }
    }
}

impl FromStr for RuleSelector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(
                "empty rule code (expected ALL, a code such as TL001 or a prefix such as TL00)"
                    .into(),
            );
        }
        if text.eq_ignore_ascii_case("ALL") {
            return Ok(RuleSelector::All);
        }
        if let Some(rule) = Rule::from_name(text) {
            return Ok(RuleSelector::Named(rule));
        }
        let prefix = text.to_ascii_uppercase();
        if Rule::ALL
            .iter()
            .any(|rule| rule.code().starts_with(&prefix))
        {
            return Ok(RuleSelector::Prefix(prefix));
        }
        Err(format!(
            "unknown rule code or prefix `{text}` (valid codes: {}; prefixes such as TL00; or ALL)",
            Rule::ALL
                .iter()
                .map(|rule| rule.code())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

impl fmt::Display for RuleSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleSelector::All => f.write_str("ALL"),
            RuleSelector::Prefix(prefix) => f.write_str(prefix),
            RuleSelector::Named(rule) => f.write_str(rule.name()),
        }
    }
}

/// One level of rule selection: the configuration file's, or the command line's.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleSelection<'a> {
    /// Replaces what the levels before enabled (`select`, `--select`).
    pub select: Option<&'a [RuleSelector]>,
    /// Enables rules on top of what is enabled (`extend-select`).
    pub extend_select: &'a [RuleSelector],
    /// Disables rules (`ignore`, `--ignore`).
    pub ignore: &'a [RuleSelector],
}

/// The rules enabled by the `levels` of selection applied in order, in code order.
///
/// Before the first level the default rules are enabled ([`Rule::defaults`]); a rule that is
/// off by default runs only when a selector names it. A level's `select` starts it from no rule
/// at all. Within a level the selectors apply from the least to the most specific, so the more
/// specific one wins (`--select TL001 --ignore TL` enables TL001 only; `--ignore TL001` after
/// `--select TL` disables just TL001); on a tie `ignore` wins.
pub fn enabled_rules(levels: &[RuleSelection<'_>]) -> Vec<Rule> {
    let mut enabled: BTreeSet<Rule> = Rule::defaults().collect();
    for level in levels {
        if level.select.is_some() {
            enabled.clear();
        }
        let enabling = level
            .select
            .unwrap_or_default()
            .iter()
            .chain(level.extend_select);
        let mut steps: Vec<(usize, bool, &RuleSelector)> = enabling
            .map(|selector| (selector.specificity(), false, selector))
            .chain(
                level
                    .ignore
                    .iter()
                    .map(|selector| (selector.specificity(), true, selector)),
            )
            .collect();
        steps.sort_by_key(|&(specificity, is_ignore, _)| (specificity, is_ignore));
        for (_, is_ignore, selector) in steps {
            for &rule in Rule::ALL.iter().filter(|rule| selector.matches(**rule)) {
                if is_ignore {
                    enabled.remove(&rule);
                } else {
                    enabled.insert(rule);
                }
            }
        }
    }
    enabled.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors(list: &[&str]) -> Vec<RuleSelector> {
        list.iter().map(|text| text.parse().expect(text)).collect()
    }

    fn codes(select: &[&str], ignore: &[&str]) -> Vec<&'static str> {
        let (select, ignore) = (selectors(select), selectors(ignore));
        let level = RuleSelection {
            select: (!select.is_empty()).then_some(select.as_slice()),
            extend_select: &[],
            ignore: &ignore,
        };
        enabled_rules(&[level])
            .into_iter()
            .map(Rule::code)
            .collect()
    }

    #[test]
    fn codes_prefixes_names_and_all_parse() {
        assert_eq!("ALL".parse(), Ok(RuleSelector::All));
        assert_eq!("all".parse(), Ok(RuleSelector::All));
        assert_eq!("tl00".parse(), Ok(RuleSelector::Prefix("TL00".into())));
        assert_eq!(" TL001 ".parse(), Ok(RuleSelector::Prefix("TL001".into())));
        assert_eq!(
            "Dropped-Task-Handle".parse(),
            Ok(RuleSelector::Named(Rule::DroppedTaskHandle))
        );
    }

    #[test]
    fn unknown_codes_are_named_in_the_error() {
        let error = "TL009".parse::<RuleSelector>().unwrap_err();
        assert!(error.contains("`TL009`"), "{error}");
        assert!("TL0010".parse::<RuleSelector>().is_err());
        assert!("E501".parse::<RuleSelector>().is_err());
        assert!("".parse::<RuleSelector>().is_err());
    }

    #[test]
    fn the_default_rules_are_enabled_without_select() {
        assert_eq!(
            codes(&[], &[]),
            ["TL000", "TL001", "TL002", "TL003", "TL004"]
        );
    }

    #[test]
    fn select_replaces_the_default() {
        assert_eq!(codes(&["TL001"], &[]), ["TL001"]);
        assert_eq!(codes(&["TL001", "TL003"], &[]), ["TL001", "TL003"]);
        assert_eq!(
            codes(&["TL00"], &[]),
            ["TL000", "TL001", "TL002", "TL003", "TL004", "TL005"]
        );
    }

    #[test]
    fn rules_off_by_default_run_only_when_selected() {
        assert!(!codes(&[], &[]).contains(&"TL005"));
        assert_eq!(codes(&["TL005"], &[]), ["TL005"]);
        assert_eq!(codes(&["detached-spawn"], &[]), ["TL005"]);
        assert!(codes(&["ALL"], &[]).contains(&"TL005"));
        assert!(!codes(&[], &[]).contains(&"TL100"));
        assert_eq!(codes(&["unused-suppression"], &[]), ["TL100"]);
    }

    #[test]
    fn ignore_removes_from_the_selection() {
        assert_eq!(codes(&[], &["TL000"]), ["TL001", "TL002", "TL003", "TL004"]);
        assert_eq!(codes(&["ALL"], &["TL0"]), ["TL100"]);
        assert_eq!(
            codes(&[], &["unawaited-coroutine"]),
            ["TL000", "TL001", "TL002", "TL004"]
        );
    }

    #[test]
    fn the_more_specific_selector_wins() {
        assert_eq!(codes(&["TL001"], &["TL"]), ["TL001"]);
        assert_eq!(
            codes(&["TL"], &["TL001"]),
            ["TL000", "TL002", "TL003", "TL004", "TL005", "TL100"]
        );
        assert_eq!(codes(&["TL001"], &["TL001"]), Vec::<&str>::new());
    }

    #[test]
    fn extend_select_adds_to_the_rules_enabled_before() {
        let extra = selectors(&["TL005"]);
        let level = RuleSelection {
            extend_select: &extra,
            ..RuleSelection::default()
        };
        assert_eq!(
            enabled_rules(&[level])
                .into_iter()
                .map(Rule::code)
                .collect::<Vec<_>>(),
            ["TL000", "TL001", "TL002", "TL003", "TL004", "TL005"]
        );
    }

    #[test]
    fn a_later_level_applies_after_an_earlier_one() {
        let (configured, typed) = (selectors(&["TL001"]), selectors(&["TL"]));
        let config = RuleSelection {
            select: Some(&configured),
            ..RuleSelection::default()
        };
        // `--ignore TL` on the command line disables what the configuration selected, even
        // though `TL001` is more specific: levels apply in order.
        let command_line = RuleSelection {
            ignore: &typed,
            ..RuleSelection::default()
        };
        assert!(enabled_rules(&[config, command_line]).is_empty());
        // `--select` replaces the configuration's selection.
        let command_line = RuleSelection {
            select: Some(&typed),
            ..RuleSelection::default()
        };
        assert_eq!(
            enabled_rules(&[config, command_line]).len(),
            Rule::ALL.len()
        );
    }
}
