//! The listener: HTTP/1.1 connections (with upgrades, for the WebSockets), over TLS when it is
//! on, under a cap on how many are open at once, a deadline for the TLS handshake and for each
//! request's headers, and an idle deadline between requests, so slow or silent clients cannot
//! hold the server's file descriptors.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_rustls::TlsAcceptor;

/// The address a connection comes from, on each of its requests (for sign-in limits and the
/// audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub std::net::SocketAddr);

/// How the listener bounds its connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once, WebSockets included; past it, new ones are closed at once.
    pub max_connections: usize,
    /// A request's headers must arrive within this.
    pub header_timeout: Duration,
    /// A kept-alive connection with no request in progress and no traffic for this long is closed.
    pub idle_timeout: Duration,
}

/// A connection's socket, noting when bytes last moved either way. It carries the connection's
/// permit, so an upgraded connection (a WebSocket) keeps counting against the cap until it ends.
struct Tracked {
    inner: TcpStream,
    last: Arc<AtomicU64>,
    epoch: Instant,
    _permit: OwnedSemaphorePermit,
}

impl Tracked {
    fn touch(&self) {
        self.last
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` resolves; then lets
/// connections finish their request in progress for up to five seconds.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                // Out of descriptors or a connection reset before accept: keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Past the cap the connection is closed at once (dropped), before any byte is read.
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let epoch = Instant::now();
        let last = Arc::new(AtomicU64::new(0));
        let io = Tracked {
            inner: tcp,
            last: last.clone(),
            epoch,
            _permit: permit,
        };
        let (stop, tls) = (stop_rx.clone(), tls.clone());
        let app = tower::util::MapRequest::new(
            app.clone(),
            move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(Peer(peer));
                req
            },
        );
        tokio::spawn(async move {
            let Some(tls) = tls else {
                return connection(io, epoch, last, app, limits, stop).await;
            };
            // A handshake must end within the header deadline: a silent client is dropped.
            if let Ok(Ok(io)) = tokio::time::timeout(limits.header_timeout, tls.accept(io)).await {
                connection(io, epoch, last, app, limits, stop).await;
            }
        });
    }
    let _ = stop_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(5), slots.acquire_many(all)).await;
    Ok(())
}

async fn connection<I, S>(
    io: I,
    epoch: Instant,
    last: Arc<AtomicU64>,
    app: S,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: tower::Service<
            axum::extract::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let conn = builder
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(app))
        .with_upgrades();
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        let idle_for = Duration::from_millis(
            (epoch.elapsed().as_millis() as u64).saturating_sub(last.load(Ordering::Relaxed)),
        );
        let wait = limits.idle_timeout.saturating_sub(idle_for);
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stop.changed(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep(wait) => {
                let idle_for = Duration::from_millis(
                    (epoch.elapsed().as_millis() as u64)
                        .saturating_sub(last.load(Ordering::Relaxed)),
                );
                if idle_for < limits.idle_timeout {
                    continue;
                }
                if closing {
                    // Asked to close and still silent a whole idle period later (a response
                    // the client stopped reading): dropped.
                    return;
                }
                // Closes the connection between requests, or after the one in progress.
                closing = true;
                last.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
