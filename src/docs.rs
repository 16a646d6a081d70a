//! Rule documentation, compiled into the binary from `rules/*.md`.
