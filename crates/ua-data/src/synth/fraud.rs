//! Fraudulent accounts: which users they are, and their burst of large,
//! many-item, mostly nocturnal orders right after signup.

use rand::Rng;
use rand::rngs::SmallRng;

use super::events::{ChunkOutput, DAY, EventKind, Scratch, add_to_cart, sample_cdf, step};
use super::users::UserDraw;
use super::{Items, ShopConfig, stream_rng, streams};

/// Exactly `round(fraud_rate · n_users)` flags set, chosen by a seeded
/// partial Fisher–Yates shuffle of the user indices.
pub(crate) fn pick_fraudsters(config: &ShopConfig) -> Vec<bool> {
    let n = config.n_users;
    let k = ((config.fraud_rate * n as f64).round() as usize).min(n);
    let mut flags = vec![false; n];
    if k == 0 {
        return flags;
    }
    let mut rng = stream_rng(config.seed, streams::FRAUD_PICK, 0);
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = rng.random_range(i..n);
        idx.swap(i, j);
        flags[idx[i]] = true;
    }
    flags
}

/// Simulates one fraudster's burst; returns the lapse day (the day after the
/// last order). `s.cdf` must hold the fraudster's (expensive-tilted) choice.
pub(crate) fn simulate_fraudster(
    config: &ShopConfig,
    items: &Items,
    draw: &UserDraw,
    user_id: u64,
    rng: &mut SmallRng,
    s: &mut Scratch,
    out: &mut ChunkOutput,
) -> i32 {
    let f = &config.fraud;
    let burst_days = f.burst_days as i32;
    let latest_start = config.end_day() - burst_days + 1;
    let burst_start = (draw.signup_day + rng.random_range(0..=2)).min(latest_start);
    let n_orders = rng.random_range(f.orders_min..=f.orders_max);

    s.sessions.clear();
    for _ in 0..n_orders {
        let day = burst_start + rng.random_range(0..burst_days);
        let sec = if rng.random::<f64>() < f.night_share {
            rng.random_range(0..6 * 3600)
        } else {
            rng.random_range(0..DAY)
        };
        s.sessions.push((day, sec));
    }
    s.sessions.sort_unstable();

    let n_items = items.len();
    let mut prev_end = i64::MIN;
    let mut last_day = burst_start;
    for k in 0..s.sessions.len() {
        let (day, sec) = s.sessions[k];
        let day_start = i64::from(day) * DAY;
        let day_end = day_start + DAY - 1;
        let mut t = (day_start + sec)
            .max(prev_end.saturating_add(60))
            .min(day_end);
        let session = out.new_session();
        let lines = rng.random_range(3..=8usize).min(n_items);
        s.cart.clear();
        // Distinct items: redraw a repeated item, at most 20 tries per line.
        let mut tries = 0;
        while s.cart.len() < lines && tries < 20 * lines {
            tries += 1;
            let item = sample_cdf(&s.cdf, rng) as u32;
            if s.cart.iter().any(|&(i, _)| i == item) {
                continue;
            }
            out.event(user_id, item, EventKind::View, t, session, 0, 0);
            t = step(rng, t, day_end);
            let qty = rng.random_range(1..=3);
            out.event(user_id, item, EventKind::Cart, t, session, qty, 0);
            add_to_cart(&mut s.cart, item, qty);
            t = step(rng, t, day_end);
        }
        out.checkout(user_id, &s.cart, &items.price, t, session, true);
        prev_end = t;
        last_day = (t.div_euclid(DAY)) as i32;
    }
    last_day + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_number_of_fraudsters() {
        for (n, rate, k) in [(1000, 0.02, 20), (300, 0.05, 15), (10, 0.0, 0), (3, 0.5, 2)] {
            let cfg = ShopConfig {
                n_users: n,
                fraud_rate: rate,
                ..ShopConfig::small()
            };
            let flags = pick_fraudsters(&cfg);
            assert_eq!(flags.len(), n);
            assert_eq!(flags.iter().filter(|&&f| f).count(), k);
            assert_eq!(flags, pick_fraudsters(&cfg));
        }
    }
}
