//! The topology picture of an SNMP run: devices where the dashboard's saved map layout has
//! them, the others placed beside the devices they link to (as the dashboard places them) or,
//! with nothing saved, in layers from the crawl's seeds; drawn as SVG with each link's ports.
//! Pure functions of the map and the positions, tested on their own.

use crate::svg::{FONT, WIDTH, escape, shorten};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use wirescope_snmp::topology::Topology;

/// Node positions by device id, as the dashboard saves them.
pub type Positions = BTreeMap<String, (f64, f64)>;

/// Devices a picture draws at most; a bigger map is left to its link table.
pub const MAX_DRAWN: usize = 300;
/// The distance between a device and those placed around it, and between layers.
const RING: f64 = 170.0;
const LAYER: f64 = 120.0;
/// The golden angle: devices placed around one anchor spread without overlapping.
const GOLDEN: f64 = std::f64::consts::PI * 0.763_932_022_500_210_3;
/// The tallest picture (SVG units; 720 wide), so that it fits a page.
const MAX_HEIGHT: f64 = 900.0;
const BOX_W: f64 = 120.0;
const BOX_H: f64 = 26.0;

/// Where each device goes: a known position is kept; a device linked to placed ones goes
/// around them; one linked to none goes in a column right of the rest. With no known position
/// at all, every device is laid out in layers by its distance from the crawl's seeds (the
/// devices of least depth), each connected group beside the last.
pub fn place(map: &Topology, known: &Positions) -> Positions {
    let ids: Vec<&str> = map.nodes.iter().map(|n| n.id.as_str()).collect();
    let mut peers: HashMap<&str, Vec<&str>> = HashMap::new();
    for l in &map.links {
        peers.entry(&l.source).or_default().push(&l.target);
        peers.entry(&l.target).or_default().push(&l.source);
    }
    let mut out: Positions = ids
        .iter()
        .filter_map(|id| known.get(*id).map(|p| (id.to_string(), *p)))
        .filter(|(_, (x, y))| x.is_finite() && y.is_finite())
        .collect();
    if out.is_empty() {
        return layers(map, &peers);
    }
    let mut around: HashMap<String, usize> = HashMap::new();
    let mut pending: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !out.contains_key(*id))
        .collect();
    loop {
        let mut next = Vec::new();
        let before = pending.len();
        for id in pending {
            let mut anchors: Vec<&str> = peers
                .get(id)
                .into_iter()
                .flatten()
                .copied()
                .filter(|p| out.contains_key(*p))
                .collect();
            if anchors.is_empty() {
                next.push(id);
                continue;
            }
            anchors.sort_unstable();
            anchors.dedup();
            let n = anchors.len() as f64;
            let cx = anchors.iter().map(|a| out[*a].0).sum::<f64>() / n;
            let cy = anchors.iter().map(|a| out[*a].1).sum::<f64>() / n;
            let k = around.entry(anchors.join("|")).or_default();
            let angle = std::f64::consts::FRAC_PI_2 + *k as f64 * GOLDEN;
            *k += 1;
            out.insert(
                id.to_string(),
                (
                    (cx + RING * angle.cos()).round(),
                    (cy + RING * angle.sin()).round(),
                ),
            );
        }
        if next.is_empty() || next.len() == before {
            pending = next;
            break;
        }
        pending = next;
    }
    if !pending.is_empty() {
        let right = out.values().map(|p| p.0).fold(f64::MIN, f64::max) + RING + 60.0;
        let top = out.values().map(|p| p.1).fold(f64::MAX, f64::min);
        for (i, id) in pending.iter().enumerate() {
            out.insert(id.to_string(), (right, top + i as f64 * 60.0));
        }
    }
    out
}

/// Layers by distance from the seeds, each connected group to the right of the last.
fn layers(map: &Topology, peers: &HashMap<&str, Vec<&str>>) -> Positions {
    let mut order: Vec<&wirescope_snmp::topology::Node> = map.nodes.iter().collect();
    order.sort_by(|a, b| {
        (a.depth.unwrap_or(u32::MAX), &a.id).cmp(&(b.depth.unwrap_or(u32::MAX), &b.id))
    });
    let mut level: HashMap<&str, usize> = HashMap::new();
    let mut out = Positions::new();
    let mut left = 0.0;
    for start in order {
        if level.contains_key(start.id.as_str()) {
            continue;
        }
        let mut rows: Vec<Vec<&str>> = Vec::new();
        let mut queue = VecDeque::from([(start.id.as_str(), 0usize)]);
        level.insert(&start.id, 0);
        while let Some((id, d)) = queue.pop_front() {
            if rows.len() <= d {
                rows.push(Vec::new());
            }
            rows[d].push(id);
            let mut next: Vec<&str> = peers.get(id).cloned().unwrap_or_default();
            next.sort_unstable();
            for p in next {
                if !level.contains_key(p) {
                    level.insert(p, d + 1);
                    queue.push_back((p, d + 1));
                }
            }
        }
        let widest = rows.iter().map(Vec::len).max().unwrap_or(1) as f64;
        for (d, row) in rows.iter().enumerate() {
            let offset = (widest - row.len() as f64) * RING / 2.0;
            for (i, id) in row.iter().enumerate() {
                out.insert(
                    id.to_string(),
                    (left + offset + i as f64 * RING, d as f64 * LAYER),
                );
            }
        }
        left += widest * RING + 60.0;
    }
    out
}

/// The picture: a box per device (dashed when it was not polled, red when it failed), a line
/// per link (dashed when only one end reports it) with each end's port beside it.
pub fn draw(map: &Topology, at: &Positions) -> Option<String> {
    if map.nodes.is_empty() || map.nodes.len() > MAX_DRAWN {
        return None;
    }
    let pts: Vec<(f64, f64)> = map
        .nodes
        .iter()
        .filter_map(|n| at.get(&n.id).copied())
        .collect();
    let (min_x, max_x) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let pad = BOX_W / 2.0 + 8.0;
    let (span_x, span_y) = ((max_x - min_x).max(1.0), (max_y - min_y).max(1.0));
    let scale = ((WIDTH - 2.0 * pad) / span_x)
        .min((MAX_HEIGHT - 2.0 * pad) / span_y)
        .min(1.0);
    let height = (span_y * scale + 2.0 * pad).max(BOX_H + 16.0);
    // Centred across the width when narrower than the page.
    let shift = (WIDTH - span_x * scale - 2.0 * pad) / 2.0;
    let xy = |id: &str| {
        at.get(id)
            .map(|(x, y)| (pad + shift + (x - min_x) * scale, pad + (y - min_y) * scale))
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\">"
    );
    let small = "font-family=\"DejaVu Sans Mono\" font-size=\"8\" fill=\"#52606d\"";
    for l in &map.links {
        let (Some(a), Some(b)) = (xy(&l.source), xy(&l.target)) else {
            continue;
        };
        let dash = if l.both_ends {
            ""
        } else {
            " stroke-dasharray=\"5 4\""
        };
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#9aa5b1\" stroke-width=\"1.5\"{dash}/>",
            a.0, a.1, b.0, b.1
        );
        // Each port just outside its device's box, along the line, to one side of it.
        let at_end = |from: (f64, f64), to: (f64, f64)| {
            let (dx, dy) = (to.0 - from.0, to.1 - from.1);
            let len = dx.hypot(dy).max(f64::EPSILON);
            let (ux, uy) = (dx / len, dy / len);
            let exit = (BOX_W / 2.0 / ux.abs()).min(BOX_H / 2.0 / uy.abs());
            let d = exit + 14.0;
            (from.0 + ux * d - uy * 7.0, from.1 + uy * d + ux * 7.0 + 3.0)
        };
        for (port, p) in [
            (Some(l.source_port.as_str()), at_end(a, b)),
            (l.target_port.as_deref(), at_end(b, a)),
        ] {
            if let Some(port) = port.filter(|p| !p.is_empty()) {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {small}>{}</text>",
                    p.0,
                    p.1,
                    escape(&shorten(port, 18))
                );
            }
        }
    }
    for n in &map.nodes {
        let Some((x, y)) = xy(&n.id) else { continue };
        let (stroke, dash, fill) = match (n.polled, n.error.is_some()) {
            (_, true) => ("#c0392b", "", "#fdecea"),
            (true, false) => ("#3e7cb1", "", "#eef4fa"),
            (false, false) => ("#9aa5b1", " stroke-dasharray=\"4 3\"", "#ffffff"),
        };
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.2\"{dash}/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" {FONT}>{}</text>",
            x - BOX_W / 2.0,
            y - BOX_H / 2.0,
            y + 4.0,
            escape(&shorten(&n.label, 20))
        );
    }
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_snmp::topology::{Link, Node};

    fn node(id: &str, depth: Option<u32>, polled: bool) -> Node {
        Node {
            id: id.into(),
            label: id.into(),
            addr: None,
            polled,
            descr: None,
            object_id: None,
            chassis_id: None,
            platform: None,
            capabilities: None,
            credential: None,
            depth,
            error: None,
        }
    }

    fn link(a: &str, b: &str, both: bool) -> Link {
        Link {
            source: a.into(),
            source_port: "swp1".into(),
            target: b.into(),
            target_port: Some("swp2".into()),
            protocol: "lldp".into(),
            both_ends: both,
        }
    }

    /// s1 - s2 - s3 in a chain, and a lone x.
    fn chain() -> Topology {
        Topology {
            nodes: vec![
                node("s1", Some(0), true),
                node("s2", Some(1), true),
                node("s3", Some(2), false),
                node("x", None, true),
            ],
            links: vec![link("s1", "s2", true), link("s2", "s3", false)],
            components: 2,
        }
    }

    #[test]
    fn saved_positions_are_kept_and_the_rest_placed_beside_their_neighbours() {
        let known: Positions = [
            ("s1".to_string(), (0.0, 0.0)),
            ("s2".to_string(), (400.0, 0.0)),
        ]
        .into_iter()
        .collect();
        let at = place(&chain(), &known);
        assert_eq!((at["s1"], at["s2"]), ((0.0, 0.0), (400.0, 0.0)));
        // s3 hangs off s2 at the ring's distance; x, linked to nobody, goes right of everyone.
        let (dx, dy) = (at["s3"].0 - 400.0, at["s3"].1);
        assert!(
            ((dx * dx + dy * dy).sqrt() - RING).abs() < 1.0,
            "{:?}",
            at["s3"]
        );
        assert!(at["x"].0 > at["s2"].0.max(at["s3"].0), "{at:?}");
        // Positions of devices not on this map, or not numbers, are ignored.
        let stray: Positions = [
            ("gone".to_string(), (5.0, 5.0)),
            ("s1".to_string(), (f64::NAN, 0.0)),
        ]
        .into_iter()
        .collect();
        assert_eq!(place(&chain(), &stray), place(&chain(), &Positions::new()));
    }

    #[test]
    fn with_nothing_saved_devices_go_in_layers_from_the_seeds() {
        let at = place(&chain(), &Positions::new());
        assert_eq!(at.len(), 4);
        assert!(at["s1"].1 < at["s2"].1 && at["s2"].1 < at["s3"].1, "{at:?}");
        assert!(at["x"].0 > at["s1"].0, "its own group, beside: {at:?}");
    }

    #[test]
    fn the_picture_follows_the_positions_and_marks_unpolled_and_one_sided() {
        let map = chain();
        let mut known: Positions = [
            ("s1".to_string(), (0.0, 0.0)),
            ("s2".to_string(), (300.0, 0.0)),
            ("s3".to_string(), (600.0, 0.0)),
            ("x".to_string(), (0.0, 200.0)),
        ]
        .into_iter()
        .collect();
        let svg = draw(&map, &known).unwrap_or_default();
        let x_of = |svg: &str, label: &str| -> f64 {
            let end = svg.find(&format!(">{label}</text>")).unwrap_or(0);
            let start = svg[..end].rfind("<text x=\"").unwrap_or(0) + 9;
            svg[start..]
                .split('"')
                .next()
                .unwrap_or("")
                .parse()
                .unwrap_or(f64::NAN)
        };
        assert!(x_of(&svg, "s1") < x_of(&svg, "s2") && x_of(&svg, "s2") < x_of(&svg, "s3"));
        known.insert("s1".into(), (900.0, 0.0));
        let moved = draw(&map, &known).unwrap_or_default();
        assert!(
            x_of(&moved, "s1") > x_of(&moved, "s3"),
            "s1 moved right of s3"
        );
        assert_eq!(svg.matches("<rect").count(), 4);
        assert_eq!(
            svg.matches("stroke-dasharray=\"4 3\"").count(),
            1,
            "s3 was not polled"
        );
        assert_eq!(
            svg.matches("stroke-dasharray=\"5 4\"").count(),
            1,
            "s2-s3 is one-sided"
        );
        assert_eq!(svg.matches(">swp1</text>").count(), 2);
        let too_many = Topology {
            nodes: (0..=MAX_DRAWN)
                .map(|i| node(&i.to_string(), None, true))
                .collect(),
            links: Vec::new(),
            components: MAX_DRAWN + 1,
        };
        assert!(draw(&too_many, &place(&too_many, &Positions::new())).is_none());
    }

    #[test]
    fn labels_are_escaped() {
        let mut map = chain();
        map.nodes[0].label = "<sw&1>".into();
        let svg = draw(&map, &place(&map, &Positions::new())).unwrap_or_default();
        assert!(svg.contains("&lt;sw&amp;1&gt;"), "{svg}");
    }
}
