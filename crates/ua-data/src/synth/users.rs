//! Drawing one user's demographics, segment, taste and purchase propensity,
//! and gathering users into the [`Users`] columns.

use ndarray::Array2;
use rand::Rng;
use rand::rngs::SmallRng;
use rand_distr::StandardNormal;

use super::{ShopConfig, Users};
use crate::{Error, Result};

/// One user's attributes before the event simulation sets the lapse day.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserDraw {
    pub age: u32,
    pub income: f64,
    pub city_tier: u8,
    pub signup_day: i32,
    pub segment: u8,
    pub purchase_prob: f64,
    pub is_fraud: bool,
}

/// Draws a user's attributes and writes its taste vector into `taste`
/// (length `taste_dim`). The order of the draws is part of the shop's
/// reproducibility: do not reorder.
pub(crate) fn draw_user(
    config: &ShopConfig,
    rng: &mut SmallRng,
    is_fraud: bool,
    taste: &mut [f32],
) -> UserDraw {
    let z: f64 = rng.sample(StandardNormal);
    let age = (38.0 + 12.0 * z).round().clamp(18.0, 80.0) as u32;
    let u: f64 = rng.random();
    let city_tier: u8 = if u < 0.3 {
        1
    } else if u < 0.7 {
        2
    } else {
        3
    };
    let z: f64 = rng.sample(StandardNormal);
    let log_income = 42_000f64.ln() + 0.012 * (f64::from(age) - 38.0)
        - 0.15 * (f64::from(city_tier) - 1.0)
        + 0.45 * z;
    let income = log_income.exp().round().max(1.0);

    // Segment by cumulative shares.
    let total: f64 = config.segments.iter().map(|s| s.share).sum();
    let mut u: f64 = rng.random::<f64>() * total;
    let mut segment = config.segments.len() - 1;
    for (k, s) in config.segments.iter().enumerate() {
        if u < s.share {
            segment = k;
            break;
        }
        u -= s.share;
    }

    let end = config.end_day();
    let signup_day = if is_fraud {
        let last = end - config.fraud.burst_days as i32;
        rng.random_range(config.start_day..=last.max(config.start_day))
    } else {
        let first = config.start_day - config.signup_lead_days as i32;
        rng.random_range(first..=end)
    };

    for t in taste.iter_mut() {
        *t = rng.sample::<f32, _>(StandardNormal);
    }

    let offset = config.segments[segment].conversion_offset;
    let purchase_prob = config
        .propensity
        .probability(age, income, city_tier, offset);
    UserDraw {
        age,
        income,
        city_tier,
        signup_day,
        segment: segment as u8,
        purchase_prob,
        is_fraud,
    }
}

/// Column buffers of [`Users`], filled chunk by chunk.
#[derive(Debug, Default)]
pub(crate) struct UsersBuilder {
    pub user_id: Vec<u64>,
    pub age: Vec<u32>,
    pub income: Vec<f64>,
    pub city_tier: Vec<u8>,
    pub signup_day: Vec<i32>,
    pub is_fraud: Vec<bool>,
    pub segment: Vec<u8>,
    pub lapse_day: Vec<i32>,
    pub purchase_prob: Vec<f64>,
    pub taste: Vec<f32>,
}

impl UsersBuilder {
    pub fn with_capacity(n: usize, d: usize) -> Self {
        UsersBuilder {
            user_id: Vec::with_capacity(n),
            age: Vec::with_capacity(n),
            income: Vec::with_capacity(n),
            city_tier: Vec::with_capacity(n),
            signup_day: Vec::with_capacity(n),
            is_fraud: Vec::with_capacity(n),
            segment: Vec::with_capacity(n),
            lapse_day: Vec::with_capacity(n),
            purchase_prob: Vec::with_capacity(n),
            taste: Vec::with_capacity(n * d),
        }
    }

    pub fn push(&mut self, user_id: u64, draw: &UserDraw, lapse_day: i32) {
        self.user_id.push(user_id);
        self.age.push(draw.age);
        self.income.push(draw.income);
        self.city_tier.push(draw.city_tier);
        self.signup_day.push(draw.signup_day);
        self.is_fraud.push(draw.is_fraud);
        self.segment.push(draw.segment);
        self.lapse_day.push(lapse_day);
        self.purchase_prob.push(draw.purchase_prob);
    }

    pub fn append(&mut self, other: &mut UsersBuilder) {
        self.user_id.append(&mut other.user_id);
        self.age.append(&mut other.age);
        self.income.append(&mut other.income);
        self.city_tier.append(&mut other.city_tier);
        self.signup_day.append(&mut other.signup_day);
        self.is_fraud.append(&mut other.is_fraud);
        self.segment.append(&mut other.segment);
        self.lapse_day.append(&mut other.lapse_day);
        self.purchase_prob.append(&mut other.purchase_prob);
        self.taste.append(&mut other.taste);
    }

    pub fn finish(self, d: usize) -> Result<Users> {
        let n = self.user_id.len();
        let hidden_taste =
            Array2::from_shape_vec((n, d), self.taste).map_err(|e| Error::InvalidArgument {
                op: "synth::generate",
                message: format!("taste matrix of {n} users × {d}: {e}"),
            })?;
        Ok(Users {
            user_id: self.user_id,
            age: self.age,
            income: self.income,
            city_tier: self.city_tier,
            signup_day: self.signup_day,
            is_fraud: self.is_fraud,
            hidden_segment: self.segment,
            hidden_lapse_day: self.lapse_day,
            hidden_purchase_prob: self.purchase_prob,
            hidden_taste,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::stream_rng;

    #[test]
    fn draws_stay_in_documented_ranges() {
        let cfg = ShopConfig::small();
        let mut taste = vec![0f32; cfg.taste_dim];
        let mut tiers = [0usize; 4];
        for i in 0..2000 {
            let mut rng = stream_rng(cfg.seed, 99, i);
            let fraud = i % 10 == 0;
            let u = draw_user(&cfg, &mut rng, fraud, &mut taste);
            assert!((18..=80).contains(&u.age));
            assert!(u.income >= 1.0);
            tiers[usize::from(u.city_tier)] += 1;
            assert!(usize::from(u.segment) < cfg.n_segments());
            assert!(u.signup_day <= cfg.end_day());
            if fraud {
                assert!(u.signup_day >= cfg.start_day);
            } else {
                assert!(u.signup_day >= cfg.start_day - cfg.signup_lead_days as i32);
            }
            let seg = &cfg.segments[usize::from(u.segment)];
            let p = cfg
                .propensity
                .probability(u.age, u.income, u.city_tier, seg.conversion_offset);
            assert_eq!(p, u.purchase_prob);
        }
        assert_eq!(tiers[0], 0);
        // 0.3 / 0.4 / 0.3 of 2000, within a few standard deviations (~20).
        assert!((500..700).contains(&tiers[1]), "{tiers:?}");
        assert!((700..900).contains(&tiers[2]), "{tiers:?}");
    }
}
