//! A suite series' trend report: the median over the range as a chart, its figures (typical
//! and worst latency, loss), every bucket as a table, and the alerts of the target meanwhile.

use crate::model::{self, Block, Figure, Report, Section};
use crate::svg;
use wirescope_store::{AlertEvent, Bucket, SeriesInfo};

/// What a trend report shows: the suite, the series, the range and its buckets.
#[derive(Debug)]
pub struct TrendData<'a> {
    pub suite: &'a str,
    pub series: &'a SeriesInfo,
    pub from: i64,
    pub to: i64,
    /// Bucket width (ms); 0 when every sample is its own.
    pub width: i64,
    pub buckets: &'a [Bucket],
    /// The target's alert events in the range (newest first, as the store gives them).
    pub events: &'a [AlertEvent],
}

/// Adds the trend's section.
pub fn add_trend(report: &mut Report, t: &TrendData<'_>) {
    let mut blocks = vec![Block::Facts {
        rows: vec![
            ("Suite".into(), model::clean_line(t.suite, 200)),
            ("Target".into(), model::clean_line(&t.series.target, 300)),
            ("Kind".into(), t.series.kind.clone()),
            (
                "Range".into(),
                format!(
                    "{} to {} ({})",
                    model::time_utc(t.from),
                    model::time_utc(t.to),
                    model::duration(t.to - t.from)
                ),
            ),
            (
                "Buckets".into(),
                if t.width == 0 {
                    "every sample".into()
                } else {
                    model::duration(t.width)
                },
            ),
        ],
    }];
    let mut medians: Vec<f64> = t.buckets.iter().filter_map(|b| b.median_ms).collect();
    medians.sort_by(f64::total_cmp);
    let samples: u64 = t.buckets.iter().map(|b| u64::from(b.samples)).sum();
    let loss = if samples == 0 {
        0.0
    } else {
        t.buckets
            .iter()
            .map(|b| b.loss_pct * f64::from(b.samples))
            .sum::<f64>()
            / samples as f64
    };
    let worst = t
        .buckets
        .iter()
        .filter_map(|b| b.max_ms)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let pick = |q: f64| {
        medians
            .get(((medians.len().saturating_sub(1)) as f64 * q).round() as usize)
            .copied()
    };
    let ms = |v: Option<f64>| {
        v.map(|v| format!("{v:.2} ms"))
            .unwrap_or_else(|| "-".into())
    };
    blocks.push(Block::Figures {
        items: vec![
            Figure::new("Samples", samples, ""),
            Figure::new("Typical (median)", ms(pick(0.5)), ""),
            Figure::new("p90 of medians", ms(pick(0.9)), ""),
            Figure::new("Worst", ms(worst), ""),
            Figure::new(
                "Loss",
                format!("{loss:.1}%"),
                if loss > 0.0 { "bad" } else { "good" },
            ),
        ],
    });
    let points: Vec<(i64, f64)> = t
        .buckets
        .iter()
        .filter_map(|b| b.median_ms.map(|m| (b.t / 1000, m)))
        .collect();
    match svg::series(&points, "ms") {
        Some(chart) => {
            let caption = format!(
                "median round-trip time of each {}",
                if t.width == 0 {
                    "sample".to_string()
                } else {
                    model::duration(t.width)
                }
            );
            blocks.push(report.chart("Latency trend", chart, caption));
        }
        None => blocks.push(Block::Note {
            text: "Latency trend: fewer than two samples in the range".into(),
        }),
    }
    blocks.push(Block::Heading {
        text: format!(
            "Alerts for {} in the range",
            model::clean_line(&t.series.target, 200)
        ),
    });
    let mut events: Vec<&AlertEvent> = t
        .events
        .iter()
        .filter(|e| e.at >= t.from && e.at <= t.to)
        .collect();
    events.sort_by_key(|e| e.at);
    if events.is_empty() {
        blocks.push(Block::Note {
            text: "None.".into(),
        });
    } else {
        blocks.push(Block::table(
            &["When", "Event", "Rule", "What"],
            events
                .iter()
                .map(|e| {
                    vec![
                        model::time_utc(e.at),
                        e.kind.as_str().to_string(),
                        e.rule.clone(),
                        e.summary.clone(),
                    ]
                })
                .collect(),
        ));
    }
    blocks.push(Block::Heading {
        text: "Buckets".into(),
    });
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    blocks.push(Block::table(
        &[
            "Start",
            "Samples",
            "Min ms",
            "p10 ms",
            "Median ms",
            "p90 ms",
            "Max ms",
            "Loss",
        ],
        t.buckets
            .iter()
            .map(|b| {
                vec![
                    model::time_utc(b.t),
                    b.samples.to_string(),
                    opt(b.min_ms),
                    opt(b.p10_ms),
                    opt(b.median_ms),
                    opt(b.p90_ms),
                    opt(b.max_ms),
                    format!("{:.1}%", b.loss_pct),
                ]
            })
            .collect(),
    ));
    report.sections.push(Section {
        heading: format!(
            "{} · {}",
            model::clean_line(&t.series.target, 200),
            t.series.kind
        ),
        blocks,
    });
}
