//! Which crate a Rust file belongs to, and its module path in that crate, from its path.
//!
//! A file's package is the nearest `Cargo.toml` above it. Inside the package the conventional
//! layout decides: `src/lib.rs` and `src/main.rs` are the crate root (the two share one namespace
//! here: a binary usually reaches the library's items through `mod` or the package's name),
//! `src/a.rs` and `src/a/mod.rs` are `crate::a`, `src/bin/x.rs` and `src/bin/x/main.rs` are the
//! root of a binary `x`, and each file directly under `tests/`, `examples/` or `benches/` (or a
//! `main.rs` one folder down) is the root of a crate of its own. The other files under those
//! folders are modules shared by their crates (`tests/common/mod.rs` is `common` of the shared
//! crate `tests`, which the index searches when a test crate's own modules do not have a path:
//! see [`shared_crate`]). A file under another folder with a `src` folder on its path is read as if that
//! `src` folder's parent were the package (a crate inside a fixture folder); any other file
//! (`build.rs`, a loose script) is a crate by itself.
//!
//! Limits: `#[path]` attributes and `[[bin]]`/`[lib]` paths in the manifest are not followed.

use std::path::{Component, Path, PathBuf};

use super::manifest;

/// Where a file sits: its crate and its module in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileScope {
    /// Identifies the crate: the package folder and the target (`/repo#src`, `/repo#tests`).
    pub krate: String,
    /// The module path of the file from the crate root (`["net", "conn"]`).
    pub module: Vec<String>,
    /// The library name of the file's package, by which its tests and binaries name it.
    pub lib_name: Option<String>,
}

/// The crate and module of the file at `path` (as given to the linter).
pub fn scope_of(path: &str) -> FileScope {
    let manifest = manifest::manifest_of(path);
    let absolute = manifest::absolute(Path::new(path));
    let (dir, lib_name) = match &manifest {
        Some(manifest) => (manifest.dir.clone(), manifest.lib_name.clone()),
        None => (PathBuf::new(), None),
    };
    let relative: Vec<String> = match absolute.strip_prefix(&dir) {
        Ok(relative) if manifest.is_some() => components(relative),
        _ => components(&absolute),
    };
    let conventional = matches!(
        relative.first().map(String::as_str),
        Some("src" | "tests" | "examples" | "benches")
    );
    if conventional && relative.len() > 1 {
        return layout(&dir.to_string_lossy(), &relative, lib_name);
    }
    // A crate whose manifest is not above it (a fixture folder): its `src` folder decides.
    if let Some(src) = relative.iter().rposition(|part| part == "src") {
        if src + 1 < relative.len() {
            let root = relative[..src].join("/");
            let base = format!("{}/{root}", dir.to_string_lossy());
            return layout(&base, &relative[src..], None);
        }
    }
    FileScope {
        krate: format!("{}#file:{}", dir.to_string_lossy(), relative.join("/")),
        module: Vec::new(),
        lib_name,
    }
}

/// The scope of a file at `relative` (starting with `src`, `tests`, ...) in the package at `dir`.
fn layout(dir: &str, relative: &[String], lib_name: Option<String>) -> FileScope {
    let (target, rest): (String, &[String]) = match relative {
        [src, bin, name, rest @ ..] if src == "src" && bin == "bin" && !rest.is_empty() => {
            (format!("bin/{name}"), rest)
        }
        [src, bin, file] if src == "src" && bin == "bin" => {
            (format!("bin/{}", stem(file)), &[] as &[String])
        }
        [src, rest @ ..] if src == "src" => ("src".to_owned(), rest),
        [kind, file] => (format!("{kind}/{}", stem(file)), &[] as &[String]),
        [kind, folder, main] if main == "main.rs" => (format!("{kind}/{folder}"), &[] as &[String]),
        [kind, rest @ ..] => (kind.clone(), rest),
        [] => (String::new(), relative),
    };
    let module = match rest {
        // The root of the target: `lib.rs`, `main.rs`, `tests/x.rs`, `src/bin/x/main.rs`.
        [file] if file == "lib.rs" || file == "main.rs" => Vec::new(),
        [folders @ .., file] => {
            let mut module = folders.to_vec();
            if file != "mod.rs" && file != "main.rs" {
                module.push(stem(file).to_owned());
            }
            module
        }
        [] => Vec::new(),
    };
    FileScope {
        krate: format!("{dir}#{target}"),
        module,
        lib_name,
    }
}

/// The crate of the modules a test, example or bench crate shares with the others of its
/// folder (`/repo#tests` for `/repo#tests/api`).
pub fn shared_crate(krate: &str) -> Option<&str> {
    let (dir, target) = krate.rsplit_once('#')?;
    let (kind, _) = target.split_once('/')?;
    matches!(kind, "tests" | "examples" | "benches").then(|| &krate[..dir.len() + 1 + kind.len()])
}

fn stem(file: &str) -> &str {
    file.strip_suffix(".rs").unwrap_or(file)
}

/// The normal components of a path (`.` and `..` resolved lexically).
fn components(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The target and module of a file in a package folder with a manifest.
    fn scope(relative: &str) -> (String, Vec<String>) {
        let root = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(
            root.path().join("Cargo.toml"),
            "[package]\nname = \"my-app\"\n",
        )
        .expect("write");
        let path = root.path().join(relative);
        let found = scope_of(&path.to_string_lossy());
        assert_eq!(found.lib_name.as_deref(), Some("my_app"));
        let target = found
            .krate
            .rsplit_once('#')
            .map(|(_, target)| target.to_owned())
            .unwrap_or_default();
        (target, found.module)
    }

    fn module(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|part| (*part).to_owned()).collect()
    }

    #[test]
    fn the_conventional_layout_gives_crates_and_modules() {
        assert_eq!(scope("src/lib.rs"), ("src".into(), module(&[])));
        assert_eq!(scope("src/main.rs"), ("src".into(), module(&[])));
        assert_eq!(scope("src/net.rs"), ("src".into(), module(&["net"])));
        assert_eq!(scope("src/net/mod.rs"), ("src".into(), module(&["net"])));
        assert_eq!(
            scope("src/net/conn.rs"),
            ("src".into(), module(&["net", "conn"]))
        );
        assert_eq!(scope("src/bin/tool.rs"), ("bin/tool".into(), module(&[])));
        assert_eq!(
            scope("src/bin/tool/main.rs"),
            ("bin/tool".into(), module(&[]))
        );
        assert_eq!(
            scope("src/bin/tool/args.rs"),
            ("bin/tool".into(), module(&["args"]))
        );
        assert_eq!(scope("tests/api.rs"), ("tests/api".into(), module(&[])));
        assert_eq!(
            scope("tests/suite/main.rs"),
            ("tests/suite".into(), module(&[]))
        );
        assert_eq!(
            scope("tests/common/mod.rs"),
            ("tests".into(), module(&["common"]))
        );
        assert_eq!(
            scope("examples/echo.rs"),
            ("examples/echo".into(), module(&[]))
        );
        assert_eq!(shared_crate("/repo#tests/api"), Some("/repo#tests"));
        assert_eq!(shared_crate("/repo#src"), None);
        assert_eq!(shared_crate("/repo#bin/tool"), None);
        assert!(scope("build.rs").0.starts_with("file:"));
    }

    #[test]
    fn a_crate_without_its_own_manifest_is_rooted_at_its_src_folder() {
        let root = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(
            root.path().join("Cargo.toml"),
            "[package]\nname = \"outer\"\n",
        )
        .expect("write");
        let lib = root.path().join("fixtures/projects/shop/src/lib.rs");
        let orders = root.path().join("fixtures/projects/shop/src/orders/mod.rs");
        let lib = scope_of(&lib.to_string_lossy());
        let orders = scope_of(&orders.to_string_lossy());
        assert_eq!(lib.krate, orders.krate);
        assert!(
            lib.krate.ends_with("fixtures/projects/shop#src"),
            "{}",
            lib.krate
        );
        assert_eq!(orders.module, ["orders"]);
        assert_eq!(orders.lib_name, None);
        let loose = root.path().join("fixtures/TL004/polling.rs");
        let loose = scope_of(&loose.to_string_lossy());
        assert!(
            loose.krate.ends_with("#file:fixtures/TL004/polling.rs"),
            "{}",
            loose.krate
        );
    }
}
