//! The `uctriage-sim` binary: see the library's documentation.

fn main() -> anyhow::Result<()> {
    uctriage_sim::main_from_env()
}
