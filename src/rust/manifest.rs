//! The nearest `Cargo.toml` above a Rust file: the crates its package depends on, so that a bare
//! `spawn` that no import explains can be resolved to the one runtime the package uses, and the
//! package's folder and library name, which give the file its crate (see `crates`). Results are
//! cached per folder for the whole run (files are linted in parallel).
//!
//! Limits: every kind of dependency counts (normal, dev, build, per target, and the
//! `[workspace.dependencies]` of a workspace root); a renamed dependency counts under its
//! package name. A manifest that cannot be read or parsed counts as none, and the search goes no
//! further up.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Crate names as code spells them (`async_std`, not `async-std`).
pub type Dependencies = Arc<BTreeSet<String>>;

/// What the nearest manifest says.
#[derive(Debug)]
pub struct Manifest {
    /// The folder of the `Cargo.toml`.
    pub dir: PathBuf,
    pub dependencies: Dependencies,
    /// The name of the package's library as code spells it (`[lib] name`, or the package name
    /// with `-` as `_`); `None` for a manifest without `[package]`.
    pub lib_name: Option<String>,
}

/// Folder → the nearest manifest at or above it (`None`: no manifest).
type Cache = HashMap<PathBuf, Option<Arc<Manifest>>>;

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The dependencies of the package of the file at `path` (relative to the current folder, or
/// absolute), if a `Cargo.toml` is found above it.
pub fn dependencies_of(path: &str) -> Option<Dependencies> {
    manifest_of(path).map(|manifest| manifest.dependencies.clone())
}

/// The nearest manifest above the file at `path` (relative to the current folder, or absolute).
pub fn manifest_of(path: &str) -> Option<Arc<Manifest>> {
    manifest_in(absolute(Path::new(path)).parent()?)
}

/// `path` joined to the current folder, if it is relative.
pub fn absolute(path: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => cwd.join(path),
        Err(_) => path.to_path_buf(),
    }
}

fn manifest_in(folder: &Path) -> Option<Arc<Manifest>> {
    if let Some(known) = lock().get(folder) {
        return known.clone();
    }
    let manifest = folder.join("Cargo.toml");
    let found = if manifest.is_file() {
        std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|text| parse(&text))
            .map(|(dependencies, lib_name)| {
                Arc::new(Manifest {
                    dir: folder.to_path_buf(),
                    dependencies: Arc::new(dependencies),
                    lib_name,
                })
            })
    } else {
        folder.parent().and_then(manifest_in)
    };
    lock().insert(folder.to_path_buf(), found.clone());
    found
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    // A panic elsewhere while holding the lock leaves a usable map.
    cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The dependency names and the library name of a manifest, or `None` if it does not parse.
fn parse(text: &str) -> Option<(BTreeSet<String>, Option<String>)> {
    let table: toml::Table = text.parse().ok()?;
    let lib_name = library_name(&table);
    let mut names = BTreeSet::new();
    collect(&table, &mut names);
    if let Some(toml::Value::Table(targets)) = table.get("target") {
        for target in targets.values() {
            if let toml::Value::Table(target) = target {
                collect(target, &mut names);
            }
        }
    }
    if let Some(toml::Value::Table(workspace)) = table.get("workspace") {
        collect(workspace, &mut names);
    }
    Some((names, lib_name))
}

/// `[lib] name`, else the package's name, as code spells it.
fn library_name(table: &toml::Table) -> Option<String> {
    let name_in = |key: &str| match table.get(key) {
        Some(toml::Value::Table(section)) => match section.get("name") {
            Some(toml::Value::String(name)) => Some(name.replace('-', "_")),
            _ => None,
        },
        _ => None,
    };
    let package = name_in("package")?;
    Some(name_in("lib").unwrap_or(package))
}

/// The dependency tables of `table` (`[dependencies]`, `[dev-dependencies]`, ...).
fn collect(table: &toml::Table, names: &mut BTreeSet<String>) {
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(toml::Value::Table(dependencies)) = table.get(key) else {
            continue;
        };
        for (name, spec) in dependencies {
            let package = match spec {
                toml::Value::Table(spec) => match spec.get("package") {
                    Some(toml::Value::String(package)) => package.as_str(),
                    _ => name.as_str(),
                },
                _ => name.as_str(),
            };
            names.insert(package.replace('-', "_"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_dependency_counts() {
        let (names, lib_name) = parse(
            r#"
            [package]
            name = "my-app"
            [dependencies]
            tokio = { version = "1", features = ["full"] }
            rt = { package = "async-std", version = "1" }
            [dev-dependencies.smol]
            version = "2"
            [target.'cfg(unix)'.dependencies]
            glommio = "0.9"
            "#,
        )
        .expect("parses");
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, ["async_std", "glommio", "smol", "tokio"]);
        assert_eq!(lib_name.as_deref(), Some("my_app"));
        let (_, lib_name) =
            parse("[package]\nname = \"a\"\n[lib]\nname = \"core_lib\"\n").expect("parses");
        assert_eq!(lib_name.as_deref(), Some("core_lib"));
        let (_, lib_name) = parse("[workspace]\nmembers = []\n").expect("parses");
        assert_eq!(lib_name, None);
    }

    #[test]
    fn a_broken_manifest_counts_as_none() {
        assert!(parse("[dependencies\ntokio = 1").is_none());
    }

    #[test]
    fn the_nearest_manifest_above_the_file_is_read() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let inner = root.path().join("crates/worker");
        std::fs::create_dir_all(inner.join("src")).expect("folders");
        std::fs::write(
            root.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\n",
        )
        .expect("write");
        std::fs::write(
            inner.join("Cargo.toml"),
            "[package]\nname = \"worker\"\n[dependencies]\nsmol = \"2\"\n",
        )
        .expect("write");
        let file = inner.join("src/main.rs");
        let found = dependencies_of(&file.to_string_lossy()).expect("a manifest");
        assert!(found.contains("smol"));
        let outside = root.path().join("tools/x.rs");
        let found = dependencies_of(&outside.to_string_lossy()).expect("the root manifest");
        assert!(found.is_empty());
    }
}
