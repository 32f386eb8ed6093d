//! The training loop: [`Sequential::fit`] and [`Sequential::train_batch`].
//!
//! One step gathers a shuffled mini-batch into a buffer, runs the layers
//! forward, writes the loss gradient into a buffer, back-propagates, then
//! lets the optimizer update every parameter in place. After the first step
//! nothing is allocated.

use std::time::Instant;

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rand::seq::SliceRandom;
use ua_tensor::init::seeded_rng;

use crate::class_weight::ClassWeight;
use crate::config::{Control, EpochLog, FitConfig, History};
use crate::layer::{Param, ParamKind};
use crate::losses::Loss;
use crate::optim::Optimizer;
use crate::sequential::Sequential;
use crate::{Result, Scalar};

/// Most values one training buffer (a batch through the widest layer) may hold.
const MAX_BATCH_VALUES: usize = 1 << 28;

/// Regularisation and clipping applied in every step.
struct Penalties {
    l1: f64,
    l2: f64,
    clip_norm: Option<f64>,
}

/// Copies rows `rows` of `src` into the first rows of `dst`; when both are
/// row-major, row by row in copies of fixed size (inlined moves: a call to
/// `memcpy` per short row cost 7 % of a training step at batch 32).
fn gather_rows<S: Scalar>(src: ArrayView2<'_, S>, rows: &[usize], dst: &mut Array2<S>) {
    let d = src.ncols();
    match (src.as_slice(), dst.as_slice_mut()) {
        (Some(s), Some(t)) => {
            for (to, &i) in t.chunks_exact_mut(d.max(1)).zip(rows) {
                copy_short(to, &s[i * d..(i + 1) * d]);
            }
        }
        _ => {
            for (r, &i) in rows.iter().enumerate() {
                dst.row_mut(r).assign(&src.row(i));
            }
        }
    }
}

/// `to.copy_from_slice(from)` for short rows: whole blocks of 8 values as
/// fixed-size copies, then the rest one by one.
#[inline(always)]
fn copy_short<S: Copy>(to: &mut [S], from: &[S]) {
    let mut blocks = to.chunks_exact_mut(8);
    let mut sources = from.chunks_exact(8);
    for (t, f) in (&mut blocks).zip(&mut sources) {
        if let (Ok(t), Ok(f)) = (<&mut [S; 8]>::try_from(t), <&[S; 8]>::try_from(f)) {
            *t = *f;
        }
    }
    for (t, &f) in blocks.into_remainder().iter_mut().zip(sources.remainder()) {
        *t = f;
    }
}

/// Row weights from class weights (targets: one column of 0/1, or one-hot
/// rows). "Balanced" weights count classes over `counted_rows` only (the
/// training rows, not the held-out validation rows).
fn row_weights<S: Scalar>(
    y: ArrayView2<'_, S>,
    cw: &ClassWeight,
    counted_rows: &[usize],
) -> Result<Array1<S>> {
    let n_classes = if y.ncols() == 1 { 2 } else { y.ncols() };
    let class_of = |row: ndarray::ArrayView1<'_, S>| -> usize {
        if row.len() == 1 {
            usize::from(row[0] >= S::lit(0.5))
        } else {
            row.iter()
                .enumerate()
                .fold((0, S::neg_infinity()), |(bi, bv), (i, &v)| {
                    if v > bv { (i, v) } else { (bi, bv) }
                })
                .0
        }
    };
    let classes: Vec<usize> = y.axis_iter(Axis(0)).map(class_of).collect();
    let mut counts = vec![0usize; n_classes];
    counted_rows.iter().for_each(|&i| counts[classes[i]] += 1);
    let weights = cw.for_counts(&counts)?;
    Ok(classes.iter().map(|&c| S::lit(weights[c])).collect())
}

impl<S: Scalar> Sequential<S> {
    /// Trains the model on `(x, y)` (`y` has one column per output) with
    /// `loss` and `optimizer`, as `config` says. Returns the per-epoch history.
    ///
    /// Errors before training on bad settings or data (shapes, NaN, empty
    /// input); stops with [`Error::Diverged`](crate::Error::Diverged) naming
    /// the epoch and batch if the loss becomes NaN or infinite.
    ///
    /// ```
    /// use ndarray::{Array2, array};
    /// use ua_nn::{Activation, FitConfig, Sequential, losses::MeanSquaredError, optim::Sgd};
    /// // learn y = 2x
    /// let x = Array2::from_shape_fn((64, 1), |(i, _)| i as f64 / 64.0);
    /// let y = x.mapv(|v| 2.0 * v);
    /// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
    /// let h = m.fit(x.view(), y.view(), &MeanSquaredError, &mut Sgd::new(0.5), FitConfig::new().epochs(200)).unwrap();
    /// assert!(h.loss().last().unwrap() < &1e-6);
    /// ```
    pub fn fit(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        loss: &dyn Loss<S>,
        optimizer: &mut dyn Optimizer<S>,
        mut config: FitConfig<'_, S>,
    ) -> Result<History> {
        config.validate()?;
        optimizer.validate()?;
        self.check_x("fit", &x)?;
        if y.dim() != (x.nrows(), self.output_dim) {
            return Err(crate::error::shape(
                "fit targets",
                format!(
                    "{} (rows of x × model outputs)",
                    crate::error::dims((x.nrows(), self.output_dim))
                ),
                crate::error::dims(y.dim()),
            ));
        }
        ua_tensor::check::ensure_finite("fit targets", &y)?;
        if let Some((vx, vy)) = &config.validation_data {
            self.check_x("validation data", vx)?;
            if vy.dim() != (vx.nrows(), self.output_dim) {
                return Err(crate::error::shape(
                    "validation targets",
                    crate::error::dims((vx.nrows(), self.output_dim)),
                    crate::error::dims(vy.dim()),
                ));
            }
            ua_tensor::check::ensure_finite("validation targets", vy)?;
        }

        // Rows used for training vs the held-out validation share: the
        // config's fraction, else the early stopping's (explicit validation
        // data takes precedence over both).
        let mut rng = seeded_rng(config.seed);
        let mut train_rows: Vec<usize> = (0..x.nrows()).collect();
        let mut val_rows: Vec<usize> = Vec::new();
        let fraction = config.validation_fraction.or(config
            .early_stopping
            .as_ref()
            .map(|e| e.validation_fraction));
        if config.validation_data.is_none()
            && let Some(f) = fraction
        {
            train_rows.shuffle(&mut rng);
            let n_val = ((x.nrows() as f64) * f).round() as usize;
            if n_val == 0 || n_val >= x.nrows() {
                return Err(crate::error::invalid(
                    "fit",
                    format!(
                        "validation_fraction {f} of {} rows leaves no training or no validation rows",
                        x.nrows()
                    ),
                ));
            }
            val_rows = train_rows.split_off(x.nrows() - n_val);
            val_rows.sort_unstable();
            train_rows.sort_unstable();
        }
        let held_out: Option<(Array2<S>, Array2<S>)> = (!val_rows.is_empty())
            .then(|| (x.select(Axis(0), &val_rows), y.select(Axis(0), &val_rows)));
        let weights: Option<Array1<S>> = match &config.class_weight {
            Some(cw) => Some(row_weights(y, cw, &train_rows)?),
            None => None,
        };

        let bs = config.batch_size.min(train_rows.len());
        let widest = self.widths.iter().copied().fold(x.ncols(), usize::max);
        if bs.checked_mul(widest).is_none_or(|v| v > MAX_BATCH_VALUES) {
            return Err(crate::error::invalid(
                "fit",
                format!(
                    "batch_size {bs} × the widest layer ({widest} columns) exceeds \
                     {MAX_BATCH_VALUES} values per buffer; lower batch_size"
                ),
            ));
        }
        // Per batch each layer keeps its output, the gradient at its output
        // and at its input (≈ 3 × batch × width); the held-out rows are
        // copied once and the best weights once (early stopping).
        let widths_sum = self
            .widths
            .iter()
            .fold(x.ncols() as u128, |acc, &w| acc.saturating_add(w as u128));
        let n_params = self.n_params() as u128;
        let buffers = (bs as u128)
            .saturating_mul(widths_sum)
            .saturating_mul(3)
            .saturating_add(
                (val_rows.len() as u128).saturating_mul((x.ncols() + y.ncols()) as u128),
            )
            .saturating_add(n_params);
        ua_tensor::budget::check_allocation(
            "fit",
            &format!(
                "the training buffers (batch of {bs} rows through layers of {widths_sum} columns \
                 in all, {} held-out rows, a copy of the weights)",
                val_rows.len()
            ),
            buffers,
            std::mem::size_of::<S>(),
        )?;
        let (d, k) = (x.ncols(), y.ncols());
        let mut xb = Array2::<S>::zeros((bs, d));
        let mut yb = Array2::<S>::zeros((bs, k));
        let mut wb = Array1::<S>::zeros(bs);
        let penalties = Penalties {
            l1: config.l1,
            l2: config.l2,
            clip_norm: config.clip_norm,
        };
        let base_lr = optimizer.learning_rate();
        let n_params_tensors = {
            let mut c = 0;
            self.visit_params(&mut |_, _| c += 1);
            c
        };
        let mut best_weights: Vec<Vec<S>> = vec![Vec::new(); n_params_tensors];
        let mut best: Option<(f64, usize)> = None;
        let mut since_best = 0usize;
        let mut history = History::default();
        self.zero_grad();

        for epoch in 1..=config.epochs {
            let t0 = Instant::now();
            let lr = config.schedule.rate(base_lr, epoch - 1);
            optimizer.set_learning_rate(lr);
            if config.shuffle {
                train_rows.shuffle(&mut rng);
            }
            let (mut loss_sum, mut acc_sum, mut has_acc, mut seen) = (0.0f64, 0.0f64, true, 0usize);
            for (bi, chunk) in train_rows.chunks(bs).enumerate() {
                let m = chunk.len();
                // Gather the batch into the preallocated buffers.
                gather_rows(x, chunk, &mut xb);
                gather_rows(y, chunk, &mut yb);
                if let Some(w) = &weights {
                    for (r, &i) in chunk.iter().enumerate() {
                        wb[r] = w[i];
                    }
                }
                let (xv, yv) = (xb.slice(s![..m, ..]), yb.slice(s![..m, ..]));
                let wv = weights.as_ref().map(|_| wb.slice(s![..m]));
                let (l, acc) = self
                    .step(xv, yv, wv, loss, optimizer, &penalties)
                    .map_err(|e| match e {
                        crate::Error::Diverged { value, .. } => crate::Error::Diverged {
                            epoch,
                            batch: bi + 1,
                            value,
                        },
                        other => other,
                    })?;
                match acc {
                    Some(a) => acc_sum += a * m as f64,
                    None => has_acc = false,
                }
                loss_sum += l * m as f64;
                seen += m;
            }
            let val = match (&config.validation_data, &held_out) {
                (Some((vx, vy)), _) => Some(self.evaluate(*vx, *vy, loss)?),
                (None, Some((vx, vy))) => Some(self.evaluate(vx.view(), vy.view(), loss)?),
                _ => None,
            };
            let log = EpochLog {
                epoch,
                loss: loss_sum / seen as f64,
                accuracy: has_acc.then_some(acc_sum / seen as f64),
                val_loss: val.map(|v| v.0),
                val_accuracy: val.and_then(|v| v.1),
                learning_rate: lr,
                seconds: t0.elapsed().as_secs_f64(),
            };
            let monitored = log.val_loss.unwrap_or(log.loss);
            let min_delta = config.early_stopping.as_ref().map_or(0.0, |e| e.min_delta);
            let improved = best.is_none_or(|(b, _)| monitored < b - min_delta);
            if improved {
                best = Some((monitored, epoch));
                since_best = 0;
                if config
                    .early_stopping
                    .as_ref()
                    .is_some_and(|e| e.restore_best)
                {
                    self.visit_params(&mut |slot, p| {
                        best_weights[slot].clear();
                        best_weights[slot].extend_from_slice(p.value);
                    });
                }
            } else {
                since_best += 1;
            }
            if ua_tensor::progress::is_observed() {
                let mut figures = vec![("loss", log.loss)];
                figures.extend(log.val_loss.map(|v| ("val_loss", v)));
                ua_tensor::progress::report(
                    &ua_tensor::progress::Event::new("epoch", epoch, Some(config.epochs))
                        .with(&figures),
                );
            }
            let mut stop = false;
            if let Some(cb) = config.callback.as_mut() {
                stop = cb(&log) == Control::Stop;
            }
            history.epochs.push(log);
            if let Some(es) = &config.early_stopping
                && since_best >= es.patience
            {
                stop = true;
            }
            if stop {
                history.stopped_early = epoch < config.epochs;
                break;
            }
        }
        history.best_epoch = best.map_or(0, |b| b.1);
        if let Some(es) = &config.early_stopping
            && es.restore_best
            && history.best_epoch != history.epochs.len()
        {
            self.visit_params(&mut |slot, p| p.value.copy_from_slice(&best_weights[slot]));
            history.restored_best = true;
        }
        Ok(history)
    }

    /// One optimisation step on one batch: forward, loss, backward,
    /// penalties, clipping, update. Returns the batch loss (with penalties).
    ///
    /// For custom training loops; [`fit`](Self::fit) calls the same code.
    /// After the first call with a given batch size nothing is allocated.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Sequential, losses::MeanSquaredError, optim::Sgd};
    /// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
    /// let mut opt = Sgd::new(0.1);
    /// let (x, y) = (array![[1.0], [2.0]], array![[2.0], [4.0]]);
    /// let first = m.train_batch(x.view(), y.view(), &MeanSquaredError, &mut opt).unwrap();
    /// for _ in 0..100 { m.train_batch(x.view(), y.view(), &MeanSquaredError, &mut opt).unwrap(); }
    /// assert!(m.train_batch(x.view(), y.view(), &MeanSquaredError, &mut opt).unwrap() < first);
    /// ```
    pub fn train_batch(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        loss: &dyn Loss<S>,
        optimizer: &mut dyn Optimizer<S>,
    ) -> Result<f64> {
        self.check_x("train_batch", &x)?;
        if y.dim() != (x.nrows(), self.output_dim) {
            return Err(crate::error::shape(
                "train_batch targets",
                crate::error::dims((x.nrows(), self.output_dim)),
                crate::error::dims(y.dim()),
            ));
        }
        ua_tensor::check::ensure_finite("train_batch targets", &y)?;
        let none = Penalties {
            l1: 0.0,
            l2: 0.0,
            clip_norm: None,
        };
        Ok(self.step(x, y, None, loss, optimizer, &none)?.0)
    }

    fn step(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        w: Option<ndarray::ArrayView1<'_, S>>,
        loss: &dyn Loss<S>,
        optimizer: &mut dyn Optimizer<S>,
        penalties: &Penalties,
    ) -> Result<(f64, Option<f64>)> {
        let (m, k) = y.dim();
        let mut grad = crate::layer::rows_of(&mut self.loss_grad, m, k);
        let pred = Self::forward_train(&mut self.layers, x)?;
        let mut l = loss
            .loss_and_grad_into(pred, y, w, grad.view_mut())?
            .as_f64();
        let acc = loss.accuracy(pred, y);
        Self::backward_batch(&mut self.layers, x, grad.view())?;
        l += self.apply_penalties(penalties.l1, penalties.l2);
        if !l.is_finite() {
            self.zero_grad();
            return Err(crate::Error::Diverged {
                epoch: 0,
                batch: 0,
                value: format!("{l}"),
            });
        }
        if let Some(c) = penalties.clip_norm {
            self.clip_gradients(c);
        }
        optimizer.begin_step();
        self.visit_params(&mut |slot, p| {
            optimizer.update(
                slot,
                Param {
                    kind: p.kind,
                    value: &mut *p.value,
                    grad: &mut *p.grad,
                },
            );
            p.grad.fill(S::zero());
        });
        Ok((l, acc))
    }

    /// Adds the L1/L2 penalty gradients to weight gradients; returns the
    /// penalty added to the loss.
    fn apply_penalties(&mut self, l1: f64, l2: f64) -> f64 {
        if l1 == 0.0 && l2 == 0.0 {
            return 0.0;
        }
        let (a, b) = (S::lit(l1), S::lit(2.0 * l2));
        let mut penalty = 0.0;
        self.visit_params(&mut |_, p| {
            if p.kind == ParamKind::Weight {
                for (g, &w) in p.grad.iter_mut().zip(p.value.iter()) {
                    let sign = if w > S::zero() {
                        S::one()
                    } else if w < S::zero() {
                        -S::one()
                    } else {
                        S::zero()
                    };
                    *g = *g + a * sign + b * w;
                    penalty += l1 * w.as_f64().abs() + l2 * w.as_f64() * w.as_f64();
                }
            }
        });
        penalty
    }

    /// Scales all gradients so their global L2 norm is at most `max_norm`.
    fn clip_gradients(&mut self, max_norm: f64) {
        let mut sq = 0.0f64;
        self.visit_params(&mut |_, p| {
            sq += p.grad.iter().map(|g| g.as_f64() * g.as_f64()).sum::<f64>()
        });
        let norm = sq.sqrt();
        if norm > max_norm {
            let f = S::lit(max_norm / norm);
            self.visit_params(&mut |_, p| p.grad.iter_mut().for_each(|g| *g = *g * f));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn gathered_rows_are_the_rows_asked_for() {
        // Row widths around the 8-value copy blocks, and a single column.
        for d in [1, 3, 7, 8, 9, 16, 17, 25] {
            let src = Array2::from_shape_fn((11, d), |(i, j)| (i * 100 + j) as f32);
            let rows = [10, 0, 3, 3, 7];
            let mut dst = Array2::from_elem((6, d), -1.0f32);
            gather_rows(src.view(), &rows, &mut dst);
            for (r, &i) in rows.iter().enumerate() {
                assert_eq!(dst.row(r), src.row(i), "width {d}, row {r}");
            }
            assert!(
                dst.row(5).iter().all(|&v| v == -1.0),
                "width {d}: the spare row is untouched"
            );
            // A column-major source takes the general path: the same rows.
            let f = src.t().to_owned();
            let mut by_view = Array2::from_elem((6, d), -1.0f32);
            gather_rows(f.t(), &rows, &mut by_view);
            assert_eq!(by_view, dst, "width {d}");
        }
    }

    #[test]
    fn balanced_weights_count_only_the_training_rows() {
        // Rows 0..4 train (1 positive, 3 negatives); rows 4, 5 are held out.
        let y = array![[1.0f64], [0.0], [0.0], [0.0], [1.0], [1.0]];
        let w = row_weights(y.view(), &ClassWeight::Balanced, &[0, 1, 2, 3]).unwrap();
        // n / (2 · count): positives 4 / 2 = 2, negatives 4 / 6.
        assert_eq!(w[0], 2.0);
        assert!((w[1] - 4.0 / 6.0).abs() < 1e-15);
        assert_eq!(w[4], 2.0);
        let e = row_weights(y.view(), &ClassWeight::Manual(vec![1.0]), &[0]).unwrap_err();
        assert!(e.to_string().contains("2 weights"), "{e}");
        // Positives only among the held-out rows: balanced weights cannot be
        // computed from the training rows, and that is an error, not a 0.
        let e = row_weights(y.view(), &ClassWeight::Balanced, &[1, 2, 3]).unwrap_err();
        assert!(
            e.to_string()
                .contains("class 1 (positive) has no rows among the 3 counted rows"),
            "{e}"
        );
        // Manual weights go to the rows of their class, validation rows included.
        let w = row_weights(y.view(), &ClassWeight::binary(0.5, 3.0), &[0]).unwrap();
        assert_eq!(w.to_vec(), [3.0, 0.5, 0.5, 0.5, 3.0, 3.0]);
        // One-hot targets: the class is the column of the largest value.
        let y3 = array![
            [0.0f32, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 1.0, 0.0]
        ];
        let w = row_weights(y3.view(), &ClassWeight::Balanced, &[0, 1, 2, 3]).unwrap();
        // 4 rows, 3 classes, counts 1 / 2 / 1: 4/3, 4/6, 4/3
        assert_eq!(w.to_vec(), [4.0 / 6.0, 4.0 / 3.0, 4.0 / 3.0, 4.0 / 6.0]);
        // A soft target of 0.5 counts as positive (threshold 0.5).
        let ys = array![[0.5f64], [0.49]];
        let w = row_weights(ys.view(), &ClassWeight::binary(1.0, 2.0), &[0, 1]).unwrap();
        assert_eq!(w.to_vec(), [2.0, 1.0]);
    }
}
