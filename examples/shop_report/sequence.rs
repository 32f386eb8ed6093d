//! Behaviour sequences: the same purchase question answered from each
//! customer's raw event sequence (views, carts, purchases) beside the RFM
//! features — the design document's convolutional network against the
//! bag of events and RFM alone, on the same held-out customers.

use ndarray::{Array2, Axis, s};
use serde_json::json;
use user_analytics::analytics::Predictor;
use user_analytics::analytics::prediction::evaluate::Holdout;
use user_analytics::analytics::prediction::{
    BagOfEvents, LogisticRegression, PurchaseSequences, RepeatPurchase, SequenceClassifier,
};
use user_analytics::data::features::sequences::{Channel, EventColumns};
use user_analytics::report::curves::roc_points;
use user_analytics::report::{HtmlTable, Item, epoch_chart, roc_chart};

use crate::data::col;
use crate::section::{Context, Section};

/// The section's heading.
pub const TITLE: &str = "Behaviour sequences";

/// Events kept per customer.
const MAX_EVENTS: usize = 50;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The sequence section (skipped without an event log).
pub fn section(ctx: &Context) -> Result<Section, String> {
    let shop = ctx.shop;
    let h = ctx.horizon_days;
    let mut s = Section::new(
        TITLE,
        "The same question as \"Who will buy\", answered from each customer's last events in \
         order (a 1-D convolutional network over event type, gap and hour), from the same events \
         as counts (order ignored), and from the RFM summary alone — on the same test customers. \
         Where the sequence model is not above the others, the order of events carries no extra \
         signal here.",
    );
    let Some(events) = &shop.events else {
        return Ok(Section::skipped(
            TITLE,
            "no event log was given (--events FILE)",
        ));
    };
    let cal = shop.as_of - h;
    let rp = RepeatPurchase::new(col::USER, col::DATE, col::AMOUNT, cal, shop.as_of);
    let features = rp.training_table(&shop.orders).map_err(err)?;
    let y = rp
        .propensity_config(Default::default())
        .labels(&features.table)
        .map_err(err)?;
    let (train, test) = Holdout::stratified(0.2, ctx.seed).split(&y).map_err(err)?;
    let spec = PurchaseSequences {
        max_len: MAX_EVENTS,
        events: Some(EventColumns::new(col::USER, col::TIME, &[col::EVENT])),
        channels: vec![Channel::LogGapDays, Channel::HourOfDay],
        min_count: 1,
    };
    let seq = spec.fit(&rp, events, &features, &train).map_err(err)?;
    let (x, report) = seq.rows(events, &features, cal).map_err(err)?;
    let layout = seq.layout();
    let pick = |rows: &[usize]| -> (Array2<f32>, Vec<u8>) {
        (
            x.select(Axis(0), rows),
            rows.iter().map(|&i| y[i]).collect(),
        )
    };
    let (x_train, y_train) = pick(&train);
    let (x_test, y_test) = pick(&test);
    let rfm = |x: &Array2<f32>| x.slice(s![.., layout.sequence_columns()..]).to_owned();

    let net = SequenceClassifier::new(layout)
        .seed(ctx.seed)
        .fit(x_train.view(), &y_train)
        .map_err(err)?;
    let bag = BagOfEvents::new(layout)
        .fit(x_train.view(), &y_train)
        .map_err(err)?;
    let logistic = LogisticRegression::new()
        .fit(rfm(&x_train).view(), &y_train)
        .map_err(err)?;
    let x_test_rfm = rfm(&x_test);
    let scored: [(&str, Box<dyn Fn() -> _>); 3] = [
        (
            "sequence CNN + RFM",
            Box::new(|| net.predict_proba(x_test.view())),
        ),
        (
            "bag of events + RFM",
            Box::new(|| bag.predict_proba(x_test.view())),
        ),
        (
            "RFM only (logistic)",
            Box::new(|| logistic.predict_proba(x_test_rfm.view())),
        ),
    ];
    let labels: Vec<bool> = y_test.iter().map(|&v| v == 1).collect();
    let mut table = HtmlTable::new(&["model", "ROC-AUC", "PR-AUC", "log-loss"])
        .caption("Held-out metrics of the three models");
    let mut curves = Vec::new();
    let mut aucs = Vec::new();
    for (name, score) in &scored {
        let p = score().map_err(err)?;
        let r = user_analytics::analytics::metrics::ClassificationReport::compute(&y_test, &p, 0.5)
            .map_err(err)?;
        let opt = |v: Option<f64>| v.map_or("undefined".into(), |v| format!("{v:.3}"));
        table = table.row([
            name.to_string(),
            opt(r.roc_auc),
            opt(r.pr_auc),
            format!("{:.3}", r.log_loss),
        ]);
        let probs: Vec<f64> = p.iter().map(|&v| f64::from(v)).collect();
        curves.push(roc_points(&probs, &labels).map_err(err)?);
        aucs.push(r.roc_auc.unwrap_or(0.5));
    }
    s.items.push(Item::Paragraph(format!(
        "Each customer's last {MAX_EVENTS} events up to {} ({} events used, {} older ones left \
         out, {} after the cut-off not read), tokens from the event type ({} known to the \
         vocabulary of the training customers); channels: log gap in days and hour of day.",
        user_analytics::data::date::format_date(cal),
        report.events_used,
        report.events_truncated,
        report.events_after_cutoff,
        seq.vocabulary().len() - 2,
    )));
    s.items.push(table.into());
    let named: Vec<(&str, &[_])> = scored
        .iter()
        .map(|(n, _)| *n)
        .zip(curves.iter().map(Vec::as_slice))
        .collect();
    s.items.push(
        roc_chart("ROC curve, test customers: sequence vs bag vs RFM", &named)
            .map_err(err)?
            .into(),
    );
    let hist = net.history();
    s.items.push(
        epoch_chart(
            "Sequence network training: loss per epoch",
            "binary cross-entropy",
            "mean per customer",
            &[
                ("training", &hist.loss()[..]),
                ("validation", &hist.val_loss()[..]),
            ],
        )
        .map_err(err)?
        .into(),
    );
    ctx.out.model("08_sequence_features", &seq)?;
    ctx.out.model("09_sequence_classifier", &net)?;
    s.summary.push(format!(
        "Behaviour sequences: from each customer's last {MAX_EVENTS} events the sequence network \
         reaches held-out ROC-AUC {:.3}, against {:.3} for the same events as counts and {:.3} \
         for RFM alone.",
        aucs[0], aucs[1], aucs[2]
    ));
    s.figure(
        "roc_auc",
        json!({"sequence": aucs[0], "bag_of_events": aucs[1], "rfm_logistic": aucs[2]}),
    );
    s.figure("events_used", report.events_used);
    s.figure("test_customers", y_test.len());
    Ok(s)
}
