//! Command-line arguments: one subcommand per probe, with the flags engineers know from ping,
//! fping, traceroute, dig and nmap, and shared target, network and output options.

use crate::execute::Job;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::IpAddr;
use std::time::Duration;
use wirescope_probe::dns::DnsOptions;
use wirescope_probe::duration::{format_duration, parse_duration};
use wirescope_probe::ping::PingOptions;
use wirescope_probe::scan::ScanOptions;
use wirescope_probe::trace::TraceOptions;
use wirescope_runs::engine::ProbeOptions;
use wirescope_snmp::SnmpOptions;
use wirescope_snmp::{AuthProtocol, PrivProtocol, SecurityLevel, SnmpVersion};
use wirescope_ssh::exec::SshOptions;

const EXAMPLES: &str = "\
Targets: addresses, hostnames, CIDR blocks (10.0.0.0/24, 2001:db8::/120), ranges
(10.0.0.1-10.0.0.50, 10.0.0.1-50), comma or space separated, and -f FILE (one or more per
line, # comments, -f - reads standard input). Repeats are dropped, order is kept.

Examples:
  wirescope ping 10.0.0.0/24                     sweep a subnet, one echo each
  wirescope ping -c 5 -i 200ms core1 core2       five echoes per host
  wirescope trace --protocol tcp -p 443 example.net
  wirescope dns -t MX -t TXT example.net --server 192.0.2.53
  wirescope scan 10.0.0.1-20 -p 22,80,443 --banners
  wirescope ping -f hosts.txt --json | jq 'select(.alive|not).target'

Exit status: 0 when the run completed (dead targets included), 1 on a runtime failure,
2 on a usage error, 130 when interrupted (what finished is printed, then the summary).";

/// wirescope: ping, traceroute, DNS, port scans, SNMP and SSH over thousands of targets, streamed as they finish.
#[derive(Debug, Parser)]
#[command(name = "wirescope", version, about, after_long_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Probe(ProbeCommand),
    /// SNMP get and walk over many agents (v1, v2c, v3), with net-snmp's flag names.
    #[command(subcommand)]
    Snmp(SnmpCmd),
    /// LLDP and CDP neighbours of devices, by SNMP (LLDP-MIB, CISCO-CDP-MIB).
    #[command(after_long_help = SNMP_EXAMPLES)]
    Neighbors(DeviceArgs),
    /// ARP / neighbour tables of devices, by SNMP (IP-MIB), with MAC vendors.
    #[command(after_long_help = SNMP_EXAMPLES)]
    Arp(DeviceArgs),
    /// Forwarding databases of switches, by SNMP (BRIDGE-MIB, Q-BRIDGE-MIB): each MAC address
    /// with its VLAN, port and interface.
    #[command(after_long_help = SNMP_EXAMPLES)]
    Fdb(FdbArgs),
    /// Interfaces of devices, by SNMP (IF-MIB): status, speed, counters, errors; rates with --rate.
    #[command(after_long_help = SNMP_EXAMPLES)]
    Interfaces(InterfacesArgs),
    /// Map the network: crawl from seed devices through their LLDP/CDP neighbours, by SNMP.
    #[command(after_long_help = TOPOLOGY_EXAMPLES)]
    Topology(TopologyArgs),
    /// Find the switch port a host is plugged into (from its IP address, MAC address or name):
    /// its MAC from the routers' ARP tables, then the edge port that learnt it, by SNMP.
    #[command(after_long_help = LOCATE_HELP)]
    Locate(LocateArgs),
    /// Credential profiles: named SNMP credentials (and SSH logins) whose secrets live in the OS
    /// secret store or an encrypted file, used with --profile NAME.
    #[command(subcommand, after_long_help = CREDS_HELP)]
    Creds(CredsCmd),
    /// SSH: run a command on many devices at once (`ssh exec`), manage known host keys.
    #[command(subcommand)]
    Ssh(SshCmd),
    /// Receive SNMP traps and informs (v1, v2c, v3) and print them as they arrive, as
    /// `snmptrapd -f -Lo` does; informs are acknowledged.
    #[command(after_long_help = TRAPS_HELP)]
    Traps(TrapsArgs),
    /// Serve the dashboard and the REST/WebSocket API (the main job), with run history in SQLite.
    Serve(Box<ServeArgs>),
    /// Analyze a capture file (pcap or pcapng): protocol hierarchy, top talkers, conversations.
    #[command(after_long_help = ANALYZE_HELP)]
    Analyze(AnalyzeArgs),
    /// Capture live from interfaces (libpcap), write pcapng, and report as `analyze` does.
    #[command(after_long_help = CAPTURE_HELP)]
    Capture(CaptureArgs),
    /// Anonymise a capture file for sharing: every IPv4 and IPv6 address replaced by its
    /// prefix-preserving pseudonym (Crypto-PAn), checksums fixed, MACs and payloads on request.
    #[command(after_long_help = ANONYMIZE_HELP)]
    Anonymize(AnonymizeArgs),
    /// Suites: named sets of runs of any kind kept to be run again, on demand or on a cron
    /// schedule that `serve` keeps.
    #[command(subcommand, after_long_help = SUITE_HELP)]
    Suite(SuiteCmd),
    /// Dashboard users: add, list, remove, set a password or a role (viewer, operator, admin).
    /// Once a server has users, its API and dashboard ask to sign in.
    #[command(subcommand)]
    Users(UsersCmd),
    /// The audit trail: who did what, when, from where (hash-chained, append-only): check that
    /// no row was removed or changed, or list it.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The history database itself: move a history into a team's PostgreSQL (or back).
    #[command(subcommand)]
    Db(DbCmd),
    /// Be a remote probe agent: dial home to a wirescope server (outbound only: HTTP(S) and a
    /// WebSocket), make the runs asked "from" its site, and stream their results back. What the
    /// server has not stored yet waits in a local spool, through lost connections and restarts.
    #[command(after_long_help = AGENT_HELP)]
    Agent(AgentArgs),
    /// Remote agents: add one (its token is printed, once), list them, revoke one.
    #[command(subcommand)]
    Agents(AgentsCmd),
    /// Compare two saved runs of one kind, target by target: who went dead or alive, RTT shifts,
    /// ports opened or closed, DNS answers, paths, SSH output and exit statuses.
    #[command(after_long_help = HISTORY_HELP)]
    Compare(CompareArgs),
    /// Write a saved run's results as CSV (RFC 4180, one row per result) or JSON.
    #[command(after_long_help = HISTORY_HELP)]
    Export(ExportArgs),
    /// Make a PDF report of saved runs for people who will not open the dashboard: how each
    /// was run, its figures and charts, every result, and per kind the paths, answers, ports,
    /// neighbours, interfaces or command outputs.
    #[command(after_long_help = REPORT_HELP)]
    Report(ReportArgs),
    /// Collect an evidence bundle (zip) of saved runs: the PDF report and its data, each run's
    /// results as NDJSON and CSV, slices of capture files for the runs' time window and
    /// addresses, a manifest and SHA256SUMS.
    #[command(after_long_help = BUNDLE_HELP)]
    Bundle(BundleArgs),
}

const BUNDLE_HELP: &str = "\
A bundle is a zip (no archiver needed to make it) holding:
  report.pdf, report-data.json   the report, as `wirescope report` makes it, and its data
  run-ID-KIND.ndjson, .csv       each run's results
  capture-N-NAME.pcapng          for each --pcap, the frames from the first run's start less
                                 --pad to the last run's end plus --pad, to or from any address
                                 the runs name (targets, hops, agents; every address when they
                                 name more than 200); 512 MiB a slice at most
  snmp-interfaces.csv            counters of the SNMP agents among those addresses, from
                                 their newest walk in the last 50 stored SNMP runs
  manifest.json                  what each file is, its size and SHA-256, the window, notes
  SHA256SUMS                     `unzip evidence.zip -d ev && cd ev && sha256sum -c SHA256SUMS`

Examples:
  wirescope bundle 12 -o evidence.zip
  wirescope bundle 12 14 --pcap core-uplink.pcapng --pad 1m --notes notes.txt -o evidence.zip";

/// `wirescope bundle`: the report's arguments and the captures to slice.
#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub report: ReportArgs,

    /// A capture file (pcap or pcapng) to slice for the runs' window and addresses; repeatable.
    #[arg(long = "pcap", value_name = "FILE")]
    pub pcaps: Vec<std::path::PathBuf>,

    /// Time kept in the slices before the first run starts and after the last one ends.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub pad: Duration,
}

const REPORT_HELP: &str = "\
The PDF is typeset in process (typst) with fonts built into wirescope: nothing is read from the
system's fonts and nothing is downloaded. Each page carries its number, the generation time and
the start of the SHA-256 of the report's data (the title page has all of it); --data writes
that data, so `sha256sum` of the file shows the PDF was made from it.

A run still going is reported as it stands (\"in progress as of ...\"). Command outputs are cut
at 64 KiB each, table cells at 2,000 characters, and a report holds 50,000 results at most.

Examples:
  wirescope report 12 -o incident.pdf
  wirescope report 12 14 --title \"Core outage 3 Dec\" --notes notes.txt -o incident.pdf
  wirescope report --compare 11 14 -o change-check.pdf";

const SUITE_HELP: &str = "\
A suite file (TOML, YAML or JSON, by its extension) names its runs, each a kind with its
options as a run takes them, its targets (inline, a file read at every fire, or the devices
of a stored topology run), and optionally a schedule:

  name = \"core\"
  schedule = { cron = \"*/5 * * * *\", timezone = \"Europe/Berlin\" }

  [[runs]]
  kind = \"ping\"
  targets = \"10.0.0.1-20\"
  options = { count = 5, interval = \"200ms\" }

  [[runs]]
  kind = \"snmp\"
  topology_run = 42
  options = { op = \"interfaces\", profiles = [\"core-v3\"] }

Cron patterns have five fields, or six with seconds first; no time zone means the server's.
Secrets never go in a suite: name a credential profile (profiles for SNMP, profile for SSH).
`serve` fires enabled suites on their schedules: a suite whose runs are still going is
skipped (and the skip recorded), and after downtime one fire stands for every due time missed.

Examples:
  wirescope suite add -f core.toml
  wirescope suite add edge --kind ping --targets 10.1.0.0/24 --option count=3 --cron '*/10 * * * *'
  wirescope suite list
  wirescope suite show core                 its runs, the next due times, the last fires
  wirescope suite run core                  now, from this shell (saved, tagged with the suite)
  wirescope suite disable core";

const HISTORY_HELP: &str = "\
Runs are saved by the dashboard and by probe commands given --save; run ids are the
dashboard's (#12), and --save prints its run's (saved as run #12 in PATH).

Examples:
  wirescope ping -f core.txt --save                  save a baseline
  wirescope ping -f core.txt --save                  ...and again after the change
  wirescope compare 12 13                            what changed, one row per target
  wirescope compare 12 13 --json | jq -c 'select(.change == \"became_dead\")'
  wirescope export 13 --format csv > after.csv

Exit status: 0 when the runs compare (changes or not), 1 when the history cannot be read,
2 on a usage error (runs of different kinds, no such run).";

/// Where saved runs are read from.
#[derive(Debug, Subcommand)]
pub enum SuiteCmd {
    /// Add a suite from a file (-f) or from flags (one run).
    Add(Box<SuiteAddArgs>),
    /// The suites: enabled or not, schedule, next due time, last fire.
    List {
        #[command(flatten)]
        history: HistoryArgs,
        /// One JSON object per suite.
        #[arg(long)]
        json: bool,
    },
    /// A suite's runs, its next due times and its last fires.
    Show {
        name: String,
        #[command(flatten)]
        history: HistoryArgs,
        /// JSON: the suite, its next due times, its last fires.
        #[arg(long)]
        json: bool,
    },
    /// Delete a suite and its fires (its runs stay in the history).
    Rm {
        name: String,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Run a suite now from this shell: its runs one after another, printed, saved and tagged
    /// with the suite.
    Run {
        name: String,
        #[command(flatten)]
        history: HistoryArgs,
        /// Print NDJSON.
        #[arg(long)]
        json: bool,
    },
    /// Let `serve` fire the suite on its schedule again (from the next due time on).
    Enable {
        name: String,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Stop `serve` firing the suite on its schedule (it still runs on demand).
    Disable {
        name: String,
        #[command(flatten)]
        history: HistoryArgs,
    },
}

#[derive(Debug, Args)]
pub struct SuiteAddArgs {
    /// The suite's name (the file's `name` when not given).
    pub name: Option<String>,

    /// Read the suite from FILE (TOML, YAML or JSON by its extension; `-` reads JSON from
    /// standard input).
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with_all = ["kind", "targets", "targets_file", "topology_run"])]
    pub file: Option<std::path::PathBuf>,

    /// Replace the suite of that name (its schedule state and fires are kept).
    #[arg(long)]
    pub replace: bool,

    /// The one run's kind (without -f).
    #[arg(long, value_enum)]
    pub kind: Option<wirescope_probe::ProbeKind>,

    /// The run's targets, as a probe command takes them.
    #[arg(long, value_name = "TARGETS")]
    pub targets: Option<String>,

    /// A file of targets, read at every fire.
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<std::path::PathBuf>,

    /// The devices found by a stored topology run.
    #[arg(long, value_name = "RUN")]
    pub topology_run: Option<i64>,

    /// An option of the run's kind, KEY=VALUE (repeatable; VALUE read as JSON when it is,
    /// else as text: count=3, interval=200ms, profiles=["core"]).
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE")]
    pub options: Vec<String>,

    /// The run's network namespace.
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,

    /// Run it from these sites: `local` (the server) and remote agents' sites, comma-separated
    /// (each site makes its own run; trends and alerts name targets TARGET@SITE).
    #[arg(long = "from", value_name = "SITE,...", value_delimiter = ',')]
    pub sites: Vec<String>,

    /// A cron schedule: five fields, or six with seconds first.
    #[arg(long, value_name = "PATTERN")]
    pub cron: Option<String>,

    /// The schedule's IANA time zone (default: the server's).
    #[arg(long, value_name = "ZONE", requires = "cron")]
    pub timezone: Option<String>,

    /// How long a scheduled fire spreads its probes over (default: half the interval, at most
    /// a minute; 0s: all at once).
    #[arg(long, value_name = "DURATION", requires = "cron", value_parser = duration)]
    pub spread: Option<Duration>,

    /// What the suite is for.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    #[command(flatten)]
    pub history: HistoryArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// History: a SQLite file, or a team's PostgreSQL as postgres://USER[:PASSWORD]@HOST[:PORT]/DB
    /// (default: $XDG_DATA_HOME/wirescope/wirescope.db).
    #[arg(long, value_name = "PATH|URL", env = "WIRESCOPE_DB")]
    pub db: Option<String>,
}

const AGENT_HELP: &str = "\
On the server (or any machine with the history):
  wirescope agents add branch-1 --site branch      prints the agent's token, once
At the branch:
  WIRESCOPE_AGENT_TOKEN=wsa_... wirescope agent --server https://wirescope.example:7878 \\
      --site branch --ca server.pem
Then run from the dashboard or the API with \"sites\": [\"branch\", \"local\"]: each site makes
its own run, and the dashboard shows them side by side.

The agent keeps dialling (1 s, doubling to 30 s) while the server is away; jobs in progress go
on, their results kept in the spool and sent once it is back. A job the agent was making when it
stopped is reported interrupted, with what it had. A refused token (unknown, revoked, another
site's) stops the agent with exit status 1.";

/// `wirescope agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The server: http://HOST:PORT or https://HOST:PORT (the dashboard's address).
    #[arg(long, value_name = "URL", env = "WIRESCOPE_SERVER")]
    pub server: String,
    /// The agent's token (wsa_...; `wirescope agents add` makes it). Prefer the environment
    /// variable: a flag shows in the process list.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "WIRESCOPE_AGENT_TOKEN",
        hide_env_values = true
    )]
    pub token: String,
    /// The site it probes from (as the token was made for).
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Probe from this network namespace (a name under /run/netns); the connection home stays
    /// in the agent's own. A run that names a namespace uses that one.
    #[arg(long, value_name = "NS")]
    pub netns: Option<String>,
    /// The spool file (default: $XDG_DATA_HOME/wirescope/agent-SITE.spool).
    #[arg(long, value_name = "PATH")]
    pub spool: Option<std::path::PathBuf>,
    /// CA certificates (PEM) that vouch for an https server's certificate (the server's own
    /// certificate file, when it made a self-signed one); default: the system's.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<std::path::PathBuf>,
}

/// `wirescope agents ...`.
#[derive(Debug, Subcommand)]
pub enum AgentsCmd {
    /// Add an agent of a site and print its token (shown this once; the history keeps its
    /// SHA-256 only).
    Add {
        /// 1 to 64 of letters, digits, '.', '_', '-', '@'.
        #[arg(value_name = "NAME")]
        name: String,
        /// The site it probes from: 1 to 64 of letters, digits, '.', '_', '-' (not "local",
        /// which is the server).
        #[arg(long, value_name = "SITE")]
        site: String,
        /// One JSON object: the agent and its token.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// The agents: site, online or not, version, last seen.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Revoke an agent's token: it is refused from now on.
    Revoke {
        #[arg(value_name = "NAME")]
        name: String,
        #[command(flatten)]
        history: HistoryArgs,
    },
}

/// `wirescope db ...`.
#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Copy a whole history into another, empty one (a SQLite file into PostgreSQL, or back),
    /// with its ids and id counters, then count every table on both sides and compare a sample
    /// of rows of each, value by value. Stop the servers that use either first.
    Migrate(DbMigrateArgs),
}

#[derive(Debug, Args)]
pub struct DbMigrateArgs {
    /// The history to copy: sqlite:PATH (or a path), or postgres://USER@HOST/DB.
    #[arg(long, value_name = "FROM")]
    pub from: String,
    /// The history to copy into, holding no rows yet: postgres://USER@HOST/DB or sqlite:PATH.
    #[arg(long, value_name = "TO")]
    pub to: String,
    /// CA certificates (PEM) that vouch for a PostgreSQL server's TLS certificate.
    #[arg(long, value_name = "FILE", env = "WIRESCOPE_DB_CA")]
    pub db_ca: Option<std::path::PathBuf>,
    /// One JSON object: both locations, every table's rows and rows compared, the time taken.
    #[arg(long)]
    pub json: bool,
}

/// `wirescope users ...`.
#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// Add a user. The password comes from WIRESCOPE_USER_PASSWORD, or from the first line of
    /// standard input with --password-stdin (at least 10 characters).
    Add {
        /// 1 to 64 of letters, digits, '.', '_', '-', '@'.
        #[arg(value_name = "NAME")]
        name: String,
        #[arg(long, value_enum, default_value = "viewer")]
        role: UserRole,
        /// Read the password from standard input's first line.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// The users: role, open sessions, lock.
    List {
        /// One JSON object per user.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Remove a user and end their sessions (the last admin stays).
    Rm {
        #[arg(value_name = "NAME")]
        name: String,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Set a user's password (as `add` reads it); their sessions end and their lock clears.
    Passwd {
        #[arg(value_name = "NAME")]
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Set a user's role (the last admin stays admin).
    Role {
        #[arg(value_name = "NAME")]
        name: String,
        #[arg(value_enum, value_name = "ROLE")]
        role: UserRole,
        #[command(flatten)]
        history: HistoryArgs,
    },
}

/// `wirescope audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the whole trail: exit 0 when every row's hash holds, 1 naming the first row that
    /// does not (a row changed, or rows removed before it or at the end).
    Verify {
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// The newest rows, oldest first.
    List {
        /// Rows at most (1 to 10,000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        limit: i64,
        /// Only this actor's (a user name, token, local, cli:NAME).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// Only actions starting with this (run., login, user.).
        #[arg(long, value_name = "PREFIX")]
        action: Option<String>,
        /// One JSON object per row.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
}

/// A dashboard role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UserRole {
    /// Sees runs, maps, traffic, recordings, suites and alerts.
    Viewer,
    /// Also starts runs, suites, captures and terminals.
    Operator,
    /// Also users, credentials, channels and settings.
    Admin,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier run.
    #[arg(value_name = "RUN_A")]
    pub a: i64,

    /// The later run.
    #[arg(value_name = "RUN_B")]
    pub b: i64,

    /// Print NDJSON: one object per change, then a summary object.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub history: HistoryArgs,
}

/// How `export` writes a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One row per result (SNMP: per variable binding), RFC 4180 with CRLF line ends.
    Csv,
    /// `{run, results}`, as the dashboard's download.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The runs to report on, in the order given.
    #[arg(value_name = "RUN")]
    pub runs: Vec<i64>,

    /// Also compare two runs of one kind, the earlier first.
    #[arg(long, num_args = 2, value_names = ["RUN_A", "RUN_B"])]
    pub compare: Option<Vec<i64>>,

    /// The report's title (default: `wirescope KIND report`).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// The engineer's notes, from a text file (UTF-8, 1 MiB at most), shown after the title.
    #[arg(long, value_name = "FILE")]
    pub notes: Option<std::path::PathBuf>,

    /// Where to write the PDF (the zip, for `bundle`).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: std::path::PathBuf,

    /// Also write the report's data (JSON) that the printed SHA-256 is of.
    #[arg(long, value_name = "FILE")]
    pub data: Option<std::path::PathBuf>,

    /// Replace every IPv4 and IPv6 address in the report (tables, text, charts, the data) by
    /// its Crypto-PAn pseudonym under this key, as `export --anonymize` and `anonymize` do.
    #[arg(long, value_name = "KEYFILE")]
    pub anonymize: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub history: HistoryArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The run.
    #[arg(value_name = "RUN")]
    pub run: i64,

    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,

    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Replace every IPv4 and IPv6 address by its Crypto-PAn pseudonym under this key (32 bytes
    /// or 64 hex digits): the same mapping as `wirescope anonymize --key` gives a capture.
    /// Names stay.
    #[arg(long, value_name = "KEYFILE")]
    pub anonymize: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub history: HistoryArgs,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Targets: IPs, hostnames, CIDR blocks, ranges.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read targets from FILE (`-` for standard input).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<String>,

    /// Refuse expansions larger than this (at most 16777216, and what memory holds).
    #[arg(long, value_name = "N", default_value_t = wirescope_probe::targets::DEFAULT_MAX_TARGETS, value_parser = max_targets)]
    pub max_targets: u64,
}

#[derive(Debug, Args)]
pub struct NetArgs {
    /// Send through this interface or VRF device (SO_BINDTODEVICE).
    #[arg(short = 'I', long, value_name = "DEV")]
    pub interface: Option<String>,

    /// Run inside this network namespace (a name from `ip netns list`, or a path).
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,

    /// Send from this source address.
    #[arg(long, value_name = "ADDR")]
    pub source: Option<IpAddr>,

    /// Resolve hostname targets to IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// Resolve hostname targets to IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,

    /// DNS server for resolving hostname targets (default: the system's resolvers).
    #[arg(long = "resolver", value_name = "IP[:PORT]")]
    pub resolvers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print NDJSON: one object per result as it completes, then a summary object.
    #[arg(long)]
    pub json: bool,

    /// Never show the progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Record the run and its results in the history database (shown by the dashboard).
    #[arg(long)]
    pub save: bool,

    /// History for --save: a SQLite file or postgres://USER@HOST/DB (default:
    /// $XDG_DATA_HOME/wirescope/wirescope.db).
    #[arg(long, value_name = "PATH|URL", requires = "save")]
    pub db: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SnmpCmd {
    /// GET objects: `snmp get TARGET OID...` (with -f FILE every argument is an OID).
    #[command(after_long_help = SNMP_EXAMPLES)]
    Get(SnmpArgs),
    /// Walk subtrees: `snmp walk TARGET [OID...]` (mib-2 when none; GETBULK for v2c/v3).
    #[command(after_long_help = SNMP_EXAMPLES)]
    Walk(SnmpArgs),
}

const SNMP_EXAMPLES: &str = "\
OIDs are numeric (1.3.6.1.2.1.1.5.0, .1.3.6.1.2.1.2.2) or names wirescope knows without MIB
files (sysName.0, IF-MIB::ifTable, ifDescr.3, lldpRemTable, ipNetToPhysicalTable, ...).

Examples:
  wirescope snmp get 10.0.0.1 sysName.0 sysUpTime.0 -c public
  wirescope snmp walk 10.0.0.0/24 IF-MIB::ifTable --json
  wirescope snmp walk -f switches.txt ifXTable -v 3 -u ops -l authPriv -a SHA-256 -A 'authpass' -x AES -X 'privpass'

A wrong community gets no answer (agents stay silent): it shows as \"no response\" after the
timeout. A wrong SNMPv3 user or password is reported as an authentication failure.";

#[derive(Debug, Args)]
pub struct SnmpArgs {
    /// TARGET (address, name, CIDR, range or comma-separated list) followed by OIDs; with -f, only OIDs.
    #[arg(value_name = "TARGET|OID")]
    pub args: Vec<String>,

    /// Read targets from FILE (`-` for standard input); then every argument is an OID.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<String>,

    /// Refuse expansions larger than this (at most 16777216, and what memory holds).
    #[arg(long, value_name = "N", default_value_t = wirescope_probe::targets::DEFAULT_MAX_TARGETS, value_parser = max_targets)]
    pub max_targets: u64,

    #[command(flatten)]
    pub auth: SnmpAuthArgs,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// SNMP credentials, with net-snmp's flag names (also what `creds add` stores).
#[derive(Debug, Args)]
pub struct SnmpCredentialArgs {
    /// SNMP version.
    #[arg(short = 'v', long = "snmp-version", value_enum, ignore_case = true, default_value_t = SnmpOptions::default().version)]
    pub snmp_version: SnmpVersion,

    /// Community (v1, v2c) [default: public].
    #[arg(short = 'c', long, value_name = "COMMUNITY")]
    pub community: Option<String>,

    /// SNMPv3 user.
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,

    /// SNMPv3 security level (default: authPriv with -X, authNoPriv with -A, else noAuthNoPriv).
    #[arg(short = 'l', long, value_enum, ignore_case = true)]
    pub level: Option<SecurityLevel>,

    /// SNMPv3 authentication protocol [default: SHA].
    #[arg(short = 'a', long, value_enum, ignore_case = true)]
    pub auth_protocol: Option<AuthProtocol>,

    /// SNMPv3 authentication password (at least 8 characters).
    #[arg(short = 'A', long, value_name = "PASS")]
    pub auth_password: Option<String>,

    /// SNMPv3 privacy protocol: AES is AES-128; AES-192/AES-256 use the Blumenthal key
    /// extension, AES-192-C/AES-256-C the Reeder one Cisco uses [default: AES].
    #[arg(short = 'x', long, value_enum, ignore_case = true)]
    pub priv_protocol: Option<PrivProtocol>,

    /// SNMPv3 privacy password (at least 8 characters).
    #[arg(short = 'X', long, value_name = "PASS")]
    pub priv_password: Option<String>,
}

/// SNMP credentials and polling settings, with net-snmp's flag names.
#[derive(Debug, Args)]
pub struct SnmpAuthArgs {
    /// Use the credentials of this profile (see `wirescope creds`) instead of the flags below.
    /// `topology` takes it several times and tries the profiles in order on each device.
    #[arg(long, value_name = "NAME")]
    pub profile: Vec<String>,

    #[command(flatten)]
    pub cred: SnmpCredentialArgs,

    /// How long to wait for each answer.
    #[arg(short = 't', long, value_name = "DURATION", default_value = format_duration(SnmpOptions::default().timeout), value_parser = duration)]
    pub timeout: Duration,

    /// Retransmissions after a timeout.
    #[arg(short = 'r', long, value_name = "N", default_value_t = SnmpOptions::default().retries)]
    pub retries: u32,

    /// GETBULK max-repetitions (halved automatically on tooBig or timeouts).
    #[arg(long, value_name = "N", default_value_t = SnmpOptions::default().max_repetitions)]
    pub max_repetitions: u32,

    /// UDP port of the agents.
    #[arg(long, value_name = "PORT", default_value_t = SnmpOptions::default().port)]
    pub port: u16,

    /// Agents polled at once.
    #[arg(long, value_name = "N", default_value_t = SnmpOptions::default().concurrency)]
    pub concurrency: usize,
}

const TRAPS_HELP: &str = "\
Without -c or --profile every v1/v2c community is accepted (and v3 is refused: v3 users come from
credential profiles). With them, a v1/v2c notification needs one of the communities (-c, or a v1/v2c
profile's) and a v3 one a profile's user at the profile's security level or above. What is refused
is counted by why (unknown community, unknown user, bad authentication, malformed) and shown at the
end with the sources.

The v3 engine ID (which senders localize their keys to and informs are answered with) is made once
and kept, with its boot count, in $XDG_DATA_HOME/wirescope/snmp-trap-engine; --engine-id sets it.

Port 162 is privileged: run as root, or grant the binary CAP_NET_BIND_SERVICE once
(sudo setcap cap_net_bind_service,cap_net_raw,cap_net_admin+ep $(command -v wirescope)), or
listen on a port above 1023 and point the senders there.

Examples:
  wirescope traps
  wirescope traps --listen 0.0.0.0:1162 -c public -c monitoring
  wirescope traps --profile core-v3 --json | jq 'select(.name == \"IF-MIB::linkDown\")'
  wirescope traps --netns mgmt --count 1 --for 60s";

/// Arguments of `traps`.
#[derive(Debug, Args)]
pub struct TrapsArgs {
    /// Address and UDP port to receive on ([::]:162 takes IPv4 and IPv6).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:162")]
    pub listen: std::net::SocketAddr,

    /// Accept v1/v2c notifications with this community (repeatable).
    #[arg(short = 'c', long, value_name = "COMMUNITY")]
    pub community: Vec<String>,

    /// Accept what this credential profile describes: its community, or its v3 user with its
    /// keys (repeatable).
    #[arg(long, value_name = "NAME")]
    pub profile: Vec<String>,

    /// Receive inside this network namespace (a name from `ip netns list`, or a path).
    #[arg(long, value_name = "NS")]
    pub netns: Option<String>,

    /// The SNMPv3 engine ID to use, in hex (5 to 32 bytes) [default: one made once and kept].
    #[arg(long, value_name = "HEX")]
    pub engine_id: Option<String>,

    /// File keeping the v3 engine ID and boot count [default: $XDG_DATA_HOME/wirescope/snmp-trap-engine].
    #[arg(long, value_name = "PATH")]
    pub engine_state: Option<std::path::PathBuf>,

    /// Stop after this many notifications.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,

    /// Stop after this long (e.g. 30s, 10m).
    #[arg(long = "for", value_name = "DURATION", value_parser = duration)]
    pub duration: Option<Duration>,

    /// Print NDJSON: one object per notification (kind "trap"), then the counts (kind "traps").
    #[arg(long)]
    pub json: bool,
}

/// Arguments of the device views (neighbors, arp, interfaces).
#[derive(Debug, Args)]
pub struct DeviceArgs {
    #[command(flatten)]
    pub targets: TargetArgs,

    #[command(flatten)]
    pub auth: SnmpAuthArgs,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct InterfacesArgs {
    #[command(flatten)]
    pub device: DeviceArgs,

    /// Poll twice this far apart and show bit rates (e.g. 5s).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub rate: Option<Duration>,
}

const ANALYZE_HELP: &str = "\
Protocols count a frame when they appear anywhere in it, as Wireshark's display filter of the
same name matches it (`dns`, `udp`, `icmp`, ...): the packet quoted in an ICMP error counts, and a
fragmented datagram's transport counts on its last fragment. Link types: Ethernet (802.1Q/QinQ,
LLC/SNAP), Linux cooked (SLL, SLL2), raw IP, loopback/null.

A damaged file (cut short, an absurd length, a malformed block) is reported with the byte offset
of the damage, after everything read before it; the exit status is then 1.

Display filters (--filter) use Wireshark's names: protocols alone test presence (dns, !arp);
fields frame.len, frame.cap_len, ip.src/dst/addr (also a.b.c.d/prefix), ipv6.src/dst/addr,
ip.proto, tcp.srcport/dstport/port, udp.srcport/dstport/port, tcp.flags, tcp.flags.syn/ack/fin/
reset/push/urg compare with == != < <= > >= (eq ne lt le gt ge); && || ! and parentheses combine
them. A bare field tests presence, as in Wireshark; `!=` is the negation of `==`.

Examples:
  wirescope analyze capture.pcapng
  wirescope analyze big.pcap --json | jq '.protocols.dns'
  wirescope analyze capture.pcap --filter 'ip.addr == 10.0.0.0/8 && tcp.flags.reset == 1'
  wirescope analyze capture.pcap --filter 'udp.port == 161' --write snmp.pcapng";

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The capture file (pcap or pcapng).
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,

    /// Print one JSON document: packets, bytes, protocols, top_talkers, conversations, flows,
    /// bandwidth, damage.
    #[arg(long)]
    pub json: bool,

    /// Rows of each table (talkers, conversations, flows).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,

    /// Only frames matching this display filter (Wireshark's field names):
    /// 'ip.addr == 10.0.0.1 && tcp.port == 443', 'dns', '!arp', 'frame.len > 1000'.
    #[arg(short = 'Y', long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// Write the frames that match --filter (all without one) to this pcapng file.
    #[arg(short = 'w', long, value_name = "OUT.pcapng")]
    pub write: Option<std::path::PathBuf>,

    /// Print one table as CSV instead: protocols, talkers, conversations, flows or bandwidth.
    #[arg(long, value_name = "TABLE", conflicts_with = "json")]
    pub csv: Option<String>,

    /// Threads to analyse on [default: one per core]. The report is the same whatever the
    /// number; with --write the frames are read on one thread, in order.
    #[arg(short = 'j', long, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

const ANONYMIZE_HELP: &str = "\
Addresses are rewritten in IPv4 and IPv6 headers (tunnelled ones too), in ARP, and in the headers
an ICMP or ICMPv6 error quotes; the IP, TCP, UDP and ICMP checksums that cover them are fixed.
Two addresses that share an N-bit prefix share an N-bit prefix after (subnets stay subnets), and
one key gives the same pseudonym in every file: keep the key to compare captures anonymised
apart, never share it (with it the mapping can be undone).

Payloads are not searched: an address inside a DNS answer, a DHCP lease, an SNMP varbind or a
syslog line stays. Cut them off with --cut-after transport to share only headers.

The output is pcapng written afresh: no comment, interface name or description of the input is
kept. A damaged input is anonymised up to the damage, which is reported (exit status 1).

Make a key (32 random bytes as 64 hex digits):
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > site.key; chmod 600 site.key

Examples:
  wirescope anonymize incident.pcapng -o shared.pcapng --key site.key
  wirescope anonymize big.pcap -o headers.pcapng --key site.key --macs --cut-after transport";

#[derive(Debug, Args)]
pub struct AnonymizeArgs {
    /// The capture file (pcap or pcapng).
    #[arg(value_name = "IN")]
    pub input: std::path::PathBuf,

    /// Where to write the anonymised capture (pcapng); `-` for standard output.
    #[arg(short = 'o', long, value_name = "OUT.pcapng")]
    pub output: std::path::PathBuf,

    /// The key file: 32 bytes, or 64 hexadecimal digits.
    #[arg(long, value_name = "KEYFILE")]
    pub key: std::path::PathBuf,

    /// Scramble MAC addresses too (Ethernet, ARP, Linux cooked), prefix-preserving like the IP
    /// addresses; broadcast stays broadcast.
    #[arg(long)]
    pub macs: bool,

    /// Keep each frame's headers up to this layer and drop the rest: link, network or
    /// transport (the length on the wire is kept).
    #[arg(long, value_name = "LAYER")]
    pub cut_after: Option<wirescope_traffic::anon::Cut>,

    /// Print what was done as one JSON object.
    #[arg(long)]
    pub json: bool,
}

const CAPTURE_HELP: &str = "\
Runs until --count packets, --duration, or Ctrl-C (which ends it normally, as in tcpdump). On a
terminal a line shows packets, bytes and the rate every second. At the end: the report (as
`analyze` prints it) and each interface's kernel counters (received by the filter, dropped for
lack of buffer, dropped by the interface). Needs CAP_NET_RAW (root, or setcap) and libpcap at run
time (Debian's libpcap0.8, which tcpdump brings).

Examples:
  wirescope capture -i eth0 -f 'icmp or udp port 53' --duration 30s
  wirescope capture -i eth0,eth1 -w both.pcapng --count 100000
  wirescope capture -i any --json --duration 5s | jq .top_talkers";

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Interfaces, comma-separated ("any" for all of them).
    #[arg(short = 'i', long, value_name = "IFACE[,IFACE]")]
    pub interface: String,

    /// Capture inside this network namespace (a name under /run/netns, or a path), as
    /// `ip netns exec NS tcpdump` would.
    #[arg(long, value_name = "NS")]
    pub netns: Option<String>,

    /// BPF capture filter (tcpdump syntax), compiled by libpcap.
    #[arg(short = 'f', long = "filter", value_name = "BPF")]
    pub bpf: Option<String>,

    /// Write the captured packets to this pcapng file.
    #[arg(short = 'w', long, value_name = "OUT.pcapng")]
    pub write: Option<std::path::PathBuf>,

    /// Stop after this long (e.g. 30s).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub duration: Option<Duration>,

    /// Stop after this many packets.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,

    /// Put the interfaces in promiscuous mode.
    #[arg(long)]
    pub promisc: bool,

    /// Immediate mode: each frame handed over as it arrives (lowest latency, but one wake-up
    /// per frame: floods drop). Default: kernel blocks at most 100 ms old.
    #[arg(long)]
    pub immediate: bool,

    /// Bytes kept of each packet.
    #[arg(short = 's', long, value_name = "BYTES", default_value_t = 262_144, value_parser = clap::value_parser!(u32).range(64..=262_144))]
    pub snaplen: u32,

    /// Kernel buffer per interface, MiB.
    #[arg(short = 'B', long = "buffer", value_name = "MIB", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=2048))]
    pub buffer_mb: u32,

    /// Print one JSON document: the report plus `capture` (per-interface counters).
    #[arg(long)]
    pub json: bool,

    /// Rows of each table (talkers, conversations, flows).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
}

const CREDS_HELP: &str = "\
Secrets (communities, passwords) never touch disk in plaintext. Where they live is chosen by
WIRESCOPE_SECRET_STORE:
  auto (default)  the OS secret store (Secret Service: GNOME Keyring, KWallet, KeePassXC) when the
                  session has one, else the encrypted file
  os              the OS secret store only
  file            the encrypted file $XDG_DATA_HOME/wirescope/secrets.enc (XChaCha20-Poly1305, key
                  from Argon2id over the passphrase in WIRESCOPE_SECRETS_PASSPHRASE, or asked for
                  on a terminal)
Profiles themselves (version, user, protocols) are in $XDG_CONFIG_HOME/wirescope/profiles.json.

Examples:
  WIRESCOPE_SNMP_COMMUNITY=s3cret wirescope creds add core   # -c works too, but lands in shell history
  wirescope creds add edge -v 3 -u ops -a SHA-256 -x AES   # passwords from WIRESCOPE_SNMP_AUTH_PASSWORD/_PRIV_PASSWORD
  wirescope creds test edge 10.0.0.1
  wirescope topology 10.0.0.1 --profile core --profile edge";

const TOPOLOGY_EXAMPLES: &str = "\
Each device is polled with the first credential that answers: the --profile options in the
order given, then the -c/-u flags when given (with no profile, the flags or community public).
Neighbours are followed through the management address they announce, --depth hops from the
seeds; neighbours past the limit, without an address or not answering are drawn dashed.

Examples:
  wirescope topology 10.0.0.1 --depth 3 --profile core --profile access
  wirescope topology 10.0.0.1,10.0.9.1 -c public --dot | dot -Tsvg > map.svg
  wirescope topology 10.0.0.1 -o map.json     # also write the map (JSON; .dot/.gv for DOT)

With --json: NDJSON, a \"device\" row per device polled followed by its \"neighbor\" rows, then
one \"topology\" row holding the map (\"nodes\", \"links\", \"components\"), then the summary.";

#[derive(Debug, Args)]
pub struct TopologyArgs {
    #[command(flatten)]
    pub device: DeviceArgs,

    /// Follow neighbours this many hops from the seeds (0: the seeds only).
    #[arg(long, value_name = "N", default_value_t = SnmpOptions::default().depth, value_parser = clap::value_parser!(u32).range(0..=16))]
    pub depth: u32,

    /// Print the map as Graphviz DOT (instead of the device table).
    #[arg(long, conflicts_with = "json")]
    pub dot: bool,

    /// Also write the map to FILE: DOT for .dot/.gv, JSON otherwise.
    #[arg(short = 'o', long = "write", value_name = "FILE")]
    pub write: Option<std::path::PathBuf>,
}

/// `wirescope fdb`'s arguments.
#[derive(Debug, Args)]
pub struct FdbArgs {
    #[command(flatten)]
    pub device: DeviceArgs,

    /// Also read these VLANs' contexts (community@VLAN; SNMPv3: the context vlan-VLAN), as
    /// switches that keep BRIDGE-MIB per VLAN (Cisco) need: comma separated, at most 64.
    #[arg(long = "vlan-context", value_name = "VLANS", value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=4094))]
    pub vlan_contexts: Vec<u16>,
}

/// `wirescope locate`'s arguments.
#[derive(Debug, Args)]
pub struct LocateArgs {
    /// What to find: an IP address, a MAC address (aa:bb:cc:dd:ee:ff, aabb.ccdd.eeff,
    /// aa-bb-cc-dd-ee-ff or aabbccddeeff) or a host name (resolved here).
    #[arg(value_name = "IP|MAC|NAME")]
    pub query: String,

    /// Devices to start from (routers and switches): target expressions, repeatable; their
    /// LLDP/CDP neighbours are read too, --depth hops away.
    #[arg(long = "seed", value_name = "DEVICES", required = true)]
    pub seeds: Vec<String>,

    /// Follow neighbours this many hops from the seeds (0: the seeds only).
    #[arg(long, value_name = "N", default_value_t = SnmpOptions::default().depth, value_parser = clap::value_parser!(u32).range(0..=16))]
    pub depth: u32,

    #[command(flatten)]
    pub auth: SnmpAuthArgs,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

const LOCATE_HELP: &str = "\
Examples:
  wirescope locate 10.20.4.12 --seed core1 --profile noc
  wirescope locate 00:1b:21:aa:bb:cc --seed 10.0.0.1-4 -c public --depth 3
  wirescope locate printer-4.lab.example --seed core1 --profile noc --json

Each device the crawl reaches is read once: its LLDP/CDP neighbours, its ARP tables (IP-MIB)
and its forwarding database (Q-BRIDGE-MIB, BRIDGE-MIB) with its ports' ifAlias. An IP address
(or a name's addresses) becomes MACs through the ARP tables; a MAC is then looked up in every
forwarding database. A port with an LLDP/CDP neighbour is an uplink; the edge port that learnt
the MAC with the fewest MACs on it is where the host is:

  as1.lab.test ge1 vlan 20 'desk 4.12'  (02:57:53:00:48:11, 1 MAC on the port)

The other ports that learnt it follow (uplinks). A MAC on several edge ports lists each. When
nothing is found the reason is said (no ARP entry, not learnt, only on uplinks) and the exit
status is 1. --json prints one object: {\"kind\": \"located\", \"found\": [...], \"seen\": [...],
\"note\", ...}.";

const SSH_EXEC_HELP: &str = "\
Examples:
  wirescope ssh exec 10.0.0.1-40 --user ops --identity ~/.ssh/id_ed25519 -- show version
  wirescope ssh exec -f routers.txt --profile noc --json -- 'show running-config' > configs.ndjson
  wirescope ssh exec core1 --user ops --password-env OPS_PW -J ops@bastion -- uptime

Host keys: checked against wirescope's known_hosts (--known-hosts, default
$XDG_DATA_HOME/wirescope/known_hosts) and, read only, ~/.ssh/known_hosts. A host seen for the
first time is refused unless --accept-new-host-keys records its key (OpenSSH's accept-new). A
changed key is always refused, with the old and new fingerprints; `wirescope ssh known-hosts rm
HOST` removes the old entry once you know the new key is right.

Logins: a key (--identity, with --identity-passphrase-env for an encrypted one), a password
(--password-env VAR names the variable holding it: passwords stay out of shell history and the
process list) tried as password and keyboard-interactive, or a credential profile (--profile).

With --json: NDJSON, one \"ssh\" row per device as its command ends (target, exit_status, stdout,
stderr, elapsed_ms, error, error_kind), then the summary. Exit status 0 once every device was
tried, whatever the commands answered.";

#[derive(Debug, Subcommand)]
pub enum SshCmd {
    /// Run one command on every target at once; each device's output as its command ends.
    #[command(after_long_help = SSH_EXEC_HELP)]
    Exec(Box<SshExecArgs>),
    /// Change many devices' configuration: type CHANGES in configuration mode on each, stop a
    /// device at the first line it refuses, save when asked; each device's diff before/after.
    #[command(after_long_help = SSH_CONFIG_HELP)]
    Config(Box<SshConfigArgs>),
    /// Fetch many devices' running configuration and keep each new version in the history,
    /// with its diff against the previous one.
    #[command(after_long_help = SSH_BACKUP_HELP)]
    Backup(Box<SshBackupArgs>),
    /// The configuration versions kept by backups: every device's newest, one device's
    /// versions, one version's text or diff.
    Configs(SshConfigsArgs),
    /// The known host keys: list them, or remove a host's entries (after a key changed).
    #[command(subcommand, name = "known-hosts")]
    KnownHosts(KnownHostsCmd),
}

/// How `ssh` commands log in, and their limits.
#[derive(Debug, Args)]
pub struct SshLoginArgs {
    /// Login user (default: the profile's).
    #[arg(short = 'l', long, value_name = "USER")]
    pub user: Option<String>,

    /// Read the password from this environment variable (tried as password, then as
    /// keyboard-interactive answer).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,

    /// Private key file (OpenSSH or PEM: ed25519, ECDSA, RSA).
    #[arg(short = 'i', long, value_name = "KEYFILE")]
    pub identity: Option<std::path::PathBuf>,

    /// Read the private key's passphrase from this environment variable.
    #[arg(long, value_name = "VAR", requires = "identity")]
    pub identity_passphrase_env: Option<String>,

    /// Credential profile with an SSH login (`wirescope creds add NAME --ssh-user ...`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// SSH port.
    #[arg(short = 'p', long, default_value_t = SshOptions::default().port, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,

    /// Connect through this jump host, `[user@]host[:port]` (OpenSSH's -J), with the same
    /// credentials.
    #[arg(short = 'J', long, value_name = "HOST")]
    pub jump: Option<String>,

    /// known_hosts file to check and record keys in (default: wirescope's own).
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<std::path::PathBuf>,

    /// Record and trust the keys of hosts seen for the first time (never a changed key).
    #[arg(long)]
    pub accept_new_host_keys: bool,

    /// Limit for connecting, and again for the key exchange and login.
    #[arg(long, value_name = "DURATION", default_value = format_duration(SshOptions::default().timeout), value_parser = parse_duration)]
    pub timeout: Duration,

    /// Limit for the command once it runs.
    #[arg(long, value_name = "DURATION", default_value = format_duration(SshOptions::default().command_timeout), value_parser = parse_duration)]
    pub command_timeout: Duration,

    /// Devices worked on at once.
    #[arg(short = 'c', long, value_name = "N", default_value_t = SshOptions::default().concurrency as u64, value_parser = clap::value_parser!(u64).range(1..=10000))]
    pub concurrency: u64,

    /// Bytes kept of each device's stdout and of its stderr.
    #[arg(long, value_name = "BYTES", default_value_t = SshOptions::default().max_output as u64, value_parser = clap::value_parser!(u64).range(1..=(64 << 20)))]
    pub max_output: u64,
}

#[derive(Debug, Args)]
pub struct SshExecArgs {
    #[command(flatten)]
    pub targets: TargetArgs,

    /// The command line to run, after `--` (joined with spaces, run by the login shell).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,

    #[command(flatten)]
    pub login: SshLoginArgs,

    /// Run the commands in an interactive shell on a PTY, as on a network CLI: each argument
    /// after -- is one command, typed at the prompt in turn; paging is turned off, privileged
    /// mode entered (--enable-secret-env), each command's output given alone.
    #[arg(long)]
    pub shell: bool,

    /// With --shell: the device's CLI: cisco_ios, cisco_nxos, arista_eos, juniper_junos,
    /// hp_procurve, mikrotik_routeros, huawei_vrp, linux, or auto (guessed from what it prints).
    #[arg(
        long,
        value_name = "PLATFORM",
        requires = "shell",
        default_value = "auto"
    )]
    pub platform: String,

    /// With --shell: the environment variable holding the secret privileged mode asks for.
    #[arg(long, value_name = "VAR", requires = "shell")]
    pub enable_secret_env: Option<String>,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

const SSH_CONFIG_HELP: &str = "\
Examples:
  wirescope ssh config -f ntp.txt --dry-run --profile noc 10.0.0.1-20
  wirescope ssh config -f ntp.txt --save-config --profile noc --platform cisco_ios 10.0.0.1-20
  wirescope ssh config -f vlans.txt --targets-file access.txt --profile noc --json

Each device in turn is shown its configuration, put in configuration mode (`configure
terminal`, `configure`, `system-view`; RouterOS has none), typed the lines of CHANGES one by one,
and taken out again. The first line a device refuses (by the platform's error messages: `%
Invalid input`, `syntax error`, `Error:`, ...) stops it: nothing after that line is typed, nothing
is committed or saved, configuration mode is left, and the result names the line, its number and
what the device said. Junos commits (and a refusal rolls the candidate back); --save-config
then writes the configuration (`write memory`, `copy running-config startup-config`, `save`). Each device's
result has the configuration before and after and their diff, without the lines that change by
themselves (timestamps, counters). --dry-run only shows the configuration and the lines.

Blank lines of CHANGES are skipped; every other line is typed as it is (indentation too).
At most 10,000 lines of at most 4,096 characters.";

const SSH_BACKUP_HELP: &str = "\
Examples:
  wirescope ssh backup --profile noc 10.0.0.1-40
  wirescope ssh backup -f routers.txt --profile noc --platform cisco_ios --json
  wirescope ssh configs                 # every device's newest version
  wirescope ssh configs 10.0.0.7        # its versions
  wirescope ssh configs 10.0.0.7 --diff 12

Each device's running configuration (`show running-config`, `show configuration | display
set`, `display current-configuration`, `/export`) is kept in the history as a version when it
differs from the device's previous one, without the lines that change by themselves (times,
counters); each result says whether it changed, and how.";

/// The network CLI of `ssh config` and `ssh backup`.
#[derive(Debug, Args)]
pub struct SshCliArgs {
    /// The devices' CLI: cisco_ios, cisco_nxos, arista_eos, juniper_junos, hp_procurve,
    /// mikrotik_routeros, huawei_vrp, or auto (guessed from what each prints).
    #[arg(long, value_name = "PLATFORM", default_value = "auto")]
    pub platform: String,

    /// The environment variable holding the secret privileged mode asks for (enable).
    #[arg(long, value_name = "VAR")]
    pub enable_secret_env: Option<String>,
}

/// `wirescope ssh config`.
#[derive(Debug, Args)]
pub struct SshConfigArgs {
    /// Targets: IPs, hostnames, CIDR blocks, ranges.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read targets from FILE (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<String>,

    /// Refuse expansions larger than this (at most 16777216, and what memory holds).
    #[arg(long, value_name = "N", default_value_t = wirescope_probe::targets::DEFAULT_MAX_TARGETS, value_parser = max_targets)]
    pub max_targets: u64,

    /// The configuration lines to type, one per line.
    #[arg(short = 'f', long = "changes", value_name = "CHANGES", required = true)]
    pub changes: std::path::PathBuf,

    /// Only show each device's configuration and the lines that would be typed.
    #[arg(long)]
    pub dry_run: bool,

    /// Save the configuration once every line was accepted (`write memory`, `copy
    /// running-config startup-config`, `save`).
    #[arg(long, conflicts_with = "dry_run")]
    pub save_config: bool,

    #[command(flatten)]
    pub cli: SshCliArgs,

    #[command(flatten)]
    pub login: SshLoginArgs,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `wirescope ssh backup`.
#[derive(Debug, Args)]
pub struct SshBackupArgs {
    #[command(flatten)]
    pub targets: TargetArgs,

    #[command(flatten)]
    pub cli: SshCliArgs,

    #[command(flatten)]
    pub login: SshLoginArgs,

    #[command(flatten)]
    pub net: NetArgs,

    /// Print NDJSON: one object per result as it completes, then a summary object.
    #[arg(long)]
    pub json: bool,

    /// Never show the progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// History the versions are kept in: a SQLite file or postgres://USER@HOST/DB (default:
    /// $XDG_DATA_HOME/wirescope/wirescope.db).
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,
}

/// `wirescope ssh configs`.
#[derive(Debug, Args)]
pub struct SshConfigsArgs {
    /// A device (as it was targeted): its versions; without one, every device's newest.
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,

    /// Print this version's configuration.
    #[arg(long, value_name = "ID", requires = "target", conflicts_with = "diff")]
    pub show: Option<i64>,

    /// Print how this version differs from the device's version before it.
    #[arg(long, value_name = "ID", requires = "target")]
    pub diff: Option<i64>,

    /// Print JSON.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub history: HistoryArgs,
}

#[derive(Debug, Subcommand)]
pub enum KnownHostsCmd {
    /// List the entries of wirescope's known_hosts.
    List {
        #[arg(long, value_name = "FILE")]
        known_hosts: Option<std::path::PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove every entry of HOST (on --port) from wirescope's known_hosts.
    Rm {
        #[arg(value_name = "HOST")]
        host: String,
        #[arg(short = 'p', long, default_value_t = 22, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        #[arg(long, value_name = "FILE")]
        known_hosts: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CredsCmd {
    /// Add or replace a profile. Secrets come from the flags or, better (they stay out of shell
    /// history and the process list), from WIRESCOPE_SNMP_COMMUNITY, WIRESCOPE_SNMP_AUTH_PASSWORD
    /// and WIRESCOPE_SNMP_PRIV_PASSWORD.
    Add(CredsAddArgs),
    /// List the profiles and which of their secrets are set (never the secrets).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile and its secrets.
    Rm {
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Try a profile: read sysName.0 and sysDescr.0 from the targets.
    Test(CredsTestArgs),
}

#[derive(Debug, Args)]
pub struct CredsAddArgs {
    /// Profile name: letters, digits, '.', '_', '-' (at most 64).
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub cred: SnmpCredentialArgs,

    /// Also an SSH login for this user (password from WIRESCOPE_SSH_PASSWORD or --ssh-password,
    /// key from --ssh-key, its passphrase from WIRESCOPE_SSH_KEY_PASSPHRASE, a network CLI's
    /// enable secret from WIRESCOPE_SSH_ENABLE_SECRET).
    #[arg(long, value_name = "USER")]
    pub ssh_user: Option<String>,

    /// SSH password (better: WIRESCOPE_SSH_PASSWORD, out of shell history).
    #[arg(long, value_name = "PASS", requires = "ssh_user")]
    pub ssh_password: Option<String>,

    /// SSH private key file (PEM or OpenSSH); its contents go to the secret store.
    #[arg(long, value_name = "FILE", requires = "ssh_user")]
    pub ssh_key: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CredsTestArgs {
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Anything but loopback requires an access token.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:7878")]
    pub listen: std::net::SocketAddr,

    /// History: a SQLite file, or a team's PostgreSQL shared by several servers, as
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require] (or ?host=/socket/dir)
    /// (default: $XDG_DATA_HOME/wirescope/wirescope.db).
    #[arg(long, value_name = "PATH|URL", env = "WIRESCOPE_DB")]
    pub db: Option<String>,

    /// CA certificates (PEM) that vouch for the PostgreSQL server's TLS certificate (default:
    /// the system's, /etc/ssl/certs/ca-certificates.crt).
    #[arg(long, value_name = "FILE", env = "WIRESCOPE_DB_CA")]
    pub db_ca: Option<std::path::PathBuf>,

    /// The directory of the server's own files (uploads in progress, the self-signed TLS
    /// certificate, the trap engine's state) (default: beside a SQLite history, else
    /// $XDG_DATA_HOME/wirescope).
    #[arg(long, value_name = "DIR")]
    pub files: Option<std::path::PathBuf>,

    /// Access token required on every API and WebSocket request: at least 16 printable ASCII
    /// characters, no spaces (generated and printed when listening off loopback without one;
    /// note that a flag is visible to other local users).
    #[arg(long, value_name = "TOKEN", value_parser = access_token)]
    pub token: Option<String>,

    /// Runs allowed in progress at once (more get 429).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_runs: usize,

    /// Largest target expansion one run may have (at most 16777216, and what memory holds).
    #[arg(long, value_name = "N", default_value_t = wirescope_probe::targets::DEFAULT_MAX_TARGETS, value_parser = max_targets)]
    pub max_targets: u64,

    /// Close a browser terminal after this long without input or output.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = positive_duration)]
    pub ssh_idle_timeout: Duration,

    /// Connections open at once, WebSockets included; past it, new ones are closed at once.
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_connections: u32,

    /// A request's headers must arrive within this, or the connection is closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub header_timeout: Duration,

    /// Close a kept-alive connection after this long with no request and no traffic.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = positive_duration)]
    pub idle_timeout: Duration,

    /// Memory all capture sessions together may hold (rings, kernel buffers, statistics); past
    /// it a live capture gets 429 and the least recently used capture files are evicted.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = byte_size)]
    pub capture_memory: u64,

    /// Live captures running at once (more get 429).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_captures: u32,

    /// Capture file uploads in progress at once (more get 429).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub max_uploads: u32,

    /// Bytes of capture files kept in the history (every capture's closed pcapng files
    /// together, in FILES/captures); past it the oldest files are removed. 0: no files are
    /// written, only each capture's statistics by minute and hour.
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = any_size)]
    pub capture_keep: u64,

    /// Capture files whose last frame is older than this are removed.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = long_duration)]
    pub capture_keep_age: Duration,

    /// A live capture's file is closed and the next begun before it passes this size (the
    /// dashboard can ask for another per capture; at least 64KiB).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = rotate_size)]
    pub capture_rotate_size: u64,

    /// ... or once its frames span this long (whole hours or days: 1h, 1d).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = long_duration)]
    pub capture_rotate_every: Duration,

    /// How long suites' trend samples are kept (the 3-hour view draws every sample), and with
    /// them their 5-minute rollups (the day view).
    #[arg(long, value_name = "DURATION", default_value = format_long(wirescope_watch::Retention::default().samples), value_parser = long_duration)]
    pub trend_samples: Duration,

    /// How long suites' hourly trend rollups (the week and month views) are kept.
    #[arg(long, value_name = "DURATION", default_value = format_long(wirescope_watch::Retention::default().rollups), value_parser = long_duration)]
    pub trend_rollups: Duration,

    /// How long a failed alert delivery (webhook, mail) waits before its first retry; each next
    /// waits three times longer, six attempts in all.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub notify_retry: Duration,

    /// Receive SNMP traps and informs on this address (e.g. 0.0.0.0:162): stored in the history,
    /// live in the dashboard. Without it the dashboard's Traps page can turn the receiver on.
    #[arg(long, value_name = "ADDR:PORT")]
    pub traps: Option<std::net::SocketAddr>,

    /// Accept v1/v2c traps with this community (repeatable; with no community and no profile any
    /// is accepted).
    #[arg(long, value_name = "COMMUNITY", requires = "traps")]
    pub trap_community: Vec<String>,

    /// Accept what this credential profile describes: its community, or its v3 user (repeatable).
    #[arg(long, value_name = "NAME", requires = "traps")]
    pub trap_profile: Vec<String>,

    /// Receive traps inside this network namespace.
    #[arg(long, value_name = "NS", requires = "traps")]
    pub trap_netns: Option<String>,

    /// The trap receiver's SNMPv3 engine ID, in hex [default: made once, kept beside the database].
    #[arg(long, value_name = "HEX", requires = "traps")]
    pub trap_engine_id: Option<String>,

    /// How long received traps are kept (at most the newest million are).
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = long_duration)]
    pub trap_retention: Duration,

    /// Diagnostics bundles kept with their zip (the newest): when a suite's alert fires, the
    /// server traces the target, asks DNS for it, polls the SNMP agents on its path and slices
    /// the running captures, and keeps the bundle against the event. 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub diagnostics_keep: u32,

    /// How long the audit trail keeps a row (whole days or hours): older rows are removed
    /// hourly, and the removal is itself recorded; `audit verify` checks the rest from there.
    #[arg(long, value_name = "DURATION", default_value = "400d", value_parser = long_duration)]
    pub audit_retention: Duration,

    /// How long a remote agent holds a job without a word (its connection lost) before the
    /// job is taken back: re-queued when nothing of it arrived, else its run ended interrupted
    /// with what did (the agent's late results and end are still taken). 2s to 1h.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = agent_lease)]
    pub agent_lease: Duration,

    /// The Crypto-PAn key of anonymised downloads (`?anonymize=true` on a run's export, a run's
    /// or a comparison's PDF report and a capture's pcapng): 32 bytes or 64 hex digits, as
    /// `wirescope anonymize --key` takes.
    /// Default: one made once and kept in the server's files (`anon.key`), so every download
    /// of this server shares one mapping.
    #[arg(long, value_name = "KEYFILE")]
    pub anon_key: Option<std::path::PathBuf>,

    /// A signed-in session unused for this long ends (sign in again).
    #[arg(long, value_name = "DURATION", default_value = "12h", value_parser = session_duration)]
    pub session_idle: Duration,

    /// A session ends this long after sign-in, used or not.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = session_duration)]
    pub session_max: Duration,

    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first); with
    /// --tls-key. HSTS is sent, and browsers' Origin must then be https://.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "tls_self_signed"
    )]
    pub tls_cert: Option<std::path::PathBuf>,

    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// Serve HTTPS with a self-signed certificate, made on first use and kept in tls/ beside
    /// the database; its SHA-256 fingerprint is printed at start (compare it with what the
    /// browser shows before trusting it).
    #[arg(long)]
    pub tls_self_signed: bool,

    /// How much of each running capture a diagnostics bundle takes: the last this long.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = positive_duration)]
    pub diagnostics_capture: Duration,

    /// Single sign-on with this OpenID Connect provider (its issuer URL; the discovery document
    /// is under it): the sign-in page offers it beside local passwords. Needs --oidc-client-id
    /// and at least one --oidc-role; a confidential client's secret comes from
    /// WIRESCOPE_OIDC_CLIENT_SECRET (never a flag: it would show in the process list).
    #[arg(long, value_name = "URL", requires_all = ["oidc_client_id", "oidc_role"], help_heading = "Single sign-on")]
    pub oidc_issuer: Option<String>,

    /// The client id wirescope is registered with at the provider.
    #[arg(
        long,
        value_name = "ID",
        requires = "oidc_issuer",
        help_heading = "Single sign-on"
    )]
    pub oidc_client_id: Option<String>,

    /// Maps a provider group to a role (repeat it): a user gets the highest role of their
    /// groups at each sign-in, and one with no mapped group is refused with a page saying why.
    #[arg(long, value_name = "GROUP=ROLE", value_parser = oidc_role, requires = "oidc_issuer", help_heading = "Single sign-on")]
    pub oidc_role: Vec<(String, wirescope_store::Role)>,

    /// The claim listing the user's groups (in the ID token, else from the userinfo endpoint).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "groups",
        help_heading = "Single sign-on"
    )]
    pub oidc_groups_claim: String,

    /// Where the provider sends browsers back (register it there): this server's
    /// https://HOST[:PORT]/api/oidc/callback. Default: made from the address the browser used.
    #[arg(
        long,
        value_name = "URL",
        requires = "oidc_issuer",
        help_heading = "Single sign-on"
    )]
    pub oidc_redirect_url: Option<String>,

    /// The sign-in button's words.
    #[arg(
        long,
        value_name = "TEXT",
        default_value = "Sign in with single sign-on",
        help_heading = "Single sign-on"
    )]
    pub oidc_label: String,
}

/// A `GROUP=ROLE` of --oidc-role.
fn oidc_role(s: &str) -> Result<(String, wirescope_store::Role), String> {
    let (group, role) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("'{s}': expected GROUP=ROLE (viewer, operator or admin)"))?;
    let group = group.trim();
    if group.is_empty() || group.len() > 256 {
        return Err(format!("'{s}': the group is 1 to 256 characters"));
    }
    Ok((group.to_string(), role.trim().parse()?))
}

/// A retention: whole days (`8d`) or hours (`36h`), up to ten years.
fn long_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let secs = match (num.parse::<u64>(), unit) {
        (Ok(n), "d") => n.checked_mul(86_400),
        (Ok(n), "h") => n.checked_mul(3_600),
        _ => {
            return Err(format!(
                "'{s}' is not a retention (use whole days or hours: 8d, 36h)"
            ));
        }
    };
    match secs {
        Some(secs) if secs > 0 && secs <= 3_650 * 86_400 => Ok(Duration::from_secs(secs)),
        _ => Err(format!("'{s}': a retention is 1h to 3650d")),
    }
}

/// A session's lifetime: seconds or minutes (`90s`, `30m`), or hours or days (`12h`, `7d`).
fn session_duration(s: &str) -> Result<Duration, String> {
    if s.trim_end().ends_with(['h', 'd']) {
        long_duration(s)
    } else {
        positive_duration(s)
    }
}

/// A retention as `long_duration` reads it back.
fn rotate_size(s: &str) -> Result<u64, String> {
    let n = any_size(s)?;
    if n < wirescope_server::traffic::MIN_ROTATE_BYTES {
        return Err(format!(
            "'{s}' is below 64KiB, the smallest a capture file rotates at"
        ));
    }
    Ok(n)
}

fn format_long(d: Duration) -> String {
    let secs = d.as_secs();
    if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else {
        format!("{}h", secs / 3_600)
    }
}

fn max_targets(s: &str) -> Result<u64, String> {
    let hard = wirescope_probe::targets::HARD_MAX_TARGETS;
    match s.parse::<u64>() {
        Ok(n) if (1..=hard).contains(&n) => Ok(n),
        _ => Err(format!("'{s}' is not a target limit (1 to {hard})")),
    }
}

fn access_token(s: &str) -> Result<String, wirescope_server::TokenError> {
    wirescope_server::check_token(s).map(|()| s.to_string())
}

/// A size in bytes of at least 1 MiB (see `any_size`).
pub fn byte_size(s: &str) -> Result<u64, String> {
    let v = any_size(s)?;
    if v < 1 << 20 {
        return Err(format!("'{s}' is below 1 MiB"));
    }
    Ok(v)
}

/// A size in bytes: a number with an optional unit (B, KiB, MiB, GiB, or K, M, G as powers of 1024).
pub fn any_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 512MiB, 2GiB)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" | "kb" => 10,
        "m" | "mib" | "mb" => 20,
        "g" | "gib" | "gb" => 30,
        "t" | "tib" | "tb" => 40,
        u => return Err(format!("'{u}' is not a size unit (B, KiB, MiB, GiB, TiB)")),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))
}

fn duration(s: &str) -> Result<Duration, wirescope_probe::duration::DurationError> {
    parse_duration(s)
}

fn agent_lease(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d < Duration::from_secs(2) || d > Duration::from_secs(3_600) => {
            Err("a lease is 2s to 1h".into())
        }
        d => Ok(d),
    }
}

fn positive_duration(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d.is_zero() => Err("must be above zero".into()),
        d => Ok(d),
    }
}

/// The probe commands whose flags are their kind's options.
#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// ICMP echo to every target (like fping); -c N echoes each.
    #[command(after_long_help = EXAMPLES)]
    Ping(ProbeArgs<PingOptions>),
    /// Trace the path to every target over ICMP, UDP or TCP, all hops probed at once.
    #[command(after_long_help = EXAMPLES)]
    Trace(ProbeArgs<TraceOptions>),
    /// Ask DNS questions for many names at once (like dig); an address gets a PTR question.
    #[command(after_long_help = EXAMPLES)]
    Dns(ProbeArgs<DnsOptions>),
    /// TCP port scan (SYN as root, like nmap -sS; connect otherwise): open, closed, filtered, banners.
    #[command(after_long_help = EXAMPLES)]
    Scan(ProbeArgs<ScanOptions>),
}

impl ProbeCommand {
    /// The run the command asks for.
    pub fn job(self) -> Job {
        match self {
            ProbeCommand::Ping(a) => a.job(),
            ProbeCommand::Trace(a) => a.job(),
            ProbeCommand::Dns(a) => a.job(),
            ProbeCommand::Scan(a) => a.job(),
        }
    }
}

/// A probe command's flags: its targets, the kind's own options (their flags, help and defaults
/// come from the options struct, which derives `Args`), where to probe from, how to print.
#[derive(Debug, Args)]
pub struct ProbeArgs<O: Args> {
    #[command(flatten)]
    pub targets: TargetArgs,

    #[command(flatten)]
    pub options: O,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

impl<O: Args + Into<ProbeOptions>> ProbeArgs<O> {
    fn job(self) -> Job {
        (self.targets, self.net, self.output, self.options.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_subcommand_is_well_formed() {
        // clap checks names, shorts and conflicts of every (sub)command only when it builds it:
        // build them all here, so a clash fails a test instead of a user's command.
        Cli::command().debug_assert();
    }
}
