//! Charts for reports, drawn as SVG documents (typst places them as images): a histogram of
//! latencies, horizontal bars, and a value over time. Pure functions of their numbers, tested on their own.

use std::fmt::Write as _;

pub(crate) const WIDTH: f64 = 720.0;
pub(crate) const FONT: &str = "font-family=\"DejaVu Sans\" font-size=\"11\" fill=\"#52606d\"";
const BAR: &str = "#3e7cb1";

/// Values a histogram needs: fewer say more in a table than in a chart.
const MIN_HISTOGRAM: usize = 5;

/// A histogram of `values` (milliseconds): linear buckets up to the 99th percentile, the rest in
/// a last bucket, with the median marked. `None` with fewer than `MIN_HISTOGRAM` values.
pub fn histogram(values: &[f64], unit: &str) -> Option<String> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < MIN_HISTOGRAM {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let pct = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let (lo, hi, median) = (v[0], pct(0.99), pct(0.5));
    let buckets = 30usize;
    let span = (hi - lo).max(f64::EPSILON);
    let mut counts = vec![0usize; buckets + 1];
    for x in &v {
        let i = if *x > hi {
            buckets
        } else {
            (((x - lo) / span) * buckets as f64)
                .floor()
                .min(buckets as f64 - 1.0) as usize
        };
        counts[i] += 1;
    }
    let overflow = counts[buckets] > 0;
    let shown = if overflow { buckets + 1 } else { buckets };
    let top = counts.iter().copied().max().unwrap_or(1).max(1);
    let (height, left, bottom, plot_top) = (220.0, 48.0, 34.0, 12.0);
    let plot_w = WIDTH - left - 12.0;
    let plot_h = height - bottom - plot_top;
    let bar_w = plot_w / shown as f64;
    let mut s = open(height);
    // y axis: the count at the top, 0 at the bottom.
    let _ = write!(
        s,
        "<text x=\"{x}\" y=\"{y}\" text-anchor=\"end\" {FONT}>{top}</text>\
         <text x=\"{x}\" y=\"{y0}\" text-anchor=\"end\" {FONT}>0</text>\
         <line x1=\"{left}\" y1=\"{yb}\" x2=\"{xr}\" y2=\"{yb}\" stroke=\"#9aa5b1\"/>",
        x = left - 6.0,
        y = plot_top + 9.0,
        y0 = plot_top + plot_h,
        yb = plot_top + plot_h,
        xr = WIDTH - 12.0,
    );
    for (i, c) in counts.iter().take(shown).enumerate() {
        let h = plot_h * *c as f64 / top as f64;
        let colour = if i == buckets { "#c57b12" } else { BAR };
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
            left + i as f64 * bar_w + 0.5,
            plot_top + plot_h - h,
            (bar_w - 1.0).max(0.5),
            h
        );
    }
    // x axis: lowest, median and 99th percentile values.
    let x_of = |x: f64| left + (x - lo) / span * (buckets as f64 * bar_w);
    let label_y = plot_top + plot_h + 14.0;
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{label_y}\" {FONT}>{}</text>\
         <text x=\"{:.1}\" y=\"{label_y}\" text-anchor=\"end\" {FONT}>{} (p99)</text>\
         <line x1=\"{mx:.1}\" y1=\"{plot_top}\" x2=\"{mx:.1}\" y2=\"{yb}\" stroke=\"#1f2933\" stroke-dasharray=\"3 3\"/>\
         <text x=\"{mx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT}>median {}</text>",
        number(lo, unit),
        left + buckets as f64 * bar_w,
        number(hi, unit),
        plot_top + plot_h + 28.0,
        number(median, unit),
        mx = x_of(median),
        yb = plot_top + plot_h,
    );
    if overflow {
        // Under the p99 label, at the right edge: the last bar's own column is too narrow.
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#c57b12\" font-family=\"DejaVu Sans\" font-size=\"11\">{} above p99</text>",
            WIDTH - 12.0,
            label_y + 14.0,
            counts[buckets]
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// Horizontal bars, one per `(label, value)`, longest first as given, at most 20.
pub fn bars(items: &[(String, f64)], unit: &str) -> Option<String> {
    let items: Vec<&(String, f64)> = items
        .iter()
        .filter(|(_, v)| v.is_finite() && *v >= 0.0)
        .take(20)
        .collect();
    let top = items.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    if items.is_empty() || top <= 0.0 {
        return None;
    }
    let row = 18.0;
    let height = items.len() as f64 * row + 8.0;
    let (left, right) = (200.0, 90.0);
    let plot_w = WIDTH - left - right;
    let mut s = open(height);
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let w = (plot_w * v / top).max(1.0);
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" {FONT}>{}</text>\
             <rect x=\"{left}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{BAR}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" {FONT}>{}</text>",
            left - 6.0,
            y + 12.0,
            escape(&shorten(label, 34)),
            y + 2.0,
            row - 5.0,
            left + w + 5.0,
            y + 12.0,
            number(*v, unit),
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// A value over time as a filled line: `points` are (seconds since the epoch, value), in
/// order; the time axis is labelled at its ends in UTC and the value axis at its peak. `None`
/// with fewer than two points.
pub fn series(points: &[(i64, f64)], unit: &str) -> Option<String> {
    let points: Vec<(i64, f64)> = points
        .iter()
        .copied()
        .filter(|(_, v)| v.is_finite() && *v >= 0.0)
        .collect();
    let (first, last) = (points.first()?.0, points.last()?.0);
    if points.len() < 2 || last <= first {
        return None;
    }
    let top = points
        .iter()
        .map(|p| p.1)
        .fold(0.0, f64::max)
        .max(f64::EPSILON);
    let (left, right, height, bottom) = (70.0, 10.0, 180.0, 20.0);
    let plot_w = WIDTH - left - right;
    let plot_h = height - bottom - 10.0;
    let x = |t: i64| left + plot_w * (t - first) as f64 / (last - first) as f64;
    let y = |v: f64| 10.0 + plot_h * (1.0 - v / top);
    let mut s = open(height);
    let mut path = format!("M{:.1},{:.1}", x(first), y(0.0));
    for (t, v) in &points {
        let _ = write!(path, " L{:.1},{:.1}", x(*t), y(*v));
    }
    let _ = write!(path, " L{:.1},{:.1} Z", x(last), y(0.0));
    let time = |t: i64| {
        jiff::Timestamp::from_second(t)
            .map(|t| t.strftime("%H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let _ = write!(
        s,
        "<path d=\"{path}\" fill=\"{BAR}\" fill-opacity=\"0.35\" stroke=\"{BAR}\" stroke-width=\"1\"/>\
         <line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#9aa5b1\"/>\
         <text x=\"{:.1}\" y=\"14\" text-anchor=\"end\" {FONT}>{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" {FONT}>0</text>\
         <text x=\"{left}\" y=\"{:.1}\" {FONT}>{} UTC</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" {FONT}>{} UTC</text></svg>",
        y(0.0),
        left + plot_w,
        y(0.0),
        left - 6.0,
        escape(&number(top, unit)),
        left - 6.0,
        y(0.0),
        height - 4.0,
        time(first),
        left + plot_w,
        height - 4.0,
        time(last),
    );
    Some(s)
}

fn open(height: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\">"
    )
}

/// A value with its unit, with as many decimals as its size needs.
fn number(v: f64, unit: &str) -> String {
    let n = if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if unit.is_empty() {
        n
    } else {
        format!("{n} {unit}")
    }
}

pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        s.chars().take(max - 1).chain(['…']).collect()
    } else {
        s.to_string()
    }
}

/// Text for SVG character data.
pub(crate) fn escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .fold(String::with_capacity(s.len()), |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_puts_the_tail_past_p99_in_its_own_bucket() {
        let mut v: Vec<f64> = (0..1000).map(|i| 1.0 + (i % 10) as f64 * 0.1).collect();
        v.push(900.0);
        let svg = histogram(&v, "ms").expect("a chart");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains(">1 above p99</text>"),
            "the 900 ms outlier has its bucket"
        );
        assert!(svg.contains("median 1.50 ms"));
        assert_eq!(svg.matches("<rect").count(), 31);
        assert!(histogram(&[], "ms").is_none());
        assert!(histogram(&[f64::NAN], "ms").is_none());
    }

    #[test]
    fn equal_values_still_draw_and_too_few_do_not() {
        let svg = histogram(&[2.0; 5], "ms").expect("a chart");
        assert!(svg.contains("median 2 ms"));
        assert!(
            histogram(&[2.0; 4], "ms").is_none(),
            "four values read better in a table"
        );
    }

    #[test]
    fn bar_labels_are_escaped_and_shortened() {
        let svg = bars(
            &[("<script>&".into(), 10.0), ("x".repeat(80), 5.0)],
            "ports",
        )
        .expect("a chart");
        assert!(svg.contains("&lt;script&gt;&amp;"));
        assert!(svg.contains(&format!("{}…", "x".repeat(33))));
        assert!(svg.contains("10 ports"));
        assert!(bars(&[("a".into(), 0.0)], "").is_none());
    }
}
