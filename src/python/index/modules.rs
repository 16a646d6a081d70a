//! Module names from file paths, and relative imports.
//!
//! A file's module is its path below its *source root*, the nearest folder above it that is not
//! a package (has no `__init__.py` among the files of the run), with the extension dropped and
//! `__init__` naming the package itself: with `src/shop/__init__.py` in the run,
//! `src/shop/store.py` is `shop.store` (an `src/` layout), and `tests/test_store.py` (no
//! `tests/__init__.py`) is `test_store`. Only the files of the run count, so linting a file on
//! its own gives it a name of its own.

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::super::resolve::Reference;

/// Where a file sits in the module tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleName {
    /// The dotted module name (`shop.store`; `shop` for `shop/__init__.py`).
    pub name: String,
    /// The file is a package's `__init__.py`.
    pub is_package: bool,
}

impl ModuleName {
    /// The package relative imports start from: the module itself for a package, its parent
    /// otherwise (empty for a top-level module).
    pub fn package(&self) -> &str {
        if self.is_package {
            &self.name
        } else {
            self.name
                .rsplit_once('.')
                .map_or("", |(package, _)| package)
        }
    }
}

/// The top-level packages and modules of the Python files of a run, known from their paths
/// before any is parsed: an absolute import that starts with another name cannot lead into the
/// project.
#[derive(Debug, Default)]
pub struct TopLevel(FxHashSet<String>);

impl TopLevel {
    /// The top-level names of the modules at `paths` (see [`module_names`]).
    pub fn of_paths(paths: &[&str]) -> Self {
        TopLevel::of_names(&module_names(paths))
    }

    /// The top-level names of these modules.
    pub fn of_names(names: &[Option<ModuleName>]) -> Self {
        let tops = names
            .iter()
            .flatten()
            .map(|name| top_part(&name.name).to_owned());
        TopLevel(tops.collect())
    }

    /// Whether the dotted name of an import (a relative one starts with a dot) may lead into
    /// the project.
    pub fn may_lead_in(&self, dotted: &str) -> bool {
        let top = top_part(dotted);
        top.is_empty() || self.0.contains(top)
    }

    /// Whether `reference` may name a definition of the run: not a method of a receiver of
    /// unknown type, nor an absolute import from outside (the index answers those from the
    /// configuration alone).
    pub(super) fn may_define(&self, reference: &Reference) -> bool {
        match reference {
            Reference::AnyMethod(_) => false,
            Reference::Imported(name) => self.may_lead_in(name),
            Reference::InModule(_)
            | Reference::SelfMethod { .. }
            | Reference::SuperMethod { .. } => true,
        }
    }
}

/// The first part of a dotted name (`pkg` of `pkg.store.persist`; empty for a relative one).
fn top_part(dotted: &str) -> &str {
    match memchr::memchr(b'.', dotted.as_bytes()) {
        Some(dot) => &dotted[..dot],
        None => dotted,
    }
}

/// The module name of each of `paths` (Python files, as reported, with `/` or `\\` between
/// folders), in order; `None` for a path that names no module.
pub fn module_names(paths: &[&str]) -> Vec<Option<ModuleName>> {
    let packages: FxHashSet<&str> = paths
        .iter()
        .filter_map(|path| {
            let (folder, file) = split_last(path);
            matches!(file, "__init__.py" | "__init__.pyi").then_some(folder)
        })
        .collect();
    paths
        .par_iter()
        .with_min_len(super::PARALLEL_MIN_ITEMS)
        .map(|path| module_name(path, &packages))
        .collect()
}

/// A path's folder (empty at the top) and its last part.
fn split_last(path: &str) -> (&str, &str) {
    path.rsplit_once(['/', '\\']).unwrap_or(("", path))
}

fn module_name(path: &str, packages: &FxHashSet<&str>) -> Option<ModuleName> {
    let (mut folder, file) = split_last(path);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    if stem.is_empty() {
        return None;
    }
    let is_package = stem == "__init__";
    let mut parts: Vec<&str> = if is_package { Vec::new() } else { vec![stem] };
    while packages.contains(folder) {
        let (parent, name) = split_last(folder);
        if name.is_empty() || name == "." || name == ".." {
            break;
        }
        parts.push(name);
        if parent == folder {
            break;
        }
        folder = parent;
    }
    parts.reverse();
    let name = parts.join(".");
    (!name.is_empty()).then_some(ModuleName { name, is_package })
}

/// The absolute dotted name of `name` imported in a module of `package`: a relative name (one
/// leading dot per level: `..store.persist`) is resolved against the package; an absolute one
/// is returned as it is. `None` when the dots climb above the top-level package.
pub fn absolute_name(package: &str, name: &str) -> Option<String> {
    let rest = name.trim_start_matches('.');
    let level = name.len() - rest.len();
    if level == 0 {
        return Some(name.to_owned());
    }
    let mut base: Vec<&str> = if package.is_empty() {
        Vec::new()
    } else {
        package.split('.').collect()
    };
    if level - 1 > base.len() {
        return None;
    }
    base.truncate(base.len() - (level - 1));
    if !rest.is_empty() {
        base.push(rest);
    }
    let absolute = base.join(".");
    (!absolute.is_empty()).then_some(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(paths: &[&str]) -> Vec<Option<String>> {
        module_names(paths)
            .into_iter()
            .map(|name| name.map(|name| name.name))
            .collect()
    }

    #[test]
    fn a_module_is_its_path_below_the_nearest_folder_that_is_not_a_package() {
        let paths = [
            "app/shop/__init__.py",
            "app/shop/store.py",
            "app/shop/jobs/__init__.py",
            "app/shop/jobs/runner.py",
            "app/main.py",
            "app/shop/jobs/stubs.pyi",
        ];
        assert_eq!(
            names(&paths),
            [
                Some("shop".to_owned()),
                Some("shop.store".to_owned()),
                Some("shop.jobs".to_owned()),
                Some("shop.jobs.runner".to_owned()),
                Some("main".to_owned()),
                Some("shop.jobs.stubs".to_owned()),
            ]
        );
    }

    #[test]
    fn src_layouts_and_loose_test_folders_work() {
        let paths = [
            "/work/repo/src/shop/__init__.py",
            "/work/repo/src/shop/store.py",
            "/work/repo/tests/test_store.py",
            "setup.py",
        ];
        assert_eq!(
            names(&paths),
            [
                Some("shop".to_owned()),
                Some("shop.store".to_owned()),
                Some("test_store".to_owned()),
                Some("setup".to_owned()),
            ]
        );
    }

    #[test]
    fn only_the_files_of_the_run_make_packages() {
        assert_eq!(names(&["app/shop/store.py"]), [Some("store".to_owned())]);
    }

    #[test]
    fn the_package_of_a_module_and_of_a_package() {
        let module = ModuleName {
            name: "shop.jobs.runner".to_owned(),
            is_package: false,
        };
        let package = ModuleName {
            name: "shop.jobs".to_owned(),
            is_package: true,
        };
        let top = ModuleName {
            name: "main".to_owned(),
            is_package: false,
        };
        assert_eq!(module.package(), "shop.jobs");
        assert_eq!(package.package(), "shop.jobs");
        assert_eq!(top.package(), "");
    }

    #[test]
    fn relative_imports_resolve_against_the_package() {
        let resolve = |package, name| absolute_name(package, name);
        assert_eq!(
            resolve("shop.jobs", ".runner.start"),
            Some("shop.jobs.runner.start".to_owned())
        );
        assert_eq!(
            resolve("shop.jobs", ".runner"),
            Some("shop.jobs.runner".to_owned())
        );
        assert_eq!(
            resolve("shop.jobs", "..store.persist"),
            Some("shop.store.persist".to_owned())
        );
        assert_eq!(
            resolve("shop.jobs", "..persist"),
            Some("shop.persist".to_owned())
        );
        assert_eq!(resolve("shop.jobs", "...x"), Some("x".to_owned()));
        assert_eq!(resolve("shop.jobs", "....x"), None);
        assert_eq!(
            resolve("", ".helpers.spawn"),
            Some("helpers.spawn".to_owned())
        );
        assert_eq!(resolve("", "..helpers"), None);
        assert_eq!(
            resolve("shop", "asyncio.sleep"),
            Some("asyncio.sleep".to_owned())
        );
    }
}
