//! Runs: `engine` runs any kind over a target set (dispatching to the probe crates), and a run is
//! one pipeline: a run's results go from the probe engine's stream to the store, in
//! batches, and only then to whoever follows the run: the server's WebSocket subscribers, the
//! CLI's printer. `Pipeline` is that path for one run (the CLI's `--save` and every server
//! run); `Manager` keeps the runs a server has in progress, under a cap. Nothing here knows
//! HTTP: callers turn `RunError` into their own answers. `compare` and `export` work on stored
//! runs, typed, for the CLI and the API alike; `remote` is what a server and its remote agents
//! say to each other, and an agent's side of a job.

pub mod compare;
mod configs;
pub mod engine;
pub mod export;
mod manager;
mod pipeline;
pub mod remote;

pub use manager::{MAX_PARTS, MAX_SITES, Manager, Observer, RunError, RunInfo, Started};
pub use pipeline::{Ended, OnStoreError, Pipeline, RunEvent, START_DEADLINE, STORE_RETRY};
