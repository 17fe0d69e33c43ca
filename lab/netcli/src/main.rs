//! `wirescope-lab-netcli CONFIG.json`: the lab's emulated network devices behind one SSH server.
//! Each address it is reached on is a device (a profile from the configuration, or the default
//! one), with its own running configuration kept for as long as the server runs. Logins by
//! password; PTY shells run the emulated CLI; the exec channel is refused unless the profile
//! allows it. Started by `lab/lab.sh up` inside a lab namespace; never run elsewhere.

mod device;
mod flavor;

use device::{Out, Profile, Session, State};
use russh::server::{Auth, Msg, Session as SshSession};
use russh::{Channel, ChannelId};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Addresses listened on (`0.0.0.0:2300`).
    listen: Vec<SocketAddr>,
    /// An OpenSSH private key file (the host key).
    host_key: String,
    user: String,
    password: String,
    enable_secret: String,
    /// The profile of any address not listed.
    default: Profile,
    #[serde(default)]
    devices: Vec<Device>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Device {
    address: IpAddr,
    #[serde(flatten)]
    profile: Profile,
}

/// Everything a connection needs: the profiles, the devices' states, the SSH configurations.
struct Lab {
    config: Config,
    states: Mutex<HashMap<IpAddr, Arc<Mutex<State>>>>,
    ssh: HashMap<Option<String>, Arc<russh::server::Config>>,
}

impl Lab {
    fn profile(&self, addr: IpAddr) -> &Profile {
        self.config
            .devices
            .iter()
            .find(|d| d.address == addr)
            .map(|d| &d.profile)
            .unwrap_or(&self.config.default)
    }

    fn state(&self, addr: IpAddr) -> Arc<Mutex<State>> {
        let p = self.profile(addr);
        let host = p.hostname.clone().unwrap_or_else(|| match addr {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                format!("r{}-{}", o[2], o[3])
            }
            IpAddr::V6(v6) => format!("r{:x}", v6.segments()[7]),
        });
        let mut all = self.states.lock().unwrap_or_else(|e| e.into_inner());
        all.entry(addr)
            .or_insert_with(|| State::new(p.platform, &host, p.config_lines))
            .clone()
    }
}

/// One connection's handler.
struct Conn {
    lab: Arc<Lab>,
    addr: IpAddr,
    shells: HashMap<ChannelId, mpsc::UnboundedSender<Vec<u8>>>,
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn authentication_banner(&mut self) -> Result<Option<String>, Self::Error> {
        Ok(self.lab.profile(self.addr).auth_banner.clone())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let c = &self.lab.config;
        if user == c.user && password == c.password {
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pw: u32,
        _ph: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        self.shells.insert(channel, tx);
        let lab = &self.lab.config;
        let mut cli = Session::new(
            self.lab.profile(self.addr).clone(),
            &lab.user,
            &lab.enable_secret,
            self.lab.state(self.addr),
        );
        let handle = session.handle();
        tokio::spawn(async move {
            let mut outs = cli.start();
            loop {
                for o in outs {
                    match o {
                        Out::Text(t) => {
                            if handle.data(channel, t.into_bytes()).await.is_err() {
                                return;
                            }
                        }
                        Out::Pause(d) => tokio::time::sleep(d).await,
                        Out::Close => {
                            let _ = handle.eof(channel).await;
                            let _ = handle.close(channel).await;
                            return;
                        }
                    }
                }
                match rx.recv().await {
                    Some(keys) => outs = cli.input(&keys),
                    None => return,
                }
            }
        });
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        let profile = self.lab.profile(self.addr).clone();
        if !profile.exec {
            session.channel_failure(channel)?;
            return Ok(());
        }
        session.channel_success(channel)?;
        let lab = &self.lab.config;
        let mut cli = Session::new(
            profile,
            &lab.user,
            &lab.enable_secret,
            self.lab.state(self.addr),
        );
        let (text, status) = cli.exec(&String::from_utf8_lossy(data));
        session.data(channel, text.into_bytes())?;
        session.exit_status_request(channel, status)?;
        session.eof(channel)?;
        session.close(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.shells.get(&channel) {
            let _ = tx.send(data.to_vec());
        }
        Ok(())
    }
}

fn ssh_config(key: &russh::keys::PrivateKey, id: Option<&str>) -> Arc<russh::server::Config> {
    let mut methods = russh::MethodSet::empty();
    methods.push(russh::MethodKind::Password);
    Arc::new(russh::server::Config {
        server_id: russh::SshId::Standard(
            id.unwrap_or("SSH-2.0-wirescope-lab-netcli")
                .to_string()
                .into(),
        ),
        methods,
        keys: vec![key.clone()],
        auth_rejection_time: std::time::Duration::from_millis(300),
        auth_rejection_time_initial: Some(std::time::Duration::ZERO),
        inactivity_timeout: Some(std::time::Duration::from_secs(300)),
        nodelay: true,
        ..Default::default()
    })
}

fn main() {
    if let Err(e) = run() {
        eprintln!("wirescope-lab-netcli: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: wirescope-lab-netcli CONFIG.json")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let config: Config = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let key = russh::keys::load_secret_key(&config.host_key, None)
        .map_err(|e| format!("{}: {e}", config.host_key))?;
    let mut ssh = HashMap::new();
    for p in std::iter::once(&config.default).chain(config.devices.iter().map(|d| &d.profile)) {
        ssh.entry(p.ssh_id.clone())
            .or_insert_with(|| ssh_config(&key, p.ssh_id.as_deref()));
    }
    let lab = Arc::new(Lab {
        config,
        states: Mutex::new(HashMap::new()),
        ssh,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let mut listeners = Vec::new();
        for a in &lab.config.listen {
            let l = tokio::net::TcpListener::bind(a)
                .await
                .map_err(|e| format!("listen on {a}: {e}"))?;
            listeners.push(l);
        }
        for l in listeners {
            let lab = lab.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = l.accept().await else {
                        // Out of descriptors: let sessions end before taking more.
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let Ok(local) = stream.local_addr() else {
                        continue;
                    };
                    let addr = match local.ip() {
                        IpAddr::V6(v6) => v6
                            .to_ipv4_mapped()
                            .map(IpAddr::V4)
                            .unwrap_or(IpAddr::V6(v6)),
                        v4 => v4,
                    };
                    let config = lab.ssh[&lab.profile(addr).ssh_id].clone();
                    let conn = Conn {
                        lab: lab.clone(),
                        addr,
                        shells: HashMap::new(),
                    };
                    tokio::spawn(async move {
                        if let Ok(running) = russh::server::run_stream(config, stream, conn).await {
                            let _ = running.await;
                        }
                    });
                }
            });
        }
        println!("wirescope-lab-netcli: listening on {:?}", lab.config.listen);
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())
    })
}
