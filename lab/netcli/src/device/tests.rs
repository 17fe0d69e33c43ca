//! The emulated CLIs on typed keys: prompts, enable, the pager, configuration mode and the
//! configuration it changes, per vendor.

use super::*;

fn profile(platform: Flavor) -> Profile {
    Profile {
        platform,
        hostname: None,
        motd: None,
        auth_banner: None,
        ssh_id: None,
        page_lines: 24,
        ignore_paging: false,
        config_lines: 100,
        slow_ms: 0,
        login_delay_ms: 0,
        prompt: true,
        exec: false,
    }
}

fn session(p: Profile) -> (Session, Arc<Mutex<State>>) {
    let state = State::new(p.platform, "sw1", p.config_lines);
    (Session::new(p, "wsl", "s3cret", state.clone()), state)
}

fn text(outs: Vec<Out>) -> String {
    outs.into_iter()
        .filter_map(|o| match o {
            Out::Text(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn typed(s: &mut Session, keys: &str) -> String {
    text(s.input(keys.as_bytes()))
}

#[test]
fn ios_enters_privileged_mode_only_with_its_secret_and_echoes_the_command_but_not_the_secret() {
    let (mut s, _) = session(profile(Flavor::CiscoIos));
    assert_eq!(text(s.start()), "sw1>");
    let refused = typed(&mut s, "show running-config\r\n");
    assert!(
        refused.starts_with("show running-config\r\n"),
        "{refused:?}"
    );
    assert!(
        refused.contains("% Invalid input detected at '^' marker."),
        "{refused:?}"
    );
    assert_eq!(typed(&mut s, "enable\r"), "enable\r\nPassword: ");
    assert_eq!(typed(&mut s, "wrong\r"), "\r\n% Access denied\r\nsw1>");
    typed(&mut s, "enable\n");
    assert_eq!(typed(&mut s, "s3cret\n"), "\r\nsw1#");
}

#[test]
fn a_long_output_pages_until_a_key_comes_and_not_once_paging_is_off() {
    let (mut s, _) = session(profile(Flavor::CiscoIos));
    s.start();
    typed(&mut s, "enable\rs3cret\r");
    let first = typed(&mut s, "show running-config\r");
    assert!(first.ends_with(" --More-- "), "{first:?}");
    assert_eq!(
        first.matches("\r\n").count(),
        25,
        "the echo's line and a page of 24"
    );
    // A space shows the next page, erasing the pager; Enter one line more.
    let next = typed(&mut s, " ");
    assert!(
        next.starts_with('\u{8}') && next.ends_with(" --More-- "),
        "{next:?}"
    );
    assert_eq!(typed(&mut s, "\r").matches("\r\n").count(), 1);
    let mut rest = String::new();
    while !rest.ends_with("sw1#") {
        rest.push_str(&typed(&mut s, " "));
    }
    assert!(rest.contains("\r\nend\r\n"), "{rest:?}");
    typed(&mut s, "terminal length 0\r");
    let whole = typed(&mut s, "show running-config\r");
    assert!(
        !whole.contains("--More--") && whole.ends_with("end\r\nsw1#"),
        "{whole:?}"
    );
    // The clock in the headers changes on every showing; the body does not.
    assert_ne!(whole, typed(&mut s, "show running-config\r"));
}

#[test]
fn configuration_mode_accepts_known_lines_refuses_others_and_changes_the_device_for_later_sessions()
{
    let (mut s, state) = session(profile(Flavor::CiscoIos));
    s.start();
    typed(&mut s, "enable\rs3cret\rconfigure terminal\r");
    assert!(typed(&mut s, "interface GigabitEthernet0/1\r").ends_with("sw1(config-if)#"));
    assert!(typed(&mut s, "description uplink to core\r").ends_with("sw1(config-if)#"));
    let refused = typed(&mut s, "frobnicate 7\r");
    assert!(refused.contains("% Invalid input detected"), "{refused:?}");
    // A global command leaves the interface's context by itself.
    assert!(typed(&mut s, "ntp server 192.0.2.1\r").ends_with("sw1(config)#"));
    typed(&mut s, "hostname edge9\r");
    assert_eq!(typed(&mut s, "end\r"), "end\r\nedge9#");
    let running = state.lock().expect("state").running.clone();
    let at = running
        .iter()
        .position(|l| l == "interface GigabitEthernet0/1")
        .expect("the interface");
    assert_eq!(running[at + 1], " description link 1");
    assert!(
        running[at..]
            .iter()
            .take(6)
            .any(|l| l == " description uplink to core")
    );
    assert_eq!(running[0], "hostname edge9");
    assert_eq!(
        running.last().map(String::as_str),
        Some("ntp server 192.0.2.1")
    );
    let (mut again, _) = (
        Session::new(profile(Flavor::CiscoIos), "wsl", "s3cret", state.clone()),
        (),
    );
    assert_eq!(text(again.start()), "edge9>");
}

#[test]
fn junos_changes_its_configuration_only_on_commit() {
    let (mut s, state) = session(profile(Flavor::JuniperJunos));
    assert_eq!(text(s.start()), "wsl@sw1> ");
    assert_eq!(
        typed(&mut s, "set cli screen-length 0\r"),
        "set cli screen-length 0\r\nScreen length set to 0\r\nwsl@sw1> "
    );
    assert!(typed(&mut s, "configure\r").ends_with("[edit]\r\nwsl@sw1# "));
    typed(&mut s, "set system host-name core2\r");
    assert!(typed(&mut s, "frob\r").contains("syntax error."));
    assert_eq!(state.lock().expect("state").host, "sw1");
    assert!(typed(&mut s, "commit\r").contains("commit complete"));
    assert!(typed(&mut s, "exit configuration-mode\r").ends_with("wsl@core2> "));
    let shown = typed(&mut s, "show configuration | display set\r");
    assert!(shown.contains("set system host-name core2"), "{shown:?}");
}

#[test]
fn procurve_waits_for_a_key_and_huawei_and_routeros_speak_their_own_words() {
    let (mut hp, _) = session(profile(Flavor::HpProcurve));
    assert_eq!(text(hp.start()), "Press any key to continue");
    assert_eq!(typed(&mut hp, " "), "\r\nsw1> ");
    let (mut vrp, state) = session(profile(Flavor::HuaweiVrp));
    assert_eq!(text(vrp.start()), "<sw1>");
    assert!(typed(&mut vrp, "system-view\r").ends_with("[sw1]"));
    assert!(
        typed(&mut vrp, "interface GigabitEthernet0/0/3\r").ends_with("[sw1-GigabitEthernet0/0/3]")
    );
    assert!(typed(&mut vrp, "undo description link 3\r").ends_with("[sw1-GigabitEthernet0/0/3]"));
    assert!(typed(&mut vrp, "bogus\r").contains("Error: Unrecognized command"));
    assert!(typed(&mut vrp, "return\r").ends_with("<sw1>"));
    assert!(typed(&mut vrp, "save\r").ends_with("Continue? [Y/N]:"));
    assert_eq!(
        typed(&mut vrp, "y\r"),
        "y\r\nInfo: Save the configuration successfully.\r\n<sw1>"
    );
    assert!(
        !state
            .lock()
            .expect("state")
            .running
            .contains(&" description link 3".to_string())
    );
    let (mut ros, state) = session(profile(Flavor::MikrotikRouteros));
    assert_eq!(text(ros.start()), "[wsl@sw1] > ");
    typed(
        &mut ros,
        "/ip address add address=192.0.2.1/24 interface=ether9\r",
    );
    assert!(typed(&mut ros, "/frob\r").contains("bad command name /frob"));
    assert!(
        state
            .lock()
            .expect("state")
            .running
            .contains(&"add address=192.0.2.1/24 interface=ether9".to_string())
    );
}

#[test]
fn a_device_without_a_prompt_says_its_banner_and_nothing_more_and_exec_gives_output_alone() {
    let mut p = profile(Flavor::CiscoNxos);
    p.prompt = false;
    p.motd = Some("Authorised access only".into());
    let (mut s, _) = session(p);
    assert_eq!(text(s.start()), "Authorised access only\r\n");
    assert_eq!(typed(&mut s, "show version\r"), "");
    let (mut e, _) = session(profile(Flavor::CiscoNxos));
    let (out, status) = e.exec("show version");
    assert!(
        out.starts_with("Cisco Nexus") && !out.contains('#'),
        "{out:?}"
    );
    assert_eq!(status, 0);
    assert_eq!(e.exec("frobnicate").1, 1);
}

#[test]
fn slow_output_pauses_every_twenty_lines() {
    let mut p = profile(Flavor::AristaEos);
    p.slow_ms = 30;
    p.page_lines = 0;
    let (mut s, _) = session(p);
    s.start();
    s.input(b"enable\rs3cret\r");
    let outs = s.input(b"show running-config\r");
    let pauses = outs.iter().filter(|o| matches!(o, Out::Pause(_))).count();
    assert!(pauses >= 5, "{pauses} pauses");
}
