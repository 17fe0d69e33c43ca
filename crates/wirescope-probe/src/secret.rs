//! Secrets in options (community strings, passwords, private keys): read from requests, never
//! written back out. `skip_serializing_if = "crate::secret::never_written"` keeps them out of
//! every serialization (history, API answers, logs) while the API document still lists them as
//! write-only fields (a plain `skip_serializing` would drop them from it). The one exception is
//! a job for a remote agent, written inside [`with_secrets`].

use std::cell::Cell;

thread_local! {
    /// Set while a run is written down for the agent that is to make it.
    static FOR_AN_AGENT: Cell<bool> = const { Cell::new(false) };
}

/// True (the secret is left out) unless inside [`with_secrets`].
pub fn never_written<T>(_: &T) -> bool {
    !FOR_AN_AGENT.with(Cell::get)
}

/// Runs `f` (a serialization) with the secrets written: only for a job handed to a remote
/// agent, which needs the community or password to make the run. The job goes over the
/// agent's own connection and waits in the job queue; a run's stored options never hold it.
pub fn with_secrets<R>(f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            FOR_AN_AGENT.with(|c| c.set(false));
        }
    }
    FOR_AN_AGENT.with(|c| c.set(true));
    let _reset = Reset;
    f()
}
