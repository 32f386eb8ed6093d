//! A one-line progress display on stderr for the examples: an
//! [`Observer`](ua_tensor::progress::Observer) that draws the library's
//! progress events (epochs, k-means and ALS iterations) with an estimate of
//! the time left — only when stderr is a terminal, so logs in CI and pipes
//! stay clean.
//!
//! ```
//! use std::sync::Arc;
//! use user_analytics::progress::ProgressLine;
//! use user_analytics::tensor::progress::{Event, observe, report};
//! // Not a terminal here (or --quiet): no line at all.
//! assert!(ProgressLine::stderr("training", true).is_none());
//! // Drawing to a buffer instead shows what a terminal would get.
//! let line = Arc::new(ProgressLine::to_buffer("training"));
//! observe(line.clone(), || report(&Event::new("epoch", 2, Some(10)).with(&[("loss", 0.4125)])));
//! assert!(line.buffer().contains("training: epoch 2/10  loss 0.4125"), "{}", line.buffer());
//! ```

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ua_tensor::progress::{Event, Observer, observe};

/// The least time between two drawings.
const REDRAW: Duration = Duration::from_millis(100);

struct State {
    task: String,
    started: Instant,
    drawn: Option<Instant>,
    buffer: Option<String>,
}

/// Draws progress events on one line of stderr (see the [module docs](self)).
pub struct ProgressLine {
    label: String,
    state: Mutex<State>,
}

/// The text of one progress line: label, task, step of total, the event's
/// figures and, with a total, the time left at the pace so far.
///
/// ```
/// use std::time::Duration;
/// use user_analytics::progress::format_event;
/// use user_analytics::tensor::progress::Event;
/// let e = Event::new("k-means", 5, Some(20)).with(&[("inertia", 1234.5)]);
/// assert_eq!(format_event("segments", &e, Duration::from_secs(10)),
///            "segments: k-means 5/20  inertia 1234.5000  at most 30 s left");
/// assert_eq!(format_event("s", &Event::new("trees", 3, None), Duration::ZERO), "s: trees 3");
/// ```
pub fn format_event(label: &str, e: &Event<'_>, elapsed: Duration) -> String {
    let mut s = format!("{label}: {} {}", e.task, e.step);
    if let Some(total) = e.total {
        s.push_str(&format!("/{total}"));
    }
    for (name, v) in e.figures {
        s.push_str(&format!("  {name} {v:.4}"));
    }
    if let Some(total) = e.total
        && e.step > 0
        && total >= e.step
    {
        let left = elapsed.as_secs_f64() / e.step as f64 * (total - e.step) as f64;
        s.push_str(&format!("  at most {left:.0} s left"));
    }
    s
}

impl ProgressLine {
    /// A line on stderr labelled `label`, or `None` when `quiet` or when
    /// stderr is not a terminal.
    pub fn stderr(label: &str, quiet: bool) -> Option<Self> {
        (!quiet && std::io::stderr().is_terminal()).then(|| Self::new(label, None))
    }

    /// A line drawn into a text buffer (for tests and logs), see
    /// [`buffer`](Self::buffer).
    pub fn to_buffer(label: &str) -> Self {
        Self::new(label, Some(String::new()))
    }

    fn new(label: &str, buffer: Option<String>) -> Self {
        ProgressLine {
            label: label.into(),
            state: Mutex::new(State {
                task: String::new(),
                started: Instant::now(),
                drawn: None,
                buffer,
            }),
        }
    }

    /// What was drawn so far (empty for a stderr line).
    pub fn buffer(&self) -> String {
        self.state
            .lock()
            .map(|s| s.buffer.clone().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Clears the line (call when the work is done).
    pub fn clear(&self) {
        if let Ok(mut s) = self.state.lock()
            && s.drawn.is_some()
            && s.buffer.is_none()
        {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            s.drawn = None;
        }
    }
}

/// Runs `work` with a [`ProgressLine`] labelled `label` drawing its
/// progress events on stderr — when stderr is a terminal and not `quiet` —
/// and clears the line afterwards; otherwise just runs `work`.
///
/// ```
/// use user_analytics::progress::with_progress;
/// // In a test or a pipe nothing is drawn; the work's result comes back.
/// assert_eq!(with_progress("fit", false, || 6 * 7), 42);
/// ```
pub fn with_progress<R>(label: &str, quiet: bool, work: impl FnOnce() -> R) -> R {
    match ProgressLine::stderr(label, quiet).map(Arc::new) {
        Some(line) => {
            let out = observe(line.clone(), work);
            line.clear();
            out
        }
        None => work(),
    }
}

impl Observer for ProgressLine {
    fn event(&self, e: &Event<'_>) {
        let Ok(mut s) = self.state.lock() else { return };
        let now = Instant::now();
        if s.task != e.task || e.step <= 1 {
            s.task = e.task.to_owned();
            s.started = now;
        }
        let last = e.total == Some(e.step);
        if !last && s.drawn.is_some_and(|t| now - t < REDRAW) {
            return;
        }
        s.drawn = Some(now);
        let text = format_event(&self.label, e, now - s.started);
        match &mut s.buffer {
            Some(b) => {
                b.push_str(&text);
                b.push('\n');
            }
            None => {
                let _ = write!(std::io::stderr(), "\r\x1b[2K{text}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ua_tensor::progress::report;

    #[test]
    fn rapid_events_are_drawn_sparingly_but_the_last_always() {
        let line = Arc::new(ProgressLine::to_buffer("fit"));
        observe(line.clone(), || {
            for step in 1..=500 {
                report(&Event::new("epoch", step, Some(500)));
            }
        });
        let text = line.buffer();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() < 20, "{} lines drawn", lines.len());
        assert!(lines[0].starts_with("fit: epoch 1/500"), "{text}");
        assert!(
            lines.last().unwrap().starts_with("fit: epoch 500/500"),
            "{text}"
        );
        assert!(
            lines.last().unwrap().ends_with("at most 0 s left"),
            "{text}"
        );
    }
}
