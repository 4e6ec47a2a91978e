//! cargo-minaudit: choose the Cargo.lock versions that minimise the cargo-vet audit backlog.
//!
//! The pipeline (see ARCHITECTURE.md): inputs (workspace, index, store) -> candidates ->
//! model -> search (solve <-> price) -> lockwrite / report. Modules marked "IO edge" touch
//! files, network, processes or the environment; every other module is pure: it never touches
//! files, network, clock, environment or stdout. The public modules are what the tests and
//! benches drive; the rest is the binary's.

pub mod advisory; // RustSec advisory-db: parse (pure over text), queries (pure), dir loader (IO edge)
pub mod app; // IO edge: sequences everything, one fn per subcommand
mod cargo_config; // IO edge: crates-io source replacement from .cargo/config.toml
mod cleanup; // IO edge: temp paths removed on every exit, signals included; stale ones of killed runs
mod cli; // clap types only
pub mod http; // IO edge: the shared HTTPS agent and DNS-caching resolver
pub mod index; // Index trait (IO edge impls) + pure version types and cooldown filter
pub mod lockfile; // Cargo.lock parse/render (pure)
pub mod lockwrite; // new Cargo.lock from a solved model (pure); atomic file replace (IO edge)
pub mod model; // 0/1 model of Cargo's lockfile resolve (pure)
pub mod optimise; // pure: roots, requirements, price book and the lazy search, change table
pub mod price; // crate downloads + line counts (IO edge), suggest pricing (pure)
pub mod publishers; // publisher facts for wildcard audits and trusted entries: pure planning and parsing, crates.io API (IO edge)
mod report; // report data + renderers (pure)
mod shell; // IO edge: cargo-style status lines and progress bars on stderr
pub mod solve; // optimiser: lexicographic MIP solve over model (pure, good_lp + HiGHS)
pub mod target_filter; // --target: cfg evaluation + build reachability (pure), rustc --print cfg (IO edge)
pub mod vet; // cargo-vet store parsing (pure over text) + audit graph (pure)
mod whatif; // what-if scenarios: specs, scenarios file, applying them to roots and store (pure)
pub mod workspace; // IO edge: cargo metadata -> Workspace
