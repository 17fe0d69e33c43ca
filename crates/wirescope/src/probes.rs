//! The ping, trace, dns and scan commands: their flags are the probe's options.

use crate::cli;
use crate::execute::Job;
use wirescope_runs::engine::ProbeOptions;

/// The run a probe command asks for.
pub(crate) fn job<O: clap::Args + Into<ProbeOptions>>(a: cli::ProbeArgs<O>) -> Job {
    (a.targets, a.net, a.output, a.options.into())
}
