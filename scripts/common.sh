# What the scripts share, sourced by them: the pinned corpus, a release build, ruff and ripgrep.
# Each function prints progress on stderr and its result (a path) on stdout.

scripts_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# ensure_corpus DIR: fetches the pinned corpus into DIR (../shared/corpus/fetch.sh) unless both
# of its halves are there; prints DIR as an absolute path.
ensure_corpus() {
  local corpus=$1
  if [[ ! -f $corpus/python/.done || ! -f $corpus/rust/.done ]]; then
    bash "$scripts_root/../shared/corpus/fetch.sh" "$corpus" >&2
  fi
  (cd "$corpus" && pwd)
}

# release_tasklint: builds tasklint in release mode (under $CARGO_TARGET_DIR or target/) unless
# $TASKLINT_BIN names a binary; prints the binary's absolute path (the scripts run it from other
# folders).
release_tasklint() {
  if [[ -n ${TASKLINT_BIN:-} ]]; then
    realpath "$TASKLINT_BIN"
    return
  fi
  cargo build --release --quiet --manifest-path "$scripts_root/Cargo.toml" --bin tasklint >&2
  realpath "${CARGO_TARGET_DIR:-$scripts_root/target}/release/tasklint"
}

# ruff_binary: installs the pinned ruff into a private virtual environment (target/ruff-venv)
# unless it is there; prints the binary's path.
ruff_binary() {
  local venv=$scripts_root/target/ruff-venv ruff_version=0.17.6
  if [[ ! -x $venv/bin/ruff ]] || [[ $("$venv/bin/ruff" --version) != "ruff $ruff_version" ]]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q "ruff==$ruff_version" >&2
  fi
  echo "$venv/bin/ruff"
}

# ripgrep_binary: installs Debian's ripgrep unless `rg` is on the PATH; prints its path.
ripgrep_binary() {
  if ! command -v rg >/dev/null; then
    local sudo=
    [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get install -y -q ripgrep >&2
  fi
  command -v rg
}
