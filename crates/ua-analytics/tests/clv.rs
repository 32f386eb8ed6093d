//! Customer-base models (issue 12, item 7): parameter recovery on data
//! simulated from known parameters, log-likelihoods against hand-computed
//! values and against lifetimes 0.11.3, predictions against lifetimes,
//! overflow robustness, save/load and the serving trait.

use approx::assert_relative_eq;
use ndarray::Array2;
use ua_analytics::Predictor;
use ua_analytics::clv::{
    BgNbd, BgNbdVariant, BuysAgain, ClvSettings, Convergence, CustomerHistories, FittedBgNbd,
    FittedGammaGamma, GammaGamma, simulate_bgnbd, simulate_gamma_gamma,
};
use ua_tensor::persist::Persist;

/// A fitted model with the given parameters (for formula checks).
fn model(variant: BgNbdVariant, [r, alpha, a, b]: [f64; 4]) -> FittedBgNbd {
    FittedBgNbd {
        params: BgNbd {
            variant,
            ..BgNbd::default()
        },
        r,
        alpha,
        a,
        b,
        log_likelihood: 0.0,
        n_customers: 0,
        convergence: Convergence {
            converged: true,
            iterations: 0,
            gradient_norm: 0.0,
            starts: 1,
            starts_converged: 1,
            message: String::new(),
        },
    }
}

fn gamma_gamma(p: f64, q: f64, v: f64) -> FittedGammaGamma {
    let (x, m) = simulate_gamma_gamma(50, (p, q, v), 5, 1).unwrap();
    let mut g = GammaGamma::new().fit(&x, &m).unwrap();
    (g.p, g.q, g.v) = (p, q, v);
    g
}

fn histories(rows: &[(f64, f64, f64)]) -> CustomerHistories {
    CustomerHistories::new(
        rows.iter().map(|r| r.0).collect(),
        rows.iter().map(|r| r.1).collect(),
        rows.iter().map(|r| r.2).collect(),
    )
    .unwrap()
}

#[test]
fn bgnbd_recovers_the_parameters_it_was_simulated_from() {
    let truth = [0.25, 4.0, 0.8, 2.5];
    let h = simulate_bgnbd(40_000, (truth[0], truth[1], truth[2], truth[3]), 52.0, 2026).unwrap();
    let fit = BgNbd::new().fit(&h).unwrap();
    assert!(fit.convergence.converged, "{:?}", fit.convergence);
    for (k, (got, want)) in fit.parameters().iter().zip(truth).enumerate() {
        assert!(
            (got / want - 1.0).abs() < 0.10,
            "parameter {k}: fitted {got}, simulated from {want}"
        );
    }
    // The maximum is a maximum: the simulating parameters fit no better.
    let at_truth = model(BgNbdVariant::BgNbd, truth).log_likelihood_of(&h);
    assert!(
        fit.log_likelihood >= at_truth,
        "{} < {at_truth}",
        fit.log_likelihood
    );
}

#[test]
fn gamma_gamma_recovers_the_parameters_it_was_simulated_from() {
    let (x, m) = simulate_gamma_gamma(20_000, (6.0, 4.0, 15.0), 12, 7).unwrap();
    let fit = GammaGamma::new().fit(&x, &m).unwrap();
    assert!(fit.convergence.converged, "{:?}", fit.convergence);
    for (got, want, name) in [(fit.p, 6.0, "p"), (fit.q, 4.0, "q"), (fit.v, 15.0, "v")] {
        assert!(
            (got / want - 1.0).abs() < 0.10,
            "{name}: fitted {got}, simulated from {want}"
        );
    }
    // Frequency and spend are independent in the simulation.
    let c = fit.report.frequency_spend_correlation.unwrap();
    assert!(c.abs() < 0.05, "correlation {c}");
}

#[test]
fn log_likelihood_against_hand_computed_values() {
    // r = 1, α = 2, a = 1, b = 2; lnΓ of whole numbers are log-factorials.
    let p = [1.0, 2.0, 1.0, 2.0];
    let bg = model(BgNbdVariant::BgNbd, p);
    let mbg = model(BgNbdVariant::Modified, p);
    // x = 2, t_x = 3, T = 5.
    // BG: A1 = lnΓ(3) − lnΓ(1) + ln 2 = ln 4; A2 = lnΓ(3)+lnΓ(4)−lnΓ(2)−lnΓ(5) = ln(12/24);
    //     branches 7^−3 and a/(b+x−1)·5^−3 = 1/375  →  ln(2 · (1/343 + 1/375)).
    let one = histories(&[(2.0, 3.0, 5.0)]);
    assert_relative_eq!(
        bg.log_likelihood_of(&one),
        (2.0 * (1.0 / 343.0 + 1.0 / 375.0f64)).ln(),
        max_relative = 1e-13
    );
    // MBG: A2 = lnΓ(3)+lnΓ(5)−lnΓ(2)−lnΓ(6) = ln(48/120); second branch 1/(4·125).
    assert_relative_eq!(
        mbg.log_likelihood_of(&one),
        (4.0 * 0.4 * (1.0 / 343.0 + 1.0 / 500.0f64)).ln(),
        max_relative = 1e-13
    );
    // x = 0, T = 5. BG: (α/(α+T))^r = 2/7. MBG: 2 · (2/3) · (1/7 + 1/4) = 11/21.
    let zero = histories(&[(0.0, 0.0, 5.0)]);
    assert_relative_eq!(
        bg.log_likelihood_of(&zero),
        (2.0f64 / 7.0).ln(),
        max_relative = 1e-13
    );
    assert_relative_eq!(
        mbg.log_likelihood_of(&zero),
        (11.0f64 / 21.0).ln(),
        max_relative = 1e-13
    );
    // MBG P(alive | x = 0) = 1/(1 + a/b · ((α+T)/α)^r) = 1/(1 + 0.5 · 3.5); BG: 1.
    assert_eq!(bg.probability_alive(&zero).unwrap(), [1.0]);
    assert_relative_eq!(
        mbg.probability_alive(&zero).unwrap()[0],
        1.0 / 2.75,
        max_relative = 1e-14
    );
    // Gamma-Gamma p = 2, q = 3, v = 4, x = 1, m = 2:
    // lnΓ(5) − lnΓ(2) − lnΓ(3) + 3 ln 4 + ln 2 + 0 − 5 ln 6 = ln(24 · 64 / 7776).
    let g = gamma_gamma(2.0, 3.0, 4.0);
    assert_relative_eq!(
        g.log_likelihood_of(&[1.0], &[2.0]).unwrap(),
        (24.0 * 64.0 / 7776.0f64).ln(),
        max_relative = 1e-13
    );
}

/// Values printed by lifetimes 0.11.3 (`BetaGeoFitter`, `ModifiedBetaGeoFitter`,
/// `GammaGammaFitter` with `params_` set to the parameters below; the
/// log-likelihood is `-_negative_log_likelihood(log params, x, t_x, T, 1, 0)`
/// per customer, the predictions are `conditional_probability_alive`,
/// `conditional_expected_number_of_purchases_up_to_time(273, …)`,
/// `expected_number_of_purchases_up_to_time(100)`,
/// `conditional_expected_average_profit` and `customer_lifetime_value(time=12,
/// discount_rate=0.01, freq="D")`).
#[test]
fn formulas_agree_with_lifetimes() {
    let p = [0.25, 30.0, 0.8, 2.5];
    let rows = [
        (0.0, 0.0, 200.0),
        (3.0, 100.0, 250.0),
        (25.0, 240.0, 250.0),
        (2.0, 10.0, 300.0),
    ];
    let ll_bg = [
        -0.5092204818152601,
        -17.314090362709525,
        -89.00361000561378,
        -10.534994403654837,
    ];
    let alive_bg = [
        1.0,
        0.31726740545933696,
        0.9296944518487376,
        0.036541768723444744,
    ];
    let cond_bg = [
        0.2568454567375646,
        0.815450711066865,
        17.40203461185767,
        0.057518275444152944,
    ];
    let ll_mbg = [
        -0.3599662216495089,
        -17.58243315713707,
        -89.0348456445717,
        -10.939551876037033,
    ];
    let alive_mbg = [
        0.6525379394243165,
        0.36223248226760335,
        0.9320773685875715,
        0.04649682373604682,
    ];
    let cond_mbg = [
        0.17267830906504325,
        0.9542446076392999,
        17.57673119896076,
        0.0749330976919101,
    ];
    for (variant, ll, alive, cond, new100) in [
        (
            BgNbdVariant::BgNbd,
            ll_bg,
            alive_bg,
            cond_bg,
            0.6073091844634001,
        ),
        (
            BgNbdVariant::Modified,
            ll_mbg,
            alive_mbg,
            cond_mbg,
            0.4876444392231506,
        ),
    ] {
        let m = model(variant, p);
        for (i, row) in rows.iter().enumerate() {
            let h = histories(&[*row]);
            assert_relative_eq!(m.log_likelihood_of(&h), ll[i], max_relative = 1e-11);
        }
        let h = histories(&rows);
        let pa = m.probability_alive(&h).unwrap();
        let e = m.expected_purchases(&h, 273.0).unwrap();
        for i in 0..rows.len() {
            assert_relative_eq!(pa[i], alive[i], max_relative = 1e-11);
            assert_relative_eq!(e[i], cond[i], max_relative = 1e-10);
        }
        assert_relative_eq!(
            m.expected_purchases_new_customer(100.0).unwrap(),
            new100,
            max_relative = 1e-10
        );
    }
    let g = gamma_gamma(6.0, 4.0, 15.0);
    let (x, spend) = ([1.0, 4.0, 20.0], [10.0, 35.0, 20.0]);
    assert_relative_eq!(
        g.log_likelihood_of(&x, &spend).unwrap(),
        -11.088178614951314,
        max_relative = 1e-12
    );
    let s = g.expected_average_spend(&x, &spend).unwrap();
    for (got, want) in s
        .iter()
        .zip([16.666666666666668, 34.44444444444444, 20.24390243902439])
    {
        assert_relative_eq!(*got, want, max_relative = 1e-13);
    }
    // CLV of customers rows[1..] with spends 10, 35, 20 over 12 × 30 days at 1 % a period.
    let bg = model(BgNbdVariant::BgNbd, p);
    let settings = ClvSettings {
        horizon: 360.0,
        discount_rate: 0.01,
        period: 30.0,
    };
    let clv = g
        .customer_lifetime_value(&bg, &histories(&rows[1..]), &spend, &settings)
        .unwrap();
    for (got, want) in clv
        .iter()
        .zip([12.373440393821767, 708.7569101770232, 1.5050881611282587])
    {
        assert_relative_eq!(*got, want, max_relative = 1e-9);
    }
}

#[test]
fn huge_frequencies_and_ages_do_not_overflow() {
    let m = model(BgNbdVariant::BgNbd, [0.25, 30.0, 0.8, 2.5]);
    let h = histories(&[(5_000.0, 9_990.0, 10_000.0), (20_000.0, 1.0e6, 1.0e6)]);
    let ll = m.log_likelihood_of(&h);
    assert!(ll.is_finite() && ll < 0.0, "{ll}");
    let pa = m.probability_alive(&h).unwrap();
    let e = m.expected_purchases(&h, 365.0).unwrap();
    for i in 0..2 {
        assert!((0.0..=1.0).contains(&pa[i]), "{pa:?}");
        assert!(e[i].is_finite() && e[i] > 0.0, "{e:?}");
    }
    // 5,000 purchases in 10,000 days: about 0.5 a day while alive.
    assert!(
        (e[0] / (365.0 * 0.5 * pa[0]) - 1.0).abs() < 0.05,
        "{}",
        e[0]
    );
    let fit = BgNbd::new().fit(&h).unwrap();
    assert!(fit.log_likelihood.is_finite());
}

#[test]
fn buys_again_serves_batches_like_single_rows_and_round_trips() {
    let h = simulate_bgnbd(2_000, (0.5, 6.0, 0.7, 3.0), 40.0, 5).unwrap();
    let serving = BuysAgain {
        model: BgNbd::new().fit(&h).unwrap(),
        horizon: 30.0,
    };
    let x = Array2::from_shape_fn((h.len(), 3), |(i, j)| {
        [h.frequency()[i], h.recency()[i], h.age()[i]][j] as f32
    });
    let batch = serving.predict_proba(x.view()).unwrap();
    for i in (0..h.len()).step_by(97) {
        let one = serving
            .predict_proba(x.slice(ndarray::s![i..i + 1, ..]))
            .unwrap();
        assert_eq!(one[0], batch[i]);
    }
    let back = BuysAgain::from_json(&serving.to_json().unwrap()).unwrap();
    assert_eq!(back.predict_proba(x.view()).unwrap(), batch);
    fn send_sync<T: Send + Sync>() {}
    send_sync::<BuysAgain>();
    send_sync::<FittedBgNbd>();
    send_sync::<FittedGammaGamma>();
    let e = serving
        .predict_proba(Array2::<f32>::zeros((2, 2)).view())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("3 columns") && e.contains("found 2 columns"),
        "{e}"
    );
    let mut bad = x.clone();
    bad[[4, 0]] = f32::NAN;
    let e = serving.predict_proba(bad.view()).unwrap_err().to_string();
    assert!(e.contains("customer 5 (index 4): frequency x = NaN"), "{e}");
}

#[test]
fn saved_models_load_identically_and_wrong_kinds_are_refused() {
    let h = simulate_bgnbd(1_000, (0.5, 6.0, 0.7, 3.0), 40.0, 3).unwrap();
    let bg = BgNbd::new().modified().l2(0.001).fit(&h).unwrap();
    // The builder reaches the fit: MBG/NBD's likelihood, not BG/NBD's.
    assert_eq!(bg.params.variant, BgNbdVariant::Modified);
    let as_bg = model(BgNbdVariant::BgNbd, bg.parameters()).log_likelihood_of(&h);
    assert!(
        (bg.log_likelihood - as_bg).abs() > 1e-6,
        "{} vs {as_bg}",
        bg.log_likelihood
    );
    let back = FittedBgNbd::from_json(&bg.to_json().unwrap()).unwrap();
    assert_eq!(back, bg);
    assert_eq!(
        back.expected_purchases(&h, 20.0).unwrap(),
        bg.expected_purchases(&h, 20.0).unwrap()
    );
    let (x, m) = simulate_gamma_gamma(500, (6.0, 4.0, 15.0), 10, 3).unwrap();
    let gg = GammaGamma::new().fit(&x, &m).unwrap();
    let e = FittedGammaGamma::from_json(&bg.to_json().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ua-analytics/bgnbd") && e.contains("ua-analytics/gamma-gamma"),
        "{e}"
    );
    let json = gg.to_json().unwrap();
    assert!(json.contains("\"kind\":\"ua-analytics/gamma-gamma\""));
    assert_eq!(FittedGammaGamma::from_json(&json).unwrap(), gg);
}

#[test]
fn an_l2_penalty_shrinks_the_parameters() {
    let h = simulate_bgnbd(3_000, (0.25, 4.0, 0.8, 2.5), 52.0, 9).unwrap();
    let free = BgNbd::new().fit(&h).unwrap();
    let shrunk = BgNbd::new().l2(0.1).fit(&h).unwrap();
    let norm = |f: &FittedBgNbd| {
        let s = 1.0 / h.age().iter().copied().fold(0.0, f64::max);
        f.r.powi(2) + (f.alpha * s).powi(2) + f.a.powi(2) + f.b.powi(2)
    };
    assert!(
        norm(&shrunk) < norm(&free),
        "{} vs {}",
        norm(&shrunk),
        norm(&free)
    );
    assert!(shrunk.log_likelihood < free.log_likelihood);
}
