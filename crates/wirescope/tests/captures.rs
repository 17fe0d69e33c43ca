//! Stored captures: live captures written to rotating pcapng files that tshark reads, their
//! minutes in the store, retention by size and by a ring of files, a server killed mid-capture
//! and started again, uploads kept with their history, and bad history ranges refused.

mod common;

use common::server::Server;
use common::tshark_count;
use serde_json::{Value, json};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// A pcap whose frames are `per_minute[i]` frames in minute i after `start_ns`.
fn pcap_over_minutes(start_ns: i64, per_minute: &[usize], size: usize) -> Vec<u8> {
    use wirescope_traffic::read::{linktype, pcap_header, pcap_record};
    let mut out = pcap_header(linktype::ETHERNET, 65535).to_vec();
    let f = common::udp_frame(size);
    for (m, n) in per_minute.iter().enumerate() {
        for i in 0..*n {
            let ts = start_ns + m as i64 * 60_000_000_000 + i as i64 * 1_000_000;
            pcap_record(&mut out, ts, size as u32, &f);
        }
    }
    out
}

fn until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "waited {secs} s for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn files(server: &Server, id: i64) -> Vec<Value> {
    let (status, v) = server.json("GET", &format!("/api/captures/{id}/files"), None);
    assert_eq!(status, 200, "{v}");
    v["files"].as_array().cloned().unwrap_or_default()
}

fn listed(server: &Server, id: i64) -> Value {
    let (_, list) = server.json("GET", "/api/captures", None);
    list["captures"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == id).cloned())
        .unwrap_or_else(|| panic!("capture {id} is not listed: {list}"))
}

fn sum(files: &[Value], key: &str) -> i64 {
    files.iter().map(|f| f[key].as_i64().unwrap_or(0)).sum()
}

/// Sends `n` datagrams of `payload` bytes to a socket of its own on loopback port `port`.
fn send_udp(port: u16, n: usize, payload: usize) {
    let rx = UdpSocket::bind(("127.0.0.1", port)).unwrap_or_else(|e| panic!("bind {port}: {e}"));
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let data = vec![0x5a; payload];
    let mut buf = [0u8; 2048];
    rx.set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..n {
        tx.send_to(&data, ("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("{e}"));
        // One at a time: none is dropped by a full socket buffer.
        rx.recv(&mut buf).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn start_capture(server: &Server, port: u16, extra: Value) -> i64 {
    let mut body = json!({"interfaces": ["lo"], "bpf": format!("udp port {port}")});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, v) = server.json("POST", "/api/captures", Some(body));
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().unwrap_or_default()
}

fn frames(server: &Server, id: i64) -> u64 {
    server.json("GET", &format!("/api/captures/{id}"), None).1["frames"]
        .as_u64()
        .unwrap_or(0)
}

fn stop(server: &Server, id: i64) {
    let (status, _) = server.json("POST", &format!("/api/captures/{id}/stop"), None);
    assert_eq!(status, 200);
    until("the capture to stop", 10, || {
        listed(server, id)["stored"]["status"] == "stopped"
    });
}

#[test]
#[ignore = "needs root: live captures"]
fn a_live_capture_rotates_its_files_keeps_its_minutes_and_reopens_after_a_restart() {
    let server = Server::start("captures-keep", &[]);
    // 1,500 frames of 442 bytes (14 + 20 + 8 + 400) in files of at most 64 KiB.
    let id = start_capture(&server, 39_501, json!({"rotate_bytes": 65_536}));
    send_udp(39_501, 1_500, 400);
    until("1,500 frames", 20, || frames(&server, id) == 1_500);
    stop(&server, id);
    let parts = files(&server, id);
    assert!(parts.len() >= 10, "{} files: {parts:?}", parts.len());
    assert_eq!(sum(&parts, "frames"), 1_500);
    let dir = server.dir.join("captures").join(id.to_string());
    for (i, f) in parts.iter().enumerate() {
        assert_eq!(f["seq"].as_i64(), Some(i as i64 + 1));
        assert_eq!(f["closed"], true);
        let size = f["size"].as_u64().unwrap_or(0);
        assert!(size <= 65_536, "{f}");
        let path = dir.join(f["name"].as_str().unwrap_or_default());
        let on_disk = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert_eq!(
            on_disk,
            size,
            "{} is as long as its row says",
            path.display()
        );
        assert_eq!(
            tshark_count(&path, Some("udp.port == 39501")) as i64,
            f["frames"].as_i64().unwrap_or(-1),
            "tshark reads {}",
            path.display()
        );
    }
    // A file downloads as it lies on the disk.
    let out = server.dir.join("part1.pcapng");
    let (status, _) = server.download(&format!("/api/captures/{id}/files/1"), &out);
    assert_eq!(status, 200);
    assert_eq!(
        std::fs::read(&out).unwrap_or_default(),
        std::fs::read(dir.join("part-00001.pcapng")).unwrap_or_default()
    );
    // Its minutes are in the store: every frame, all UDP, one talker.
    let (status, h) = server.json("GET", &format!("/api/captures/{id}/history"), None);
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["packets"], 1_500, "{h}");
    assert_eq!(h["bytes"], 1_500 * 442);
    assert_eq!(h["resolution"], 60_000);
    assert_eq!(h["protocols"]["udp"]["packets"], 1_500);
    assert_eq!(h["talkers"][0]["addr"], "127.0.0.1");
    assert_eq!(
        h["talkers"][0]["bytes"],
        1_500 * 442,
        "a frame counts once for its address"
    );
    let bucketed: i64 = h["buckets"]
        .as_array()
        .map(|b| b.iter().map(|x| x["packets"].as_i64().unwrap_or(0)).sum())
        .unwrap_or(0);
    assert_eq!(bucketed, 1_500);

    // A second capture runs when the server is killed.
    let running = start_capture(&server, 39_502, json!({}));
    send_udp(39_502, 500, 100);
    until("500 frames", 20, || frames(&server, running) == 500);
    // The open file is flushed and its row written within a second.
    until("the open file's row", 10, || {
        files(&server, running)
            .first()
            .is_some_and(|f| f["closed"] == false)
    });
    std::thread::sleep(Duration::from_millis(1_200));
    let again = server.killed_and_started_again(&[]);
    let first = listed(&again, id);
    assert_eq!(
        (
            first["loaded"].as_bool(),
            first["stored"]["status"].as_str()
        ),
        (Some(false), Some("stopped"))
    );
    assert_eq!(first["stored"]["frames"], 1_500);
    let second = listed(&again, running);
    assert_eq!(second["stored"]["status"], "interrupted", "{second}");
    // Both open again from their files: every frame the killed server had flushed.
    let (status, v) = again.json("GET", &format!("/api/captures/{running}"), None);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["frames"], 500, "{v}");
    assert_eq!(v["capture"]["running"], false);
    let (status, v) = again.json("GET", &format!("/api/captures/{id}"), None);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["frames"], 1_500);
    assert_eq!(v["report"]["protocols"]["udp"]["packets"], 1_500);
    let (status, p) = again.json("GET", &format!("/api/captures/{id}/packets?limit=5"), None);
    assert_eq!(status, 200);
    assert_eq!(p["packets"].as_array().map(Vec::len), Some(5));
    assert_eq!(listed(&again, id)["loaded"], true);
}

#[test]
#[ignore = "needs root: live captures"]
fn retention_removes_the_oldest_files_past_the_size_and_a_ring_keeps_its_newest() {
    let server = Server::start("captures-retention", &["--capture-keep", "200KiB"]);
    let id = start_capture(&server, 39_503, json!({"rotate_bytes": 65_536}));
    send_udp(39_503, 1_500, 400);
    until("1,500 frames", 20, || frames(&server, id) == 1_500);
    stop(&server, id);
    // Files close as they rotate and the sweep follows: what is kept fits in 200 KiB.
    until("the sweep", 10, || {
        let c = listed(&server, id);
        c["stored"]["files_bytes"]
            .as_i64()
            .is_some_and(|b| b <= 200 << 10)
    });
    let parts = files(&server, id);
    let kept: Vec<&Value> = parts.iter().filter(|f| f["removed_at"].is_null()).collect();
    let removed: Vec<&Value> = parts
        .iter()
        .filter(|f| !f["removed_at"].is_null())
        .collect();
    assert!(removed.len() >= 7 && !kept.is_empty(), "{parts:?}");
    // The oldest went first, and their bytes are gone from the disk.
    assert!(
        removed
            .iter()
            .all(|r| kept.iter().all(|k| r["seq"].as_i64() < k["seq"].as_i64())),
        "{parts:?}"
    );
    let dir = server.dir.join("captures").join(id.to_string());
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(on_disk, kept.len());
    let (status, v) = server.json("GET", &format!("/api/captures/{id}/files/1"), None);
    assert_eq!(status, 410, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap_or_default()
            .contains("retention"),
        "{v}"
    );
    // Its minutes stay whole.
    let (_, h) = server.json("GET", &format!("/api/captures/{id}/history"), None);
    assert_eq!(h["packets"], 1_500);
    assert_eq!(frames(&server, id), 1_500, "in memory, every frame stays");

    // A ring of 2 files: only its newest 2 closed files stay.
    let ring = start_capture(
        &server,
        39_504,
        json!({"rotate_bytes": 65_536, "ring_files": 2}),
    );
    send_udp(39_504, 800, 400);
    until("800 frames", 20, || frames(&server, ring) == 800);
    stop(&server, ring);
    let parts = files(&server, ring);
    let kept_ring: Vec<i64> = parts
        .iter()
        .filter(|f| f["removed_at"].is_null())
        .filter_map(|f| f["seq"].as_i64())
        .collect();
    let last = parts.len() as i64;
    assert_eq!(kept_ring, [last - 1, last], "{parts:?}");
    let dir = server.dir.join("captures").join(ring.to_string());
    assert_eq!(std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0), 2);

    // Opened again after a restart: the kept frames, and why the others are missing.
    let again = server.killed_and_started_again(&["--capture-keep", "200KiB"]);
    // The ring's files count against the same 200 KiB: more of the first went since.
    let kept_frames: i64 = files(&again, id)
        .iter()
        .filter(|f| f["removed_at"].is_null())
        .map(|f| f["frames"].as_i64().unwrap_or(0))
        .sum();
    assert!(kept_frames > 0);
    let (status, v) = again.json("GET", &format!("/api/captures/{id}"), None);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["frames"].as_i64(), Some(kept_frames));
    let damage = v["damage"].as_str().unwrap_or_default();
    assert!(damage.contains("removed by retention"), "{v}");
}

#[test]
fn an_uploaded_file_is_kept_with_its_minutes_and_bad_ranges_are_refused() {
    let server = Server::start("captures-upload", &[]);
    // 2026-01-01 00:00 UTC, frames in three minutes: 5, 0, 7.
    let start_ns = 1_767_225_600_000_000_000i64;
    let bytes = pcap_over_minutes(start_ns, &[5, 0, 7], 100);
    let (status, v) = server.upload("three-minutes.pcap", &bytes);
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_i64().unwrap_or_default();
    let c = listed(&server, id);
    assert_eq!(c["stored"]["status"], "stopped");
    assert_eq!(
        (
            c["stored"]["frames"].as_i64(),
            c["stored"]["bytes"].as_i64()
        ),
        (Some(12), Some(1_200))
    );
    assert_eq!(c["stored"]["file"], "three-minutes.pcap");
    // Kept as pcapng, as many frames as tshark reads.
    let parts = files(&server, id);
    assert_eq!(parts.len(), 1);
    let path = server
        .dir
        .join("captures")
        .join(id.to_string())
        .join(parts[0]["name"].as_str().unwrap_or_default());
    assert_eq!(tshark_count(&path, None), 12);
    // By minute, from the frames' own time (not when it was uploaded).
    let t0 = start_ns / 1_000_000;
    let (status, h) = server.json(
        "GET",
        &format!(
            "/api/captures/{id}/history?from={t0}&to={}&step=60000",
            t0 + 180_000
        ),
        None,
    );
    assert_eq!(status, 200, "{h}");
    let buckets: Vec<(i64, i64)> = h["buckets"]
        .as_array()
        .map(|b| {
            b.iter()
                .map(|x| {
                    (
                        x["t"].as_i64().unwrap_or(0),
                        x["packets"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(buckets, [(t0, 5), (t0 + 120_000, 7)]);
    assert_eq!(h["buckets"][0]["protocols"]["udp"]["bytes"], 500);
    assert_eq!(
        (h["first"].as_i64(), h["last"].as_i64()),
        (Some(t0), Some(t0 + 180_000))
    );
    // Five-minute buckets sum them; the default range is the day before its newest hour's end.
    let (_, h) = server.json(
        "GET",
        &format!(
            "/api/captures/{id}/history?from={t0}&to={}&step=300000",
            t0 + 600_000
        ),
        None,
    );
    assert_eq!(h["buckets"][0]["packets"], 12);
    let (_, h) = server.json("GET", &format!("/api/captures/{id}/history"), None);
    assert_eq!(h["packets"], 12, "{h}");
    // Talkers: both ends, each frame once.
    assert_eq!(h["talkers"].as_array().map(Vec::len), Some(2));
    assert_eq!(h["talkers"][0]["packets"], 12);
    for (query, field, says) in [
        (format!("from={t0}&to={t0}"), "from", "before its end"),
        (format!("from=0&to={t0}"), "from", "400 days"),
        (
            format!("from={t0}&to={}&step=1000", t0 + 60_000),
            "step",
            "whole number of minutes",
        ),
        (
            format!("from={t0}&to={}&step=60000", t0 + 86_400_000 * 2),
            "step",
            "at most 2000",
        ),
        ("from=yesterday".to_string(), "from", ""),
    ] {
        let (status, v) = server.json("GET", &format!("/api/captures/{id}/history?{query}"), None);
        assert_eq!(status, 400, "{query}: {v}");
        assert_eq!(v["field"], field, "{query}: {v}");
        assert!(
            v["error"].as_str().unwrap_or_default().contains(says),
            "{query}: {v}"
        );
    }
    let (status, _) = server.json("GET", "/api/captures/999/history", None);
    assert_eq!(status, 404);
    let (status, v) = server.json("GET", &format!("/api/captures/{id}/files/9"), None);
    assert_eq!(status, 404, "{v}");
    // Deleted: its row, its minutes and its files.
    let (status, _) = server.json("DELETE", &format!("/api/captures/{id}"), None);
    assert_eq!(status, 204);
    assert!(!path.exists());
    let (status, _) = server.json("GET", &format!("/api/captures/{id}"), None);
    assert_eq!(status, 404);
    let (status, _) = server.json("GET", &format!("/api/captures/{id}/history"), None);
    assert_eq!(status, 404);

    // With no files kept, the minutes still are.
    let bare = Server::start("captures-no-files", &["--capture-keep", "0"]);
    let (status, v) = bare.upload("three-minutes.pcap", &bytes);
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_i64().unwrap_or_default();
    assert!(files(&bare, id).is_empty());
    let (_, h) = bare.json("GET", &format!("/api/captures/{id}/history"), None);
    assert_eq!(h["packets"], 12);
}
