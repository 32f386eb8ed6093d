//! Seeded weight initialisers (Glorot/Xavier and He, uniform and normal).

use ndarray::Array2;
use ndarray_rand::RandomExt;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Normal, Uniform};
use serde::{Deserialize, Serialize};

use crate::{Error, Result, Scalar};

/// How a `fan_in × fan_out` weight matrix is filled.
///
/// ```
/// use ua_tensor::init::{Initializer, seeded_rng};
/// let w = Initializer::GlorotUniform.matrix::<f32>(16, 64, &mut seeded_rng(42)).unwrap();
/// let limit = (6.0f32 / (16.0 + 64.0)).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= limit));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Initializer {
    /// All zeros.
    Zeros,
    /// Every element equal to `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// `U(-l, l)` with `l = √(6 / (fan_in + fan_out))` (Keras' default).
    #[default]
    GlorotUniform,
    /// `N(0, 2 / (fan_in + fan_out))`.
    GlorotNormal,
    /// `U(-l, l)` with `l = √(6 / fan_in)` (for ReLU layers).
    HeUniform,
    /// `N(0, 2 / fan_in)` (for ReLU layers).
    HeNormal,
    /// `U(low, high)`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// `N(0, std²)`.
    Normal {
        /// Standard deviation.
        std: f64,
    },
}

/// A seeded random number generator: the same seed gives the same stream.
///
/// ```
/// use rand::Rng;
/// let a: u64 = ua_tensor::init::seeded_rng(7).random();
/// let b: u64 = ua_tensor::init::seeded_rng(7).random();
/// assert_eq!(a, b);
/// ```
pub fn seeded_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

impl Initializer {
    /// A new `fan_in × fan_out` matrix drawn from this initialiser.
    pub fn matrix<S: Scalar>(
        self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut impl Rng,
    ) -> Result<Array2<S>> {
        let shape = (fan_in, fan_out);
        let bad = |message: String| Error::InvalidArgument {
            op: "initialiser",
            message,
        };
        if fan_in == 0 || fan_out == 0 {
            return Err(bad(format!(
                "fan_in and fan_out must be positive, got {fan_in}×{fan_out}"
            )));
        }
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        let uniform = |l: f64, h: f64, rng: &mut dyn rand::RngCore| -> Result<Array2<S>> {
            let d = Uniform::new_inclusive(l, h)
                .map_err(|e| bad(format!("uniform bounds {l}..{h}: {e}")))?;
            Ok(Array2::<f64>::random_using(shape, d, rng).mapv(S::lit))
        };
        let normal = |sd: f64, rng: &mut dyn rand::RngCore| -> Result<Array2<S>> {
            let d = Normal::new(0.0, sd).map_err(|e| bad(format!("normal std {sd}: {e}")))?;
            Ok(Array2::<f64>::random_using(shape, d, rng).mapv(S::lit))
        };
        match self {
            Initializer::Zeros => Ok(Array2::zeros(shape)),
            Initializer::Constant { value } => Ok(Array2::from_elem(shape, S::lit(value))),
            Initializer::GlorotUniform => {
                let l = (6.0 / (fi + fo)).sqrt();
                uniform(-l, l, rng)
            }
            Initializer::GlorotNormal => normal((2.0 / (fi + fo)).sqrt(), rng),
            Initializer::HeUniform => {
                let l = (6.0 / fi).sqrt();
                uniform(-l, l, rng)
            }
            Initializer::HeNormal => normal((2.0 / fi).sqrt(), rng),
            Initializer::Uniform { low, high } => {
                if !(low.is_finite() && high.is_finite() && low < high) {
                    return Err(bad(format!(
                        "uniform needs finite low < high, got {low}..{high}"
                    )));
                }
                uniform(low, high, rng)
            }
            Initializer::Normal { std } => {
                if !(std.is_finite() && std > 0.0) {
                    return Err(bad(format!("normal std must be positive, got {std}")));
                }
                normal(std, rng)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variances_match_their_formulas() {
        let (fi, fo) = (200, 300);
        let cases = [
            (Initializer::GlorotUniform, 2.0 / (fi + fo) as f64),
            (Initializer::GlorotNormal, 2.0 / (fi + fo) as f64),
            (Initializer::HeUniform, 2.0 / fi as f64),
            (Initializer::HeNormal, 2.0 / fi as f64),
        ];
        for (init, var) in cases {
            let w = init.matrix::<f64>(fi, fo, &mut seeded_rng(1)).unwrap();
            let mean = w.mean().unwrap();
            let v = w.mapv(|x| (x - mean) * (x - mean)).mean().unwrap();
            assert!(
                mean.abs() < 0.01 * var.sqrt() * 10.0,
                "{init:?} mean {mean}"
            );
            assert!(
                (v / var - 1.0).abs() < 0.03,
                "{init:?}: variance {v} vs {var}"
            );
        }
    }

    #[test]
    fn same_seed_same_weights_and_bad_args_are_errors() {
        let a = Initializer::HeNormal
            .matrix::<f32>(4, 5, &mut seeded_rng(3))
            .unwrap();
        let b = Initializer::HeNormal
            .matrix::<f32>(4, 5, &mut seeded_rng(3))
            .unwrap();
        let c = Initializer::HeNormal
            .matrix::<f32>(4, 5, &mut seeded_rng(4))
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(
            Initializer::GlorotUniform
                .matrix::<f32>(0, 5, &mut seeded_rng(1))
                .is_err()
        );
        assert!(
            Initializer::Normal { std: -1.0 }
                .matrix::<f32>(2, 2, &mut seeded_rng(1))
                .is_err()
        );
        assert!(
            Initializer::Uniform {
                low: 1.0,
                high: 0.0
            }
            .matrix::<f32>(2, 2, &mut seeded_rng(1))
            .is_err()
        );
    }
}
