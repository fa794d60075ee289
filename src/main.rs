//! The `parcelview` binary: a thin shell over the library's CLI.

use std::process::ExitCode;

use clap::Parser;

// Loading a large layer makes millions of small allocations from two threads;
// mimalloc's thread-local heaps make that markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = parcelview::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let result = parcelview::cli::run(cli, &mut out, &mut err);
    let flushed = std::io::Write::flush(&mut out);
    match result.and(flushed.map_err(anyhow::Error::from)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`parcelview select … | head`) is not an error to report.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("parcelview: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
