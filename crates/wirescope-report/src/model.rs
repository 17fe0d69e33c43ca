//! What a report says, as data: sections of blocks (facts, figures, tables, charts, preformatted
//! text) that the template lays out. Everything a PDF shows is in here, so its SHA-256 is the
//! hash of what the report was made from; text is made safe for typesetting on the way in.

use serde::Serialize;

/// Bytes of one preformatted block (command output) shown at most; the rest is cut with a note.
pub const MAX_PRE_BYTES: usize = 64 * 1024;
/// Characters of one table cell shown at most.
pub const MAX_CELL_CHARS: usize = 2_000;
/// Charts in one report at most (each is a file of the typesetting world).
pub const MAX_CHARTS: usize = 64;
/// Rows past which a table is set as a fixed-width listing: typst lays out every cell of a
/// table on its own (about 8 KiB of memory each), which a 10,000-row run cannot afford.
pub const LISTING_ROWS: usize = 1_000;
/// Points across an A4 page's text width (the template's margins).
const LISTING_WIDTH_PT: f64 = 508.0;
/// Points a character of 6.5 pt DejaVu Sans Mono takes (0.602 em).
const LISTING_CHAR_PT: f64 = 3.92;
/// Points of padding around each column of a listing (the template's inset, both sides).
const LISTING_PAD_PT: f64 = 6.0;
/// Rows of a listing in each shaded band.
const LISTING_BAND: usize = 20;

/// A whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    /// What it covers, in a line ("Runs 12 and 14", "Comparison of run 3 with run 5").
    pub subtitle: String,
    /// When it was made, `2026-12-03 13:04:45 UTC`.
    pub generated: String,
    /// Who made it: `wirescope report (CLI)`, a user's name.
    pub by: String,
    pub version: String,
    /// The engineer's notes, as written.
    pub notes: Option<String>,
    pub sections: Vec<Section>,
    /// The charts' SVG documents, by the file name blocks refer to (not part of the data).
    #[serde(skip)]
    pub charts: Vec<(String, Vec<u8>)>,
    /// The dashboard's saved map layout, where topology pictures put the devices it places
    /// (drawn into a chart, so not part of the data either).
    #[serde(skip)]
    pub layout: crate::map::Positions,
}

impl Report {
    pub fn new(title: &str, subtitle: String, generated_ms: i64, by: &str) -> Report {
        Report {
            title: clean_line(title, 200),
            subtitle,
            generated: time_utc(generated_ms),
            by: by.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            notes: None,
            sections: Vec::new(),
            charts: Vec::new(),
            layout: crate::map::Positions::new(),
        }
    }

    /// Adds a chart and returns its block (a note instead, past `MAX_CHARTS`).
    pub fn chart(&mut self, title: &str, svg: String, caption: String) -> Block {
        if self.charts.len() >= MAX_CHARTS {
            return Block::Note {
                text: format!("{title}: not drawn (a report holds {MAX_CHARTS} charts at most)"),
            };
        }
        let file = format!("chart-{}.svg", self.charts.len() + 1);
        self.charts.push((file.clone(), svg.into_bytes()));
        Block::Chart {
            title: title.to_string(),
            file,
            caption,
        }
    }
}

/// One part of a report: a run, a comparison, an alert.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// A label and a value in a summary figure.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
    /// `good`, `bad`, `warn` or empty: the colour of the value.
    pub tone: &'static str,
}

impl Figure {
    pub fn new(label: &str, value: impl ToString, tone: &'static str) -> Figure {
        Figure {
            label: label.to_string(),
            value: value.to_string(),
            tone,
        }
    }
}

/// A piece of a section, laid out by the template by its `type`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A sub-heading.
    Heading { text: String },
    /// Label: value lines.
    Facts { rows: Vec<(String, String)> },
    /// Summary figures in a row of boxes.
    Figures { items: Vec<Figure> },
    /// A table whose header repeats on every page; `widths` are relative column widths.
    Table {
        columns: Vec<String>,
        widths: Vec<u32>,
        rows: Vec<Vec<String>>,
    },
    /// A long table in a fixed-width font, `LISTING_BAND` rows to a table row (each cell
    /// holds that column's lines for the band), so 10,000 rows are 2,000 rows to lay out.
    /// `widths` are in points; cells wrap at them, and the header repeats on every page.
    Listing {
        columns: Vec<String>,
        widths: Vec<f64>,
        bands: Vec<Vec<String>>,
    },
    /// An SVG chart from `Report::chart`.
    Chart {
        title: String,
        file: String,
        caption: String,
    },
    /// Preformatted text (command output, a diff), in a monospaced font.
    Pre { title: String, text: String },
    /// A remark in small type.
    Note { text: String },
}

impl Block {
    /// A table of `rows` under `columns`, cells made safe and column widths fitted to what
    /// they hold; past `LISTING_ROWS` rows, a listing.
    pub fn table(columns: &[&str], rows: Vec<Vec<String>>) -> Block {
        // A column blank in every row (no errors, every target its own address) says nothing.
        let keep: Vec<bool> = (0..columns.len())
            .map(|i| {
                rows.is_empty() || rows.iter().any(|r| r.get(i).is_some_and(|c| !c.is_empty()))
            })
            .collect();
        let columns: Vec<&str> = columns
            .iter()
            .zip(&keep)
            .filter_map(|(c, &k)| k.then_some(*c))
            .collect();
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .zip(&keep)
                    .filter_map(|(c, &k)| k.then_some(c))
                    .collect()
            })
            .collect();
        let columns = columns.as_slice();
        if rows.len() > LISTING_ROWS {
            return Block::listing(columns, rows);
        }
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| {
                let mut r: Vec<String> = r.iter().map(|c| cell(c)).collect();
                r.resize(columns.len(), String::new());
                r
            })
            .collect();
        let widths = columns
            .iter()
            .enumerate()
            .map(|(i, h)| {
                // The 90th percentile of the column's lengths: one long banner does not starve
                // every other column.
                let mut lens: Vec<usize> = rows
                    .iter()
                    .map(|r| r[i].lines().map(|l| l.chars().count()).max().unwrap_or(0))
                    .collect();
                lens.sort_unstable();
                let p90 = lens.get(lens.len() * 9 / 10).copied().unwrap_or(0);
                p90.max(h.chars().count()).clamp(3, 48) as u32
            })
            .collect();
        Block::Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            widths,
            rows,
        }
    }

    /// `rows` under `columns` as fixed-width text, columns as wide as their widest cell until
    /// the page is full, then the widest narrowed and their cells wrapped.
    fn listing(columns: &[&str], rows: Vec<Vec<String>>) -> Block {
        let rows: Vec<Vec<Vec<char>>> = rows
            .into_iter()
            .map(|r| {
                let mut r: Vec<Vec<char>> = r
                    .iter()
                    // Wrapped here, at the column's width: typst must not wrap again at a
                    // space, or the band's columns would no longer line up.
                    .map(|c| {
                        cell(c)
                            .chars()
                            .filter(|&c| c != '\u{200B}')
                            .map(|c| if c == ' ' { '\u{A0}' } else { c })
                            .collect()
                    })
                    .collect();
                r.resize(columns.len(), Vec::new());
                r
            })
            .collect();
        let mut widths: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(i, h)| {
                rows.iter()
                    .map(|r| longest_line(&r[i]))
                    .max()
                    .unwrap_or(0)
                    .max(h.chars().count())
                    .max(1)
            })
            .collect();
        let floor: Vec<usize> = columns.iter().map(|h| h.chars().count().max(8)).collect();
        let room = ((LISTING_WIDTH_PT - (LISTING_PAD_PT + LISTING_CHAR_PT) * columns.len() as f64)
            / LISTING_CHAR_PT)
            .max(0.0) as usize;
        while widths.iter().sum::<usize>() > room {
            let Some((i, _)) = widths
                .iter()
                .enumerate()
                .filter(|&(i, &w)| w > floor[i])
                .max_by_key(|&(_, &w)| w)
            else {
                break;
            };
            widths[i] -= 1;
        }
        let bands = rows
            .chunks(LISTING_BAND)
            .map(|band| {
                let mut columns = vec![String::new(); widths.len()];
                for (n, row) in band.iter().enumerate() {
                    let wrapped: Vec<Vec<String>> =
                        row.iter().zip(&widths).map(|(c, &w)| wrap(c, w)).collect();
                    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
                    for (column, lines) in columns.iter_mut().zip(wrapped) {
                        for l in 0..height {
                            if n > 0 || l > 0 {
                                column.push('\n');
                            }
                            column.push_str(lines.get(l).map_or("", String::as_str));
                        }
                    }
                }
                columns
            })
            .collect();
        Block::Listing {
            columns: columns.iter().map(|c| c.replace(' ', "\u{A0}")).collect(),
            widths: widths
                .iter()
                .map(|&w| (w as f64 + 1.0) * LISTING_CHAR_PT + LISTING_PAD_PT)
                .collect(),
            bands,
        }
    }

    /// Preformatted text, cut at `MAX_PRE_BYTES` with a note saying how much there was.
    pub fn pre(title: &str, text: &str) -> Block {
        let shown = if text.len() > MAX_PRE_BYTES {
            let mut end = MAX_PRE_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!(
                "{}\n[cut here: the first {} of {} shown; the full text is in the run's export]",
                clean(&text[..end]),
                bytes(end as u64),
                bytes(text.len() as u64)
            )
        } else {
            clean(text)
        };
        Block::Pre {
            title: clean_line(title, 300),
            text: shown,
        }
    }
}

/// Text made safe to typeset: control characters in caret notation as `cat -v` shows them (a
/// NUL as `^@`, an escape as `^[`), tabs as spaces, bidirectional controls neutralised, and long
/// unbroken runs (a 64 KiB line of output) given places to wrap.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for c in text.chars() {
        match c {
            '\n' => {
                out.push('\n');
                run = 0;
                continue;
            }
            '\t' => out.push(' '),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(c as u8 + 0x40));
            }
            '\u{7F}' => out.push_str("^?"),
            // Bidirectional controls would reorder the rest of the line around them.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
        run = if c.is_whitespace() { 0 } else { run + 1 };
        if run >= BREAK_EVERY {
            out.push('\u{200B}');
            run = 0;
        }
    }
    out
}

/// Characters without a space after which a break point is added.
const BREAK_EVERY: usize = 32;

/// One line of text, at most `max` characters (cut with an ellipsis).
pub fn clean_line(text: &str, max: usize) -> String {
    let one: String = clean(text).replace('\n', " ");
    if one.chars().count() > max {
        let mut s: String = one.chars().take(max).collect();
        s.push('…');
        s
    } else {
        one
    }
}

/// A table cell: clean, and at most `MAX_CELL_CHARS`.
fn cell(text: &str) -> String {
    let text = clean(text);
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// Characters in the longest line of `text`.
fn longest_line(text: &[char]) -> usize {
    text.split(|&c| c == '\n')
        .map(<[char]>::len)
        .max()
        .unwrap_or(0)
}

/// A cell's lines, wrapped every `width` characters.
fn wrap(text: &[char], width: usize) -> Vec<String> {
    text.split(|&c| c == '\n')
        .flat_map(|line| {
            if line.is_empty() {
                vec![String::new()]
            } else {
                line.chunks(width).map(|l| l.iter().collect()).collect()
            }
        })
        .collect()
}

/// `2026-12-03 13:04:45 UTC`.
pub fn time_utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}

/// A byte count in words: `512 B`, `64.0 KiB`, `12.3 MiB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n if n < 1024 * 1024 * 1024 => format!("{:.1} MiB", n as f64 / 1048576.0),
        n => format!("{:.1} GiB", n as f64 / 1073741824.0),
    }
}

/// A duration in words: `850 ms`, `12.4 s`, `3 min 20 s`, `2 h 5 min`.
pub fn duration(ms: i64) -> String {
    match ms {
        ms if ms < 1_000 => format!("{ms} ms"),
        ms if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        ms if ms < 3_600_000 => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000),
        ms => format!("{} h {} min", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_and_bidi_controls_are_neutralised() {
        assert_eq!(clean("a\0b\x1b[0m\r\n\x7f"), "a^@b^[[0m^M\n^?");
        assert_eq!(clean("x\u{202E}y"), "x\u{FFFD}y");
        // Right-to-left and CJK text is kept as it is: the fonts shape it.
        assert_eq!(clean("שלום مرحبا 你好"), "שלום مرحبا 你好");
    }

    #[test]
    fn long_cells_are_cut_and_get_break_points() {
        let c = cell(&"a".repeat(5000));
        assert_eq!(c.chars().count(), MAX_CELL_CHARS + 1);
        assert!(c.ends_with('…'));
        assert!(c.contains('\u{200B}'));
        assert_eq!(cell("short words stay"), "short words stay");
    }

    #[test]
    fn preformatted_text_is_cut_on_a_character_boundary_with_a_note() {
        let big = "é".repeat(MAX_PRE_BYTES);
        let Block::Pre { text, .. } = Block::pre("out", &big) else {
            panic!("a pre block")
        };
        assert!(text.len() < MAX_PRE_BYTES * 11 / 10, "{}", text.len());
        assert!(text.contains("[cut here: the first 64.0 KiB of 128.0 KiB shown"));
    }

    #[test]
    fn table_widths_follow_the_bulk_of_each_column() {
        let rows = (0..20)
            .map(|i| {
                vec![
                    format!("host{i}"),
                    if i == 0 { "x".repeat(400) } else { "up".into() },
                ]
            })
            .collect();
        let Block::Table { widths, rows, .. } = Block::table(&["target", "state"], rows) else {
            panic!("a table")
        };
        assert_eq!(widths, vec![6, 5]);
        assert_eq!(rows.len(), 20);
    }

    #[test]
    fn columns_blank_in_every_row_are_left_out() {
        let rows = vec![vec!["a".into(), String::new(), "1".into()]; 3];
        let Block::Table { columns, rows, .. } = Block::table(&["t", "error", "n"], rows) else {
            panic!("a table")
        };
        assert_eq!(columns, vec!["t", "n"]);
        assert_eq!(rows[0], vec!["a", "1"]);
    }

    #[test]
    fn long_tables_become_listings_whose_bands_line_up() {
        let rows: Vec<Vec<String>> = (0..LISTING_ROWS + 7)
            .map(|i| {
                let note = if i == 3 { "w".repeat(300) } else { "ok".into() };
                vec![
                    format!("10.0.{}.{}", i / 256, i % 256),
                    note,
                    format!("{i} ms"),
                ]
            })
            .collect();
        let Block::Listing {
            columns,
            widths,
            bands,
        } = Block::table(&["Target", "Note", "Min ms"], rows)
        else {
            panic!("a listing")
        };
        assert_eq!(columns, vec!["Target", "Note", "Min\u{A0}ms"]);
        assert_eq!(bands.len(), (LISTING_ROWS + 7).div_ceil(LISTING_BAND));
        let room: f64 = widths.iter().sum();
        assert!(room <= LISTING_WIDTH_PT + 1.0, "fits the page: {room}");
        // The long note wrapped at its column, and the other columns of its band got as many
        // lines, so row 4 is still on the same line in every column.
        let first = &bands[0];
        let lines: Vec<usize> = first.iter().map(|c| c.lines().count()).collect();
        assert!(lines[1] > LISTING_BAND, "{lines:?}");
        assert!(lines.iter().all(|&n| n == lines[0]), "{lines:?}");
        let row4 = first[1].lines().count() - (LISTING_BAND - 4);
        assert_eq!(first[0].lines().nth(row4), Some("10.0.0.4"));
        assert_eq!(first[2].lines().nth(row4), Some("4\u{A0}ms"));
        let last = bands.last().map(|b| b[0].lines().last());
        assert_eq!(last, Some(Some("10.0.3.238")));
    }

    #[test]
    fn times_and_sizes_read_well() {
        assert_eq!(time_utc(1_764_766_800_000), "2025-12-03 13:00:00 UTC");
        assert_eq!(duration(200_000), "3 min 20 s");
        assert_eq!(bytes(67_108_864), "64.0 MiB");
    }
}
