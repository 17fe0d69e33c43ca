//! A capture session's report: what was captured and where, its figures, bandwidth over time
//! and protocol mix as charts, and the protocol, talker and conversation tables.

use crate::model::{self, Block, Figure, Report, Section};
use crate::svg;
use wirescope_traffic::stats;

/// Adds a capture's section: `facts` say what it is (source, interfaces, filter), `report` is
/// its statistics.
pub fn add_capture(
    report: &mut Report,
    heading: &str,
    facts: Vec<(String, String)>,
    r: &stats::Report,
) {
    let mut blocks = vec![Block::Facts {
        rows: facts
            .into_iter()
            .map(|(k, v)| (model::clean_line(&k, 100), model::clean_line(&v, 500)))
            .collect(),
    }];
    let rate = if r.duration_s > 0.0 {
        r.bytes as f64 * 8.0 / r.duration_s
    } else {
        0.0
    };
    blocks.push(Block::Figures {
        items: vec![
            Figure::new("Frames", r.packets, ""),
            Figure::new("Bytes", model::bytes(r.bytes), ""),
            Figure::new("Duration", format!("{:.1} s", r.duration_s), ""),
            Figure::new("Average", bits(rate), ""),
            Figure::new(
                "Malformed",
                r.malformed,
                if r.malformed > 0 { "warn" } else { "" },
            ),
        ],
    });
    let points: Vec<(i64, f64)> = r
        .bandwidth
        .iter()
        .map(|b| (b.t, b.bytes as f64 * 8.0))
        .collect();
    if let Some(chart) = svg::series(&points, "bit/s") {
        let peak = points.iter().map(|p| p.1).fold(0.0, f64::max);
        let caption = format!(
            "bits a second over {} seconds; peak {}",
            points.len(),
            bits(peak)
        );
        blocks.push(report.chart("Bandwidth", chart, caption));
    } else {
        blocks.push(Block::Note {
            text: "Bandwidth: no chart, the frames span less than two seconds".into(),
        });
    }
    let mut protocols: Vec<(&String, &stats::Count)> = r.protocols.iter().collect();
    protocols.sort_by(|a, b| b.1.packets.cmp(&a.1.packets).then(a.0.cmp(b.0)));
    let share = |n: u64| {
        if r.packets == 0 {
            0.0
        } else {
            n as f64 * 100.0 / r.packets as f64
        }
    };
    let mix: Vec<(String, f64)> = protocols
        .iter()
        .map(|(name, c)| ((*name).clone(), share(c.packets)))
        .collect();
    if let Some(chart) = svg::bars(&mix, "%") {
        blocks.push(report.chart(
            "Protocol mix",
            chart,
            "share of frames in which each protocol appears (a frame counts for every protocol in it)".into(),
        ));
    }
    blocks.push(Block::Heading {
        text: "Protocols".into(),
    });
    blocks.push(Block::table(
        &["Protocol", "Frames", "% of frames", "Bytes"],
        protocols
            .iter()
            .map(|(name, c)| {
                vec![
                    (*name).clone(),
                    c.packets.to_string(),
                    format!("{:.1}", share(c.packets)),
                    model::bytes(c.bytes),
                ]
            })
            .collect(),
    ));
    blocks.push(Block::Heading {
        text: format!(
            "Top talkers ({} of {})",
            r.top_talkers.len(),
            r.talkers_total
        ),
    });
    blocks.push(Block::table(
        &["Address", "Frames", "Bytes", "Sent", "Received"],
        r.top_talkers
            .iter()
            .map(|t| {
                vec![
                    t.addr.to_string(),
                    t.packets.to_string(),
                    model::bytes(t.bytes),
                    model::bytes(t.tx_bytes),
                    model::bytes(t.rx_bytes),
                ]
            })
            .collect(),
    ));
    blocks.push(Block::Heading {
        text: format!(
            "Conversations ({} of {})",
            r.conversations.len(),
            r.conversations_total
        ),
    });
    blocks.push(Block::table(
        &[
            "A",
            "B",
            "Frames",
            "Bytes",
            "A to B",
            "B to A",
            "Start s",
            "Duration s",
        ],
        r.conversations
            .iter()
            .map(|c| {
                vec![
                    c.a.to_string(),
                    c.b.to_string(),
                    c.packets.to_string(),
                    model::bytes(c.bytes),
                    model::bytes(c.a_to_b.bytes),
                    model::bytes(c.b_to_a.bytes),
                    format!("{:.3}", c.start_s),
                    format!("{:.3}", c.duration_s),
                ]
            })
            .collect(),
    ));
    if r.overflow > 0 {
        blocks.push(Block::Note {
            text: format!(
                "{} frames of flows past the flow table's limit are counted in the figures and protocols, not in talkers or conversations",
                r.overflow
            ),
        });
    }
    report.sections.push(Section {
        heading: model::clean_line(heading, 200),
        blocks,
    });
}

/// Bits a second in words: `840 bit/s`, `12.4 Mbit/s`.
fn bits(v: f64) -> String {
    const UNITS: [&str; 5] = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
    let mut v = v;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", UNITS[0])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_in_engineers_units() {
        assert_eq!(bits(840.0), "840 bit/s");
        assert_eq!(bits(12_400_000.0), "12.4 Mbit/s");
        assert_eq!(bits(1.5e9), "1.5 Gbit/s");
    }
}
