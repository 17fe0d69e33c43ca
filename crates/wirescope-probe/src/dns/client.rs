//! A multiplexing DNS client: many questions over one connected UDP socket, matched by ID and
//! question, retried on timeout, and re-asked over TCP when an answer comes back truncated.

use crate::error::ProbeError;
use crate::net::NetOptions;
use crate::toolkit::Pacer;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, Record, RecordType};
use socket2::{Protocol, SockAddr, Type};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

/// One question to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: Name,
    pub rtype: RecordType,
}

/// A server's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub rcode: ResponseCode,
    pub answers: Vec<Record>,
    pub transport: &'static str,
}

/// How one question ended, and how long it took from the first packet to the end.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub result: Result<Reply, String>,
    pub elapsed: Duration,
}

/// The EDNS buffer size we announce (the DNS flag day 2020 value, safe from fragmentation).
const EDNS_PAYLOAD: u16 = 1232;

/// A DNS client bound to one server.
#[derive(Debug)]
pub struct Client {
    udp: UdpSocket,
    server: SocketAddr,
    net: NetOptions,
    timeout: Duration,
    retries: u32,
    tcp_only: bool,
}

#[derive(Debug)]
struct State {
    started: Option<Instant>,
    attempt: u32,
    id: u16,
    done: bool,
}

type TcpFuture = Pin<Box<dyn Future<Output = (usize, Result<Reply, String>)>>>;

impl Client {
    /// Opens the UDP socket toward `server` (in the current namespace, with the run's interface and source).
    pub fn new(
        net: &NetOptions,
        server: SocketAddr,
        timeout: Duration,
        retries: u32,
        tcp_only: bool,
    ) -> Result<Self, ProbeError> {
        let sock = net.socket(server.is_ipv6(), Type::DGRAM, Protocol::UDP, true)?;
        let _ = sock.set_recv_buffer_size(4 << 20);
        sock.connect(&SockAddr::from(server))
            .map_err(|e| ProbeError::io(format!("connect to DNS server {server}"), e))?;
        let std: std::net::UdpSocket = sock.into();
        let udp =
            UdpSocket::from_std(std).map_err(|e| ProbeError::io("register the DNS socket", e))?;
        Ok(Client {
            udp,
            server,
            net: net.clone(),
            timeout,
            retries,
            tcp_only,
        })
    }

    /// Asks every question, at most `window` in flight and `rate` per second (0: unlimited), and
    /// calls `done` once per question as it completes.
    pub async fn run(
        &self,
        questions: Vec<Question>,
        window: usize,
        rate: u32,
        cancel: &CancellationToken,
        mut done: impl FnMut(usize, &Question, Outcome),
    ) -> Result<(), ProbeError> {
        let n = questions.len();
        let mut states: Vec<State> = (0..n)
            .map(|_| State {
                started: None,
                attempt: 0,
                id: 0,
                done: false,
            })
            .collect();
        let mut inflight: HashMap<u16, usize> = HashMap::with_capacity(window.min(n));
        let mut expiry: VecDeque<(Instant, usize, u32)> = VecDeque::new();
        let mut tcp: FuturesUnordered<TcpFuture> = FuturesUnordered::new();
        let mut pacer = Pacer::new(rate, Instant::now());
        let (mut next, mut finished) = (0usize, 0usize);
        let mut buf = vec![0u8; 65_535];
        let mut wake_at: Option<Instant>;

        while finished < n {
            let finished_before = finished;
            let now = Instant::now();
            wake_at = expiry.front().map(|e| e.0);
            // Start new questions while the window and the budget allow.
            while next < n && inflight.len() + tcp.len() < window {
                if let Err(at) = pacer.grant(now, 1) {
                    wake_at = Some(wake_at.map_or(at, |w| w.min(at)));
                    break;
                }
                let i = next;
                next += 1;
                states[i].started = Some(Instant::now());
                if self.tcp_only {
                    tcp.push(self.tcp_future(i, &questions[i]));
                } else {
                    self.send_udp(i, &questions[i], &mut states[i], &mut inflight, &mut expiry);
                }
            }
            // An ICMP port unreachable shows as the socket's pending error: the server's port is closed.
            if let Ok(e) = self.udp.try_io(Interest::ERROR, || {
                self.udp
                    .take_error()?
                    .ok_or_else(|| std::io::Error::from(ErrorKind::WouldBlock))
            }) {
                for (_, i) in inflight.drain() {
                    let msg = format!("{} by {}", refused(&e), self.server);
                    finished += finish(&mut states[i], i, &questions[i], Err(msg), &mut done);
                }
            }
            // Read every datagram that is waiting.
            loop {
                match self.udp.try_recv(&mut buf) {
                    Ok(len) => {
                        let Ok(msg) = Message::from_vec(&buf[..len]) else {
                            continue;
                        };
                        let Some(&i) = inflight.get(&msg.metadata.id) else {
                            continue;
                        };
                        if msg.metadata.message_type != MessageType::Response
                            || !same_question(&msg, &questions[i])
                        {
                            continue;
                        }
                        inflight.remove(&msg.metadata.id);
                        if msg.metadata.truncation {
                            tcp.push(self.tcp_future(i, &questions[i]));
                        } else {
                            let reply = Reply {
                                rcode: msg.metadata.response_code,
                                answers: msg.answers,
                                transport: "udp",
                            };
                            finished +=
                                finish(&mut states[i], i, &questions[i], Ok(reply), &mut done);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                        for (_, i) in inflight.drain() {
                            let msg = format!("{} by {}", refused(&e), self.server);
                            finished +=
                                finish(&mut states[i], i, &questions[i], Err(msg), &mut done);
                        }
                    }
                    Err(_) => break,
                }
            }
            // Retry or give up on attempts whose time is over.
            let now = Instant::now();
            while let Some(&(deadline, i, attempt)) = expiry.front() {
                if deadline > now {
                    break;
                }
                expiry.pop_front();
                let st = &mut states[i];
                if st.done || st.attempt != attempt || inflight.get(&st.id) != Some(&i) {
                    continue;
                }
                inflight.remove(&st.id);
                if attempt <= self.retries {
                    self.send_udp(i, &questions[i], st, &mut inflight, &mut expiry);
                } else {
                    let msg = format!("no answer from {} after {} attempts", self.server, attempt);
                    finished += finish(st, i, &questions[i], Err(msg), &mut done);
                }
            }
            if finished >= n {
                break;
            }
            // Answers (or expiries) freed room in the window: start the next questions at once.
            if finished > finished_before && next < n {
                continue;
            }
            let wake = expiry.front().map(|e| e.0).into_iter().chain(wake_at).min();
            let sleep =
                tokio::time::sleep_until(wake.unwrap_or(now + Duration::from_secs(1)).into());
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Ok(()),
                Some((i, result)) = tcp.next(), if !tcp.is_empty() => {
                    finished += finish(&mut states[i], i, &questions[i], result, &mut done);
                }
                r = self.udp.ready(Interest::READABLE | Interest::ERROR) => {
                    r.map_err(|e| ProbeError::io("wait for DNS answers", e))?;
                }
                _ = sleep => {}
            }
        }
        Ok(())
    }

    fn send_udp(
        &self,
        i: usize,
        q: &Question,
        st: &mut State,
        inflight: &mut HashMap<u16, usize>,
        expiry: &mut VecDeque<(Instant, usize, u32)>,
    ) {
        let mut id: u16 = rand::random();
        while inflight.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        st.id = id;
        st.attempt += 1;
        inflight.insert(id, i);
        expiry.push_back((Instant::now() + self.timeout, i, st.attempt));
        if let Ok(bytes) = query_bytes(id, q) {
            // A full socket buffer or a transient error is covered by the retry on timeout.
            let _ = crate::net::io::send(&self.udp, &bytes);
        }
    }

    fn tcp_future(&self, i: usize, q: &Question) -> TcpFuture {
        let (net, server, timeout, q) = (self.net.clone(), self.server, self.timeout, q.clone());
        Box::pin(async move {
            let result = match tokio::time::timeout(timeout, tcp_query(&net, server, &q)).await {
                Ok(r) => r,
                Err(_) => Err(format!(
                    "no answer from {server} over TCP within {timeout:?}"
                )),
            };
            (i, result)
        })
    }
}

fn finish(
    st: &mut State,
    i: usize,
    q: &Question,
    result: Result<Reply, String>,
    done: &mut impl FnMut(usize, &Question, Outcome),
) -> usize {
    if st.done {
        return 0;
    }
    st.done = true;
    let elapsed = st.started.map_or(Duration::ZERO, |s| s.elapsed());
    done(i, q, Outcome { result, elapsed });
    1
}

fn refused(e: &std::io::Error) -> String {
    if e.kind() == ErrorKind::ConnectionRefused {
        "connection refused".to_string()
    } else {
        e.to_string()
    }
}

fn same_question(msg: &Message, q: &Question) -> bool {
    msg.queries
        .first()
        .is_some_and(|got| got.query_type() == q.rtype && got.name().eq_ignore_root(&q.name))
}

/// The wire form of a recursive query with EDNS.
pub fn query_bytes(id: u16, q: &Question) -> Result<Vec<u8>, QueryError> {
    query_bytes_text(id, q).map_err(QueryError)
}

/// Why a DNS question could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

impl From<QueryError> for String {
    fn from(e: QueryError) -> String {
        e.0
    }
}

fn query_bytes_text(id: u16, q: &Question) -> Result<Vec<u8>, String> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(q.name.clone(), q.rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD);
    msg.set_edns(edns);
    msg.to_vec()
        .map_err(|e| format!("cannot encode the query for {}: {e}", q.name))
}

async fn tcp_query(net: &NetOptions, server: SocketAddr, q: &Question) -> Result<Reply, String> {
    let sock = net
        .socket(server.is_ipv6(), Type::STREAM, Protocol::TCP, true)
        .map_err(|e| e.to_string())?;
    let std: std::net::TcpStream = sock.into();
    let mut stream = tokio::net::TcpSocket::from_std_stream(std)
        .connect(server)
        .await
        .map_err(|e| format!("TCP connection to {server}: {e}"))?;
    let id: u16 = rand::random();
    let bytes = query_bytes(id, q)?;
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    framed.extend_from_slice(&bytes);
    stream
        .write_all(&framed)
        .await
        .map_err(|e| format!("TCP write to {server}: {e}"))?;
    loop {
        let len = stream
            .read_u16()
            .await
            .map_err(|e| format!("TCP read from {server}: {e}"))?;
        let mut body = vec![0u8; usize::from(len)];
        stream
            .read_exact(&mut body)
            .await
            .map_err(|e| format!("TCP read from {server}: {e}"))?;
        let msg =
            Message::from_vec(&body).map_err(|e| format!("malformed answer from {server}: {e}"))?;
        if msg.metadata.id == id && same_question(&msg, q) {
            return Ok(Reply {
                rcode: msg.metadata.response_code,
                answers: msg.answers,
                transport: "tcp",
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_has_edns_and_recursion() {
        let q = Question {
            name: Name::from_ascii("h1.lab.test.").unwrap_or_else(|_| Name::root()),
            rtype: RecordType::MX,
        };
        let bytes = query_bytes(0x1234, &q).unwrap_or_default();
        let back = Message::from_vec(&bytes).map_err(|e| e.to_string());
        let back = back.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.metadata.id, 0x1234);
        assert!(back.metadata.recursion_desired);
        assert_eq!(back.max_payload(), EDNS_PAYLOAD);
        assert!(same_question(&back, &q));
        let other = Question {
            name: q.name.clone(),
            rtype: RecordType::A,
        };
        assert!(!same_question(&back, &other));
    }

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 91 + 7) as u8).collect();
            let _ = Message::from_vec(&junk);
        }
        assert!(Message::from_vec(&[0x12]).is_err());
    }
}
