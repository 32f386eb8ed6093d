//! The item catalogue: categories, log-normal prices by category and hidden
//! latent factors clustered around category centroids.

use ndarray::Array2;
use rand::Rng;
use rand_distr::StandardNormal;

use super::{Items, ShopConfig, stream_rng, streams};

/// Generates the catalogue from the `ITEMS` stream (one sequential stream:
/// the catalogue is small next to the event log).
pub(crate) fn generate_items(config: &ShopConfig) -> Items {
    let mut rng = stream_rng(config.seed, streams::ITEMS, 0);
    let (n, k, d) = (config.n_items, config.n_categories, config.taste_dim);

    // Round-robin categories, then a Fisher–Yates shuffle.
    let mut category: Vec<u32> = (0..n).map(|i| (i % k) as u32).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        category.swap(i, j);
    }

    let scale = 1.0 / (d as f64).sqrt();
    let level: Vec<f64> = (0..k)
        .map(|_| 30f64.ln() + 0.8 * rng.sample::<f64, _>(StandardNormal))
        .collect();
    let centroid: Vec<f64> = (0..k * d)
        .map(|_| scale * rng.sample::<f64, _>(StandardNormal))
        .collect();

    let mut price = Vec::with_capacity(n);
    let mut factors = Array2::<f32>::zeros((n, d));
    for (i, mut row) in factors.rows_mut().into_iter().enumerate() {
        let c = category[i] as usize;
        let z: f64 = rng.sample(StandardNormal);
        let p = (level[c] + 0.4 * z).exp();
        price.push(((p * 100.0).round() / 100.0).max(0.5));
        let cen = &centroid[c * d..(c + 1) * d];
        for (f, &m) in row.iter_mut().zip(cen) {
            let eps: f64 = rng.sample(StandardNormal);
            *f = (2.0 * (m + 0.5 * scale * eps)) as f32;
        }
    }
    Items {
        item_id: (1..=n as u64).collect(),
        category,
        price,
        hidden_factors: factors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_used_prices_positive_factors_clustered() {
        let cfg = ShopConfig {
            n_items: 600,
            n_categories: 6,
            ..ShopConfig::small()
        };
        let items = generate_items(&cfg);
        let mut counts = [0usize; 6];
        for &c in &items.category {
            counts[c as usize] += 1;
        }
        assert_eq!(counts, [100; 6]);
        assert!(items.price.iter().all(|&p| p >= 0.5 && p.is_finite()));
        assert_eq!(items.item_id[0], 1);
        assert_eq!(items.item_id[599], 600);

        // Same-category items are closer in factor space than other pairs.
        let f = &items.hidden_factors;
        let dist = |a: usize, b: usize| -> f32 {
            f.row(a)
                .iter()
                .zip(f.row(b).iter())
                .map(|(x, y)| (x - y) * (x - y))
                .sum()
        };
        let (mut same, mut ns, mut diff, mut nd) = (0f32, 0, 0f32, 0);
        for a in 0..100 {
            for b in (a + 1)..100 {
                if items.category[a] == items.category[b] {
                    same += dist(a, b);
                    ns += 1;
                } else {
                    diff += dist(a, b);
                    nd += 1;
                }
            }
        }
        assert!(same / ns as f32 * 2.0 < diff / nd as f32);
    }
}
