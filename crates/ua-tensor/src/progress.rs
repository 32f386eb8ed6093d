//! Progress of long work, reported by the library and drawn by the
//! program: training epochs, k-means and ALS iterations, trees of a forest.
//!
//! The library never prints. Its loops call [`report`] with an [`Event`]
//! (the task, the step, the total when known, a few named figures); the
//! call costs one thread-local read when nobody listens. A program that
//! wants a progress bar runs the work inside [`observe`] with its own
//! [`Observer`] — the events of that work, on the calling thread, go to the
//! observer, and nowhere otherwise. This is the scoped-subscriber pattern of
//! logging facades: no model type or `fit` signature changes to carry a
//! callback, and a pipeline that trains an MLP inside a cross-validation
//! reports its epochs like a bare network does.
//!
//! Events come from the thread that drives a loop (work spread over rayon
//! reports from there, not from the workers). Observers see a task's steps
//! in order; they should be quick (draw at most a few times a second).
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use ua_tensor::progress::{Event, Observer, observe, report};
//! #[derive(Default)]
//! struct Record(Mutex<Vec<String>>);
//! impl Observer for Record {
//!     fn event(&self, e: &Event<'_>) {
//!         self.0.lock().unwrap().push(format!("{} {}/{:?}", e.task, e.step, e.total));
//!     }
//! }
//! let rec = Arc::new(Record::default());
//! let answer = observe(rec.clone(), || {
//!     for step in 1..=3 {
//!         report(&Event::new("training", step, Some(3)));
//!     }
//!     42
//! });
//! assert_eq!(answer, 42);
//! assert_eq!(*rec.0.lock().unwrap(), ["training 1/Some(3)", "training 2/Some(3)", "training 3/Some(3)"]);
//! report(&Event::new("training", 4, None)); // nobody listens: nothing happens
//! assert_eq!(rec.0.lock().unwrap().len(), 3);
//! ```

use std::cell::RefCell;
use std::sync::Arc;

/// One step of a long task.
///
/// ```
/// let e = ua_tensor::progress::Event::new("k-means", 3, Some(300)).with(&[("inertia", 12.5)]);
/// assert_eq!((e.task, e.step, e.total, e.figures[0].0), ("k-means", 3, Some(300), "inertia"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event<'a> {
    /// What is running (`"epoch"`, `"k-means"`, `"ALS"`, …).
    pub task: &'a str,
    /// The step being run or just finished (1-based).
    pub step: usize,
    /// Steps at most, when known (an epoch limit, an iteration cap).
    pub total: Option<usize>,
    /// Named figures of the step (`("loss", 0.41)`, `("inertia", 1.2e4)`).
    pub figures: &'a [(&'a str, f64)],
}

impl<'a> Event<'a> {
    /// A step of `task` without figures.
    ///
    /// ```
    /// let e = ua_tensor::progress::Event::new("trees", 10, Some(100));
    /// assert!(e.figures.is_empty());
    /// ```
    pub fn new(task: &'a str, step: usize, total: Option<usize>) -> Self {
        Event {
            task,
            step,
            total,
            figures: &[],
        }
    }

    /// The same event with these figures.
    ///
    /// ```
    /// let e = ua_tensor::progress::Event::new("epoch", 1, None).with(&[("loss", 0.5)]);
    /// assert_eq!(e.figures, &[("loss", 0.5)]);
    /// ```
    pub fn with(mut self, figures: &'a [(&'a str, f64)]) -> Self {
        self.figures = figures;
        self
    }
}

/// Receives the events of the work run inside [`observe`].
pub trait Observer: Send + Sync {
    /// One step of a task.
    fn event(&self, event: &Event<'_>);
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<dyn Observer>>> = const { RefCell::new(None) };
}

/// Puts the previous observer back when dropped (also on a panic).
struct Restore(Option<Arc<dyn Observer>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Runs `work` with `observer` receiving the progress events reported on
/// this thread; the previous observer (if any) is back afterwards.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use ua_tensor::progress::{Event, Observer, observe, report};
/// struct Count(AtomicUsize);
/// impl Observer for Count {
///     fn event(&self, _: &Event<'_>) { self.0.fetch_add(1, Ordering::Relaxed); }
/// }
/// let (outer, inner) = (Arc::new(Count(AtomicUsize::new(0))), Arc::new(Count(AtomicUsize::new(0))));
/// observe(outer.clone(), || {
///     report(&Event::new("a", 1, None));
///     observe(inner.clone(), || report(&Event::new("b", 1, None)));
///     report(&Event::new("a", 2, None)); // the outer observer is back
/// });
/// assert_eq!((outer.0.load(Ordering::Relaxed), inner.0.load(Ordering::Relaxed)), (2, 1));
/// ```
pub fn observe<R>(observer: Arc<dyn Observer>, work: impl FnOnce() -> R) -> R {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(observer));
    let _restore = Restore(previous);
    work()
}

/// Sends `event` to this thread's observer, if there is one.
///
/// ```
/// // Without an observer this does nothing (and costs a thread-local read).
/// ua_tensor::progress::report(&ua_tensor::progress::Event::new("epoch", 1, Some(10)));
/// ```
pub fn report(event: &Event<'_>) {
    // Cloned out of the cell so an observer may itself call `observe`.
    let observer = CURRENT.with(|c| c.borrow().clone());
    if let Some(o) = observer {
        o.event(event);
    }
}

/// Whether an observer listens on this thread (to skip building figures
/// nobody reads).
///
/// ```
/// use std::sync::Arc;
/// use ua_tensor::progress::{Event, Observer, is_observed, observe};
/// struct Nothing;
/// impl Observer for Nothing { fn event(&self, _: &Event<'_>) {} }
/// assert!(!is_observed());
/// assert!(observe(Arc::new(Nothing), is_observed));
/// ```
pub fn is_observed() -> bool {
    CURRENT.with(|c| c.borrow().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log(Mutex<Vec<(String, usize)>>);
    impl Observer for Log {
        fn event(&self, e: &Event<'_>) {
            self.0.lock().unwrap().push((e.task.to_owned(), e.step));
        }
    }

    #[test]
    fn a_panic_inside_observe_restores_the_previous_observer() {
        let outer = Arc::new(Log::default());
        observe(outer.clone(), || {
            let inner = Arc::new(Log::default());
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                observe(inner.clone(), || panic!("work failed"))
            }));
            assert!(r.is_err());
            report(&Event::new("after", 1, None));
            assert!(inner.0.lock().unwrap().is_empty());
        });
        assert_eq!(*outer.0.lock().unwrap(), [("after".to_owned(), 1)]);
        assert!(!is_observed());
    }

    #[test]
    fn other_threads_are_not_observed() {
        let log = Arc::new(Log::default());
        observe(log.clone(), || {
            std::thread::spawn(|| report(&Event::new("elsewhere", 1, None)))
                .join()
                .unwrap();
            report(&Event::new("here", 1, None));
        });
        assert_eq!(*log.0.lock().unwrap(), [("here".to_owned(), 1)]);
    }
}
