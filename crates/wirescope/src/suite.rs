//! The suite commands: `suite add` (from a file or flags), `list`, `show`, `rm`, `enable`,
//! `disable`, and `run`, which runs a suite now from this shell through the same pipeline as
//! probe commands, saved and tagged with the suite, and records the fire.

use crate::cli::{HistoryArgs, OutputArgs, SuiteAddArgs, SuiteCmd};
use crate::execute::execute;
use crate::{Failure, history};
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use wirescope_runs::engine::{ProbeOptions, RunRequest};
use wirescope_store::{FireOutcome, Origin, Store, StoreError, SuiteRecord, now_ms};
use wirescope_watch::schedule::show_time;
use wirescope_watch::spec::{Format, RunSpec, ScheduleSpec, Suite};
use wirescope_watch::{Due, Schedule, scheduler};

/// Targets a suite's run may expand to from this shell.
const MAX_TARGETS: u64 = 1 << 24;

pub(crate) async fn suite_command(cmd: SuiteCmd, colour: bool) -> Result<ExitCode, Failure> {
    match cmd {
        SuiteCmd::Add(a) => add(*a),
        SuiteCmd::List { history, json } => list(&history, json),
        SuiteCmd::Show {
            name,
            history,
            json,
        } => show(&name, &history, json),
        SuiteCmd::Rm { name, history } => {
            let store = history::open(&history)?;
            let rec = find(&store, &name)?;
            store.delete_suite(rec.id).map_err(runtime)?;
            eprintln!("removed suite {name}");
            Ok(ExitCode::SUCCESS)
        }
        SuiteCmd::Enable { name, history } => enable(&name, &history, true),
        SuiteCmd::Disable { name, history } => enable(&name, &history, false),
        SuiteCmd::Run {
            name,
            history,
            json,
        } => run(&name, &history, json, colour).await,
    }
}

fn runtime(e: StoreError) -> Failure {
    Failure::Runtime(e.to_string())
}

fn find(store: &Store, name: &str) -> Result<SuiteRecord, Failure> {
    store
        .suite(name)
        .map_err(runtime)?
        .ok_or_else(|| Failure::Usage(format!("no suite named '{name}' (wirescope suite list)")))
}

fn spec_of(rec: &SuiteRecord) -> Result<Suite, Failure> {
    let value =
        serde_json::from_str(rec.spec.get()).map_err(|e| Failure::Runtime(e.to_string()))?;
    Suite::from_value(value)
        .map_err(|e| Failure::Runtime(format!("suite {}: the stored suite: {e}", rec.name)))
}

fn add(a: SuiteAddArgs) -> Result<ExitCode, Failure> {
    let suite = match &a.file {
        Some(path) => {
            let (text, format) = if path.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .take(wirescope_watch::spec::MAX_SPEC_BYTES as u64 + 1)
                    .read_to_string(&mut text)
                    .map_err(|e| Failure::Usage(format!("-f -: {e}")))?;
                (text, Format::Json)
            } else {
                let format = Format::of_path(path).ok_or_else(|| {
                    Failure::Usage(format!(
                        "{}: a suite file ends in .toml, .yaml, .yml or .json",
                        path.display()
                    ))
                })?;
                let mut text = String::new();
                std::fs::File::open(path)
                    .and_then(|f| {
                        f.take(wirescope_watch::spec::MAX_SPEC_BYTES as u64 + 1)
                            .read_to_string(&mut text)
                    })
                    .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
                (text, format)
            };
            Suite::parse(&text, format)
                .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?
        }
        None => from_flags(&a)?,
    };
    let name = a
        .name
        .clone()
        .or_else(|| suite.name.clone())
        .ok_or_else(|| {
            Failure::Usage("a suite needs a name: give NAME, or `name` in the file".into())
        })?;
    wirescope_watch::spec::check_name(&name).map_err(|e| Failure::Usage(e.message))?;
    let store = Store::connect(&history::location(a.history.db.as_deref())).map_err(runtime)?;
    let channels: Vec<String> = store
        .channels()
        .map_err(runtime)?
        .into_iter()
        .map(|c| c.name)
        .collect();
    suite
        .check_channels(|n| channels.iter().any(|c| c == n))
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let json = suite.to_json();
    let verb = match store.create_suite(&name, &json) {
        Ok(_) => "added",
        Err(StoreError::SuiteExists(_)) if a.replace => {
            let rec = find(&store, &name)?;
            store.replace_suite(rec.id, &json).map_err(runtime)?;
            "replaced"
        }
        Err(e @ StoreError::SuiteExists(_)) => {
            return Err(Failure::Usage(format!("{e} (--replace replaces it)")));
        }
        Err(e @ StoreError::TooManySuites(_)) => return Err(Failure::Usage(e.to_string())),
        Err(e) => return Err(runtime(e)),
    };
    let when = match &suite.schedule {
        Some(s) => {
            let schedule = Schedule::new(s).map_err(|e| Failure::Usage(e.to_string()))?;
            let next = schedule
                .next_after(now_ms())
                .map_or_else(|| "never again".into(), |t| schedule.show(t));
            format!("{}; next {next} (when `serve` runs)", schedule.describe())
        }
        None => "on demand".into(),
    };
    eprintln!(
        "{verb} suite {name}: {} run{}, {when}",
        suite.runs.len(),
        if suite.runs.len() == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

/// One run from the flags.
fn from_flags(a: &SuiteAddArgs) -> Result<Suite, Failure> {
    let kind = a
        .kind
        .ok_or_else(|| Failure::Usage("give -f FILE, or --kind and the run's targets".into()))?;
    let mut options = serde_json::Map::new();
    for o in &a.options {
        let (key, value) = o
            .split_once('=')
            .ok_or_else(|| Failure::Usage(format!("--option '{o}': KEY=VALUE")))?;
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        options.insert(key.trim().to_string(), value);
    }
    let suite = Suite {
        name: None,
        description: a.description.clone(),
        schedule: a.cron.clone().map(|cron| ScheduleSpec {
            cron,
            timezone: a.timezone.clone(),
            spread: a.spread,
        }),
        runs: vec![RunSpec {
            kind,
            options: serde_json::Value::Object(options),
            targets: a.targets.clone(),
            targets_file: a.targets_file.clone(),
            topology_run: a.topology_run,
            net: wirescope_net::NetOptions {
                netns: a.netns.clone(),
                ..Default::default()
            },
            sites: a.sites.clone(),
        }],
        alerts: Vec::new(),
        maintenance: Vec::new(),
        parents: Default::default(),
    };
    suite.check().map_err(|e| {
        // The flags' names, not the file's fields.
        let flag = match e.field.as_str() {
            "schedule.cron" => "--cron".to_string(),
            "schedule.timezone" => "--timezone".to_string(),
            "schedule.spread" => "--spread".to_string(),
            f if f.starts_with("runs[0].options") => "--option".to_string(),
            "runs[0].targets" => "--targets".to_string(),
            f => f.to_string(),
        };
        Failure::Usage(format!("{flag}: {}", e.message))
    })?;
    Ok(suite)
}

/// What the schedule says next, in words.
fn next_of(rec: &SuiteRecord, suite: &Suite) -> (String, String) {
    let Some(Ok(schedule)) = suite.schedule.as_ref().map(Schedule::new) else {
        return ("on demand".into(), "-".into());
    };
    let next = if !rec.enabled {
        "disabled".into()
    } else {
        match schedule.due(rec.last_due, rec.created_at, now_ms()) {
            Due::At(t) => schedule.show(t),
            Due::Now { .. } => "due now".into(),
            Due::Never => "never again".into(),
        }
    };
    (schedule.describe(), next)
}

fn list(h: &HistoryArgs, json: bool) -> Result<ExitCode, Failure> {
    let store = history::open(h)?;
    let suites = store.suites().map_err(runtime)?;
    let width = suites
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    if !json && !suites.is_empty() {
        println!(
            "{:<width$}  {:<8}  {:<4}  {:<26}  SCHEDULE",
            "NAME", "STATE", "RUNS", "NEXT"
        );
    }
    for rec in &suites {
        let suite = spec_of(rec)?;
        let (words, next) = next_of(rec, &suite);
        let last = store.fires(rec.id, 1).map_err(runtime)?.into_iter().next();
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "kind": "suite", "name": rec.name, "enabled": rec.enabled, "runs": suite.runs.len(),
                    "schedule": suite.schedule, "schedule_text": words, "next": next, "last_fire": last,
                })
            );
        } else {
            let state = if rec.enabled { "enabled" } else { "disabled" };
            println!(
                "{:<width$}  {:<8}  {:<4}  {:<26}  {words}",
                rec.name,
                state,
                suite.runs.len(),
                next
            );
        }
    }
    if !json && suites.is_empty() {
        eprintln!("no suites (wirescope suite add)");
    }
    Ok(ExitCode::SUCCESS)
}

fn show(name: &str, h: &HistoryArgs, json: bool) -> Result<ExitCode, Failure> {
    let store = history::open(h)?;
    let rec = find(&store, name)?;
    let suite = spec_of(&rec)?;
    let fires = store.fires(rec.id, 10).map_err(runtime)?;
    let schedule = suite.schedule.as_ref().and_then(|s| Schedule::new(s).ok());
    let upcoming = schedule
        .as_ref()
        .map(|s| s.upcoming(now_ms(), 5))
        .unwrap_or_default();
    let shown = |t: i64| {
        schedule
            .as_ref()
            .map_or_else(|| show_time(t), |s| s.show(t))
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "name": rec.name, "enabled": rec.enabled, "suite": suite,
                "next": upcoming, "fires": fires,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (words, next) = next_of(&rec, &suite);
    println!(
        "suite {}  ({})",
        rec.name,
        if rec.enabled { "enabled" } else { "disabled" }
    );
    if let Some(d) = &suite.description {
        println!("  {d}");
    }
    println!("schedule: {words}; next: {next}");
    if !upcoming.is_empty() {
        let times: Vec<String> = upcoming.iter().map(|t| shown(*t)).collect();
        println!("  then: {}", times.join(", "));
    }
    println!("runs:");
    for (i, r) in suite.runs.iter().enumerate() {
        let targets = match (&r.targets, &r.targets_file, r.topology_run) {
            (Some(t), _, _) => t.replace('\n', " "),
            (_, Some(f), _) => format!("file {}", f.display()),
            (_, _, Some(run)) => format!("devices of topology run #{run}"),
            _ => "-".into(),
        };
        println!("  [{i}] {} {}  options {}", r.kind, targets, r.options);
    }
    println!("last fires:");
    if fires.is_empty() {
        println!("  none yet");
    }
    for f in &fires {
        let runs: Vec<String> = f.runs.iter().map(|r| format!("#{r}")).collect();
        println!(
            "  {}  {:<9}  {}{}",
            shown(f.fired_at),
            f.outcome.as_str(),
            if runs.is_empty() {
                "-".into()
            } else {
                runs.join(" ")
            },
            f.note
                .as_deref()
                .map(|n| format!("  ({n})"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn enable(name: &str, h: &HistoryArgs, on: bool) -> Result<ExitCode, Failure> {
    let store = history::open(h)?;
    let rec = find(&store, name)?;
    store.set_suite_enabled(rec.id, on).map_err(runtime)?;
    eprintln!("suite {name} {}", if on { "enabled" } else { "disabled" });
    Ok(ExitCode::SUCCESS)
}

/// The run's profiles' secrets, from this user's credential store.
fn with_credentials(probe: &mut ProbeOptions) -> Result<(), String> {
    let needs = match probe {
        ProbeOptions::Snmp(o) => !o.profiles.is_empty(),
        ProbeOptions::Ssh(o) => o.profile.is_some(),
        _ => false,
    };
    if !needs {
        return Ok(());
    }
    let creds = wirescope_creds::Creds::open_default(true).map_err(|e| e.to_string())?;
    match probe {
        ProbeOptions::Snmp(o) => creds.apply(o, false).map_err(|e| e.to_string()),
        ProbeOptions::Ssh(o) => creds.apply_ssh(o).map_err(|e| e.to_string()),
        _ => Ok(()),
    }
}

async fn run(name: &str, h: &HistoryArgs, json: bool, colour: bool) -> Result<ExitCode, Failure> {
    let path =
        h.db.clone()
            .unwrap_or_else(|| wirescope_store::default_path().display().to_string());
    let store = Arc::new(history::open(h)?);
    let rec = find(&store, name)?;
    let suite = spec_of(&rec)?;
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    let mut code = ExitCode::SUCCESS;
    for (i, spec) in suite.runs.iter().enumerate() {
        let prepared = spec
            .probe()
            .map_err(|e| e.to_string())
            .and_then(|mut probe| {
                with_credentials(&mut probe)?;
                let (targets, text) = scheduler::targets_of(&store, spec, MAX_TARGETS)?;
                Ok((
                    RunRequest {
                        targets,
                        probe,
                        net: spec.net.clone(),
                    },
                    text,
                ))
            });
        let (req, text) = match prepared {
            Ok(p) => p,
            Err(e) => {
                eprintln!("wirescope: suite {name}: runs[{i}] ({}): {e}", spec.kind);
                problems.push(format!("runs[{i}] ({}): {e}", spec.kind));
                continue;
            }
        };
        let output = OutputArgs {
            json,
            no_progress: false,
            save: true,
            db: Some(path.clone()),
        };
        match execute(req, output, colour, &text, None, Origin::suite(rec.id, i)).await {
            Ok((c, id)) => {
                runs.extend(id);
                if c != ExitCode::SUCCESS {
                    code = c;
                    break;
                }
            }
            Err(Failure::Runtime(e) | Failure::Usage(e)) => {
                eprintln!("wirescope: suite {name}: runs[{i}] ({}): {e}", spec.kind);
                problems.push(format!("runs[{i}] ({}): {e}", spec.kind));
            }
        }
    }
    let outcome = if runs.is_empty() {
        FireOutcome::Failed
    } else {
        FireOutcome::Started
    };
    let note = (!problems.is_empty()).then(|| problems.join("; "));
    store
        .record_fire(rec.id, None, outcome, &runs, note.as_deref())
        .map_err(runtime)?;
    if outcome == FireOutcome::Failed {
        return Err(Failure::Runtime(format!(
            "suite {name}: no run could start"
        )));
    }
    Ok(code)
}
