//! `tasklint run --timeline FILE.svg`: draws the runtime's [`Timeline`] as an SVG picture. One
//! lane per task, in creation order (so the main coroutine's task comes first), labelled with
//! the task's name and where it was created; the x axis counts loop iterations. A lane is a wide
//! bar while the task lives (waiting, with the iterations it ran in), then a thin bar in the
//! colour of how it ended; a task destroyed while pending gets a red cross and its rule code.
//!
//! The SVG is written by hand: it is a few rectangles, lines and texts. Names come from the
//! program, so every text is escaped (and characters XML cannot hold are replaced).

use std::fmt::Write;

use crate::runtime::{Lane, TaskEnd, Timeline};

/// At most this many lanes are drawn; the picture says how many tasks were left out.
pub const MAX_LANES: usize = 200;

const MARGIN: f64 = 16.0;
const LANE_HEIGHT: f64 = 20.0;
/// The bar of a live task.
const BAR_HEIGHT: f64 = 14.0;
/// The bar after a task ended, in the colour of its ending.
const ENDED_BAR_HEIGHT: f64 = 4.0;
/// The width of a character of the 12px monospace font, to lay out the labels.
const CHAR_WIDTH: f64 = 7.2;
const MAX_NAME_CHARS: usize = 24;
const MAX_SITE_CHARS: usize = 32;
/// The same for the 14px title.
const TITLE_CHAR_WIDTH: f64 = 8.4;
/// An iteration is at most this wide; the plot is at most `MAX_PLOT_WIDTH` wide, so in a long
/// run an iteration can be a fraction of a pixel.
const MAX_ITERATION_WIDTH: f64 = 28.0;
const MAX_PLOT_WIDTH: f64 = 960.0;
const MIN_PLOT_WIDTH: f64 = 560.0;
const HEADER_LINE: f64 = 20.0;

/// What a stretch of a lane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paint {
    Running,
    Waiting,
    Done,
    Raised,
    Cancelled,
    Destroyed,
}

impl Paint {
    /// Every paint, in the order of the legend (and of the declaration, so `paint as usize`
    /// indexes it).
    const ALL: [Paint; 6] = [
        Paint::Running,
        Paint::Waiting,
        Paint::Done,
        Paint::Raised,
        Paint::Cancelled,
        Paint::Destroyed,
    ];

    fn color(self) -> &'static str {
        match self {
            Paint::Running => "#2b6cd4",
            Paint::Waiting => "#c6d0dd",
            Paint::Done => "#2e9e48",
            Paint::Raised => "#8e44ad",
            Paint::Cancelled => "#e8890c",
            Paint::Destroyed => "#d62828",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Paint::Running => "running a step",
            Paint::Waiting => "waiting",
            Paint::Done => "done",
            Paint::Raised => "raised an exception",
            Paint::Cancelled => "cancelled",
            Paint::Destroyed => "destroyed while pending",
        }
    }

    fn of(end: TaskEnd) -> Paint {
        match end {
            TaskEnd::Done => Paint::Done,
            TaskEnd::Raised => Paint::Raised,
            TaskEnd::Cancelled => Paint::Cancelled,
            TaskEnd::Destroyed { .. } => Paint::Destroyed,
        }
    }
}

/// The picture of `timeline`, headed by `title` (the command that ran the program).
pub fn timeline_svg(timeline: &Timeline, title: &str) -> String {
    let shown = lanes_to_draw(&timeline.lanes);
    let labels: Vec<Label> = shown.iter().map(|lane| Label::of(lane)).collect();
    let widest = |text: fn(&Label) -> &str| {
        let chars = labels.iter().map(|l| text(l).chars().count());
        chars.max().unwrap_or(0)
    };
    let site_x = MARGIN + (widest(|l| &l.name).max(6) + 2) as f64 * CHAR_WIDTH;
    let left = site_x + (widest(|l| &l.site) + 2) as f64 * CHAR_WIDTH;

    let mut notes = vec![summary(timeline)];
    if shown.len() < timeline.lanes.len() {
        notes.push(left_out(timeline, &shown));
    }
    let header_width = notes
        .iter()
        .map(|note| note.chars().count() as f64 * CHAR_WIDTH)
        .chain([
            title.chars().count() as f64 * TITLE_CHAR_WIDTH,
            legend_width(),
        ])
        .fold(0.0, f64::max);
    let columns = timeline.iterations + 1;
    let natural_width = (MAX_PLOT_WIDTH / columns as f64).min(MAX_ITERATION_WIDTH) * columns as f64;
    let plot_width = natural_width
        .max(MIN_PLOT_WIDTH)
        .max(header_width - (left - MARGIN));
    let scale = Scale {
        left,
        iteration_width: plot_width / columns as f64,
        columns,
    };
    let legend_y = MARGIN + (notes.len() + 1) as f64 * HEADER_LINE + 12.0;
    let axis_y = legend_y + 36.0;
    let lanes_top = axis_y + 8.0;
    let width = scale.right() + MARGIN;
    let height = lanes_top + shown.len().max(1) as f64 * LANE_HEIGHT + MARGIN;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">
<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let mut line_y = MARGIN + 12.0;
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="{line_y}" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    for (index, note) in notes.iter().enumerate() {
        line_y += HEADER_LINE;
        // The second note says that tasks were left out: it must not go unnoticed.
        let emphasis = if index == 1 {
            format!(r#" font-weight="bold" fill="{}""#, Paint::Destroyed.color())
        } else {
            String::new()
        };
        let _ = writeln!(
            svg,
            r#"<text x="{MARGIN}" y="{line_y}"{emphasis}>{}</text>"#,
            escape(note)
        );
    }
    legend(&mut svg, legend_y);
    axis(&mut svg, &scale, axis_y, lanes_top, height - MARGIN);
    if shown.is_empty() {
        let _ = writeln!(
            svg,
            r#"<text x="{MARGIN}" y="{:.1}">the program created no tasks</text>"#,
            lanes_top + 14.0
        );
    }
    for (row, (lane, label)) in shown.iter().zip(&labels).enumerate() {
        let top = lanes_top + row as f64 * LANE_HEIGHT;
        if row % 2 == 1 {
            let _ = writeln!(
                svg,
                r##"<rect x="0" y="{top:.1}" width="{width:.1}" height="{LANE_HEIGHT}" fill="#f4f6f8"/>"##,
            );
        }
        draw_lane(&mut svg, lane, label, top, site_x, &scale);
    }
    svg.push_str("</svg>\n");
    svg
}

/// Where iterations are on the x axis.
struct Scale {
    /// The x of the start of iteration 0.
    left: f64,
    iteration_width: f64,
    /// Iterations 0 to the last one.
    columns: u64,
}

impl Scale {
    /// The x where `iteration` starts.
    fn x(&self, iteration: u64) -> f64 {
        self.left + iteration as f64 * self.iteration_width
    }

    fn right(&self) -> f64 {
        self.x(self.columns)
    }
}

/// The lanes to draw, in creation order: all of them, or, when there are more than
/// [`MAX_LANES`], the first task (the main coroutine's), then tasks destroyed while pending,
/// that raised, were cancelled, never ended, and last completed ones.
fn lanes_to_draw(lanes: &[Lane]) -> Vec<&Lane> {
    if lanes.len() <= MAX_LANES {
        return lanes.iter().collect();
    }
    let interest = |index: usize, lane: &Lane| match (index, lane.ending) {
        (0, _) => 0,
        (_, Some((_, TaskEnd::Destroyed { .. }))) => 1,
        (_, Some((_, TaskEnd::Raised))) => 2,
        (_, Some((_, TaskEnd::Cancelled))) => 3,
        (_, None) => 4,
        (_, Some((_, TaskEnd::Done))) => 5,
    };
    let mut order: Vec<usize> = (0..lanes.len()).collect();
    order.sort_by_key(|&index| (interest(index, &lanes[index]), index));
    order.truncate(MAX_LANES);
    order.sort_unstable();
    order.into_iter().map(|index| &lanes[index]).collect()
}

/// What a lane is labelled with: the task's name and where it was created (`app.py:13`),
/// shortened to fit.
struct Label {
    name: String,
    site: String,
}

impl Label {
    fn of(lane: &Lane) -> Label {
        let site = format!("{}:{}", lane.site.path, lane.site.line);
        let site_chars = site.chars().count();
        // A long path keeps its end: the file name and the line.
        let site = if site_chars > MAX_SITE_CHARS {
            let tail: String = site.chars().skip(site_chars + 1 - MAX_SITE_CHARS).collect();
            format!("…{tail}")
        } else {
            site
        };
        Label {
            name: shorten(&lane.name, MAX_NAME_CHARS),
            site,
        }
    }
}

/// `text` cut to `max` characters, with an ellipsis when it was longer.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max - 1).collect();
    short.push('…');
    short
}

/// "5 tasks: 2 done, 1 cancelled, 1 destroyed while pending · 14 loop iterations".
fn summary(timeline: &Timeline) -> String {
    let tasks = timeline.lanes.len();
    let plural = if tasks == 1 { "" } else { "s" };
    let endings = count_by_ending(timeline.lanes.iter());
    let iterations = timeline.iterations;
    if endings.is_empty() {
        format!("{tasks} task{plural} · {iterations} loop iterations")
    } else {
        format!("{tasks} task{plural}: {endings} · {iterations} loop iterations")
    }
}

/// "2 done, 1 never ended": how many of `lanes` ended in each way.
fn count_by_ending<'a>(lanes: impl Iterator<Item = &'a Lane>) -> String {
    let mut counts = [0usize; Paint::ALL.len()];
    let mut unfinished = 0;
    for lane in lanes {
        match lane.ending {
            Some((_, end)) => counts[Paint::of(end) as usize] += 1,
            None => unfinished += 1,
        }
    }
    let mut parts: Vec<String> = Paint::ALL
        .iter()
        .zip(counts)
        .filter(|(_, count)| *count > 0)
        .map(|(paint, count)| format!("{count} {}", paint.legend()))
        .collect();
    if unfinished > 0 {
        parts.push(format!("{unfinished} never ended"));
    }
    parts.join(", ")
}

/// What the picture leaves out when there are too many tasks.
fn left_out(timeline: &Timeline, shown: &[&Lane]) -> String {
    let hidden = timeline
        .lanes
        .iter()
        .filter(|lane| shown.binary_search_by_key(&lane.task, |s| s.task).is_err());
    format!(
        "showing {} of {} tasks (the first, then destroyed, failed, cancelled, unfinished, done); \
         not drawn: {}",
        shown.len(),
        timeline.lanes.len(),
        count_by_ending(hidden)
    )
}

/// The width of a legend entry: a swatch, then its words.
fn legend_entry_width(paint: Paint) -> f64 {
    28.0 + paint.legend().len() as f64 * CHAR_WIDTH + 18.0
}

fn legend_width() -> f64 {
    Paint::ALL.into_iter().map(legend_entry_width).sum()
}

fn legend(svg: &mut String, baseline: f64) {
    svg.push_str("<g class=\"legend\">\n");
    let mut x = MARGIN;
    for paint in Paint::ALL {
        svg.push_str("<g>");
        let _ = writeln!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="22" height="12" fill="{}"/>"#,
            baseline - 10.0,
            paint.color()
        );
        if paint == Paint::Destroyed {
            cross(svg, x + 11.0, baseline - 4.0);
        }
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{baseline:.1}">{}</text>"#,
            x + 28.0,
            paint.legend()
        );
        svg.push_str("</g>\n");
        x += legend_entry_width(paint);
    }
    svg.push_str("</g>\n");
}

/// The x axis at `y`, with ticks at round iteration numbers and grid lines down to `bottom`.
fn axis(svg: &mut String, scale: &Scale, y: f64, lanes_top: f64, bottom: f64) {
    let step = tick_step(scale.columns);
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555555">loop iteration</text>"##,
        scale.left - CHAR_WIDTH,
        y - 4.0
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#555555"/>"##,
        scale.left,
        scale.right()
    );
    let mut iteration = 0;
    while iteration < scale.columns {
        let x = scale.x(iteration) + scale.iteration_width / 2.0;
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{y:.1}" stroke="#555555"/><line x1="{x:.1}" y1="{lanes_top:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#e4e7eb"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#555555">{iteration}</text>"##,
            y - 4.0,
            y - 7.0
        );
        iteration += step;
    }
}

/// A round step between ticks that gives at most about ten ticks.
fn tick_step(columns: u64) -> u64 {
    let mut magnitude = 1;
    loop {
        for factor in [1, 2, 5] {
            let step = factor * magnitude;
            if columns.div_ceil(step) <= 10 {
                return step;
            }
        }
        magnitude *= 10;
    }
}

/// One lane: its label (the name, then the site at `site_x`), the bar of the task's life with
/// the iterations it ran in, and how it ended.
fn draw_lane(svg: &mut String, lane: &Lane, label: &Label, top: f64, site_x: f64, scale: &Scale) {
    let _ = writeln!(
        svg,
        r##"<g class="lane"><title>{}</title>
<text x="{MARGIN}" y="{y:.1}">{}</text><text x="{site_x:.1}" y="{y:.1}" fill="#555555">{}</text>"##,
        escape(&tooltip(lane)),
        escape(&label.name),
        escape(&label.site),
        y = top + 14.0,
    );
    let bar_top = top + (LANE_HEIGHT - BAR_HEIGHT) / 2.0;
    // A task ends in a step or at a collection, and is in its final state from the next
    // iteration on.
    let last_run = lane.runs.last().map_or(0, |&(_, last)| last + 1);
    let ended_at = lane
        .ending
        .map_or(scale.columns, |(iteration, _)| iteration + 1)
        .max(last_run)
        .max(lane.created);
    rect(
        svg,
        scale.x(lane.created),
        scale.x(ended_at),
        bar_top,
        BAR_HEIGHT,
        Paint::Waiting,
    );
    for (start, end) in running_spans(lane, scale) {
        rect(svg, start, end, bar_top, BAR_HEIGHT, Paint::Running);
    }
    if let Some((_, end)) = lane.ending {
        let x = scale.x(ended_at);
        let thin_top = top + (LANE_HEIGHT - ENDED_BAR_HEIGHT) / 2.0;
        svg.push_str("<g class=\"ending\">");
        rect(
            svg,
            x,
            scale.right(),
            thin_top,
            ENDED_BAR_HEIGHT,
            Paint::of(end),
        );
        if let TaskEnd::Destroyed { rule } = end {
            cross(svg, x, top + LANE_HEIGHT / 2.0);
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-weight="bold" fill="{}">{rule}</text>"#,
                x + 9.0,
                top + 8.0,
                Paint::Destroyed.color()
            );
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</g>\n");
}

/// The x ranges of the iterations `lane` ran in, merged where they touch at this scale, so a
/// long run draws at most one rectangle per pixel.
fn running_spans(lane: &Lane, scale: &Scale) -> Vec<(f64, f64)> {
    let mut spans: Vec<(f64, f64)> = Vec::new();
    for &(first, last) in &lane.runs {
        let start = scale.x(first);
        let end = scale.x(last + 1).max(start + 1.0);
        match spans.last_mut() {
            Some((_, previous_end)) if start <= *previous_end + 0.5 => {
                *previous_end = previous_end.max(end)
            }
            _ => spans.push((start, end)),
        }
    }
    spans
}

fn rect(svg: &mut String, start: f64, end: f64, top: f64, height: f64, paint: Paint) {
    if end <= start {
        return;
    }
    let _ = writeln!(
        svg,
        r#"<rect x="{start:.1}" y="{top:.1}" width="{:.1}" height="{height}" fill="{}"/>"#,
        end - start,
        paint.color()
    );
}

/// The red cross of a task destroyed while pending, centred on (`x`, `y`).
fn cross(svg: &mut String, x: f64, y: f64) {
    let r = 6.0;
    let _ = writeln!(
        svg,
        r#"<path d="M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}" stroke="{}" stroke-width="3" stroke-linecap="round"/>"#,
        x - r,
        y - r,
        x + r,
        y + r,
        x - r,
        y + r,
        x + r,
        y - r,
        Paint::Destroyed.color()
    );
}

/// The lane's story in words, shown when the pointer rests on it.
fn tooltip(lane: &Lane) -> String {
    let steps: u64 = lane.runs.iter().map(|(first, last)| last - first + 1).sum();
    let mut text = format!(
        "{} created at {}:{}:{} in iteration {}; ran in {steps} iteration{}",
        lane.name,
        lane.site.path,
        lane.site.line,
        lane.site.column,
        lane.created,
        if steps == 1 { "" } else { "s" }
    );
    match lane.ending {
        Some((iteration, TaskEnd::Destroyed { rule })) => {
            let _ = write!(
                text,
                "; destroyed while pending after iteration {iteration} ({rule})"
            );
        }
        Some((iteration, end)) => {
            let _ = write!(
                text,
                "; {} in iteration {iteration}",
                Paint::of(end).legend()
            );
        }
        None => text.push_str("; never ended"),
    }
    text
}

/// `text` as XML character data or attribute value: markup characters become references, and
/// characters XML 1.0 cannot hold (most control characters) become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::runtime::Site;

    fn lane(task: u32, name: &str, ending: Option<(u64, TaskEnd)>) -> Lane {
        Lane {
            task,
            name: name.to_owned(),
            site: Site {
                path: Rc::from("app.py"),
                line: 7,
                column: 5,
                in_loop: None,
            },
            created: 1,
            runs: vec![(2, 2)],
            ending,
        }
    }

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            escape("<a href='x'>\"&\u{1}\u{FFFF}</a>"),
            "&lt;a href=&apos;x&apos;&gt;&quot;&amp;\u{FFFD}\u{FFFD}&lt;/a&gt;"
        );
    }

    #[test]
    fn ticks_are_round_and_at_most_about_ten() {
        assert_eq!(tick_step(4), 1);
        assert_eq!(tick_step(10), 1);
        assert_eq!(tick_step(11), 2);
        assert_eq!(tick_step(95), 10);
        assert_eq!(tick_step(1_000_001), 200_000);
    }

    #[test]
    fn long_names_are_cut_at_the_end_and_long_paths_at_the_start() {
        let mut long = lane(1, &"n".repeat(40), None);
        long.site.path = Rc::from(format!("{}app.py", "deep/".repeat(20)));
        let label = Label::of(&long);
        assert_eq!(label.name, format!("{}…", "n".repeat(MAX_NAME_CHARS - 1)));
        assert_eq!(label.site.chars().count(), MAX_SITE_CHARS);
        assert!(label.site.starts_with('…'));
        assert!(label.site.ends_with("/deep/app.py:7"));
    }

    #[test]
    fn with_too_many_tasks_the_first_and_the_destroyed_ones_are_drawn_first() {
        let mut lanes: Vec<Lane> = (0..MAX_LANES as u32 + 50)
            .map(|i| lane(i, "t", Some((3, TaskEnd::Done))))
            .collect();
        let last = lanes.len() - 1;
        lanes[last].ending = Some((3, TaskEnd::Destroyed { rule: "TL001" }));
        let shown = lanes_to_draw(&lanes);
        assert_eq!(shown.len(), MAX_LANES);
        assert_eq!(shown[0].task, 0);
        assert_eq!(shown[MAX_LANES - 1].task, last as u32);
        assert!(shown.windows(2).all(|w| w[0].task < w[1].task));
    }

    #[test]
    fn iterations_run_back_to_back_draw_as_one_span_when_they_touch() {
        let mut busy = lane(1, "t", None);
        busy.runs = vec![(1, 1), (3, 3), (1000, 1000)];
        let wide = Scale {
            left: 0.0,
            iteration_width: 10.0,
            columns: 1001,
        };
        assert_eq!(running_spans(&busy, &wide).len(), 3);
        let narrow = Scale {
            left: 0.0,
            iteration_width: 0.01,
            columns: 1001,
        };
        assert_eq!(running_spans(&busy, &narrow).len(), 2);
    }
}
