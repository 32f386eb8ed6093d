//! What customers are worth: BG/NBD for how often each customer buys,
//! Gamma-Gamma for how much, fitted on a calibration period and checked on
//! the holdout period after it; then refitted on everything up to the
//! report date for every customer's P(alive), expected purchases and CLV.

use serde_json::json;
use user_analytics::analytics::clv::{
    BgNbd, ClvSettings, CustomerHistories, FittedBgNbd, FittedGammaGamma, GammaGamma,
};
use user_analytics::analytics::metrics::roc_auc;
use user_analytics::data::date::format_date;
use user_analytics::data::features::Key;
use user_analytics::data::features::customer_base::{CustomerBase, CustomerBaseConfig};
use user_analytics::data::{Column, Table};
use user_analytics::report::{HtmlTable, Item, LineChart, histogram_chart};

use crate::data::col;
use crate::section::{Context, Section, pct};

/// The section's heading.
pub const TITLE: &str = "What customers are worth";

/// CLV horizon in days.
const HORIZON_DAYS: f64 = 365.0;
/// Discount rate per period: the rate the `clv` example uses by default
/// (lifetimes' convention, 1 % per 30-day period; the library has no
/// default of its own).
const DISCOUNT: f64 = 0.01;
/// Discounting period in days.
const PERIOD_DAYS: f64 = 30.0;
/// Calibration frequencies of the holdout chart: 0, 1, …, `MAX_FREQ` or more.
const MAX_FREQ: u32 = 7;
/// Customers in the top-customers table.
const TOP: usize = 10;
/// Bins of the CLV histogram.
const CLV_BINS: usize = 30;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Both models fitted on one summary.
struct Fits {
    bgnbd: FittedBgNbd,
    gamma_gamma: FittedGammaGamma,
}

fn fit(summary: &CustomerBase<Key>, h: &CustomerHistories) -> Result<Fits, String> {
    let bgnbd = BgNbd::new().fit(h).map_err(|e| format!("BG/NBD: {e}"))?;
    let gamma_gamma = GammaGamma::new()
        .fit(h.frequency(), &summary.mean_repeat_spend)
        .map_err(|e| format!("Gamma-Gamma: {e}"))?;
    Ok(Fits { bgnbd, gamma_gamma })
}

/// Mean absolute and root mean squared error of `predicted` against `actual`.
fn mae_rmse(predicted: &[f64], actual: &[u32]) -> (f64, f64) {
    let n = predicted.len().max(1) as f64;
    let (mut abs, mut sq) = (0.0, 0.0);
    for (p, &a) in predicted.iter().zip(actual) {
        let d = p - f64::from(a);
        abs += d.abs();
        sq += d * d;
    }
    (abs / n, (sq / n).sqrt())
}

/// Per calibration frequency 0..=MAX_FREQ (the last: MAX_FREQ or more):
/// (bucket, customers, mean actual, mean predicted).
fn by_frequency(
    frequency: &[u32],
    actual: &[u32],
    predicted: &[f64],
) -> Vec<(u32, usize, f64, f64)> {
    let nb = MAX_FREQ as usize + 1;
    let (mut n, mut sa, mut sp) = (vec![0usize; nb], vec![0.0; nb], vec![0.0; nb]);
    for ((&x, &a), &p) in frequency.iter().zip(actual).zip(predicted) {
        let b = x.min(MAX_FREQ) as usize;
        n[b] += 1;
        sa[b] += f64::from(a);
        sp[b] += p;
    }
    (0..nb)
        .filter(|&b| n[b] > 0)
        .map(|b| (b as u32, n[b], sa[b] / n[b] as f64, sp[b] / n[b] as f64))
        .collect()
}

/// Share of the total held by the top `share` of values (largest first).
fn top_share(values: &[f64], share: f64) -> f64 {
    let total: f64 = values.iter().sum();
    if values.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    let k = ((values.len() as f64 * share).ceil() as usize).max(1);
    v[..k].iter().sum::<f64>() / total
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The customer-value section.
pub fn section(ctx: &Context) -> Result<Section, String> {
    let shop = ctx.shop;
    let h = ctx.horizon_days;
    let cal = shop.as_of - h;
    if cal <= shop.first_day {
        return Err(format!(
            "--horizon-days {h} leaves no calibration period: the orders start {} and the report \
             date is {}",
            format_date(shop.first_day),
            format_date(shop.as_of)
        ));
    }

    // 1. Calibration up to `cal`, holdout (cal, as_of].
    let cal_cfg = CustomerBaseConfig {
        calibration_end: cal,
        holdout_end: Some(shop.as_of),
    };
    let cal_sum =
        CustomerBase::from_table(&shop.orders, col::USER, col::DATE, col::AMOUNT, &cal_cfg)
            .map_err(err)?;
    let cal_h = CustomerHistories::from_summary(&cal_sum).map_err(err)?;
    let cal_fit = fit(&cal_sum, &cal_h).map_err(|e| format!("calibration fit: {e}"))?;
    let days = f64::from(shop.as_of - cal);
    let actual = cal_sum
        .holdout_frequency
        .clone()
        .ok_or("the calibration summary has no holdout counts")?;
    let actual_spend = cal_sum
        .holdout_spend
        .clone()
        .ok_or("the calibration summary has no holdout spend")?;
    let expected_hold = cal_fit
        .bgnbd
        .expected_purchases(&cal_h, days)
        .map_err(err)?;
    let p_buys = cal_fit
        .bgnbd
        .probability_buys_again(&cal_h, days)
        .map_err(err)?;
    let (mae, rmse) = mae_rmse(&expected_hold, &actual);
    let bought: Vec<u8> = actual.iter().map(|&y| u8::from(y > 0)).collect();
    let buyers = bought.iter().filter(|&&b| b == 1).count();
    let scores: Vec<f32> = p_buys.iter().map(|&p| p as f32).collect();
    // Undefined when every customer (or none) bought in the holdout.
    let auc = roc_auc(&bought, &scores).ok();
    let cal_spend = cal_fit
        .gamma_gamma
        .expected_average_spend(cal_h.frequency(), &cal_sum.mean_repeat_spend)
        .map_err(err)?;
    let revenue_predicted: f64 = expected_hold
        .iter()
        .zip(&cal_spend)
        .map(|(e, s)| e * s)
        .sum();
    let revenue_actual: f64 = actual_spend.iter().sum();
    let actual_total: u64 = actual.iter().map(|&a| u64::from(a)).sum();
    let expected_total: f64 = expected_hold.iter().sum();

    // 2. Refit on everything up to the report date; score every customer.
    let all_cfg = CustomerBaseConfig {
        calibration_end: shop.as_of,
        holdout_end: None,
    };
    let all_sum =
        CustomerBase::from_table(&shop.orders, col::USER, col::DATE, col::AMOUNT, &all_cfg)
            .map_err(err)?;
    let all_h = CustomerHistories::from_summary(&all_sum).map_err(err)?;
    let final_fit = fit(&all_sum, &all_h).map_err(|e| format!("fit up to the report date: {e}"))?;
    let p_alive = final_fit.bgnbd.probability_alive(&all_h).map_err(err)?;
    let expected = final_fit
        .bgnbd
        .expected_purchases(&all_h, HORIZON_DAYS)
        .map_err(err)?;
    let spend = final_fit
        .gamma_gamma
        .expected_average_spend(all_h.frequency(), &all_sum.mean_repeat_spend)
        .map_err(err)?;
    let settings = ClvSettings {
        horizon: HORIZON_DAYS,
        discount_rate: DISCOUNT,
        period: PERIOD_DAYS,
    };
    let clv = final_fit
        .gamma_gamma
        .customer_lifetime_value(
            &final_fit.bgnbd,
            &all_h,
            &all_sum.mean_repeat_spend,
            &settings,
        )
        .map_err(err)?;
    let clv_total: f64 = clv.iter().sum();
    let top10_share = top_share(&clv, 0.1);

    let mut s = Section::new(
        TITLE,
        &format!(
            "BG/NBD models how often each customer buys and when they stop; Gamma-Gamma models \
             how much they spend per purchase day. Both are first fitted on the orders up to {} \
             and checked on the {} days after it (the holdout, never seen by the fit); then \
             refitted on all orders up to {} to value every customer over the next {} days.",
            format_date(cal),
            days,
            format_date(shop.as_of),
            HORIZON_DAYS
        ),
    );
    let r = &cal_sum.report;
    s.items.push(Item::Paragraph(format!(
        "Calibration: {} customers with an order up to {} ({} of them with a single purchase \
         day; {} customers whose first order falls in the holdout are not scored there). \
         Holdout ({} days): {} purchase days by {} customers, {:.1} expected; mean absolute \
         error {mae:.3} and RMSE {rmse:.3} purchase days per customer; P(buys again) ranks a \
         holdout buyer above a non-buyer with ROC-AUC {}. Revenue in the holdout: {:.0} \
         predicted (expected purchase days × Gamma-Gamma spend), {:.0} actual.",
        r.customers,
        format_date(cal),
        r.one_purchase_day,
        r.customers_excluded,
        days,
        actual_total,
        buyers,
        expected_total,
        auc.map_or("undefined (one class only)".to_string(), |v| format!(
            "{v:.3}"
        )),
        revenue_predicted,
        revenue_actual,
    )));

    // Parameters of both fits.
    let mut table = HtmlTable::new(&[
        "parameter",
        &format!("fit on orders up to {}", format_date(cal)),
        &format!("fit on orders up to {}", format_date(shop.as_of)),
    ])
    .caption("Fitted parameters (time in days)");
    let both = |name: &str, f: &dyn Fn(&Fits) -> String| -> [String; 3] {
        [name.to_string(), f(&cal_fit), f(&final_fit)]
    };
    let rows: Vec<[String; 3]> = vec![
        both("BG/NBD r", &|f| format!("{:.4}", f.bgnbd.r)),
        both("BG/NBD α", &|f| format!("{:.4}", f.bgnbd.alpha)),
        both("BG/NBD a", &|f| format!("{:.4}", f.bgnbd.a)),
        both("BG/NBD b", &|f| format!("{:.4}", f.bgnbd.b)),
        both("BG/NBD log-likelihood", &|f| {
            format!("{:.2}", f.bgnbd.log_likelihood)
        }),
        both("BG/NBD converged", &|f| {
            yes_no(f.bgnbd.convergence.converged).into()
        }),
        both("BG/NBD customers", &|f| f.bgnbd.n_customers.to_string()),
        both("Gamma-Gamma p", &|f| format!("{:.4}", f.gamma_gamma.p)),
        both("Gamma-Gamma q", &|f| format!("{:.4}", f.gamma_gamma.q)),
        both("Gamma-Gamma v", &|f| format!("{:.4}", f.gamma_gamma.v)),
        both("Gamma-Gamma converged", &|f| {
            yes_no(f.gamma_gamma.convergence.converged).into()
        }),
        both("Gamma-Gamma customers (repeat buyers)", &|f| {
            f.gamma_gamma.report.used.to_string()
        }),
        both("frequency–spend correlation (assumed ≈ 0)", &|f| {
            f.gamma_gamma
                .report
                .frequency_spend_correlation
                .map_or("undefined".to_string(), |v| format!("{v:.3}"))
        }),
    ];
    for row in rows {
        table = table.row(row);
    }
    s.items.push(table.into());
    for (when, f) in [("calibration", &cal_fit), ("final", &final_fit)] {
        if !f.bgnbd.convergence.converged || !f.gamma_gamma.convergence.converged {
            s.items.push(Item::Paragraph(format!(
                "Warning: the {when} fit did not converge (BG/NBD: {}; Gamma-Gamma: {}); its \
                 parameters are the best point found.",
                f.bgnbd.convergence.message, f.gamma_gamma.convergence.message
            )));
        }
    }

    // Expected vs actual holdout purchases by calibration frequency.
    let buckets = by_frequency(&cal_sum.frequency, &actual, &expected_hold);
    let actual_pts: Vec<(f64, f64)> = buckets.iter().map(|b| (f64::from(b.0), b.2)).collect();
    let predicted_pts: Vec<(f64, f64)> = buckets.iter().map(|b| (f64::from(b.0), b.3)).collect();
    let counts: Vec<String> = buckets
        .iter()
        .map(|b| {
            let x = if b.0 == MAX_FREQ {
                format!("{MAX_FREQ}+")
            } else {
                b.0.to_string()
            };
            format!("{x}: {}", b.1)
        })
        .collect();
    s.items.push(
        LineChart::new("Holdout purchases per customer: actual vs BG/NBD expected")
            .integer_x()
            .x_axis(
                &format!(
                    "repeat purchase days up to {} ({MAX_FREQ} = {MAX_FREQ} or more)",
                    format_date(cal)
                ),
                "",
            )
            .y_axis("mean purchase days in the holdout", "per customer")
            .y_range(0.0, 0.0)
            .series("actual (mean)", &actual_pts)
            .series("BG/NBD expected (mean)", &predicted_pts)
            .desc(format!(
                "Mean purchase days in the {days} days after {}, by repeat purchase days up to it. \
             Customers per point: {}. The closer the two lines, the better the model predicts \
             future purchases.",
                format_date(cal),
                counts.join(", ")
            ))
            .to_svg()
            .map_err(err)?
            .into(),
    );

    // CLV distribution.
    let positive: Vec<f64> = clv.iter().copied().filter(|&v| v > 0.0).collect();
    if positive.is_empty() {
        s.items.push(Item::Paragraph(
            "No customer has a CLV above 0, so there is no histogram of CLV.".into(),
        ));
    } else {
        s.items.push(
            histogram_chart(
                &format!(
                    "CLV over the next {HORIZON_DAYS} days of the {} customers with CLV > 0",
                    positive.len()
                ),
                "CLV",
                "order amount units, discounted",
                &[("customers", &positive[..])],
                CLV_BINS,
                false,
            )
            .map_err(err)?
            .into(),
        );
    }
    // The same customers up to the 95th percentile of CLV, where most of
    // them are (equal bins over the whole range put nearly all in one bin).
    let mut sorted = positive.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted
        .get((sorted.len() * 95 / 100).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    let below: Vec<f64> = positive.iter().copied().filter(|&v| v <= cut).collect();
    let above = positive.len() - below.len();
    let above_share: f64 =
        positive.iter().filter(|&&v| v > cut).sum::<f64>() / clv_total.max(f64::MIN_POSITIVE);
    if above > 0 && below.len() > 1 {
        s.items.push(
            histogram_chart(
                &format!(
                    "CLV up to its 95th percentile ({cut:.0}): {} customers, without the top {above}",
                    below.len()
                ),
                "CLV",
                "order amount units, discounted",
                &[("customers", &below[..])],
                CLV_BINS,
                false,
            )
            .map_err(err)?
            .into(),
        );
    }
    s.items.push(Item::Paragraph(format!(
        "The histograms use equal value bins (a log scale is not available), so in the first \
         the long tail of valuable customers shows as low bars on the right; the second shows \
         the customers with CLV up to the 95th percentile ({cut:.0}); the {above} above it hold \
         {} of the predicted value. {} of {} customers have a CLV of 0 and are in neither. \
         CLV sums expected spend over {HORIZON_DAYS} days, discounted {} per {PERIOD_DAYS}-day period. Total {clv_total:.0}; \
         the top 10 % of customers hold {} of it.",
        pct(above_share),
        clv.len() - positive.len(),
        clv.len(),
        pct(DISCOUNT),
        pct(top10_share),
    )));

    // Top customers.
    let mut order: Vec<usize> = (0..clv.len()).collect();
    order.sort_by(|&i, &j| clv[j].total_cmp(&clv[i]).then(i.cmp(&j)));
    let mut top = HtmlTable::new(&[
        "customer",
        "purchase days",
        "mean spend per repeat purchase day",
        "P(alive)",
        &format!("expected purchases, next {HORIZON_DAYS} days"),
        "CLV",
    ])
    .caption(format!("The {TOP} most valuable customers"));
    for &i in order.iter().take(TOP) {
        top = top.row([
            all_sum.customers[i].to_string(),
            (all_sum.frequency[i] + 1).to_string(),
            format!("{:.2}", all_sum.mean_repeat_spend[i]),
            format!("{:.3}", p_alive[i]),
            format!("{:.2}", expected[i]),
            format!("{:.2}", clv[i]),
        ]);
    }
    s.items.push(top.into());

    // Files.
    let ids: Vec<String> = all_sum.customers.iter().map(Key::to_string).collect();
    let num = Column::numeric;
    let per_customer = Table::new(vec![
        ("customer".into(), Column::categorical(&ids)),
        (
            "frequency".into(),
            num(all_sum.frequency.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "recency".into(),
            num(all_sum.recency.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "T".into(),
            num(all_sum.age.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "mean_repeat_spend".into(),
            num(all_sum.mean_repeat_spend.clone()),
        ),
        ("p_alive".into(), num(p_alive.clone())),
        ("expected_purchases_365d".into(), num(expected.clone())),
        ("expected_average_spend".into(), num(spend)),
        ("clv".into(), num(clv.clone())),
    ])
    .map_err(err)?;
    ctx.out.csv("clv", &per_customer)?;
    ctx.out.model("03_bgnbd", &final_fit.bgnbd)?;
    ctx.out.model("04_gamma_gamma", &final_fit.gamma_gamma)?;

    s.summary.push(format!(
        "Customer value: BG/NBD predicts holdout purchases ({days} days) with MAE {mae:.3} \
         (RMSE {rmse:.3}) purchase days per customer ({actual_total} actual, {expected_total:.0} \
         expected); the top 10 % of customers by CLV hold {} of the predicted value \
         ({clv_total:.0} over the next {HORIZON_DAYS} days).",
        pct(top10_share),
    ));
    let params = |f: &Fits| {
        json!({
            "bgnbd": {"r": f.bgnbd.r, "alpha": f.bgnbd.alpha, "a": f.bgnbd.a, "b": f.bgnbd.b,
                "log_likelihood": f.bgnbd.log_likelihood,
                "converged": f.bgnbd.convergence.converged},
            "gamma_gamma": {"p": f.gamma_gamma.p, "q": f.gamma_gamma.q, "v": f.gamma_gamma.v,
                "converged": f.gamma_gamma.convergence.converged,
                "used": f.gamma_gamma.report.used,
                "frequency_spend_correlation": f.gamma_gamma.report.frequency_spend_correlation},
        })
    };
    s.figure("calibration_end", format_date(cal));
    s.figure("holdout_days", days);
    s.figure("calibration_customers", cal_sum.len());
    s.figure("holdout_purchases_actual", actual_total);
    s.figure("holdout_purchases_expected", expected_total);
    s.figure("holdout_mae", mae);
    s.figure("holdout_rmse", rmse);
    s.figure("holdout_roc_auc_buys_again", auc);
    s.figure("holdout_revenue_predicted", revenue_predicted);
    s.figure("holdout_revenue_actual", revenue_actual);
    s.figure("calibration_fit", params(&cal_fit));
    s.figure("final_fit", params(&final_fit));
    s.figure("clv_horizon_days", HORIZON_DAYS);
    s.figure("clv_discount_per_30_days", DISCOUNT);
    s.figure("customers", clv.len());
    s.figure("clv_total", clv_total);
    s.figure("clv_top_10_percent_share", top10_share);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_by_hand() {
        // Differences 1, −2, 0: MAE 1, RMSE √(5/3).
        let (mae, rmse) = mae_rmse(&[1.0, 0.0, 3.0], &[0, 2, 3]);
        assert!((mae - 1.0).abs() < 1e-12);
        assert!((rmse - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn frequency_buckets_pool_the_top() {
        // x = 0, 0, 9, 7: buckets 0 (two customers) and 7+ (two); 1..6 absent.
        let b = by_frequency(&[0, 0, 9, 7], &[1, 0, 4, 2], &[0.5, 0.25, 3.0, 2.0]);
        assert_eq!(b, vec![(0, 2, 0.5, 0.375), (MAX_FREQ, 2, 3.0, 2.5)]);
    }

    #[test]
    fn share_of_the_top_tenth() {
        // 20 values: the top 2 (10 and 9) of a total of 10 + 9 + 18 × 1 = 37.
        let mut v = vec![1.0; 18];
        v.extend([9.0, 10.0]);
        assert!((top_share(&v, 0.1) - 19.0 / 37.0).abs() < 1e-12);
        // 5 values: the top ⌈0.5⌉ = 1.
        assert!((top_share(&[1.0, 2.0, 3.0, 4.0, 10.0], 0.1) - 0.5).abs() < 1e-12);
        assert_eq!(top_share(&[], 0.1), 0.0);
        assert_eq!(top_share(&[0.0, 0.0], 0.1), 0.0);
    }
}
