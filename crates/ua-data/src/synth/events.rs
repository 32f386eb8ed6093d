//! The per-user simulation of sessions, the view → cart → purchase funnel,
//! the item-choice softmax and the orders it produces.

use std::ops::Range;

use ndarray::ArrayView1;
use rand::Rng;
use rand::rngs::SmallRng;
use rand_distr::{Distribution, Exp1, Poisson};
use serde::{Deserialize, Serialize};

use super::users::{UserDraw, UsersBuilder, draw_user};
use super::{Events, Items, Orders, ShopConfig, fraud, stream_rng, streams};

/// What a user did with an item.
///
/// ```
/// use ua_data::synth::EventKind;
/// assert_eq!(EventKind::Cart.as_str(), "cart");
/// assert_eq!(EventKind::parse("purchase"), Some(EventKind::Purchase));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
pub enum EventKind {
    /// The item page was viewed.
    View = 0,
    /// The item was added to the cart.
    Cart = 1,
    /// The item was bought (part of an order).
    Purchase = 2,
}

impl EventKind {
    /// The lower-case name written to CSV.
    ///
    /// ```
    /// assert_eq!(ua_data::synth::EventKind::View.as_str(), "view");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::View => "view",
            EventKind::Cart => "cart",
            EventKind::Purchase => "purchase",
        }
    }

    /// Parses the name written by [`EventKind::as_str`].
    ///
    /// ```
    /// assert_eq!(ua_data::synth::EventKind::parse("nope"), None);
    /// ```
    pub fn parse(s: &str) -> Option<EventKind> {
        match s {
            "view" => Some(EventKind::View),
            "cart" => Some(EventKind::Cart),
            "purchase" => Some(EventKind::Purchase),
            _ => None,
        }
    }
}

/// Relative weight of each hour of the day for ordinary sessions: quiet at
/// night (about 4 % of sessions in 00:00–05:59), peaks at lunch and evening.
pub(crate) const HOUR_WEIGHTS: [f64; 24] = [
    1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.0, 3.2, 3.5, 4.0, 3.8, 3.5, 3.4, 3.5, 4.0, 4.5,
    5.5, 6.0, 5.5, 4.0, 2.5,
];

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// What the item choice needs, shared by all users.
pub(crate) struct ChoiceContext<'a> {
    /// Row-major `n_items × d` factors (borrowed unless the array is not contiguous).
    factors: std::borrow::Cow<'a, [f32]>,
    d: usize,
    inv_temperature: f64,
    /// `ln(price / median price)` per item.
    log_rel_price: Vec<f64>,
}

impl<'a> ChoiceContext<'a> {
    pub fn new(config: &ShopConfig, items: &'a Items) -> Self {
        let mut sorted = items.price.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(1.0);
        ChoiceContext {
            factors: match items.hidden_factors.as_slice() {
                Some(f) => std::borrow::Cow::Borrowed(f),
                None => std::borrow::Cow::Owned(items.hidden_factors.iter().copied().collect()),
            },
            d: config.taste_dim,
            inv_temperature: 1.0 / config.temperature,
            log_rel_price: items.price.iter().map(|p| (p / median).ln()).collect(),
        }
    }

    /// `out[i] = taste·factors_i / temperature + price_weight · ln(price_i / median)`.
    pub fn logits(&self, taste: ArrayView1<f32>, price_weight: f64, out: &mut [f64]) {
        let taste: Vec<f64> = taste.iter().map(|&t| f64::from(t)).collect();
        self.logits_slice(&taste, price_weight, out);
    }

    fn logits_slice(&self, taste: &[f64], price_weight: f64, out: &mut [f64]) {
        for ((o, f), lp) in out
            .iter_mut()
            .zip(self.factors.chunks_exact(self.d))
            .zip(&self.log_rel_price)
        {
            let dot: f64 = f.iter().zip(taste).map(|(&a, &b)| f64::from(a) * b).sum();
            *o = dot * self.inv_temperature + price_weight * lp;
        }
    }

    /// Fills `cdf` with the cumulative softmax weights (not normalised) of
    /// the logits; sample with [`sample_cdf`].
    fn cumulative(&self, taste: &[f64], price_weight: f64, cdf: &mut [f64]) {
        self.logits_slice(taste, price_weight, cdf);
        let max = cdf.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut acc = 0.0;
        for c in cdf.iter_mut() {
            acc += (*c - max).exp();
            *c = acc;
        }
    }
}

/// Draws an index from cumulative weights.
pub(crate) fn sample_cdf(cdf: &[f64], rng: &mut SmallRng) -> usize {
    let total = cdf.last().copied().unwrap_or(0.0);
    let u = rng.random::<f64>() * total;
    cdf.partition_point(|&c| c <= u)
        .min(cdf.len().saturating_sub(1))
}

/// A Poisson draw; 0 for a non-positive mean.
pub(crate) fn poisson(rng: &mut SmallRng, lambda: f64) -> u64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0;
    }
    match Poisson::new(lambda) {
        Ok(p) => p.sample(rng) as u64,
        Err(_) => lambda.round() as u64,
    }
}

/// A second of the day drawn from [`HOUR_WEIGHTS`].
fn daytime_second(rng: &mut SmallRng) -> i64 {
    let total: f64 = HOUR_WEIGHTS.iter().sum();
    let mut u = rng.random::<f64>() * total;
    let mut hour = 23;
    for (h, &w) in HOUR_WEIGHTS.iter().enumerate() {
        if u < w {
            hour = h;
            break;
        }
        u -= w;
    }
    hour as i64 * 3600 + rng.random_range(0..3600)
}

/// What one rayon task produces: a block of consecutive users.
#[derive(Debug, Default)]
pub(crate) struct ChunkOutput {
    pub users: UsersBuilder,
    pub events: Events,
    pub orders: Orders,
    /// Sessions emitted; local session ids are `1..=n_sessions`.
    pub n_sessions: u64,
    /// Orders emitted; local order ids are `1..=n_orders`.
    pub n_orders: u64,
}

/// Scratch buffers reused by every user of a chunk.
pub(crate) struct Scratch {
    pub taste32: Vec<f32>,
    pub taste: Vec<f64>,
    pub cdf: Vec<f64>,
    pub sessions: Vec<(i32, i64)>,
    pub cart: Vec<(u32, u32)>,
}

impl ChunkOutput {
    pub fn new_session(&mut self) -> u64 {
        self.n_sessions += 1;
        self.n_sessions
    }

    #[allow(clippy::too_many_arguments)]
    pub fn event(
        &mut self,
        user_id: u64,
        item: u32,
        kind: EventKind,
        ts: i64,
        session: u64,
        quantity: u32,
        order: u64,
    ) {
        let e = &mut self.events;
        e.user_id.push(user_id);
        e.item_id.push(u64::from(item) + 1);
        e.kind.push(kind);
        e.timestamp.push(ts);
        e.day.push(ts.div_euclid(DAY) as i32);
        e.session_id.push(session);
        e.quantity.push(quantity);
        e.order_id.push(order);
    }

    /// Emits the purchase events of `cart` and its order row.
    pub fn checkout(
        &mut self,
        user_id: u64,
        cart: &[(u32, u32)],
        prices: &[f64],
        ts: i64,
        session: u64,
        is_fraud: bool,
    ) {
        self.n_orders += 1;
        let order = self.n_orders;
        let (mut amount, mut units) = (0.0, 0u32);
        for &(item, qty) in cart {
            self.event(user_id, item, EventKind::Purchase, ts, session, qty, order);
            amount += f64::from(qty) * prices[item as usize];
            units += qty;
        }
        let o = &mut self.orders;
        o.order_id.push(order);
        o.user_id.push(user_id);
        o.timestamp.push(ts);
        o.day.push(ts.div_euclid(DAY) as i32);
        o.amount.push((amount * 100.0).round() / 100.0);
        o.quantity.push(units);
        o.n_items.push(cart.len() as u32);
        o.is_fraud.push(is_fraud);
    }
}

/// Adds `qty` of `item` to the cart (merging a repeated item into its line).
pub(crate) fn add_to_cart(cart: &mut Vec<(u32, u32)>, item: u32, qty: u32) {
    match cart.iter_mut().find(|(i, _)| *i == item) {
        Some(line) => line.1 += qty,
        None => cart.push((item, qty)),
    }
}

/// A gap of 20–120 s between events, not crossing midnight.
pub(crate) fn step(rng: &mut SmallRng, t: i64, day_end: i64) -> i64 {
    (t + rng.random_range(20..=120)).min(day_end)
}

/// Simulates users `range` (consecutive indices) into one [`ChunkOutput`].
pub(crate) fn simulate_chunk(
    config: &ShopConfig,
    ctx: &ChoiceContext<'_>,
    items: &Items,
    fraud_flags: &[bool],
    range: Range<usize>,
) -> ChunkOutput {
    let d = config.taste_dim;
    let mut out = ChunkOutput {
        users: UsersBuilder::with_capacity(range.len(), d),
        ..ChunkOutput::default()
    };
    let mut s = Scratch {
        taste32: vec![0.0; d],
        taste: vec![0.0; d],
        cdf: vec![0.0; items.len()],
        sessions: Vec::new(),
        cart: Vec::new(),
    };
    for idx in range {
        let mut rng = stream_rng(config.seed, streams::USER, idx as u64);
        let is_fraud = fraud_flags.get(idx).copied().unwrap_or(false);
        let draw = draw_user(config, &mut rng, is_fraud, &mut s.taste32);
        for (t, &t32) in s.taste.iter_mut().zip(&s.taste32) {
            *t = f64::from(t32);
        }
        let seg = &config.segments[usize::from(draw.segment)];
        let price_weight = if is_fraud {
            config.fraud.price_tilt
        } else {
            -seg.price_sensitivity
        };
        ctx.cumulative(&s.taste, price_weight, &mut s.cdf);
        let user_id = idx as u64 + 1;
        let lapse = if is_fraud {
            fraud::simulate_fraudster(config, items, &draw, user_id, &mut rng, &mut s, &mut out)
        } else {
            simulate_customer(config, items, &draw, user_id, &mut rng, &mut s, &mut out)
        };
        out.users.push(user_id, &draw, lapse);
        out.users.taste.extend_from_slice(&s.taste32);
    }
    out
}

/// An ordinary customer: Poisson sessions until the lapse day. Returns the lapse day.
fn simulate_customer(
    config: &ShopConfig,
    items: &Items,
    draw: &UserDraw,
    user_id: u64,
    rng: &mut SmallRng,
    s: &mut Scratch,
    out: &mut ChunkOutput,
) -> i32 {
    let seg = &config.segments[usize::from(draw.segment)];
    let active_start = draw.signup_day.max(config.start_day);
    let lifetime = (rng.sample::<f64, _>(Exp1) * seg.mean_lifetime_days)
        .ceil()
        .clamp(1.0, 1e6) as i32;
    let lapse = active_start + lifetime;
    let active_end = lapse.min(config.end_day() + 1);
    let active_days = f64::from(active_end - active_start);

    s.sessions.clear();
    if draw.signup_day >= config.start_day {
        s.sessions.push((draw.signup_day, daytime_second(rng)));
    }
    let rate = config.activity_scale * seg.sessions_per_week / 7.0;
    let n = poisson(rng, rate * active_days);
    for _ in 0..n {
        let day = rng.random_range(active_start..active_end);
        s.sessions.push((day, daytime_second(rng)));
    }
    s.sessions.sort_unstable();

    let mut prev_end = i64::MIN;
    for k in 0..s.sessions.len() {
        let (day, sec) = s.sessions[k];
        let day_start = i64::from(day) * DAY;
        let day_end = day_start + DAY - 1;
        // Sessions of one user never overlap: start after the previous one.
        let mut t = (day_start + sec)
            .max(prev_end.saturating_add(60))
            .min(day_end);
        let session = out.new_session();
        let n_views = 1 + poisson(rng, seg.views_per_session - 1.0);
        s.cart.clear();
        for _ in 0..n_views {
            let item = sample_cdf(&s.cdf, rng) as u32;
            out.event(user_id, item, EventKind::View, t, session, 0, 0);
            t = step(rng, t, day_end);
            if rng.random::<f64>() < seg.cart_rate {
                let qty = rng.random_range(1..=seg.max_quantity);
                out.event(user_id, item, EventKind::Cart, t, session, qty, 0);
                add_to_cart(&mut s.cart, item, qty);
                t = step(rng, t, day_end);
            }
        }
        if !s.cart.is_empty() && rng.random::<f64>() < draw.purchase_prob {
            out.checkout(user_id, &s.cart, &items.price, t, session, false);
        }
        prev_end = t;
    }
    lapse
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sample_cdf_follows_the_weights() {
        // Weights 1, 3, 0, 6 → probabilities 0.1, 0.3, 0, 0.6.
        let cdf = [1.0, 4.0, 4.0, 10.0];
        let mut rng = SmallRng::seed_from_u64(3);
        let mut counts = [0usize; 4];
        for _ in 0..20_000 {
            counts[sample_cdf(&cdf, &mut rng)] += 1;
        }
        assert_eq!(counts[2], 0);
        for (c, p) in counts.iter().zip([0.1, 0.3, 0.0, 0.6]) {
            assert!((*c as f64 / 20_000.0 - p).abs() < 0.015, "{counts:?}");
        }
    }

    #[test]
    fn cart_lines_merge_repeated_items() {
        let mut cart = Vec::new();
        add_to_cart(&mut cart, 4, 1);
        add_to_cart(&mut cart, 2, 2);
        add_to_cart(&mut cart, 4, 3);
        assert_eq!(cart, vec![(4, 4), (2, 2)]);
    }

    #[test]
    fn night_share_of_daytime_profile_is_small() {
        let mut rng = SmallRng::seed_from_u64(5);
        let night = (0..10_000)
            .filter(|_| daytime_second(&mut rng) < 6 * 3600)
            .count();
        let expected: f64 =
            HOUR_WEIGHTS[..6].iter().sum::<f64>() / HOUR_WEIGHTS.iter().sum::<f64>();
        assert!((night as f64 / 10_000.0 - expected).abs() < 0.01);
        assert!(expected < 0.05);
    }
}
