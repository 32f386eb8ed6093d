//! Customer segments: k-means on standardised log-RFM with k chosen by
//! silhouette, a 2-D PCA picture of the customers, segment profiles named
//! after the RFM segments they mostly hold, and the RFM grid.

use serde_json::json;
use user_analytics::analytics::segmentation::profile::SegmentProfiles;
use user_analytics::analytics::segmentation::rfm::{
    LogRfmScaler, RfmKMeans, RfmScores, RfmSegment,
};
use user_analytics::analytics::segmentation::{KMeans, SilhouetteMode, evaluate_k_range};
use user_analytics::data::date::format_date;
use user_analytics::data::features::Key;
use user_analytics::data::features::rfm::{RfmConfig, RfmFeatures};
use user_analytics::data::{Column, Table};
use user_analytics::ndarray::Array2;
use user_analytics::report::{HeatGrid, HtmlTable, Item, k_selection_chart, scatter_chart};

use crate::data::col;
use crate::section::{Context, Section, pct};

/// The section's heading.
pub const TITLE: &str = "Customer segments";

/// The k tried: 2..=K_MAX (fewer when there are few customers).
const K_MIN: usize = 2;
const K_MAX: usize = 8;
/// k-means seedings per k.
const N_INIT: usize = 10;
/// Silhouette on all customers up to this many, else on a seeded sample of
/// this size (the silhouette is quadratic in the rows it uses).
const SILHOUETTE_ROWS: usize = 5_000;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Eigenvalues (descending) and unit eigenvectors (`vectors[i]` belongs to
/// `values[i]`) of a symmetric 3 × 3 matrix, by cyclic Jacobi rotations.
/// Each vector's largest entry (by magnitude) is made positive, so the
/// result does not depend on rounding of the rotations' signs.
fn eigen_sym3(m: [[f64; 3]; 3]) -> ([f64; 3], [[f64; 3]; 3]) {
    let mut a = m;
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _sweep in 0..50 {
        let off = a[0][1].powi(2) + a[0][2].powi(2) + a[1][2].powi(2);
        let scale = a[0][0].powi(2) + a[1][1].powi(2) + a[2][2].powi(2);
        if off <= 1e-30 * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if a[p][q].abs() < 1e-300 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            // A ← Jᵀ A J with the rotation J in the (p, q) plane.
            for row in a.iter_mut() {
                let (akp, akq) = (row[p], row[q]);
                row[p] = c * akp - s * akq;
                row[q] = s * akp + c * akq;
            }
            let (ap, aq) = (a[p], a[q]);
            a[p] = std::array::from_fn(|k| c * ap[k] - s * aq[k]);
            a[q] = std::array::from_fn(|k| s * ap[k] + c * aq[k]);
            for row in v.iter_mut() {
                let (vp, vq) = (row[p], row[q]);
                row[p] = c * vp - s * vq;
                row[q] = s * vp + c * vq;
            }
        }
    }
    let mut order = [0usize, 1, 2];
    order.sort_by(|&i, &j| a[j][j].total_cmp(&a[i][i]).then(i.cmp(&j)));
    let values = order.map(|i| a[i][i]);
    let vectors = order.map(|i| {
        let mut e = [v[0][i], v[1][i], v[2][i]];
        let big = (0..3)
            .max_by(|&x, &y| e[x].abs().total_cmp(&e[y].abs()).then(y.cmp(&x)))
            .unwrap_or(0);
        if e[big] < 0.0 {
            e = e.map(|x| -x);
        }
        e
    });
    (values, vectors)
}

/// The first two principal components of the (already centred and
/// standardised) rows of `x`: each row's coordinates and the share of the
/// variance each component explains.
fn pca2(x: &Array2<f64>) -> (Vec<(f64, f64)>, [f64; 2]) {
    let n = x.nrows().max(1) as f64;
    let mut c = [[0.0; 3]; 3];
    for row in x.rows() {
        for i in 0..3 {
            for j in 0..3 {
                c[i][j] += row[i] * row[j] / n;
            }
        }
    }
    let (values, vectors) = eigen_sym3(c);
    let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
    let share = |i: usize| {
        if total > 0.0 {
            values[i].max(0.0) / total
        } else {
            0.0
        }
    };
    let dot = |row: &[f64], e: &[f64; 3]| row.iter().zip(e).map(|(a, b)| a * b).sum::<f64>();
    let pts = x
        .rows()
        .into_iter()
        .map(|r| {
            let r = [r[0], r[1], r[2]];
            (dot(&r, &vectors[0]), dot(&r, &vectors[1]))
        })
        .collect();
    (pts, [share(0), share(1)])
}

/// Plain words for each cluster from its mean standardised log-RFM
/// features: more than half a standard deviation from the mean of all
/// customers counts (recent / lapsed, frequent / infrequent, high / low
/// spend); a cluster near the mean on all three is "average".
fn describe(x: &Array2<f64>, labels: &[usize], k: usize) -> Vec<String> {
    let mut sum = vec![[0.0f64; 3]; k];
    let mut n = vec![0usize; k];
    for (row, &c) in x.rows().into_iter().zip(labels) {
        n[c] += 1;
        for j in 0..3 {
            sum[c][j] += row[j];
        }
    }
    let words = [
        ("recent", "lapsed"),
        ("infrequent", "frequent"),
        ("low spend", "high spend"),
    ];
    (0..k)
        .map(|c| {
            let parts: Vec<&str> = (0..3)
                .filter_map(|j| {
                    let m = sum[c][j] / n[c].max(1) as f64;
                    if m < -0.5 {
                        Some(words[j].0)
                    } else if m > 0.5 {
                        Some(words[j].1)
                    } else {
                        None
                    }
                })
                .collect();
            if parts.is_empty() {
                "average".to_string()
            } else {
                parts.join(", ")
            }
        })
        .collect()
}

/// The customer-segments section.
pub fn section(ctx: &Context) -> Result<Section, String> {
    let shop = ctx.shop;
    let f = RfmFeatures::<Key>::from_table(
        &shop.orders,
        col::USER,
        col::DATE,
        col::AMOUNT,
        None,
        &RfmConfig {
            as_of: shop.as_of,
            holdout_end: None,
        },
    )
    .map_err(err)?;
    let n = f.len();
    if n <= K_MIN {
        return Err(format!(
            "{n} customers with orders up to {}: segmenting needs at least {}",
            format_date(shop.as_of),
            K_MIN + 1
        ));
    }
    let (x, scaler) = LogRfmScaler::fit_transform(&f).map_err(err)?;
    // k-means needs at least k distinct customers (identical RFM rows are one point).
    let distinct = x
        .rows()
        .into_iter()
        .map(|r| [r[0].to_bits(), r[1].to_bits(), r[2].to_bits()])
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if distinct <= K_MIN {
        return Err(format!(
            "the {n} customers with orders up to {} have only {distinct} distinct (recency, \
             frequency, spend) values: segmenting needs at least {}",
            format_date(shop.as_of),
            K_MIN + 1
        ));
    }
    let k_hi = K_MAX.min(distinct - 1);
    let base = KMeans::default().n_init(N_INIT).seed(ctx.seed);
    let report = evaluate_k_range(
        x.view(),
        K_MIN..=k_hi,
        &base,
        SilhouetteMode::Sampled {
            size: SILHOUETTE_ROWS,
            seed: ctx.seed,
        },
    )
    .map_err(err)?;
    let chosen = report
        .recommended_k
        .ok_or_else(|| format!("no k could be chosen: {}", report.reason))?;
    let fit = base
        .clone()
        .k(chosen)
        .fit(x.view())
        .map_err(|e| format!("k = {chosen}: {e}"))?;
    let seg = RfmKMeans::from_fit(scaler, fit).map_err(err)?;
    let labels = seg.labels();
    let k = seg.k();

    // Named RFM segments, and the one most customers of each cluster are in.
    let scores = RfmScores::from_features(&f).map_err(err)?;
    let named = scores.segments();
    let mut mix = vec![[0usize; RfmSegment::ALL.len()]; k];
    for (&c, s) in labels.iter().zip(&named) {
        mix[c][s.index()] += 1;
    }
    let dominant: Vec<(RfmSegment, f64)> = mix
        .iter()
        .zip(seg.sizes())
        .map(|(m, &size)| {
            let (i, &count) = m
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
                .unwrap_or((0, &0));
            (RfmSegment::ALL[i], count as f64 / size.max(1) as f64)
        })
        .collect();
    let words = describe(&x, labels, k);
    let names: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(c, d)| format!("segment {c}: {d}"))
        .collect();
    let profiles = SegmentProfiles::from_rfm(&f, labels, &names).map_err(err)?;
    let named_profiles = SegmentProfiles::from_rfm_segments(&f, &named).map_err(err)?;

    let mut s = Section::new(
        TITLE,
        &format!(
            "Customers grouped by k-means on the logarithms of their recency, frequency and \
             spend as of {} (standardised). The number of segments k is the one with the \
             highest silhouette (how much closer customers are to their own segment than to the \
             next; −1 to 1). The scatter is the best flat picture of the three features (the \
             first two principal components); the grid counts customers by recency and \
             frequency score.",
            format_date(shop.as_of)
        ),
    );
    let r = &f.report;
    let sil_rows = report.scores.first().map_or(0, |k| k.silhouette_rows);
    s.items.push(Item::Paragraph(format!(
        "{} customers with an order up to {} ({} order rows). k-means with k-means++ seeding, \
         {N_INIT} seedings per k, seed {}; k = {K_MIN}..={k_hi} tried, silhouette on {}. {}",
        n,
        format_date(shop.as_of),
        r.rows_in_window,
        ctx.seed,
        if sil_rows < n {
            format!("a seeded sample of {sil_rows} customers")
        } else {
            "all customers".to_string()
        },
        report.reason
    )));

    // k selection (the k with a silhouette; it is undefined only for k = 1).
    let with_sil: Vec<_> = report
        .scores
        .iter()
        .filter_map(|sc| sc.silhouette.map(|v| (sc.k, sc.inertia, v)))
        .collect();
    if with_sil.iter().any(|w| w.0 == chosen) {
        let ks: Vec<usize> = with_sil.iter().map(|w| w.0).collect();
        let inertia: Vec<f64> = with_sil.iter().map(|w| w.1).collect();
        let sil: Vec<f64> = with_sil.iter().map(|w| w.2).collect();
        s.items.push(
            k_selection_chart(
                "Choosing the number of segments: inertia (elbow) and silhouette",
                &ks,
                &inertia,
                &sil,
                chosen,
            )
            .map_err(err)?
            .into(),
        );
    }

    // PCA scatter.
    let (pts, share) = pca2(&x);
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    s.items.push(
        scatter_chart(
            &format!(
                "Customers on the first two principal components of log-RFM, by segment (k = {k})"
            ),
            (
                &format!("PC 1 ({} of the variance)", pct(share[0])),
                "standardised units",
            ),
            (
                &format!("PC 2 ({} of the variance)", pct(share[1])),
                "standardised units",
            ),
            &pts,
            labels,
            &name_refs,
        )
        .map_err(err)?
        .into(),
    );

    // Profiles.
    let mut table = HtmlTable::new(&[
        "segment",
        "customers",
        "share",
        "share of spend",
        "mean recency (days)",
        "mean purchase days",
        "mean spend",
        "largest named RFM segment in it",
    ])
    .caption(format!(
        "Segment profiles as of {} (numbered by size; named by how their mean log recency, \
         frequency and spend differ from all customers', by more than half a standard \
         deviation)",
        format_date(shop.as_of)
    ));
    let mean_of = |p: &user_analytics::analytics::segmentation::profile::SegmentProfile,
                   name: &str| {
        p.features
            .iter()
            .find(|fs| fs.name == name)
            .map(|fs| fs.mean)
    };
    let fmt = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |v| format!("{v:.d$}"));
    for (p, (dom, dshare)) in profiles.profiles.iter().zip(&dominant) {
        table = table.row([
            p.segment.clone(),
            p.size.to_string(),
            pct(p.share),
            pct(p.revenue_share),
            fmt(mean_of(p, "recency_days"), 1),
            fmt(mean_of(p, "frequency"), 2),
            fmt(mean_of(p, "monetary"), 2),
            format!("{} ({} of the segment)", dom.name(), pct(*dshare)),
        ]);
    }
    s.items.push(table.into());

    let mut named_table = HtmlTable::new(&[
        "RFM segment",
        "rule (R, F scores 1–5)",
        "customers",
        "share",
        "share of spend",
        "mean spend",
    ])
    .caption("Named RFM segments (rank-quintile scores; ties share a score)");
    for (p, seg_name) in named_profiles.profiles.iter().zip(RfmSegment::ALL) {
        named_table = named_table.row([
            p.segment.clone(),
            seg_name.rule().to_string(),
            p.size.to_string(),
            pct(p.share),
            pct(p.revenue_share),
            fmt(mean_of(p, "monetary"), 2),
        ]);
    }
    s.items.push(named_table.into());

    // RFM grid: recency score 5 (most recent) at the top, frequency score 1..5.
    let mut counts = [[0usize; 5]; 5];
    let mut spend = [[0.0f64; 5]; 5];
    for ((&rs, &fs), &m) in scores.r.iter().zip(&scores.f).zip(&f.monetary) {
        let (ri, fi) = (5 - rs as usize, fs as usize - 1);
        counts[ri][fi] += 1;
        spend[ri][fi] += m;
    }
    let values: Vec<f64> = counts.iter().flatten().map(|&c| c as f64).collect();
    let texts: Vec<String> = counts
        .iter()
        .flatten()
        .zip(spend.iter().flatten())
        .map(|(&c, &m)| {
            if c == 0 {
                "0".to_string()
            } else {
                format!("{c}\nmean {:.0}", m / c as f64)
            }
        })
        .collect();
    s.items.push(
        HeatGrid::new(
            "RFM grid: customers by recency and frequency score",
            &["R 5", "R 4", "R 3", "R 2", "R 1"],
            &["F 1", "F 2", "F 3", "F 4", "F 5"],
            &values,
        )
        .rows_axis("recency score", "5 = most recent")
        .cols_axis("frequency score", "5 = most purchase days")
        .value_label("customers")
        .cell_text(texts)
        .desc(
            "Each cell: the number of customers and their mean total spend. Scores are rank \
             quintiles with ties sharing a score, so a score can be empty when many customers \
             tie (e.g. one purchase day).",
        )
        .to_svg()
        .map_err(err)?
        .into(),
    );

    // Files.
    let ids: Vec<String> = f.customers.iter().map(Key::to_string).collect();
    let num = |v: Vec<f64>| Column::numeric(v);
    let named_names: Vec<&str> = named.iter().map(|s| s.name()).collect();
    let per_customer = Table::new(vec![
        ("customer".into(), Column::categorical(&ids)),
        (
            "segment".into(),
            num(labels.iter().map(|&l| l as f64).collect()),
        ),
        (
            "r_score".into(),
            num(scores.r.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "f_score".into(),
            num(scores.f.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "m_score".into(),
            num(scores.m.iter().map(|&v| f64::from(v)).collect()),
        ),
        ("rfm_segment".into(), Column::categorical(&named_names)),
    ])
    .map_err(err)?;
    ctx.out.csv("segments", &per_customer)?;
    ctx.out.model("07_segments", &seg)?;

    // Summary.
    let largest = &profiles.profiles[0];
    let richest = profiles
        .profiles
        .iter()
        .filter(|p| p.size > 0)
        .max_by(|a, b| {
            mean_of(a, "monetary")
                .unwrap_or(0.0)
                .total_cmp(&mean_of(b, "monetary").unwrap_or(0.0))
                .then(b.index.cmp(&a.index))
        })
        .unwrap_or(largest);
    let chosen_sil = report.scores_for(chosen).and_then(|sc| sc.silhouette);
    s.summary.push(format!(
        "Customer segments: k-means on log-RFM finds {chosen} segments (silhouette {}, the \
         highest of k = {K_MIN}..={k_hi}); the largest, segment 0 ({}), holds {} of the \
         customers; the most valuable, segment {} ({}), has a mean spend of {:.0} and brings \
         {} of all spend from {} of the customers.",
        chosen_sil.map_or("undefined".into(), |v| format!("{v:.3}")),
        words[largest.index],
        pct(largest.share),
        richest.index,
        words[richest.index],
        mean_of(richest, "monetary").unwrap_or(0.0),
        pct(richest.revenue_share),
        pct(richest.share),
    ));
    s.figure("customers", n);
    s.figure("k", chosen);
    s.figure("silhouette", chosen_sil);
    s.figure("reason", report.reason.clone());
    s.figure(
        "by_k",
        report
            .scores
            .iter()
            .map(|sc| json!({"k": sc.k, "inertia": sc.inertia, "silhouette": sc.silhouette}))
            .collect::<Vec<_>>(),
    );
    s.figure(
        "segments",
        profiles
            .profiles
            .iter()
            .map(|p| {
                json!({"name": p.segment, "size": p.size, "share": p.share,
                    "revenue_share": p.revenue_share,
                    "mean_recency_days": mean_of(p, "recency_days"),
                    "mean_frequency": mean_of(p, "frequency"),
                    "mean_monetary": mean_of(p, "monetary")})
            })
            .collect::<Vec<_>>(),
    );
    s.figure("largest_segment", largest.segment.clone());
    s.figure("most_valuable_segment", richest.segment.clone());
    s.figure("pca_variance_share", json!([share[0], share[1]]));
    s.figure(
        "rfm_segment_sizes",
        named_profiles
            .profiles
            .iter()
            .map(|p| json!({"name": p.segment, "size": p.size}))
            .collect::<Vec<_>>(),
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_a_known_matrix() {
        // Eigenvalues 3, 1, 1 of [[2,1,0],[1,2,0],[0,0,1]]: the first vector is (1,1,0)/√2.
        let (v, e) = eigen_sym3([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 1.0]]);
        assert!((v[0] - 3.0).abs() < 1e-12 && (v[1] - 1.0).abs() < 1e-12);
        let h = 0.5f64.sqrt();
        assert!((e[0][0] - h).abs() < 1e-12 && (e[0][1] - h).abs() < 1e-12);
        // A diagonal matrix: the axes, largest first, each pointing up.
        let (v, e) = eigen_sym3([[1.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 2.0]]);
        assert_eq!(v, [5.0, 2.0, 1.0]);
        assert_eq!(e, [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
    }

    #[test]
    fn pca_of_points_on_a_plane() {
        // Rows (t, 2t, u) centred: PC 1 along (1, 2, 0)/√5 with variance 5·var(t).
        let t = [-2.0, -1.0, 0.0, 1.0, 2.0];
        let u = [0.5, -0.5, 0.0, -0.5, 0.5];
        let x = Array2::from_shape_fn((5, 3), |(i, j)| [t[i], 2.0 * t[i], u[i]][j]);
        let (pts, share) = pca2(&x);
        let (var_t, var_u) = (2.0, 0.2);
        let total = 5.0 * var_t + var_u;
        assert!((share[0] - 5.0 * var_t / total).abs() < 1e-12, "{share:?}");
        assert!((share[1] - var_u / total).abs() < 1e-12, "{share:?}");
        // The last row (t = 2, u = 0.5) projects to (2√5, 0.5).
        assert!((pts[4].0 - 2.0 * 5f64.sqrt()).abs() < 1e-12 && (pts[4].1 - 0.5).abs() < 1e-12);
    }
}
