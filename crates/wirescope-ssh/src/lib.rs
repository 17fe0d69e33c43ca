//! wirescope's SSH side: the `ssh` run kind (`exec`: one command on many devices); under it a
//! client (russh) that logs in by key, password or keyboard-interactive, optionally through one
//! jump host, with host keys checked against a known_hosts store; commands and PTY shells on the
//! connection; asciicast v2 recordings of terminal sessions; network CLIs' platforms as data
//! (prompts, paging, privileged and configuration modes, errors).

pub mod cast;
pub mod client;
pub mod config;
pub mod exec;
pub mod known_hosts;
pub mod platform;

pub use client::{
    ConnectOptions, Endpoint, ExecOutput, FirstContact, HostKeyInfo, HostKeyPolicy, Jump, Login,
    Prompter, Session, SshError, check_host, connect, connect_jump, connect_through, dial,
    first_hop,
};
pub use known_hosts::KnownHosts;
