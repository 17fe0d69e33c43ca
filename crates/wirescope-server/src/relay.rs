//! Runs this server follows but does not make (an agent's, another server's on a database they
//! share): one relay per run reads what the store gained after each notice of it (or every
//! [`LOOK`] without one) and publishes it as the run manager publishes its own runs' events, so
//! any number of WebSocket followers cost the database one reader, not one each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;
use wirescope_runs::RunEvent;
use wirescope_store::{Notice, Store};

/// How long a relay waits for news of its run before it looks anyway (a notice lost with the
/// listening connection costs at most this).
const LOOK: Duration = Duration::from_secs(2);
/// Events a relay keeps for a slow follower before the follower lags (and reads the store).
const QUEUE: usize = 4096;

/// The relays of this server, by run.
#[derive(Debug, Default)]
pub struct Relays {
    live: Mutex<HashMap<i64, broadcast::Sender<RunEvent>>>,
}

impl Relays {
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<i64, broadcast::Sender<RunEvent>>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Subscribes to run `run`'s events, starting its relay when it has none. The relay reads
    /// from `from` on; a follower reads what came before from the store itself.
    pub fn subscribe(
        self: &Arc<Self>,
        store: &Arc<Store>,
        run: i64,
    ) -> broadcast::Receiver<RunEvent> {
        let mut live = self.live();
        if let Some(tx) = live.get(&run) {
            return tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(QUEUE);
        live.insert(run, tx.clone());
        drop(live);
        let notices = store.notices();
        tokio::spawn(relay(self.clone(), store.clone(), run, tx, notices));
        rx
    }
}

async fn relay(
    relays: Arc<Relays>,
    store: Arc<Store>,
    run: i64,
    tx: broadcast::Sender<RunEvent>,
    mut notices: broadcast::Receiver<Notice>,
) {
    // From where the store stands now: followers read what came before themselves.
    let mut next = match read(&store, move |s| s.run(run)).await {
        Some(Some(info)) => info.done,
        _ => 0,
    };
    loop {
        let ended = match read(&store, move |s| s.run(run)).await {
            Some(Some(info)) => {
                // What arrived since, in order; then how far the run is.
                let from = next;
                if let Some(rows) = read(&store, move |s| s.results(run, from)).await {
                    for (seq, data) in rows {
                        let _ = tx.send(RunEvent::Result {
                            seq,
                            json: data.get().into(),
                        });
                        next = seq + 1;
                    }
                }
                let _ = tx.send(RunEvent::Progress {
                    done: next,
                    total: info.total,
                });
                (!info.status.in_progress()).then_some(info)
            }
            // Gone: followers find it gone in the store.
            Some(None) => break,
            // The database is away: look again soon.
            None => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if let Some(info) = ended {
            let summary = info.summary.as_ref().map(|s| Arc::from(s.get()));
            let _ = tx.send(RunEvent::Status {
                status: info.status,
                summary,
                error: info.error,
            });
            break;
        }
        if tx.receiver_count() == 0 {
            break;
        }
        let news = async {
            loop {
                match notices.recv().await {
                    Ok(Notice::Run(id)) if id == run => return,
                    Ok(Notice::Gap) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Ok(Notice::Run(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        };
        let _ = tokio::time::timeout(LOOK, news).await;
    }
    // Gone from the list before the sender drops: a follower that comes now starts another.
    relays.live().remove(&run);
}

/// A store read off the async workers; `None` when it failed.
async fn read<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, wirescope_store::StoreError> + Send + 'static,
) -> Option<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store).ok())
        .await
        .ok()
        .flatten()
}
