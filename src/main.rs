//! The `landport` binary: the command line over the landport library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
