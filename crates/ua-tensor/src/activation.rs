//! Element-wise activations and their derivatives, with the bias add fused
//! into the same pass.
//!
//! A dense layer's forward pass is one matrix product followed by
//! [`bias_add_activate`] (one sweep over the output); its backward pass
//! starts with [`activation_backward_into`], which needs only the layer's
//! *output*, so no pre-activation copy is kept.
//!
//! Sigmoid and tanh over slices and matrices go through the vectorised
//! [`crate::vmath`] kernels (≤ 2 ulp in `f32`); [`Activation::apply`] on one
//! value uses the scalar `libm` formulas, so the two may differ in the last
//! bits.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, Zip};
use serde::{Deserialize, Serialize};

use crate::error::shape_mismatch;
use crate::{Result, Scalar, vmath};

/// An element-wise activation function.
///
/// ```
/// use ua_tensor::activation::Activation;
/// assert_eq!(Activation::Relu.apply(-2.0f32), 0.0);
/// assert_eq!(Activation::LeakyRelu { alpha: 0.1 }.apply(-2.0f64), -0.2);
/// assert_eq!(Activation::Sigmoid.apply(0.0f32), 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Activation {
    /// `f(x) = x`.
    #[default]
    Identity,
    /// `f(x) = max(x, 0)`.
    Relu,
    /// `f(x) = x` for `x > 0`, `alpha·x` otherwise.
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f64,
    },
    /// The logistic function, computed stably.
    Sigmoid,
    /// The hyperbolic tangent.
    Tanh,
}

impl Activation {
    /// `f(x)`.
    #[inline(always)]
    pub fn apply<S: Scalar>(self, x: S) -> S {
        match self {
            Activation::Identity => x,
            Activation::Relu => x.max(S::zero()),
            Activation::LeakyRelu { alpha } => {
                if x > S::zero() {
                    x
                } else {
                    x * S::lit(alpha)
                }
            }
            Activation::Sigmoid => crate::stable::sigmoid(x),
            Activation::Tanh => x.tanh(),
        }
    }

    /// `f'(x)` expressed through the output `y = f(x)` (every activation here
    /// allows that), so the backward pass needs no pre-activation values.
    ///
    /// ```
    /// use ua_tensor::activation::Activation;
    /// let y = Activation::Sigmoid.apply(0.3f64);
    /// assert!((Activation::Sigmoid.derivative_from_output(y) - y * (1.0 - y)).abs() < 1e-15);
    /// ```
    #[inline(always)]
    pub fn derivative_from_output<S: Scalar>(self, y: S) -> S {
        match self {
            Activation::Identity => S::one(),
            Activation::Relu => {
                if y > S::zero() {
                    S::one()
                } else {
                    S::zero()
                }
            }
            Activation::LeakyRelu { alpha } => {
                // For alpha > 0 the sign of y is the sign of x.
                if y > S::zero() {
                    S::one()
                } else {
                    S::lit(alpha)
                }
            }
            Activation::Sigmoid => y * (S::one() - y),
            Activation::Tanh => S::one() - y * y,
        }
    }

    /// Checks the parameters (a leaky slope must be finite and in `[0, 1)`).
    pub fn validate(self) -> Result<()> {
        if let Activation::LeakyRelu { alpha } = self
            && !(alpha.is_finite() && (0.0..1.0).contains(&alpha))
        {
            return Err(crate::Error::InvalidArgument {
                op: "leaky ReLU",
                message: format!("alpha must be in [0, 1), got {alpha}"),
            });
        }
        Ok(())
    }
}

/// In place: `z[i, j] ← f(z[i, j] + bias[j])`, one pass over `z`.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::activation::{bias_add_activate, Activation};
/// let mut z = array![[-1.0f32, 2.0], [0.5, -3.0]];
/// bias_add_activate(z.view_mut(), array![1.0f32, 0.0].view(), Activation::Relu).unwrap();
/// assert_eq!(z, array![[0.0, 2.0], [1.5, 0.0]]);
/// ```
pub fn bias_add_activate<S: Scalar>(
    mut z: ArrayViewMut2<'_, S>,
    bias: ArrayView1<'_, S>,
    act: Activation,
) -> Result<()> {
    if bias.len() != z.ncols() {
        return Err(shape_mismatch("bias add", z.ncols(), bias.len()));
    }
    let owned;
    let bias: &[S] = match bias.as_slice() {
        Some(b) => b,
        None => {
            owned = bias.to_vec();
            &owned
        }
    };
    if matches!(act, Activation::Sigmoid | Activation::Tanh)
        && let Some(all) = z.as_slice_mut()
    {
        return bias_add_activate_rows(all, bias, act);
    }
    let mut scratch = Vec::new();
    for mut row in z.rows_mut() {
        if let Some(r) = row.as_slice_mut() {
            bias_add_activate_slice(r, bias, act)?;
        } else {
            scratch.clear();
            scratch.extend(row.iter().copied());
            bias_add_activate_slice(&mut scratch, bias, act)?;
            row.iter_mut().zip(&scratch).for_each(|(v, &s)| *v = s);
        }
    }
    Ok(())
}

/// In place over one contiguous row: `row[j] ← f(row[j] + bias[j])`.
///
/// The one row primitive behind [`bias_add_activate`] and the products that
/// fuse their write-out with the bias and activation.
///
/// ```
/// use ua_tensor::activation::{bias_add_activate_slice, Activation};
/// let mut row = [-1.0f64, 2.0];
/// bias_add_activate_slice(&mut row, &[0.5, 0.5], Activation::Relu).unwrap();
/// assert_eq!(row, [0.0, 2.5]);
/// ```
pub fn bias_add_activate_slice<S: Scalar>(
    row: &mut [S],
    bias: &[S],
    act: Activation,
) -> Result<()> {
    if bias.len() != row.len() {
        return Err(shape_mismatch("bias add", row.len(), bias.len()));
    }
    // Monomorphise the loop per activation so each compiles to a straight
    // contiguous loop.
    macro_rules! sweep {
        ($f:expr) => {{
            let f = $f;
            for (v, &bj) in row.iter_mut().zip(bias) {
                *v = f(*v + bj);
            }
        }};
    }
    match act {
        Activation::Identity => sweep!(|v: S| v),
        Activation::Relu => sweep!(|v: S| v.max(S::zero())),
        Activation::Sigmoid | Activation::Tanh => {
            sweep!(|v: S| v);
            activate_slice(row, act);
        }
        a @ Activation::LeakyRelu { .. } => sweep!(|v: S| a.apply(v)),
    }
    Ok(())
}

/// In place over consecutive rows of `bias.len()` values each (a
/// contiguous row-major block): `rows[i·n + j] ← f(rows[i·n + j] + bias[j])`.
/// Under sigmoid and tanh the bias is added row by row and the function
/// runs in one vectorised pass over the whole block — rows of one or a few
/// values, as in an output layer, would otherwise each run the scalar tail
/// of [`crate::vmath`] behind a call.
///
/// ```
/// use ua_tensor::activation::{bias_add_activate_rows, Activation};
/// let mut rows = [0.0f32, 1.0, -1.0];
/// bias_add_activate_rows(&mut rows, &[1.0], Activation::Relu).unwrap();
/// assert_eq!(rows, [1.0, 2.0, 0.0]);
/// assert!(bias_add_activate_rows(&mut rows, &[1.0, 2.0], Activation::Relu).is_err());
/// ```
pub fn bias_add_activate_rows<S: Scalar>(
    rows: &mut [S],
    bias: &[S],
    act: Activation,
) -> Result<()> {
    let n = bias.len();
    if n == 0 || !rows.len().is_multiple_of(n) {
        return Err(shape_mismatch("bias add over rows", n, rows.len()));
    }
    if matches!(act, Activation::Sigmoid | Activation::Tanh) {
        for row in rows.chunks_exact_mut(n) {
            row.iter_mut().zip(bias).for_each(|(v, &b)| *v = *v + b);
        }
        activate_slice(rows, act);
        return Ok(());
    }
    for row in rows.chunks_exact_mut(n) {
        bias_add_activate_slice(row, bias, act)?;
    }
    Ok(())
}

/// `f` over a contiguous slice: sigmoid and tanh vectorised ([`crate::vmath`]),
/// the others element by element (they vectorise as plain loops).
fn activate_slice<S: Scalar>(xs: &mut [S], act: Activation) {
    match act {
        Activation::Identity => {}
        Activation::Sigmoid => vmath::sigmoid_inplace(xs),
        Activation::Tanh => vmath::tanh_inplace(xs),
        Activation::Relu => xs.iter_mut().for_each(|v| *v = v.max(S::zero())),
        a @ Activation::LeakyRelu { .. } => xs.iter_mut().for_each(|v| *v = a.apply(*v)),
    }
}

/// `dst ← grad_out ⊙ f'(·)`, with `f'` taken from the layer output `y`.
///
/// ```
/// use ndarray::{array, Array2};
/// use ua_tensor::activation::{activation_backward_into, Activation};
/// let y = array![[0.0f32, 2.0]];
/// let g = array![[5.0f32, 5.0]];
/// let mut dst = Array2::zeros((1, 2));
/// activation_backward_into(Activation::Relu, y.view(), g.view(), dst.view_mut()).unwrap();
/// assert_eq!(dst, array![[0.0, 5.0]]);
/// ```
pub fn activation_backward_into<S: Scalar>(
    act: Activation,
    y: ArrayView2<'_, S>,
    grad_out: ArrayView2<'_, S>,
    dst: ArrayViewMut2<'_, S>,
) -> Result<()> {
    if y.dim() != grad_out.dim() {
        return Err(shape_mismatch(
            "activation backward",
            y.dim(),
            grad_out.dim(),
        ));
    }
    if dst.dim() != y.dim() {
        return Err(shape_mismatch(
            "activation backward output",
            y.dim(),
            dst.dim(),
        ));
    }
    macro_rules! zip {
        ($f:expr) => {{
            let f = $f;
            Zip::from(dst)
                .and(y)
                .and(grad_out)
                .for_each(|d, &yv, &g| *d = g * f(yv));
        }};
    }
    match act {
        Activation::Identity => Zip::from(dst).and(grad_out).for_each(|d, &g| *d = g),
        Activation::Relu => Zip::from(dst)
            .and(y)
            .and(grad_out)
            .for_each(|d, &yv, &g| *d = if yv > S::zero() { g } else { S::zero() }),
        Activation::Sigmoid => zip!(|yv: S| yv * (S::one() - yv)),
        Activation::Tanh => zip!(|yv: S| S::one() - yv * yv),
        a @ Activation::LeakyRelu { .. } => zip!(|yv: S| a.derivative_from_output(yv)),
    }
    Ok(())
}

/// [`activation_backward_into`] that also adds every row of the result to
/// `col_sums` in the same pass — a dense layer's bias gradient
/// `∂L/∂b += Σ_rows ∂L/∂z` — rows in order, so the sums are the same as a
/// separate loop's; contiguous arrays run on the widest vectors.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::activation::{activation_backward_sum_into, Activation};
/// let y = array![[0.0f32, 2.0], [3.0, 0.0]];
/// let g = array![[5.0f32, 5.0], [1.0, 7.0]];
/// let mut dst = array![[9.0f32, 9.0], [9.0, 9.0]];
/// let mut sums = [10.0f32, 20.0];
/// activation_backward_sum_into(Activation::Relu, y.view(), g.view(), dst.view_mut(), &mut sums)
///     .unwrap();
/// assert_eq!(dst, array![[0.0, 5.0], [1.0, 0.0]]);
/// assert_eq!(sums, [11.0, 25.0]);
/// ```
pub fn activation_backward_sum_into<S: Scalar>(
    act: Activation,
    y: ArrayView2<'_, S>,
    grad_out: ArrayView2<'_, S>,
    mut dst: ArrayViewMut2<'_, S>,
    col_sums: &mut [S],
) -> Result<()> {
    if col_sums.len() != y.ncols() {
        return Err(shape_mismatch(
            "activation backward column sums",
            (1, y.ncols()),
            (1, col_sums.len()),
        ));
    }
    let same = y.dim() == grad_out.dim() && dst.dim() == y.dim();
    if let (true, Some(ys), Some(gs), Some(ds)) = (
        same && y.ncols() > 0,
        y.as_slice(),
        grad_out.as_slice(),
        dst.as_slice_mut(),
    ) {
        backward_sum_wide(act, ys, gs, ds, col_sums);
        return Ok(());
    }
    activation_backward_into(act, y, grad_out, dst.view_mut())?;
    for row in dst.rows() {
        for (s, &v) in col_sums.iter_mut().zip(row.iter()) {
            *s = *s + v;
        }
    }
    Ok(())
}

/// Row by row: `d = g ⊙ f'(y)` and `sums += d` (rows of `sums.len()`).
#[inline(always)]
fn backward_sum_plain<S: Scalar>(act: Activation, y: &[S], g: &[S], d: &mut [S], sums: &mut [S]) {
    #[inline(always)]
    fn rows<S: Scalar>(y: &[S], g: &[S], d: &mut [S], sums: &mut [S], f: impl Fn(S, S) -> S) {
        let n = sums.len();
        for ((yr, gr), dr) in y
            .chunks_exact(n)
            .zip(g.chunks_exact(n))
            .zip(d.chunks_exact_mut(n))
        {
            for (((s, dv), &yv), &gv) in sums.iter_mut().zip(dr.iter_mut()).zip(yr).zip(gr) {
                let v = f(yv, gv);
                *dv = v;
                *s = *s + v;
            }
        }
    }
    match act {
        Activation::Identity => rows(y, g, d, sums, |_, g| g),
        Activation::Relu => rows(
            y,
            g,
            d,
            sums,
            |y, g| if y > S::zero() { g } else { S::zero() },
        ),
        Activation::Sigmoid => rows(y, g, d, sums, |y, g| g * (y * (S::one() - y))),
        Activation::Tanh => rows(y, g, d, sums, |y, g| g * (S::one() - y * y)),
        a @ Activation::LeakyRelu { .. } => {
            rows(y, g, d, sums, |y, g| g * a.derivative_from_output(y))
        }
    }
}

crate::wide_fn! {
    /// [`backward_sum_plain`] on the widest vectors the CPU has.
    fn backward_sum_wide<S: Scalar> => backward_sum_plain(act: Activation, y: &[S], g: &[S], d: &mut [S], sums: &mut [S])
}

/// Applies `f` to every element of `z` in place.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::activation::{activate_inplace, Activation};
/// let mut z = array![[-1.0f64, 0.0]];
/// activate_inplace(z.view_mut(), Activation::Tanh);
/// assert_eq!(z[[0, 1]], 0.0);
/// ```
pub fn activate_inplace<S: Scalar>(mut z: ArrayViewMut2<'_, S>, act: Activation) {
    if act == Activation::Identity {
        return;
    }
    if let Some(all) = z.as_slice_memory_order_mut() {
        activate_slice(all, act);
        return;
    }
    let mut scratch = Vec::new();
    for mut row in z.rows_mut() {
        if let Some(r) = row.as_slice_mut() {
            activate_slice(r, act);
        } else {
            scratch.clear();
            scratch.extend(row.iter().copied());
            activate_slice(&mut scratch, act);
            row.iter_mut().zip(&scratch).for_each(|(v, &s)| *v = s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::{Array2, array};

    #[test]
    fn the_fused_backward_equals_the_backward_then_column_sums_for_every_activation() {
        let acts = [
            Activation::Identity,
            Activation::Relu,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::LeakyRelu { alpha: 0.1 },
        ];
        for act in acts {
            for (rows, cols) in [(1, 1), (5, 3), (7, 17), (33, 64)] {
                let y = Array2::from_shape_fn((rows, cols), |(i, j)| {
                    act.apply(((i * 7 + j * 3) % 11) as f64 / 3.0 - 1.5)
                });
                let g =
                    Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 5 + j) % 9) as f64 - 4.2);
                let mut want = Array2::zeros((rows, cols));
                activation_backward_into(act, y.view(), g.view(), want.view_mut()).unwrap();
                let start: Vec<f64> = (0..cols).map(|j| j as f64 * 0.5).collect();
                let mut want_sums = start.clone();
                for row in want.rows() {
                    for (s, &v) in want_sums.iter_mut().zip(row) {
                        *s += v;
                    }
                }
                // Contiguous (the wide path) and transposed-twice strided
                // (the general path) give the same numbers, bit for bit.
                let mut dst = Array2::from_elem((rows, cols), f64::NAN);
                let mut sums = start.clone();
                activation_backward_sum_into(act, y.view(), g.view(), dst.view_mut(), &mut sums)
                    .unwrap();
                assert_eq!(dst, want, "{act:?} {rows}×{cols}");
                assert_eq!(sums, want_sums, "{act:?} {rows}×{cols}");
                let mut wide = Array2::from_elem((rows, 2 * cols), f64::NAN);
                let mut sums = start.clone();
                let strided = wide.slice_mut(ndarray::s![.., ..;2]);
                activation_backward_sum_into(act, y.view(), g.view(), strided, &mut sums).unwrap();
                assert_eq!(wide.slice(ndarray::s![.., ..;2]), want);
                assert_eq!(sums, want_sums);
                // f32 on the wide path too.
                let (y32, g32) = (y.mapv(|v| v as f32), g.mapv(|v| v as f32));
                let mut want32 = Array2::zeros((rows, cols));
                activation_backward_into(act, y32.view(), g32.view(), want32.view_mut()).unwrap();
                let mut dst32 = Array2::zeros((rows, cols));
                let mut sums32 = vec![0.0f32; cols];
                activation_backward_sum_into(
                    act,
                    y32.view(),
                    g32.view(),
                    dst32.view_mut(),
                    &mut sums32,
                )
                .unwrap();
                assert_eq!(dst32, want32);
                for (j, got) in sums32.iter().enumerate() {
                    let s: f32 = want32.column(j).iter().fold(0.0, |a, &v| a + v);
                    assert_eq!(*got, s);
                }
            }
        }
        // No columns: nothing to compute (and no zero-width rows to walk).
        let empty = Array2::<f32>::zeros((3, 0));
        let mut out = Array2::<f32>::zeros((3, 0));
        activation_backward_sum_into(
            Activation::Relu,
            empty.view(),
            empty.view(),
            out.view_mut(),
            &mut [],
        )
        .unwrap();
        // Shapes: the sums must match the columns; y, g and dst must agree.
        let y = Array2::<f32>::zeros((2, 3));
        let e = activation_backward_sum_into(
            Activation::Relu,
            y.view(),
            y.view(),
            Array2::zeros((2, 3)).view_mut(),
            &mut [0.0; 2],
        )
        .unwrap_err();
        assert!(e.to_string().contains("column sums"), "{e}");
        let e = activation_backward_sum_into(
            Activation::Relu,
            y.view(),
            Array2::zeros((3, 3)).view(),
            Array2::zeros((2, 3)).view_mut(),
            &mut [0.0; 3],
        )
        .unwrap_err();
        assert!(e.to_string().contains("activation backward"), "{e}");
        let e = activation_backward_sum_into(
            Activation::Relu,
            y.view(),
            y.view(),
            Array2::zeros((2, 4)).view_mut(),
            &mut [0.0; 3],
        )
        .unwrap_err();
        assert!(e.to_string().contains("activation backward output"), "{e}");
    }

    #[test]
    fn rows_of_a_block_get_their_bias_and_a_ragged_block_is_refused() {
        // Three rows of two values under sigmoid: one pass over the block.
        let mut rows = [0.0f64, 1.0, -1.0, 2.0, 0.5, -0.5];
        bias_add_activate_rows(&mut rows, &[1.0, -1.0], Activation::Sigmoid).unwrap();
        let want = [1.0f64, 0.0, 0.0, 1.0, 1.5, -1.5].map(|z| 1.0 / (1.0 + (-z).exp()));
        for (g, w) in rows.iter().zip(&want) {
            assert!((g - w).abs() < 1e-15, "{g} vs {w}");
        }
        // Five values are not rows of two; an empty bias fits nothing.
        let mut five = [0.0f32; 5];
        let e = bias_add_activate_rows(&mut five, &[1.0, 2.0], Activation::Relu).unwrap_err();
        assert!(e.to_string().contains("bias add over rows"), "{e}");
        assert_eq!(five, [0.0; 5], "nothing written");
        assert!(bias_add_activate_rows(&mut five, &[], Activation::Relu).is_err());
        assert!(bias_add_activate_rows::<f32>(&mut [], &[], Activation::Relu).is_err());
        // An empty block of rows of one is fine.
        assert!(bias_add_activate_rows(&mut [0.0f32; 0], &[1.0], Activation::Relu).is_ok());
    }

    const ALL: [Activation; 5] = [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu { alpha: 0.01 },
        Activation::Sigmoid,
        Activation::Tanh,
    ];

    #[test]
    fn derivative_from_output_matches_finite_differences() {
        for act in ALL {
            for &x in &[-2.3f64, -0.7, 0.4, 1.9] {
                let h = 1e-6;
                let fd = (act.apply(x + h) - act.apply(x - h)) / (2.0 * h);
                let d = act.derivative_from_output(act.apply(x));
                assert_abs_diff_eq!(d, fd, epsilon = 1e-8);
            }
        }
    }

    #[test]
    fn fused_bias_add_matches_two_passes() {
        let z0 = array![[0.3f64, -1.2, 2.0], [-0.1, 0.0, 5.0]];
        let b = array![0.5f64, -0.5, 1.0];
        for act in ALL {
            let mut fused = z0.clone();
            bias_add_activate(fused.view_mut(), b.view(), act).unwrap();
            let mut two = &z0 + &b;
            activate_inplace(two.view_mut(), act);
            assert_eq!(fused, two, "{act:?}");
        }
        // Rows that are not contiguous (a transposed view) give the same.
        for act in ALL {
            let mut t = z0.t().to_owned().reversed_axes().to_owned();
            let mut storage = z0.t().to_owned();
            bias_add_activate(storage.view_mut().reversed_axes(), b.view(), act).unwrap();
            bias_add_activate(t.view_mut(), b.view(), act).unwrap();
            assert_eq!(storage.t(), t, "{act:?}");
        }
        let mut row = [1.0f64, 2.0];
        let err = bias_add_activate_slice(&mut row, &[1.0], Activation::Relu).unwrap_err();
        assert!(err.to_string().contains("bias add"), "{err}");
        let mut z = Array2::<f32>::zeros((2, 3));
        assert!(bias_add_activate(z.view_mut(), array![1.0f32].view(), Activation::Relu).is_err());
    }

    #[test]
    fn sigmoid_and_tanh_rows_are_vectorised_and_layout_independent() {
        let z0 = Array2::from_shape_fn((7, 19), |(i, j)| {
            (i as f32 - 3.0) * 2.5 + j as f32 * 0.37 - 4.0
        });
        let b = ndarray::Array1::from_shape_fn(19, |j| j as f32 * 0.1 - 0.5);
        for act in [Activation::Sigmoid, Activation::Tanh] {
            // Whole contiguous matrix (one vmath pass) vs row by row.
            let mut whole = z0.clone();
            bias_add_activate(whole.view_mut(), b.view(), act).unwrap();
            let mut rows = z0.clone();
            for mut r in rows.rows_mut() {
                bias_add_activate_slice(r.as_slice_mut().unwrap(), b.as_slice().unwrap(), act)
                    .unwrap();
            }
            assert_eq!(whole, rows, "{act:?}");
            // Column-major storage (scratch rows) gives the same bits.
            let mut cm = z0.t().as_standard_layout().into_owned().reversed_axes();
            assert!(cm.row(0).as_slice().is_none());
            bias_add_activate(cm.view_mut(), b.view(), act).unwrap();
            assert_eq!(whole, cm, "{act:?}");
            // Within 2 ulp-ish (relative 2.5e-7) of the scalar formula.
            for ((i, j), &v) in whole.indexed_iter() {
                let want = act.apply((z0[[i, j]] + b[j]) as f64);
                assert!(
                    (v as f64 - want).abs() <= 2.5e-7 * want.abs() + 1e-30,
                    "{act:?} at ({i}, {j}): {v} vs {want}"
                );
            }
            // One-column matrices (an output layer) go through the same kernels.
            let mut col = z0.column(0).to_owned().insert_axis(ndarray::Axis(1));
            bias_add_activate(col.view_mut(), ndarray::array![b[0]].view(), act).unwrap();
            assert_eq!(col.column(0), whole.column(0), "{act:?}");
        }
    }

    #[test]
    fn leaky_alpha_is_validated() {
        assert!(Activation::LeakyRelu { alpha: 1.5 }.validate().is_err());
        assert!(
            Activation::LeakyRelu { alpha: f64::NAN }
                .validate()
                .is_err()
        );
        assert!(Activation::LeakyRelu { alpha: 0.2 }.validate().is_ok());
    }
}
