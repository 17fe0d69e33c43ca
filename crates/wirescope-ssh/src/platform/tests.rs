//! Platforms on transcripts as their CLIs print them: prompts and modes, pagers and what erases
//! them, echoes, colours, errors, configuration noise, and the guess of a device's platform.

use super::*;

fn p(name: &str) -> &'static Platform {
    platform(name).unwrap()
}

#[test]
fn every_platform_is_known_by_name_and_its_patterns_compile() {
    for q in PLATFORMS {
        let _ = compiled(q);
        assert_eq!(platform(q.name).unwrap().name, q.name);
    }
    let e = platform("cisco").unwrap_err();
    assert!(
        e.contains("'cisco' is not a platform: cisco_ios, cisco_nxos"),
        "{e}"
    );
    assert!(e.ends_with("linux, or auto"), "{e}");
}

#[test]
fn prompts_say_the_mode() {
    let ios = p("cisco_ios");
    let mode = |q: &Platform, out: &str| q.prompt_at_end(out).map(|(_, m)| m);
    assert_eq!(mode(ios, "banner\r\nsw1>"), Some(Mode::User));
    assert_eq!(mode(ios, "sw1# "), Some(Mode::Privileged));
    assert_eq!(mode(ios, "x\nsw1(config-if)#"), Some(Mode::Config));
    assert_eq!(mode(ios, "GigabitEthernet1/0/1 is up"), None);
    assert_eq!(
        ios.prompt_at_end("\x1b[1msw1#\x1b[0m ").map(|x| x.0),
        Some("sw1#".into())
    );
    let junos = p("juniper_junos");
    assert_eq!(mode(junos, "ops@ex-1> "), Some(Mode::Privileged));
    assert_eq!(mode(junos, "[edit]\nops@ex-1# "), Some(Mode::Config));
    let vrp = p("huawei_vrp");
    assert_eq!(mode(vrp, "<S5735-1>"), Some(Mode::Privileged));
    assert_eq!(
        mode(vrp, "[~S5735-1-GigabitEthernet0/0/1]"),
        Some(Mode::Config)
    );
    let ros = p("mikrotik_routeros");
    assert_eq!(mode(ros, "[admin@crs-1] > "), Some(Mode::Privileged));
    assert_eq!(
        mode(ros, "[admin@crs-1] /ip address> "),
        Some(Mode::Privileged)
    );
    assert_eq!(mode(p("linux"), "ops@h1:~$ "), Some(Mode::Privileged));
}

#[test]
fn output_is_cut_from_echo_pager_debris_colours_and_prompt() {
    let ios = p("cisco_ios");
    let raw = "show version\r\n\x1b[1mCisco IOS Software\x1b[0m, Version 15.2\r\nuptime is 3 weeks\r\n --More-- \u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}        \u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}Processor board ID FOC1\r\n\r\nsw1#";
    assert_eq!(
        ios.clean(raw, "show version"),
        "Cisco IOS Software, Version 15.2\nuptime is 3 weeks\nProcessor board ID FOC1"
    );
    // The echo after the prompt, a carriage return erasing Junos's pager.
    let junos = p("juniper_junos");
    let raw = "ops@ex-1> show configuration | display set \r\nset system host-name ex-1\r\n---(more 45%)---\r                                        \rset interfaces ge-0/0/0 unit 0\r\n\r\nops@ex-1> ";
    assert_eq!(
        junos.clean(raw, "show configuration | display set"),
        "set system host-name ex-1\nset interfaces ge-0/0/0 unit 0"
    );
    // Huawei's pager, and output whose last line only looks like text.
    let vrp = p("huawei_vrp");
    let raw = "display version\r\nHuawei Versatile Routing Platform\r\n  ---- More ----\u{1b}[42D                                          \u{1b}[42DVRP (R) software, Version 5.170\r\n<S5735-1>";
    assert_eq!(
        vrp.clean(raw, "display version"),
        "Huawei Versatile Routing Platform\nVRP (R) software, Version 5.170"
    );
    // Nothing but the prompt: empty output.
    assert_eq!(
        ios.clean("terminal length 0\r\nsw1#", "terminal length 0"),
        ""
    );
}

#[test]
fn errors_are_found_with_their_message() {
    let ios = p("cisco_ios");
    let out = "interface Gi9/9/9\n              ^\n% Invalid input detected at '^' marker.\n";
    assert_eq!(
        ios.error_in(out).as_deref(),
        Some("% Invalid input detected at '^' marker.")
    );
    assert_eq!(ios.error_in("Building configuration...\n[OK]"), None);
    let vrp = p("huawei_vrp");
    let out =
        "interfac GigabitEthernet0/0/1\n  ^\nError: Unrecognized command found at '^' position.";
    assert_eq!(
        vrp.error_in(out).as_deref(),
        Some("Error: Unrecognized command found at '^' position.")
    );
    let ros = p("mikrotik_routeros");
    assert_eq!(
        ros.error_in("bad command name foo (line 1 column 1)")
            .as_deref(),
        Some("bad command name foo (line 1 column 1)")
    );
    assert_eq!(p("linux").error_in("anything"), None);
}

#[test]
fn configurations_compare_without_what_changes_by_itself() {
    let ios = p("cisco_ios");
    let a = "Building configuration...\nCurrent configuration : 1234 bytes\n! Last configuration change at 10:01:02 UTC Mon\nhostname sw1\nntp clock-period 36028797\n";
    let b = "Building configuration...\nCurrent configuration : 1240 bytes\n! Last configuration change at 11:11:11 UTC Tue\nhostname sw1\nntp clock-period 36028811\n";
    assert_eq!(ios.comparable(a), "hostname sw1");
    assert_eq!(ios.comparable(a), ios.comparable(b));
    assert_eq!(
        p("juniper_junos")
            .comparable("## Last commit: 2026-12-01 by ops\nset system host-name ex-1"),
        "set system host-name ex-1"
    );
}

#[test]
fn banners_and_secrets_are_recognised() {
    let hp = p("hp_procurve");
    assert!(hp.key_wanted("HP J9727A 2920-24G-PoE+ Switch\r\nPress any key to continue"));
    assert!(!hp.key_wanted("hp-2920#"));
    assert!(p("cisco_ios").secret_wanted("sw1>enable\r\nPassword: "));
    assert!(!p("juniper_junos").secret_wanted("Password: "));
    assert!(p("cisco_ios").pager_at_end("line\r\n --More-- "));
    assert!(!p("cisco_ios").pager_at_end("line\r\nsw1#"));
}

#[test]
fn a_platform_is_guessed_from_sys_descr_banner_or_prompt() {
    let g = |d: Option<&str>, said: &str| guess(d, said).map(|q| q.name);
    assert_eq!(
        g(Some("Cisco IOS Software, C2960X Software"), ""),
        Some("cisco_ios")
    );
    assert_eq!(g(Some("Cisco NX-OS(tm) n9000"), ""), Some("cisco_nxos"));
    assert_eq!(
        g(Some("Arista Networks EOS version 4.30.1F"), ""),
        Some("arista_eos")
    );
    assert_eq!(
        g(Some("Juniper Networks, Inc. ex2300 kernel JUNOS 21.4"), ""),
        Some("juniper_junos")
    );
    assert_eq!(
        g(
            Some("HP J9727A 2920-24G-PoE+ Switch, revision WB.16.10"),
            ""
        ),
        Some("hp_procurve")
    );
    assert_eq!(
        g(Some("RouterOS CRS326-24G-2S+"), ""),
        Some("mikrotik_routeros")
    );
    assert_eq!(
        g(Some("Huawei Versatile Routing Platform Software"), ""),
        Some("huawei_vrp")
    );
    assert_eq!(g(Some("Linux h1 6.1.0 #1 SMP"), ""), Some("linux"));
    assert_eq!(g(None, "Press any key to continue"), Some("hp_procurve"));
    assert_eq!(g(None, "\r\n<S5735-1>"), Some("huawei_vrp"));
    assert_eq!(g(None, "[admin@crs-1] > "), Some("mikrotik_routeros"));
    assert_eq!(g(None, "ops@ex-1> "), Some("juniper_junos"));
    assert_eq!(g(None, "ops@h1:~$ "), Some("linux"));
    assert_eq!(g(None, "sw1#"), Some("cisco_ios"));
    assert_eq!(g(None, "login: "), None);
}

mod sessions {
    use super::super::driver::{Driver, Item, Kind, Step, Task};
    use super::p;

    fn send(s: &str) -> Step {
        Step::Send(s.into())
    }

    #[test]
    fn a_session_turns_paging_off_enables_and_runs_each_command_alone() {
        let mut d = Driver::new(
            p("cisco_ios"),
            vec!["show clock".into(), "show version".into()],
            Some("s3cret".into()),
            1 << 20,
        );
        assert_eq!(d.feed("\r\nUser Access Verification\r\n\r\nsw1"), vec![]);
        assert_eq!(
            d.feed(">"),
            vec![send("terminal length 0\n")],
            "the prompt came in two pieces"
        );
        assert_eq!(
            d.feed("terminal length 0\r\nsw1>"),
            vec![send("terminal width 511\n")]
        );
        assert_eq!(d.feed("terminal width 511\r\nsw1>"), vec![send("enable\n")]);
        assert_eq!(d.feed("enable\r\nPassword: "), vec![send("s3cret\n")]);
        assert_eq!(d.feed("\r\nsw1#"), vec![send("show clock\n")]);
        assert_eq!(
            d.feed("show clock\r\n*10:01:02.003 UTC Sat Dec 5 2026\r\nsw1#"),
            vec![
                Step::Output {
                    kind: Kind::Command,
                    command: "show clock".into(),
                    text: "*10:01:02.003 UTC Sat Dec 5 2026".into(),
                    error: None
                },
                send("show version\n")
            ]
        );
        // A pager waits for a key; the output comes out whole.
        assert_eq!(
            d.feed("show version\r\nCisco IOS Software\r\n --More-- "),
            vec![send(" ")]
        );
        assert_eq!(
            d.feed("\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}          \u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}ROM: Bootstrap\r\nsw1#"),
            vec![
                Step::Output {
                    kind: Kind::Command,
                    command: "show version".into(),
                    text: "Cisco IOS Software\nROM: Bootstrap".into(),
                    error: None
                },
                Step::Done
            ]
        );
        assert_eq!(d.feed("sw1#"), vec![], "nothing after the end");
    }

    fn texts(plan: &[Item]) -> Vec<(&str, Kind)> {
        plan.iter().map(|i| (i.text.as_str(), i.kind)).collect()
    }

    #[test]
    fn plans_say_what_each_line_is_for_per_platform() {
        let push = |save, dry_run| Task::Push {
            lines: vec!["hostname x".into()],
            save,
            dry_run,
        };
        let ios = p("cisco_ios");
        assert_eq!(
            texts(&push(true, false).plan(ios).unwrap()),
            [
                ("show running-config", Kind::Before),
                ("configure terminal", Kind::Enter),
                ("hostname x", Kind::Change),
                ("end", Kind::Always),
                ("write memory", Kind::Apply),
                ("show running-config", Kind::Always),
            ]
        );
        assert_eq!(
            texts(&push(true, true).plan(ios).unwrap()),
            [("show running-config", Kind::Before)]
        );
        // Junos applies by commit, discards what a refusal left, and has nothing more to save.
        assert_eq!(
            texts(&push(true, false).plan(p("juniper_junos")).unwrap()),
            [
                ("show configuration | display set", Kind::Before),
                ("configure", Kind::Enter),
                ("hostname x", Kind::Change),
                ("commit", Kind::Apply),
                ("rollback 0", Kind::Always),
                ("exit configuration-mode", Kind::Always),
                ("show configuration | display set", Kind::Always),
            ]
        );
        // RouterOS has no configuration mode: its lines are typed at the prompt.
        assert_eq!(
            texts(&push(false, false).plan(p("mikrotik_routeros")).unwrap()),
            [
                ("/export", Kind::Before),
                ("hostname x", Kind::Change),
                ("/export", Kind::Always),
            ]
        );
        assert_eq!(
            Task::Backup.plan(p("linux")).unwrap_err(),
            "linux has no command that shows its configuration"
        );
    }

    #[test]
    fn a_push_stops_at_the_refused_line_and_only_leaves_configuration_mode_after_it() {
        let plan = Task::Push {
            lines: vec![
                "interface Gi0/1".into(),
                "frobnicate".into(),
                "description never typed".into(),
            ],
            save: true,
            dry_run: false,
        }
        .plan(p("cisco_nxos"))
        .unwrap();
        let mut d = Driver::with_plan(p("cisco_nxos"), plan, None, 1 << 20);
        d.feed("nx1# ");
        d.feed("nx1# ");
        assert_eq!(d.feed("nx1# "), vec![send("show running-config\n")]);
        assert_eq!(
            d.feed("show running-config\r\nhostname nx1\r\nnx1# "),
            vec![
                Step::Output {
                    kind: Kind::Before,
                    command: "show running-config".into(),
                    text: "hostname nx1".into(),
                    error: None
                },
                send("configure terminal\n")
            ]
        );
        // A prompt that is not configuration mode's is a refusal of the way in.
        let mut stuck = Driver::with_plan(
            p("cisco_nxos"),
            vec![Item {
                text: "configure terminal".into(),
                kind: Kind::Enter,
            }],
            None,
            1 << 20,
        );
        stuck.feed("nx1# ");
        stuck.feed("nx1# ");
        stuck.feed("nx1# ");
        let steps = stuck.feed("configure terminal\r\nnx1# ");
        assert!(
            matches!(&steps[0], Step::Output { error: Some(e), .. } if e.contains("configuration mode was not entered")),
            "{steps:?}"
        );
        assert_eq!(
            d.feed("configure terminal\r\nnx1(config)# "),
            vec![
                Step::Output {
                    kind: Kind::Enter,
                    command: "configure terminal".into(),
                    text: String::new(),
                    error: None
                },
                send("interface Gi0/1\n")
            ]
        );
        assert_eq!(d.feed("interface Gi0/1\r\nnx1(config-if)# ").len(), 2);
        let steps = d
            .feed("frobnicate\r\n       ^\r\n% Invalid command at '^' marker.\r\nnx1(config-if)# ");
        assert_eq!(
            steps[1],
            send("end\n"),
            "the line after the refused one and the save are never typed"
        );
        assert!(
            matches!(&steps[0], Step::Output { kind: Kind::Change, error: Some(e), .. } if e == "% Invalid command at '^' marker."),
            "{steps:?}"
        );
        assert_eq!(d.feed("end\r\nnx1# ")[1], send("show running-config\n"));
        assert_eq!(
            d.feed("show running-config\r\nhostname nx1\r\nnx1# ")[1],
            Step::Done
        );
    }

    #[test]
    fn a_save_that_asks_is_answered_once_and_a_command_that_asks_never() {
        let vrp = p("huawei_vrp");
        let save = Item {
            text: "save".into(),
            kind: Kind::Apply,
        };
        let mut d = Driver::with_plan(vrp, vec![save], None, 1 << 20);
        d.feed("<vrp1>");
        assert_eq!(d.feed("<vrp1>"), vec![send("save\n")]);
        let q = "save\r\nWarning: The current configuration will be written to the device. Continue? [Y/N]:";
        assert_eq!(d.feed(q), vec![send("y\n")]);
        assert_eq!(
            d.feed(" "),
            vec![],
            "the same question is not answered twice"
        );
        let steps = d.feed("y\r\nInfo: Save the configuration successfully.\r\n<vrp1>");
        assert!(
            matches!(
                &steps[0],
                Step::Output {
                    kind: Kind::Apply,
                    error: None,
                    ..
                }
            ),
            "{steps:?}"
        );
        // The same question during a plain command waits for the operator (and times out).
        let mut c = Driver::new(vrp, vec!["reset counters".into()], None, 1 << 20);
        c.feed("<vrp1>");
        c.feed("<vrp1>");
        assert_eq!(c.feed("reset counters\r\nContinue? [Y/N]:"), vec![]);
    }

    #[test]
    fn a_refused_command_carries_its_error() {
        let mut d = Driver::new(p("juniper_junos"), vec!["show foo".into()], None, 1 << 20);
        assert_eq!(
            d.feed("ops@ex-1> "),
            vec![send("set cli screen-length 0\n")]
        );
        assert_eq!(
            d.feed("set cli screen-length 0 \r\nScreen length set to 0\r\n\r\nops@ex-1> "),
            vec![send("set cli screen-width 0\n")]
        );
        assert_eq!(
            d.feed("ops@ex-1> "),
            vec![send("show foo\n")],
            "no enable on Junos"
        );
        let steps = d.feed("show foo \r\n                 ^\r\nsyntax error, expecting <command>.\r\n\r\nops@ex-1> ");
        assert_eq!(
            steps[0],
            Step::Output {
                kind: Kind::Command,
                command: "show foo".into(),
                text: "                 ^\nsyntax error, expecting <command>.".into(),
                error: Some("syntax error, expecting <command>.".into())
            }
        );
        assert_eq!(steps[1], Step::Done);
    }

    #[test]
    fn enable_without_a_secret_or_with_a_wrong_one_fails_clearly() {
        let ios = p("cisco_ios");
        let start = |secret: Option<&str>| {
            let mut d = Driver::new(
                ios,
                vec!["show run".into()],
                secret.map(str::to_string),
                1 << 20,
            );
            d.feed("sw1>");
            d.feed("sw1>");
            assert_eq!(d.feed("sw1>"), vec![Step::Send("enable\n".into())]);
            d
        };
        let mut none = start(None);
        let steps = none.feed("enable\r\nPassword: ");
        assert!(
            matches!(&steps[..], [Step::Failed(m)] if m.contains("none was given")),
            "{steps:?}"
        );
        let mut wrong = start(Some("nope"));
        assert_eq!(
            wrong.feed("enable\r\nPassword: "),
            vec![Step::Send("nope\n".into())]
        );
        let steps = wrong.feed("\r\n% Access denied\r\n\r\nsw1>");
        assert!(
            matches!(&steps[..], [Step::Failed(m)] if m.starts_with("privileged mode was refused")),
            "{steps:?}"
        );
    }

    #[test]
    fn a_banner_waiting_for_a_key_gets_one_and_a_silent_device_times_out_with_its_last_line() {
        let mut d = Driver::new(p("hp_procurve"), vec!["show system".into()], None, 1 << 20);
        assert_eq!(
            d.feed("HP J9727A 2920-24G-PoE+ Switch\r\nPress any key to continue"),
            vec![send(" ")]
        );
        assert_eq!(d.feed("\r\nhp-2920# "), vec![send("no page\n")]);
        let mut silent = Driver::new(p("cisco_ios"), vec!["show run".into()], None, 1 << 20);
        silent.feed("Welcome to the jump box\r\nlogin banner only");
        let Step::Failed(m) = silent.timed_out(std::time::Duration::from_secs(10)) else {
            panic!("a failure")
        };
        assert_eq!(
            m,
            "no cisco_ios prompt seen in 10.0 s waiting for the first prompt; the last line was 'login banner only'"
        );
        let mut nothing = Driver::new(p("linux"), vec![], None, 1 << 20);
        let Step::Failed(m) = nothing.timed_out(std::time::Duration::from_millis(1500)) else {
            panic!("a failure")
        };
        assert!(m.ends_with("(the device printed nothing)"), "{m}");
        // Output past the limit without a prompt ends the session.
        let mut flood = Driver::new(p("linux"), vec!["yes".into()], None, 100);
        let steps = flood.feed(&"y\n".repeat(60));
        assert!(
            matches!(&steps[..], [Step::Failed(m)] if m == "more than 100 bytes of output without a prompt (max-output)"),
            "{steps:?}"
        );
    }
}
