//! The configuration's names of functions outside the project ([`ExternalFacts`]), as the Python
//! index matches them: a dotted name (`framework.tasks.spawn`) matches the function it names
//! through the imports; a name whose next-to-last part is capitalized names a method
//! (`homeassistant.core.HomeAssistant.async_create_task`) and matches a call of that method on
//! any receiver (`hass.async_create_task(...)`), since receivers' types are not known. Rust paths
//! (`my_runtime::spawn`) are left to the Rust index.

use rustc_hash::FxHashSet;

use crate::index::external::ExternalFacts;

/// One list of configured names.
#[derive(Debug, Default)]
pub(super) struct NameSet {
    /// Every dotted name.
    dotted: FxHashSet<String>,
    /// The method names of the names that name methods.
    methods: FxHashSet<String>,
}

impl NameSet {
    fn new(names: &[String]) -> Self {
        let mut set = NameSet::default();
        for name in names.iter().filter(|name| !name.contains("::")) {
            let mut parts = name.rsplit('.');
            let last = parts.next().unwrap_or_default();
            let names_a_method = parts
                .next()
                .and_then(|class| class.chars().next())
                .is_some_and(char::is_uppercase);
            if names_a_method {
                set.methods.insert(last.to_owned());
            }
            set.dotted.insert(name.clone());
        }
        set
    }

    /// Whether the absolute dotted name of a function is in the list.
    pub fn has_name(&self, dotted: &str) -> bool {
        self.dotted.contains(dotted)
    }

    /// Whether a method of this name (on a receiver of unknown type) is in the list.
    pub fn has_method(&self, method: &str) -> bool {
        self.methods.contains(method)
    }

    pub fn is_empty(&self) -> bool {
        self.dotted.is_empty()
    }

    /// Whether the list names any method.
    pub fn has_methods(&self) -> bool {
        !self.methods.is_empty()
    }
}

/// The four lists of the configuration, for Python.
#[derive(Debug, Default)]
pub(super) struct ConfiguredNames {
    pub task_functions: NameSet,
    pub coroutine_functions: NameSet,
    pub always_suspend: NameSet,
    pub never_suspend: NameSet,
}

impl ConfiguredNames {
    pub fn new(external: &ExternalFacts) -> Self {
        ConfiguredNames {
            task_functions: NameSet::new(&external.task_functions),
            coroutine_functions: NameSet::new(&external.coroutine_functions),
            always_suspend: NameSet::new(&external.always_suspend),
            never_suspend: NameSet::new(&external.never_suspend),
        }
    }

    /// Whether a list names a method (which a call on a receiver of any type may match).
    pub fn have_methods(&self) -> bool {
        self.lists().iter().any(|names| names.has_methods())
    }

    fn lists(&self) -> [&NameSet; 4] {
        [
            &self.task_functions,
            &self.coroutine_functions,
            &self.always_suspend,
            &self.never_suspend,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalized_next_to_last_parts_name_methods() {
        let set = NameSet::new(&[
            "homeassistant.core.HomeAssistant.async_create_task".to_owned(),
            "framework.tasks.spawn".to_owned(),
            "my_runtime::spawn".to_owned(),
        ]);
        assert!(set.has_method("async_create_task"));
        assert!(!set.has_method("spawn"));
        assert!(set.has_name("framework.tasks.spawn"));
        assert!(!set.has_name("my_runtime::spawn"));
    }
}
