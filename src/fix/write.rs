//! Writing a fixed file back: in its original encoding, atomically.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// How a file's bytes became its text, so the fixed text can be written back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8, with or without a leading byte-order mark.
    #[default]
    Utf8,
    Utf8WithBom,
    /// Latin-1 (ISO 8859-1), as a Python module can declare (PEP 263): one byte per character.
    Latin1,
}

impl Encoding {
    /// The bytes of `text` in this encoding, or `None` when a character has no Latin-1 byte.
    pub fn encode(self, text: &str) -> Option<Vec<u8>> {
        match self {
            Encoding::Utf8 => Some(text.as_bytes().to_vec()),
            Encoding::Utf8WithBom => {
                let mut bytes = "\u{feff}".as_bytes().to_vec();
                bytes.extend_from_slice(text.as_bytes());
                Some(bytes)
            }
            Encoding::Latin1 => text.chars().map(|c| u8::try_from(c).ok()).collect(),
        }
    }
}

/// Replaces the file at `path` with `bytes` atomically: they are written to a new file next to
/// it, which then takes its place, so a reader (or a crash) sees the old file or the new one,
/// never half of one. The new file keeps the old one's permissions.
pub fn atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let permissions = fs::metadata(path)?.permissions();
    let temporary = folder.join(format!(
        ".{}.tasklint-fix-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::set_permissions(&temporary, permissions)?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_encoding_gives_back_its_bytes() {
        assert_eq!(Encoding::Utf8.encode("é").unwrap(), "é".as_bytes());
        assert_eq!(
            Encoding::Utf8WithBom.encode("a").unwrap(),
            [0xEF, 0xBB, 0xBF, b'a']
        );
        assert_eq!(Encoding::Latin1.encode("é").unwrap(), [0xE9]);
        assert_eq!(Encoding::Latin1.encode("€"), None);
    }

    #[test]
    fn writing_replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.py");
        fs::write(&path, "old").unwrap();
        atomically(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
