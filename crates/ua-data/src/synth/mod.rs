//! A seeded synthetic e-commerce shop with a documented hidden structure.
//!
//! [`generate`] builds a whole shop from a [`ShopConfig`]: users, items, a
//! view → cart → purchase event log and the orders it produced, including a
//! small share of fraudulent accounts. Every number is drawn from a random
//! stream derived from `(config.seed, what, index)`, so the same config gives
//! the same shop bit for bit, whatever the number of rayon threads.
//!
//! The point of the shop is its **hidden structure**: the analytics crates'
//! tests train a model on the observable columns and check that it recovers
//! the structure below, which is returned in the `hidden_*` fields (and in
//! `docs/synthetic-shop.md`, which repeats this description).
//!
//! ## Users ([`Users`])
//!
//! * `user_id = index + 1`.
//! * `age = clamp(round(N(38, 12²)), 18, 80)`; `city_tier` is 1, 2 or 3 with
//!   probabilities 0.3 / 0.4 / 0.3.
//! * `income = exp(ln 42 000 + 0.012·(age − 38) − 0.15·(city_tier − 1) + N(0, 0.45²))`,
//!   rounded to whole currency units.
//! * `signup_day` is uniform over `[start_day − signup_lead_days, end_day]`
//!   (`end_day = start_day + n_days − 1`); fraudulent accounts sign up inside
//!   the window (see *Fraud*).
//! * `hidden_segment` indexes [`ShopConfig::segments`], drawn with the
//!   segments' `share`s. The default four segments ([`SegmentProfile::defaults`]):
//!
//!   | segment | share | sessions/week | views/session | cart rate | conversion offset | mean lifetime (days) | max quantity | price sensitivity |
//!   | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//!   | 0 champions | 0.15 | 2.0 | 6 | 0.30 | +1.2 | 400 | 3 | 0.0 |
//!   | 1 regulars | 0.35 | 0.7 | 5 | 0.25 | +0.4 | 250 | 2 | 0.3 |
//!   | 2 bargain hunters | 0.30 | 0.8 | 8 | 0.20 | −0.2 | 200 | 2 | 1.5 |
//!   | 3 one-timers | 0.20 | 0.4 | 4 | 0.35 | +0.6 | 30 | 1 | 0.5 |
//!
//! * `hidden_taste` (an `n_users × taste_dim` matrix): each entry `N(0, 1)`.
//! * **Purchase propensity** (`hidden_purchase_prob`): the probability that a
//!   session with at least one cart event ends in an order is
//!   `σ(b0 + b_age·(age − 40)/10 + b_inc·ln(income / 50 000) + b_tier·(city_tier − 1) + offset[segment])`
//!   with the coefficients of [`PropensityRule`] (defaults `b0 = −0.4`,
//!   `b_age = 0.25`, `b_inc = 0.9`, `b_tier = −0.35`).
//! * **Lapse / churn** (`hidden_lapse_day`): activity starts at
//!   `active_start = max(signup_day, start_day)`; the user lapses on
//!   `hidden_lapse_day = active_start + ⌈Exp(mean lifetime of the segment)⌉`
//!   and has no event on or after that day. A lapse day after `end_day` means
//!   the user is still active when the log ends.
//!
//! ## Items ([`Items`])
//!
//! * `item_id = index + 1`; categories are dealt round-robin (`index mod
//!   n_categories`) and then shuffled, so every category has items.
//! * Each category `k` has a price level `m_k = ln 30 + N(0, 0.8²)`; an item's
//!   price is `exp(m_k + N(0, 0.4²))`, rounded to cents, at least 0.50.
//! * Each category has a centroid `c_k ~ N(0, I/d)`; an item's
//!   `hidden_factors` are `2·(c_k + 0.5·ε)` with `ε ~ N(0, I/d)`, so items of a
//!   category are similar and `taste·factors` has a standard deviation of
//!   about √5 ≈ 2.2.
//!
//! ## Events ([`Events`]) — the choice model
//!
//! * Sessions arrive as a Poisson process: their number is
//!   `Poisson(activity_scale · sessions_per_week / 7 · active_days)` placed on
//!   uniform days of `[active_start, min(lapse, end_day + 1))`, plus one session
//!   on the signup day for users who sign up inside the window. The hour of a
//!   session follows a fixed daytime-heavy profile (about 4 % of sessions
//!   between 00:00 and 05:59); events in a session are 20–120 s apart and never
//!   cross midnight.
//! * A session has `1 + Poisson(views_per_session − 1)` views. Each view picks
//!   item `i` with probability ∝ `exp(taste·factors_i / temperature −
//!   price_sensitivity · ln(price_i / median_price))` — a softmax over the
//!   catalogue, which [`Shop::true_preference_logits`] returns for any user.
//! * Each view is followed by a cart event with the segment's `cart_rate`
//!   (quantity uniform in `1..=max_quantity`; a repeated item adds to its line).
//! * A session with a non-empty cart converts with the user's
//!   `hidden_purchase_prob`: one purchase event per cart line (same `order_id`)
//!   and one [`Orders`] row with `amount = Σ quantity · price`.
//!
//! ## Fraud
//!
//! Exactly `round(fraud_rate · n_users)` users (chosen by a seeded shuffle)
//! are fraudulent (`is_fraud` on the user and on all their orders). Their
//! demographics and hidden segment are drawn like everybody else's (stolen
//! identities), but the segment does not drive their behaviour:
//! the account is new (`signup_day` uniform in `[start_day, end_day − burst_days]`);
//! within 0–2 days of signup starts a burst of `burst_days` days holding
//! `orders_min..=orders_max` orders; each order is one session at night
//! (00:00–05:59) with probability `night_share`, buying `3..=8` distinct items
//! chosen with an expensive-tilted softmax (`+price_tilt · ln(price/median)`
//! instead of the price sensitivity), quantity `1..=3` each, every session
//! converting. The account lapses the day after its last order. Fraud orders
//! are therefore large relative to income, many-item, nocturnal and bunched
//! right after signup.
//!
//! ```
//! use ua_data::synth::{generate, ShopConfig};
//! let shop = generate(&ShopConfig::small()).unwrap();
//! assert_eq!(shop.users.len(), ShopConfig::small().n_users);
//! assert!(shop.events.len() > shop.orders.len());
//! // Orders refer to existing users, and amounts are positive.
//! assert!(shop.orders.amount.iter().all(|&a| a > 0.0));
//! ```

mod events;
mod fraud;
mod items;
mod users;
mod write;

use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub use events::EventKind;

/// How one customer segment behaves (see the module docs for the defaults).
///
/// ```
/// let segs = ua_data::synth::SegmentProfile::defaults();
/// assert_eq!(segs.len(), 4);
/// assert_eq!(segs[0].name, "champions");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentProfile {
    /// Human-readable name, written to the CSVs.
    pub name: String,
    /// Relative share of users (normalised over all segments).
    pub share: f64,
    /// Mean number of sessions per week while the user is active.
    pub sessions_per_week: f64,
    /// Mean number of item views per session (at least 1).
    pub views_per_session: f64,
    /// Probability that a view is followed by adding the item to the cart.
    pub cart_rate: f64,
    /// Added to the logit of the purchase propensity ([`PropensityRule`]).
    pub conversion_offset: f64,
    /// Mean of the exponential time (days) from the start of activity to the lapse day.
    pub mean_lifetime_days: f64,
    /// Largest quantity of one cart line (uniform in `1..=max_quantity`).
    pub max_quantity: u32,
    /// Weight of `−ln(price / median price)` in the item choice logit.
    pub price_sensitivity: f64,
}

impl SegmentProfile {
    /// The four default segments: champions, regulars, bargain hunters, one-timers.
    ///
    /// ```
    /// let s = ua_data::synth::SegmentProfile::defaults();
    /// assert!(s[0].sessions_per_week > s[3].sessions_per_week);
    /// ```
    pub fn defaults() -> Vec<SegmentProfile> {
        let seg = |name: &str,
                   share,
                   sessions_per_week,
                   views_per_session,
                   cart_rate,
                   conversion_offset,
                   mean_lifetime_days,
                   max_quantity,
                   price_sensitivity| SegmentProfile {
            name: name.to_string(),
            share,
            sessions_per_week,
            views_per_session,
            cart_rate,
            conversion_offset,
            mean_lifetime_days,
            max_quantity,
            price_sensitivity,
        };
        vec![
            seg("champions", 0.15, 2.0, 6.0, 0.30, 1.2, 400.0, 3, 0.0),
            seg("regulars", 0.35, 0.7, 5.0, 0.25, 0.4, 250.0, 2, 0.3),
            seg("bargain_hunters", 0.30, 0.8, 8.0, 0.20, -0.2, 200.0, 2, 1.5),
            seg("one_timers", 0.20, 0.4, 4.0, 0.35, 0.6, 30.0, 1, 0.5),
        ]
    }
}

/// Coefficients of the logistic purchase-propensity rule
/// `σ(intercept + age_per_decade·(age − 40)/10 + log_income·ln(income/50 000)
/// + city_tier·(tier − 1) + segment offset)`.
///
/// ```
/// let r = ua_data::synth::PropensityRule::default();
/// let p_young_poor = r.probability(25, 20_000.0, 3, 0.0);
/// let p_old_rich = r.probability(60, 120_000.0, 1, 0.0);
/// assert!(p_old_rich > p_young_poor);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PropensityRule {
    /// Constant term of the logit.
    pub intercept: f64,
    /// Logit change per decade of age above 40.
    pub age_per_decade: f64,
    /// Logit change per unit of `ln(income / 50 000)`.
    pub log_income: f64,
    /// Logit change per city tier above 1.
    pub city_tier: f64,
}

impl Default for PropensityRule {
    fn default() -> Self {
        PropensityRule {
            intercept: -0.4,
            age_per_decade: 0.25,
            log_income: 0.9,
            city_tier: -0.35,
        }
    }
}

impl PropensityRule {
    /// The logit of the purchase propensity.
    ///
    /// ```
    /// let r = ua_data::synth::PropensityRule::default();
    /// assert!((r.logit(40, 50_000.0, 1, 0.0) - r.intercept).abs() < 1e-12);
    /// ```
    pub fn logit(&self, age: u32, income: f64, city_tier: u8, segment_offset: f64) -> f64 {
        self.intercept
            + self.age_per_decade * (f64::from(age) - 40.0) / 10.0
            + self.log_income * (income / 50_000.0).ln()
            + self.city_tier * (f64::from(city_tier) - 1.0)
            + segment_offset
    }

    /// The purchase propensity `σ(logit)`.
    ///
    /// ```
    /// let r = ua_data::synth::PropensityRule::default();
    /// let p = r.probability(40, 50_000.0, 1, 0.4);
    /// assert!((p - 1.0 / (1.0 + (-(r.intercept + 0.4f64)).exp())).abs() < 1e-12);
    /// ```
    pub fn probability(&self, age: u32, income: f64, city_tier: u8, segment_offset: f64) -> f64 {
        let z = self.logit(age, income, city_tier, segment_offset);
        1.0 / (1.0 + (-z).exp())
    }
}

/// How fraudulent accounts behave (see the module docs).
///
/// ```
/// let f = ua_data::synth::FraudProfile::default();
/// assert!(f.orders_min <= f.orders_max);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FraudProfile {
    /// Fewest orders in a fraud burst (at least 1).
    pub orders_min: u32,
    /// Most orders in a fraud burst.
    pub orders_max: u32,
    /// Length of the burst in days (at least 1).
    pub burst_days: u32,
    /// Probability that a fraud order is placed between 00:00 and 05:59.
    pub night_share: f64,
    /// Weight of `+ln(price / median price)` in the fraudster's item choice.
    pub price_tilt: f64,
}

impl Default for FraudProfile {
    fn default() -> Self {
        FraudProfile {
            orders_min: 3,
            orders_max: 8,
            burst_days: 2,
            night_share: 0.75,
            price_tilt: 1.0,
        }
    }
}

/// Everything [`generate`] needs. Checked by [`ShopConfig::validate`].
///
/// ```
/// use ua_data::synth::ShopConfig;
/// let c = ShopConfig { n_users: 100, seed: 7, ..ShopConfig::default() };
/// assert!(c.validate().is_ok());
/// assert!(ShopConfig { n_users: 0, ..ShopConfig::default() }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of users (≥ 1).
    pub n_users: usize,
    /// Number of items (≥ `n_categories`).
    pub n_items: usize,
    /// Number of item categories (≥ 1).
    pub n_categories: usize,
    /// First day of the event log, in days since 1970-01-01.
    pub start_day: i32,
    /// Length of the event log in days (≥ 1).
    pub n_days: u32,
    /// How many days before `start_day` the earliest (non-fraud) signup can be.
    pub signup_lead_days: u32,
    /// Dimension of the hidden tastes and item factors (≥ 1).
    pub taste_dim: usize,
    /// Softmax temperature of the item choice (> 0; lower = more concentrated).
    pub temperature: f64,
    /// Multiplies every segment's `sessions_per_week` (> 0): the knob for the
    /// number of events per user.
    pub activity_scale: f64,
    /// The customer segments (≥ 1), indexed by `hidden_segment`.
    pub segments: Vec<SegmentProfile>,
    /// The logistic purchase-propensity rule.
    pub propensity: PropensityRule,
    /// Share of fraudulent users, in `[0, 0.5]`.
    pub fraud_rate: f64,
    /// How fraudulent accounts behave.
    pub fraud: FraudProfile,
}

impl Default for ShopConfig {
    /// 2 000 users, 500 items in 12 categories, 365 days from 2024-01-01,
    /// taste dimension 8, 2 % fraud (about 330 000 events with seed 42).
    fn default() -> Self {
        ShopConfig {
            seed: 42,
            n_users: 2_000,
            n_items: 500,
            n_categories: 12,
            start_day: 19_723, // 2024-01-01
            n_days: 365,
            signup_lead_days: 365,
            taste_dim: 8,
            temperature: 1.0,
            activity_scale: 1.0,
            segments: SegmentProfile::defaults(),
            propensity: PropensityRule::default(),
            fraud_rate: 0.02,
            fraud: FraudProfile::default(),
        }
    }
}

impl ShopConfig {
    /// A small shop for tests: 300 users, 80 items in 6 categories, 120 days,
    /// 5 % fraud (about 25 000 events, generated in milliseconds).
    ///
    /// ```
    /// assert!(ua_data::synth::ShopConfig::small().validate().is_ok());
    /// ```
    pub fn small() -> Self {
        ShopConfig {
            n_users: 300,
            n_items: 80,
            n_categories: 6,
            n_days: 120,
            signup_lead_days: 120,
            fraud_rate: 0.05,
            ..ShopConfig::default()
        }
    }

    /// The number of segments, `segments.len()`.
    ///
    /// ```
    /// assert_eq!(ua_data::synth::ShopConfig::default().n_segments(), 4);
    /// ```
    pub fn n_segments(&self) -> usize {
        self.segments.len()
    }

    /// The last day of the log, `start_day + n_days − 1`.
    ///
    /// ```
    /// let c = ua_data::synth::ShopConfig::default();
    /// assert_eq!(c.end_day(), c.start_day + 364);
    /// ```
    pub fn end_day(&self) -> i32 {
        self.start_day
            .saturating_add(i32::try_from(self.n_days).unwrap_or(i32::MAX))
            .saturating_sub(1)
    }

    /// Checks every field; the error says which one is wrong and what is allowed.
    ///
    /// ```
    /// use ua_data::synth::ShopConfig;
    /// let bad = ShopConfig { temperature: 0.0, ..ShopConfig::small() };
    /// assert!(bad.validate().unwrap_err().to_string().contains("temperature"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| -> Result<()> {
            Err(Error::InvalidArgument {
                op: "ShopConfig::validate",
                message,
            })
        };
        if self.n_users == 0 || self.n_users > 50_000_000 {
            return bad(format!(
                "n_users must be in 1..=50_000_000, found {}",
                self.n_users
            ));
        }
        if self.n_categories == 0 {
            return bad("n_categories must be at least 1, found 0".into());
        }
        if self.n_items < self.n_categories || self.n_items > 10_000_000 {
            return bad(format!(
                "n_items must be in n_categories ({})..=10_000_000, found {}",
                self.n_categories, self.n_items
            ));
        }
        if self.n_days == 0 || self.n_days > 36_500 {
            return bad(format!(
                "n_days must be in 1..=36_500, found {}",
                self.n_days
            ));
        }
        if self.signup_lead_days > 36_500 {
            return bad(format!(
                "signup_lead_days must be at most 36_500, found {}",
                self.signup_lead_days
            ));
        }
        // Keep every timestamp inside i64 seconds and every day inside i32.
        if !(-3_000_000..=3_000_000).contains(&self.start_day) {
            return bad(format!(
                "start_day must be within ±3 000 000 days of 1970-01-01, found {}",
                self.start_day
            ));
        }
        if self.taste_dim == 0 || self.taste_dim > 1024 {
            return bad(format!(
                "taste_dim must be in 1..=1024, found {}",
                self.taste_dim
            ));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return bad(format!(
                "temperature must be finite and > 0, found {}",
                self.temperature
            ));
        }
        if !(self.activity_scale.is_finite()
            && self.activity_scale > 0.0
            && self.activity_scale <= 100.0)
        {
            return bad(format!(
                "activity_scale must be in (0, 100], found {}",
                self.activity_scale
            ));
        }
        if !(self.fraud_rate.is_finite() && (0.0..=0.5).contains(&self.fraud_rate)) {
            return bad(format!(
                "fraud_rate must be in [0, 0.5], found {}",
                self.fraud_rate
            ));
        }
        if self.segments.is_empty() || self.segments.len() > 255 {
            return bad(format!(
                "segments must hold 1..=255 profiles, found {}",
                self.segments.len()
            ));
        }
        let mut total_share = 0.0;
        for (k, s) in self.segments.iter().enumerate() {
            let name = &s.name;
            let finite_nonneg = |v: f64| v.is_finite() && v >= 0.0;
            if !finite_nonneg(s.share) {
                return bad(format!(
                    "segment {k} ({name}): share must be ≥ 0, found {}",
                    s.share
                ));
            }
            total_share += s.share;
            if !(finite_nonneg(s.sessions_per_week) && s.sessions_per_week <= 50.0) {
                return bad(format!(
                    "segment {k} ({name}): sessions_per_week must be in [0, 50], found {}",
                    s.sessions_per_week
                ));
            }
            if !(s.views_per_session.is_finite() && (1.0..=100.0).contains(&s.views_per_session)) {
                return bad(format!(
                    "segment {k} ({name}): views_per_session must be in [1, 100], found {}",
                    s.views_per_session
                ));
            }
            if !(s.cart_rate.is_finite() && (0.0..=1.0).contains(&s.cart_rate)) {
                return bad(format!(
                    "segment {k} ({name}): cart_rate must be in [0, 1], found {}",
                    s.cart_rate
                ));
            }
            if !(s.conversion_offset.is_finite() && s.price_sensitivity.is_finite()) {
                return bad(format!(
                    "segment {k} ({name}): conversion_offset and price_sensitivity must be finite"
                ));
            }
            if !(s.mean_lifetime_days.is_finite() && s.mean_lifetime_days > 0.0) {
                return bad(format!(
                    "segment {k} ({name}): mean_lifetime_days must be > 0, found {}",
                    s.mean_lifetime_days
                ));
            }
            if !(1..=1000).contains(&s.max_quantity) {
                return bad(format!(
                    "segment {k} ({name}): max_quantity must be in 1..=1000, found {}",
                    s.max_quantity
                ));
            }
        }
        if total_share <= 0.0 {
            return bad("segment shares must not all be zero".into());
        }
        let p = &self.propensity;
        if ![p.intercept, p.age_per_decade, p.log_income, p.city_tier]
            .iter()
            .all(|v| v.is_finite())
        {
            return bad(format!(
                "propensity coefficients must be finite, found {p:?}"
            ));
        }
        let f = &self.fraud;
        if f.orders_min == 0 || f.orders_min > f.orders_max || f.orders_max > 1000 {
            return bad(format!(
                "fraud orders must satisfy 1 ≤ orders_min ≤ orders_max ≤ 1000, found {}..={}",
                f.orders_min, f.orders_max
            ));
        }
        if f.burst_days == 0 || (f.burst_days >= self.n_days && self.fraud_rate > 0.0) {
            return bad(format!(
                "fraud.burst_days must be in 1..n_days ({}), found {}",
                self.n_days, f.burst_days
            ));
        }
        if !(f.night_share.is_finite() && (0.0..=1.0).contains(&f.night_share)) {
            return bad(format!(
                "fraud.night_share must be in [0, 1], found {}",
                f.night_share
            ));
        }
        if !f.price_tilt.is_finite() {
            return bad(format!(
                "fraud.price_tilt must be finite, found {}",
                f.price_tilt
            ));
        }
        Ok(())
    }
}

/// The users table, one entry per user in every column (index = `user_id − 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Users {
    /// External id, `index + 1`.
    pub user_id: Vec<u64>,
    /// Age in years, 18..=80.
    pub age: Vec<u32>,
    /// Yearly income in whole currency units.
    pub income: Vec<f64>,
    /// City tier 1 (largest cities) ..= 3.
    pub city_tier: Vec<u8>,
    /// Signup date, days since 1970-01-01.
    pub signup_day: Vec<i32>,
    /// Fraud label.
    pub is_fraud: Vec<bool>,
    /// HIDDEN: index into [`ShopConfig::segments`].
    pub hidden_segment: Vec<u8>,
    /// HIDDEN: first day with no activity (may lie after the end of the log).
    pub hidden_lapse_day: Vec<i32>,
    /// HIDDEN: probability that a session with a cart converts (the propensity rule).
    pub hidden_purchase_prob: Vec<f64>,
    /// HIDDEN: latent taste vectors, `n_users × taste_dim`.
    pub hidden_taste: Array2<f32>,
}

impl Users {
    /// Number of users.
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// assert_eq!(shop.users.len(), 300);
    /// ```
    pub fn len(&self) -> usize {
        self.user_id.len()
    }

    /// Whether there are no users (never true for a generated shop).
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// assert!(!shop.users.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.user_id.is_empty()
    }
}

/// The item catalogue, one entry per item in every column (index = `item_id − 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Items {
    /// External id, `index + 1`.
    pub item_id: Vec<u64>,
    /// Category index, `0..n_categories`.
    pub category: Vec<u32>,
    /// Unit price (≥ 0.50, in cents precision).
    pub price: Vec<f64>,
    /// HIDDEN: latent factors, `n_items × taste_dim`.
    pub hidden_factors: Array2<f32>,
}

impl Items {
    /// Number of items.
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// assert_eq!(shop.items.len(), 80);
    /// ```
    pub fn len(&self) -> usize {
        self.item_id.len()
    }

    /// Whether the catalogue is empty (never true for a generated shop).
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// assert!(!shop.items.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.item_id.is_empty()
    }
}

/// The event log, ordered by user, then time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Events {
    /// Who.
    pub user_id: Vec<u64>,
    /// Which item.
    pub item_id: Vec<u64>,
    /// View, cart or purchase.
    pub kind: Vec<EventKind>,
    /// Seconds since 1970-01-01 00:00:00 (UTC).
    pub timestamp: Vec<i64>,
    /// Day of the event, days since 1970-01-01 (`timestamp.div_euclid(86 400)`).
    pub day: Vec<i32>,
    /// Session id, 1-based, unique over the shop.
    pub session_id: Vec<u64>,
    /// Units carted or bought; 0 for views.
    pub quantity: Vec<u32>,
    /// The order a purchase event belongs to; 0 for views and carts.
    pub order_id: Vec<u64>,
}

impl Events {
    /// Number of events.
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// assert!(shop.events.len() > 1000);
    /// ```
    pub fn len(&self) -> usize {
        self.user_id.len()
    }

    /// Whether the log is empty.
    ///
    /// ```
    /// assert!(ua_data::synth::Events::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.user_id.is_empty()
    }

    fn append(&mut self, other: &mut Events, session_base: u64, order_base: u64) {
        self.user_id.append(&mut other.user_id);
        self.item_id.append(&mut other.item_id);
        self.kind.append(&mut other.kind);
        self.timestamp.append(&mut other.timestamp);
        self.day.append(&mut other.day);
        self.session_id
            .extend(other.session_id.drain(..).map(|s| s + session_base));
        self.quantity.append(&mut other.quantity);
        self.order_id.extend(
            other
                .order_id
                .drain(..)
                .map(|o| if o == 0 { 0 } else { o + order_base }),
        );
    }
}

/// The orders, ordered by user, then time. One row per converted session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Orders {
    /// Order id, 1-based.
    pub order_id: Vec<u64>,
    /// Who ordered.
    pub user_id: Vec<u64>,
    /// Seconds since 1970-01-01 of the purchase.
    pub timestamp: Vec<i64>,
    /// Day of the order, days since 1970-01-01.
    pub day: Vec<i32>,
    /// Total amount, `Σ quantity · price`, rounded to cents.
    pub amount: Vec<f64>,
    /// Total units.
    pub quantity: Vec<u32>,
    /// Number of distinct items (order lines).
    pub n_items: Vec<u32>,
    /// Fraud label (true for every order of a fraudulent user).
    pub is_fraud: Vec<bool>,
}

impl Orders {
    /// Number of orders.
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// assert!(shop.orders.len() > 100);
    /// ```
    pub fn len(&self) -> usize {
        self.order_id.len()
    }

    /// Whether there are no orders.
    ///
    /// ```
    /// assert!(ua_data::synth::Orders::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.order_id.is_empty()
    }

    fn append(&mut self, other: &mut Orders, order_base: u64) {
        self.order_id
            .extend(other.order_id.drain(..).map(|o| o + order_base));
        self.user_id.append(&mut other.user_id);
        self.timestamp.append(&mut other.timestamp);
        self.day.append(&mut other.day);
        self.amount.append(&mut other.amount);
        self.quantity.append(&mut other.quantity);
        self.n_items.append(&mut other.n_items);
        self.is_fraud.append(&mut other.is_fraud);
    }
}

/// A generated shop: the config it came from and its four tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shop {
    /// The config that generated the shop.
    pub config: ShopConfig,
    /// Users with their hidden segment, taste, propensity and lapse day.
    pub users: Users,
    /// Items with their hidden factors.
    pub items: Items,
    /// View / cart / purchase events.
    pub events: Events,
    /// Orders.
    pub orders: Orders,
}

impl Shop {
    /// The logits of user `user_index`'s item choice (length `n_items`): the
    /// item viewed next is drawn with probability ∝ `exp(logit)`. For a
    /// fraudulent user these are the logits of the expensive-tilted choice.
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// let logits = shop.true_preference_logits(0).unwrap();
    /// assert_eq!(logits.len(), shop.items.len());
    /// assert!(shop.true_preference_logits(10_000).is_err());
    /// ```
    pub fn true_preference_logits(&self, user_index: usize) -> Result<Vec<f64>> {
        self.validate()?;
        if user_index >= self.users.len() {
            return Err(Error::InvalidArgument {
                op: "Shop::true_preference_logits",
                message: format!(
                    "user index {user_index} out of range, the shop has {} users",
                    self.users.len()
                ),
            });
        }
        let ctx = events::ChoiceContext::new(&self.config, &self.items);
        let mut out = vec![0.0; self.items.len()];
        let taste = self.users.hidden_taste.row(user_index);
        let weight = if self.users.is_fraud[user_index] {
            self.config.fraud.price_tilt
        } else {
            let seg = usize::from(self.users.hidden_segment[user_index]);
            -self.config.segments[seg].price_sensitivity
        };
        ctx.logits(taste, weight, &mut out);
        Ok(out)
    }

    /// Checks that a shop built or edited by hand is consistent: the columns
    /// of each table have equal lengths, the hidden matrices have one row per
    /// user / item and `config.taste_dim` columns, and every segment index
    /// points into `config.segments`. A generated shop always passes.
    ///
    /// ```
    /// let mut shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// assert!(shop.validate().is_ok());
    /// shop.orders.amount.pop();
    /// assert!(shop.validate().unwrap_err().to_string().contains("orders.amount"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        fn same(table: &str, expected: usize, cols: &[(&str, usize)]) -> Result<()> {
            for &(name, found) in cols {
                if found != expected {
                    return Err(Error::LengthMismatch {
                        op: "Shop::validate",
                        column: format!("{table}.{name}"),
                        expected,
                        found,
                    });
                }
            }
            Ok(())
        }
        let (u, it, e, o) = (&self.users, &self.items, &self.events, &self.orders);
        let d = self.config.taste_dim;
        same(
            "users",
            u.user_id.len(),
            &[
                ("age", u.age.len()),
                ("income", u.income.len()),
                ("city_tier", u.city_tier.len()),
                ("signup_day", u.signup_day.len()),
                ("is_fraud", u.is_fraud.len()),
                ("hidden_segment", u.hidden_segment.len()),
                ("hidden_lapse_day", u.hidden_lapse_day.len()),
                ("hidden_purchase_prob", u.hidden_purchase_prob.len()),
                ("hidden_taste (rows)", u.hidden_taste.nrows()),
            ],
        )?;
        same(
            "items",
            it.item_id.len(),
            &[
                ("category", it.category.len()),
                ("price", it.price.len()),
                ("hidden_factors (rows)", it.hidden_factors.nrows()),
            ],
        )?;
        same(
            "taste_dim",
            d,
            &[
                ("users.hidden_taste (columns)", u.hidden_taste.ncols()),
                ("items.hidden_factors (columns)", it.hidden_factors.ncols()),
            ],
        )?;
        same(
            "events",
            e.user_id.len(),
            &[
                ("item_id", e.item_id.len()),
                ("kind", e.kind.len()),
                ("timestamp", e.timestamp.len()),
                ("day", e.day.len()),
                ("session_id", e.session_id.len()),
                ("quantity", e.quantity.len()),
                ("order_id", e.order_id.len()),
            ],
        )?;
        same(
            "orders",
            o.order_id.len(),
            &[
                ("user_id", o.user_id.len()),
                ("timestamp", o.timestamp.len()),
                ("day", o.day.len()),
                ("amount", o.amount.len()),
                ("quantity", o.quantity.len()),
                ("n_items", o.n_items.len()),
                ("is_fraud", o.is_fraud.len()),
            ],
        )?;
        if let Some(i) = u
            .hidden_segment
            .iter()
            .position(|&s| usize::from(s) >= self.config.segments.len())
        {
            return Err(Error::InvalidArgument {
                op: "Shop::validate",
                message: format!(
                    "users.hidden_segment[{i}] = {} but config has {} segments",
                    u.hidden_segment[i],
                    self.config.segments.len()
                ),
            });
        }
        Ok(())
    }
}

/// Derives an independent 64-bit seed for stream `(seed, stream, index)` with
/// the SplitMix64 finaliser, so that every user's stream is fixed by its index.
pub(crate) fn derive_seed(seed: u64, stream: u64, index: u64) -> u64 {
    let mut z = seed
        ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03).rotate_left(17);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded generator for stream `(seed, stream, index)`.
pub(crate) fn stream_rng(seed: u64, stream: u64, index: u64) -> SmallRng {
    SmallRng::seed_from_u64(derive_seed(seed, stream, index))
}

/// Stream ids of [`stream_rng`].
pub(crate) mod streams {
    pub const ITEMS: u64 = 1;
    pub const FRAUD_PICK: u64 = 2;
    pub const USER: u64 = 3;
}

/// Users simulated per rayon task.
const CHUNK: usize = 256;

/// Generates a shop. Validates the config first; the result depends only on
/// the config (not on the number of threads).
///
/// ```
/// use ua_data::synth::{generate, ShopConfig};
/// let a = generate(&ShopConfig::small()).unwrap();
/// let b = generate(&ShopConfig::small()).unwrap();
/// assert_eq!(a, b);
/// assert!(generate(&ShopConfig { n_users: 0, ..ShopConfig::small() }).is_err());
/// ```
pub fn generate(config: &ShopConfig) -> Result<Shop> {
    use rayon::prelude::*;

    config.validate()?;
    let items = items::generate_items(config);
    let fraud_flags = fraud::pick_fraudsters(config);
    let ctx = events::ChoiceContext::new(config, &items);

    let n = config.n_users;
    let chunks: Vec<events::ChunkOutput> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = (lo + CHUNK).min(n);
            events::simulate_chunk(config, &ctx, &items, &fraud_flags, lo..hi)
        })
        .collect();

    let d = config.taste_dim;
    let mut users = users::UsersBuilder::with_capacity(n, d);
    let n_events: usize = chunks.iter().map(|c| c.events.len()).sum();
    let n_orders: usize = chunks.iter().map(|c| c.orders.len()).sum();
    let mut ev = Events {
        user_id: Vec::with_capacity(n_events),
        item_id: Vec::with_capacity(n_events),
        kind: Vec::with_capacity(n_events),
        timestamp: Vec::with_capacity(n_events),
        day: Vec::with_capacity(n_events),
        session_id: Vec::with_capacity(n_events),
        quantity: Vec::with_capacity(n_events),
        order_id: Vec::with_capacity(n_events),
    };
    let mut orders = Orders::default();
    orders.order_id.reserve(n_orders);
    let (mut session_base, mut order_base) = (0u64, 0u64);
    for mut chunk in chunks {
        ev.append(&mut chunk.events, session_base, order_base);
        orders.append(&mut chunk.orders, order_base);
        session_base += chunk.n_sessions;
        order_base += chunk.n_orders;
        users.append(&mut chunk.users);
    }
    let users = users.finish(d)?;
    Ok(Shop {
        config: config.clone(),
        users,
        items,
        events: ev,
        orders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_seeds_differ_by_stream_and_index() {
        let a = derive_seed(1, streams::USER, 0);
        assert_ne!(a, derive_seed(1, streams::USER, 1));
        assert_ne!(a, derive_seed(1, streams::ITEMS, 0));
        assert_ne!(a, derive_seed(2, streams::USER, 0));
        assert_eq!(a, derive_seed(1, streams::USER, 0));
    }

    #[test]
    fn validation_names_the_field() {
        let cases: Vec<(ShopConfig, &str)> = vec![
            (
                ShopConfig {
                    n_users: 0,
                    ..ShopConfig::small()
                },
                "n_users",
            ),
            (
                ShopConfig {
                    n_items: 2,
                    ..ShopConfig::small()
                },
                "n_items",
            ),
            (
                ShopConfig {
                    n_days: 0,
                    ..ShopConfig::small()
                },
                "n_days",
            ),
            (
                ShopConfig {
                    fraud_rate: 0.9,
                    ..ShopConfig::small()
                },
                "fraud_rate",
            ),
            (
                ShopConfig {
                    taste_dim: 0,
                    ..ShopConfig::small()
                },
                "taste_dim",
            ),
            (
                ShopConfig {
                    segments: vec![],
                    ..ShopConfig::small()
                },
                "segments",
            ),
            (
                ShopConfig {
                    activity_scale: f64::NAN,
                    ..ShopConfig::small()
                },
                "activity_scale",
            ),
        ];
        for (cfg, field) in cases {
            let msg = cfg.validate().unwrap_err().to_string();
            assert!(msg.contains(field), "{msg} should name {field}");
        }
        let mut cfg = ShopConfig::small();
        cfg.segments[1].cart_rate = 1.5;
        assert!(cfg.validate().unwrap_err().to_string().contains("regulars"));
    }
}
