//! Who will buy: repeat purchase within the horizon from each customer's
//! RFM features, logistic regression beside the MLP, evaluated on held-out
//! customers; the better model scores every customer as of the report date.

use serde_json::json;
use user_analytics::analytics::Predictor;
use user_analytics::analytics::prediction::evaluate::{Holdout, HoldoutRun, evaluate_holdout};
use user_analytics::analytics::prediction::{
    FittedClassifier, LogisticRegression, MlpClassifier, ModelKind, RepeatPurchase,
};
use user_analytics::data::date::format_date;
use user_analytics::data::{Column, Table};
use user_analytics::report::curves::{calibration_bins, gain_points, pr_points, roc_points};
use user_analytics::report::{
    Bar, ConfusionCounts, HtmlTable, Item, bar_chart, calibration_chart, confusion_chart,
    epoch_chart, gain_chart, histogram_chart, pr_chart, roc_chart,
};

use crate::data::col;
use crate::section::{Context, Section, pct};

/// The section's heading.
pub const TITLE: &str = "Who will buy";

/// Share of customers a campaign would contact in the summary's sentence.
const CONTACT: f64 = 0.2;

/// One fitted model, its held-out probabilities and name.
struct Fitted {
    name: &'static str,
    run: HoldoutRun,
    config: user_analytics::analytics::prediction::PropensityConfig,
    probs: Vec<f64>,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The share of buyers found among the top `share` of customers by score.
fn captured_at(probs: &[f64], labels: &[bool], share: f64) -> Result<f64, String> {
    let gain = gain_points(probs, labels).map_err(err)?;
    Ok(gain
        .iter()
        .filter(|g| g.fraction_targeted <= share + 1e-12)
        .map(|g| g.fraction_captured)
        .fold(0.0, f64::max))
}

/// `(name, points)` pairs for a chart of several curves.
fn named_curves<'a, T>(names: &[&'a str], curves: &'a [Vec<T>]) -> Vec<(&'a str, &'a [T])> {
    names
        .iter()
        .copied()
        .zip(curves.iter().map(Vec::as_slice))
        .collect()
}

/// The purchase-propensity section.
pub fn section(ctx: &Context) -> Result<Section, String> {
    let shop = ctx.shop;
    let h = ctx.horizon_days;
    let cal = shop.as_of - h;
    if cal <= shop.first_day {
        return Err(format!(
            "--horizon-days {h} leaves no history: the orders start {} and the report date is {}",
            format_date(shop.first_day),
            format_date(shop.as_of)
        ));
    }
    let rp = RepeatPurchase::new(col::USER, col::DATE, col::AMOUNT, cal, shop.as_of);
    let features = rp.training_table(&shop.orders).map_err(err)?;
    let holdout = Holdout::stratified(0.2, ctx.seed);
    let mut models = Vec::new();
    for (name, kind) in [
        ("logistic", ModelKind::Logistic(LogisticRegression::new())),
        ("MLP", ModelKind::Mlp(MlpClassifier::new().seed(ctx.seed))),
    ] {
        let config = rp.propensity_config(kind);
        let run = evaluate_holdout(&config, &features.table, &holdout).map_err(err)?;
        let test = features.table.take(&run.test_rows).map_err(err)?;
        let probs = run
            .model
            .predict_proba(&test)
            .map_err(err)?
            .iter()
            .map(|&p| f64::from(p))
            .collect();
        models.push(Fitted {
            name,
            run,
            config,
            probs,
        });
    }
    let y_all = models[0].config.labels(&features.table).map_err(err)?;
    let labels: Vec<bool> = models[0]
        .run
        .test_rows
        .iter()
        .map(|&i| y_all[i] == 1)
        .collect();
    let auc = |m: &Fitted| m.run.evaluation.report.roc_auc.unwrap_or(0.5);
    // The better of the two by held-out ROC-AUC (the logistic model on a tie).
    let best = if auc(&models[1]) > auc(&models[0]) {
        1
    } else {
        0
    };
    let b = &models[best];
    let base_rate = labels.iter().filter(|&&l| l).count() as f64 / labels.len() as f64;

    let mut s = Section::new(
        TITLE,
        &format!(
            "Each customer's recency, frequency and spend up to {} predict whether they buy in the \
             {h} days after it. The curves are measured on customers the models never saw: the \
             further a curve is from the dashed chance line, the better the ranking.",
            format_date(cal)
        ),
    );
    s.items.push(Item::Paragraph(format!(
        "{} customers ordered up to {}; {} of them bought again in the next {h} days. \
         Split: stratified 80/20 (seed {}), {} training and {} test customers. Models: logistic \
         regression and the MLP of the design document on the same {} features, each with its \
         preprocessing fitted on the training customers only.",
        features.table.n_rows(),
        format_date(cal),
        pct(y_all.iter().filter(|&&v| v == 1).count() as f64 / y_all.len() as f64),
        ctx.seed,
        b.run.train_rows.len(),
        b.run.test_rows.len(),
        b.run.evaluation.n_features,
    )));
    let mut table = HtmlTable::new(&[
        "model",
        "ROC-AUC",
        "PR-AUC",
        "log-loss",
        "accuracy",
        "precision",
        "recall",
    ])
    .caption("Held-out metrics (threshold 0.5)");
    let opt = |v: Option<f64>| v.map_or("undefined".to_string(), |v| format!("{v:.3}"));
    for m in &models {
        let r = &m.run.evaluation.report;
        table = table.row([
            m.name.to_string(),
            opt(r.roc_auc),
            opt(r.pr_auc),
            format!("{:.3}", r.log_loss),
            format!("{:.3}", r.accuracy),
            opt(r.precision),
            opt(r.recall),
        ]);
    }
    s.items.push(table.into());

    let roc: Vec<_> = models
        .iter()
        .map(|m| roc_points(&m.probs, &labels))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let pr: Vec<_> = models
        .iter()
        .map(|m| pr_points(&m.probs, &labels))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let gain: Vec<_> = models
        .iter()
        .map(|m| gain_points(&m.probs, &labels))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let cal_bins: Vec<_> = models
        .iter()
        .map(|m| calibration_bins(&m.probs, &labels, 10))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let names: Vec<&str> = models.iter().map(|m| m.name).collect();
    s.items.push(
        roc_chart("ROC curve, test customers", &named_curves(&names, &roc))
            .map_err(err)?
            .into(),
    );
    s.items.push(
        pr_chart(
            "Precision and recall, test customers",
            &named_curves(&names, &pr),
            base_rate,
        )
        .map_err(err)?
        .into(),
    );
    s.items.push(
        gain_chart(
            "Cumulative gain: buyers reached by contacting the top scores",
            &named_curves(&names, &gain),
        )
        .map_err(err)?
        .into(),
    );
    s.items.push(
        calibration_chart(
            "Calibration: predicted vs observed buying rate",
            &named_curves(&names, &cal_bins),
        )
        .map_err(err)?
        .into(),
    );
    if let FittedClassifier::Mlp(mlp) = models[1].run.model.model() {
        let h = mlp.history();
        let (loss, val) = (h.loss(), h.val_loss());
        s.items.push(
            epoch_chart(
                "MLP training: loss per epoch (early stopping on a validation share)",
                "binary cross-entropy",
                "mean per customer",
                &[("training", &loss[..]), ("validation", &val[..])],
            )
            .map_err(err)?
            .into(),
        );
    }
    let predicted: Vec<bool> = b.probs.iter().map(|&p| p >= 0.5).collect();
    s.items.push(
        confusion_chart(
            &format!("Confusion matrix of the {} model at threshold 0.5", b.name),
            ConfusionCounts::from_predictions(&labels, &predicted).map_err(err)?,
            ("buys", "does not buy"),
            0.5,
        )
        .map_err(err)?
        .into(),
    );
    let (buyers, others): (Vec<f64>, Vec<f64>) = {
        let mut parts = (Vec::new(), Vec::new());
        for (&p, &l) in b.probs.iter().zip(&labels) {
            if l { parts.0.push(p) } else { parts.1.push(p) }
        }
        parts
    };
    s.items.push(
        histogram_chart(
            &format!("Scores of the {} model by what the customer did", b.name),
            "P(buys)",
            "probability",
            &[("bought", &buyers[..]), ("did not buy", &others[..])],
            20,
            true,
        )
        .map_err(err)?
        .into(),
    );
    if let Ok(imp) = b
        .run
        .test_importance(&features.table, &b.config, 5, ctx.seed)
    {
        let bars: Vec<Bar> = imp
            .iter()
            .map(|c| Bar::new(c.column.clone(), c.mean_drop).error(c.std_drop))
            .collect();
        s.items.push(
            bar_chart(
                &format!("What drives the {} model: permutation importance", b.name),
                (
                    "drop in test ROC-AUC when the column is shuffled",
                    "mean ± sd of 5",
                ),
                &bars,
            )
            .map_err(err)?
            .into(),
        );
    }

    // Every customer scored as of the report date by the better model.
    let scoring = rp.scoring_table(&shop.orders, shop.as_of).map_err(err)?;
    let p = b.run.model.predict_proba(&scoring.table).map_err(err)?;
    let score_name = format!("p_buy_next_{h}d");
    let scores = Table::new(vec![
        (
            RepeatPurchase::CUSTOMER.into(),
            scoring
                .table
                .column(RepeatPurchase::CUSTOMER)
                .map_err(err)?
                .clone(),
        ),
        (
            score_name.clone(),
            Column::numeric(p.iter().map(|&v| f64::from(v)).collect()),
        ),
    ])
    .map_err(err)?;
    ctx.out.csv("purchase_scores", &scores)?;
    ctx.out.model("01_propensity_pipeline", &b.run.model)?;
    let other = &models[1 - best];
    ctx.out.model(
        &format!("02_propensity_{}", other.name.to_lowercase()),
        &other.run.model,
    )?;

    let reach = captured_at(&b.probs, &labels, CONTACT)?;
    s.summary.push(format!(
        "Who will buy: the {} model ranks a customer who buys within {h} days above one who does \
         not in {} of pairs (held-out ROC-AUC {:.3}; logistic {:.3}, MLP {:.3}); contacting the \
         top {} of customers by its score reaches {} of the buyers.",
        b.name,
        pct(auc(b)),
        auc(b),
        auc(&models[0]),
        auc(&models[1]),
        pct(CONTACT),
        pct(reach),
    ));
    s.figure("horizon_days", h);
    s.figure("customers", features.table.n_rows());
    s.figure("test_customers", labels.len());
    s.figure("base_rate", base_rate);
    s.figure("best_model", b.name);
    for m in &models {
        let r = &m.run.evaluation.report;
        s.figure(
            &format!("{}_test", m.name.to_lowercase()),
            json!({"roc_auc": r.roc_auc, "pr_auc": r.pr_auc, "log_loss": r.log_loss, "accuracy": r.accuracy}),
        );
    }
    s.figure("reached_at_top_20_percent", reach);
    s.figure("scored_customers", scores.n_rows());
    Ok(s)
}
