//! wirescope's watch: suites and their schedules. A suite is a named set of runs of any kind,
//! written as TOML, YAML or JSON (`spec`); its schedule is a cron pattern in a time zone
//! (`schedule`: when it is due, pure); `scheduler` fires due suites through the server's run
//! manager, records every fire in the store, skips a suite whose last runs are still going and
//! catches up at most once after downtime, and turns the results of scheduled runs into trend
//! samples (`trend`) and their alert rules into events (`alert`), which `notify` delivers to
//! webhooks and mailboxes. Trap rules (`trap_rule`) turn received SNMP traps into alerts on the
//! same channels.

pub mod alert;
pub mod notify;
pub mod period;
pub mod schedule;
pub mod scheduler;
pub mod spec;
pub mod take;
pub mod trap_rule;
pub mod trend;

pub use schedule::{Due, Schedule};
pub use scheduler::{Prepare, Retention, Scheduler};
pub use spec::{RunSpec, ScheduleSpec, Suite, SuiteError};
