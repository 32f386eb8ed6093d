//! Training reports one progress event per epoch to an observer, with the
//! epoch's losses, and nothing without one.

use std::sync::{Arc, Mutex};

use ndarray::Array2;
use ua_nn::losses::BinaryCrossEntropy;
use ua_nn::optim::Adam;
use ua_nn::{Activation, EarlyStopping, FitConfig, Sequential};
use ua_tensor::progress::{Event, Observer, observe};

/// Task, step, total and figures of one event.
type Recorded = (String, usize, Option<usize>, Vec<(String, f64)>);

#[derive(Default)]
struct Record(Mutex<Vec<Recorded>>);

impl Observer for Record {
    fn event(&self, e: &Event<'_>) {
        let figures = e.figures.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        self.0
            .lock()
            .unwrap()
            .push((e.task.to_owned(), e.step, e.total, figures));
    }
}

#[test]
fn fit_reports_each_epoch_with_its_losses() {
    let x = Array2::from_shape_fn((64, 2), |(i, j)| ((i * 3 + j * 5) % 7) as f32 / 7.0);
    let y = Array2::from_shape_fn((64, 1), |(i, _)| f32::from(x[[i, 0]] > x[[i, 1]]));
    let mut net = Sequential::<f32>::builder(2)
        .dense(4, Activation::Relu)
        .dense(1, Activation::Sigmoid)
        .seed(1)
        .build()
        .unwrap();
    let rec = Arc::new(Record::default());
    let history = observe(rec.clone(), || {
        net.fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.01),
            FitConfig::new()
                .epochs(6)
                .batch_size(16)
                .seed(1)
                .validation_fraction(0.25)
                .early_stopping(EarlyStopping::new().patience(100)),
        )
    })
    .unwrap();
    let events = rec.0.lock().unwrap();
    assert_eq!(events.len(), history.epochs.len());
    for (e, log) in events.iter().zip(&history.epochs) {
        assert_eq!((e.0.as_str(), e.1, e.2), ("epoch", log.epoch, Some(6)));
        assert_eq!(
            e.3,
            vec![
                ("loss".to_string(), log.loss),
                ("val_loss".to_string(), log.val_loss.unwrap())
            ]
        );
    }
    // Outside `observe` nothing is recorded.
    drop(events);
    net.fit(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(0.01),
        FitConfig::new().epochs(2),
    )
    .unwrap();
    assert_eq!(rec.0.lock().unwrap().len(), history.epochs.len());
}
