fn main() {
    std::process::exit(tasklint::cli::run());
}
