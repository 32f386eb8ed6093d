//! Risky accounts: behaviour-velocity features per customer (orders and
//! spend in short windows, night share, account age) scored by an isolation
//! forest; with fraud labels also by a class-weighted logistic pipeline and
//! the rank average of both, evaluated on held-out customers at alert
//! budgets.

use serde_json::json;
use user_analytics::analytics::RiskScorer;
use user_analytics::analytics::ndarray::Array1;
use user_analytics::analytics::pipeline::{FittedDetectorPipeline, FittedPipeline, Pipeline};
use user_analytics::analytics::prediction::evaluate::Holdout;
use user_analytics::analytics::prediction::{ClassWeight, LogisticRegression};
use user_analytics::analytics::risk::{
    BudgetEvaluation, Combined, IsolationForest, Supervised, evaluate_at_budget, flagged_rows,
};
use user_analytics::data::features::read_keys;
use user_analytics::data::features::velocity::{VelocityConfig, VelocityFeatures};
use user_analytics::data::pipeline::ColumnTransformer;
use user_analytics::data::{Column, Table};
use user_analytics::report::{HtmlTable, Item, LineChart, histogram_chart};

use crate::data::col;
use crate::section::{Context, Section, pct};

/// The section's heading.
pub const TITLE: &str = "Risky accounts";

/// Review budgets evaluated (share of customers checked).
const BUDGETS: [f64; 4] = [0.01, 0.02, 0.05, 0.10];
/// The budget of the summary and of the `flagged` column.
const DEFAULT_BUDGET: f64 = 0.05;
/// Customers listed with their features.
const TOP: usize = 20;
/// Fewest fraud customers for the supervised model and the evaluation.
const MIN_POSITIVES: usize = 10;
/// The customer id column of the feature table.
const CUSTOMER: &str = "customer";

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

type Forest = FittedDetectorPipeline<ColumnTransformer, IsolationForest>;
type Logistic = Supervised<FittedPipeline<ColumnTransformer, LogisticRegression>>;

/// Velocity features of every customer, their fraud label when the orders
/// have one, and what was left out.
struct Customers {
    table: Table,
    /// 1 = some order of the customer is marked fraud (when labelled).
    labels: Option<Vec<u8>>,
    orders: usize,
    after_as_of: usize,
    no_amount: usize,
    missing_labels: usize,
    time_from: &'static str,
}

/// Builds the per-customer velocity features as of the end of the report day.
fn customers(ctx: &Context) -> Result<Customers, String> {
    let o = &ctx.shop.orders;
    let ids = read_keys(o, col::USER).map_err(|e| format!("orders: {e}"))?;
    let amount = o.numeric(col::AMOUNT).map_err(err)?;
    let dates = o.date(col::DATE).map_err(err)?;
    let times = if o.has_column(col::TIME) {
        Some(o.numeric(col::TIME).map_err(err)?)
    } else {
        None
    };
    let fraud = if o.has_column(col::FRAUD) {
        Some(o.boolean(col::FRAUD).map_err(err)?)
    } else {
        None
    };
    // The end of the report day, in seconds since 1970 UTC.
    let as_of = (i64::from(ctx.shop.as_of) + 1) * 86_400 - 1;
    let (mut keys, mut secs, mut amounts, mut bad) = (vec![], vec![], vec![], vec![]);
    let (mut after_as_of, mut no_amount, mut missing_labels) = (0, 0, 0);
    for (r, id) in ids.iter().enumerate() {
        let t = match times.as_ref().and_then(|t| t.get(r)) {
            Some(s) if s.is_finite() => s.floor() as i64,
            _ => match dates.get(r) {
                Some(d) => i64::from(d) * 86_400,
                None => {
                    return Err(format!(
                        "orders, {}: the order date is missing",
                        o.locate(r)
                    ));
                }
            },
        };
        if t > as_of {
            after_as_of += 1;
            continue;
        }
        let Some(a) = amount.get(r).filter(|a| a.is_finite() && *a >= 0.0) else {
            no_amount += 1;
            continue;
        };
        if let Some(f) = &fraud {
            match f.get(r) {
                Some(v) => bad.push(v),
                None => {
                    missing_labels += 1;
                    bad.push(false);
                }
            }
        }
        keys.push(id.clone());
        secs.push(t);
        amounts.push(a);
    }
    if keys.is_empty() {
        return Err(format!(
            "no order is left for the risk features ({after_as_of} after the report date, \
             {no_amount} without a valid amount)"
        ));
    }
    let f = VelocityFeatures::compute(&keys, &secs, &amounts, &[], &VelocityConfig::at(as_of))
        .map_err(err)?;
    let labels = fraud.as_ref().map(|_| {
        let mut customer_bad = std::collections::HashMap::new();
        for (k, &b) in keys.iter().zip(&bad) {
            *customer_bad.entry(k).or_insert(false) |= b;
        }
        f.customers
            .iter()
            .map(|k| u8::from(customer_bad.get(k).copied().unwrap_or(false)))
            .collect()
    });
    Ok(Customers {
        table: f.to_table(CUSTOMER).map_err(err)?,
        labels,
        orders: keys.len(),
        after_as_of,
        no_amount,
        missing_labels,
        time_from: if times.is_some() {
            "order times"
        } else {
            "order dates, at midnight UTC"
        },
    })
}

/// The isolation forest over the features (preprocessing fitted on `t`).
fn fit_forest(spec: &ColumnTransformer, t: &Table, seed: u64) -> Result<Forest, String> {
    Pipeline::new(spec.clone(), IsolationForest::new().seed(seed))
        .id_column(CUSTOMER)
        .fit_unsupervised(t)
        .map_err(|e| format!("isolation forest: {e}"))
}

/// The rows of `scores` in descending order (ties in row order).
fn ranked(scores: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&p, &q| scores[q].total_cmp(&scores[p]));
    order
}

/// The top `TOP` customers of `scores` with their features and what isolated them.
fn top_table(
    forest: &Forest,
    table: &Table,
    scores: &[f32],
    labels: Option<&[u8]>,
) -> Result<(HtmlTable, Vec<String>), String> {
    let order: Vec<usize> = ranked(scores).into_iter().take(TOP).collect();
    let rows = table.take(&order).map_err(err)?;
    let x = forest.features(&rows).map_err(err)?;
    let why = forest.model().explain(x.view(), 3).map_err(err)?;
    let names = forest.feature_names();
    let shown = [
        "orders",
        "max_orders_1h",
        "max_orders_24h",
        "max_spend_24h",
        "night_share",
        "days_since_first_seen",
    ];
    let mut headers = vec!["customer", "risk score"];
    headers.extend(shown);
    if labels.is_some() {
        headers.push("fraud label");
    }
    headers.push("isolated by (share of trees)");
    let mut t = HtmlTable::new(&headers);
    let ids = table.column(CUSTOMER).map_err(err)?;
    let mut first_reasons = Vec::new();
    for (p, &r) in order.iter().enumerate() {
        let mut cells = vec![
            ids.get(r).map(|v| v.to_string()).unwrap_or_default(),
            format!("{:.3}", scores[r]),
        ];
        for c in shown {
            let v = table.numeric(c).map_err(err)?.get(r);
            cells.push(v.map_or("NA".into(), |v| {
                if v.fract() == 0.0 {
                    format!("{v}")
                } else {
                    format!("{v:.2}")
                }
            }));
        }
        if let Some(y) = labels {
            cells.push(if y[r] == 1 { "fraud" } else { "—" }.into());
        }
        let reasons: Vec<String> = why[p]
            .iter()
            .map(|&(j, share)| format!("{} {:.0} %", names[j], 100.0 * share))
            .collect();
        if let Some(&(j, _)) = why[p].first() {
            first_reasons.push(names[j].clone());
        }
        cells.push(reasons.join(", "));
        t = t.row(cells);
    }
    Ok((t, first_reasons))
}

/// The feature named first most often in `reasons` (ties: first seen).
fn most_common(reasons: &[String]) -> Option<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for r in reasons {
        match counts.iter_mut().find(|c| &c.0 == r) {
            Some(c) => c.1 += 1,
            None => counts.push((r.clone(), 1)),
        }
    }
    let mut best: Option<(String, usize)> = None;
    for c in counts {
        if best.as_ref().is_none_or(|b| c.1 > b.1) {
            best = Some(c);
        }
    }
    best
}

/// `risk_scores.csv`: every customer, one score column per model, and
/// whether the model named `flag_by` flags them at the default budget.
fn write_scores(
    ctx: &Context,
    table: &Table,
    scores: &[(&str, Array1<f32>)],
    flag_by: usize,
) -> Result<usize, String> {
    let n = table.n_rows();
    let flagged_n = flagged_rows(DEFAULT_BUDGET, n);
    let mut flagged = vec![false; n];
    let by = scores[flag_by]
        .1
        .as_slice()
        .ok_or("scores are not contiguous")?;
    for r in ranked(by).into_iter().take(flagged_n) {
        flagged[r] = true;
    }
    let mut columns = vec![(
        CUSTOMER.to_string(),
        table.column(CUSTOMER).map_err(err)?.clone(),
    )];
    for (name, s) in scores {
        columns.push((
            format!("score_{name}"),
            Column::numeric(s.iter().map(|&v| f64::from(v)).collect()),
        ));
    }
    columns.push((
        format!("flagged_top_{:.0}_percent", 100.0 * DEFAULT_BUDGET),
        Column::boolean(flagged),
    ));
    ctx.out
        .csv("risk_scores", &Table::new(columns).map_err(err)?)?;
    Ok(flagged_n)
}

/// The risk section.
pub fn section(ctx: &Context) -> Result<Section, String> {
    let c = customers(ctx)?;
    let n = c.table.n_rows();
    let spec = ColumnTransformer::auto(&c.table, None, &[CUSTOMER]).map_err(err)?;
    let positives = c
        .labels
        .as_ref()
        .map_or(0, |y| y.iter().filter(|&&v| v == 1).count());
    let mut s = Section::new(
        TITLE,
        "Each customer's order behaviour — how many orders and how much spend in their busiest \
         hour and day, the share at night, how new the account is — is scored for risk. Read \
         the budget chart as: if the review team checks the top X % of customers by score, \
         what share of those checks finds fraud (precision) and what share of all fraud is \
         found (recall).",
    );
    let mut intro = format!(
        "{n} customers, velocity features from {} orders as of the end of the report day (times \
         from {}).",
        c.orders, c.time_from
    );
    if c.after_as_of > 0 || c.no_amount > 0 {
        intro += &format!(
            " Left out: {} orders after the report date, {} without a valid amount.",
            c.after_as_of, c.no_amount
        );
    }
    if c.missing_labels > 0 {
        intro += &format!(
            " {} orders have no fraud mark and count as not fraud.",
            c.missing_labels
        );
    }
    s.figure("customers", n);
    s.figure("orders", c.orders);

    // Why there is no supervised model, when there is none.
    let mut unlabelled_because = "the orders carry no fraud label (--fraud-col)".to_string();
    let labelled = match &c.labels {
        Some(y) if positives >= MIN_POSITIVES && n - positives >= MIN_POSITIVES => Some(y),
        Some(_) => {
            unlabelled_because = format!(
                "only {positives} of {n} customers have an order marked fraud, and at least \
                 {MIN_POSITIVES} of each class are needed to train and evaluate a supervised model"
            );
            None
        }
        None => None,
    };
    if labelled.is_none() {
        intro += &format!(
            " No supervised model and no precision or recall: {unlabelled_because}. The \
             isolation forest (seed {}) is fitted on every customer without labels.",
            ctx.seed
        );
    }

    let Some(y) = labelled else {
        // Unlabelled: the forest on every customer, the top of its ranking explained.
        s.items.push(Item::Paragraph(intro));
        let forest = fit_forest(&spec, &c.table, ctx.seed)?;
        let scores = forest.risk_score(&c.table).map_err(err)?;
        let sl = scores.as_slice().ok_or("scores are not contiguous")?;
        let all: Vec<f64> = sl.iter().map(|&v| f64::from(v)).collect();
        s.items.push(
            histogram_chart(
                "Isolation-forest risk scores of all customers",
                "risk score",
                "0 to 1, higher is more unusual",
                &[("all customers", &all[..])],
                20,
                false,
            )
            .map_err(err)?
            .into(),
        );
        let (table, reasons) = top_table(&forest, &c.table, sl, None)?;
        s.items.push(
            table
                .caption(format!(
                    "The {} highest-scored customers, with the features that isolated them",
                    TOP.min(n)
                ))
                .into(),
        );
        ctx.out.model("06_risk_iforest", &forest)?;
        let flagged = write_scores(ctx, &c.table, &[("iforest", scores)], 0)?;
        let common = most_common(&reasons);
        s.summary.push(format!(
            "Risky accounts: the isolation forest flags {flagged} of {n} customers at a {} \
             review budget{}; no precision or recall is measured, as {unlabelled_because}.",
            pct(DEFAULT_BUDGET),
            common.as_ref().map_or(String::new(), |(f, k)| format!(
                "; for {k} of the top {} the feature that isolated them most is {f}",
                reasons.len()
            ))
        ));
        s.figure("labelled", false);
        s.figure("unlabelled_because", unlabelled_because);
        s.figure("flagged_at_5_percent", flagged);
        if let Some((f, k)) = common {
            s.figure("top_reason", json!({"feature": f, "customers": k}));
        }
        return Ok(s);
    };

    // Labelled: stratified split of customers; every model sees the training ones only.
    let (train, test) = Holdout::stratified(0.2, ctx.seed).split(y).map_err(err)?;
    let train_t = c.table.take(&train).map_err(err)?;
    let test_t = c.table.take(&test).map_err(err)?;
    let y_train: Vec<u8> = train.iter().map(|&i| y[i]).collect();
    let y_test: Vec<u8> = test.iter().map(|&i| y[i]).collect();
    let forest = fit_forest(&spec, &train_t, ctx.seed)?;
    let logistic: Logistic = Supervised(
        Pipeline::new(
            spec.clone(),
            LogisticRegression::new().class_weight(ClassWeight::Balanced),
        )
        .id_column(CUSTOMER)
        .fit(&train_t, &y_train)
        .map_err(|e| format!("supervised risk model: {e}"))?,
    );
    // The members are not Clone: the combined score owns them, and the
    // section reads each one through it.
    let combined = Combined::fit((forest, logistic), &train_t)
        .map_err(|e| format!("combined risk score: {e}"))?;
    let (forest, logistic) = (&combined.members().0, &combined.members().1);
    let names = ["isolation forest", "supervised (logistic)", "combined"];
    let keys = ["iforest", "supervised", "combined"];
    let test_scores = [
        forest.risk_score(&test_t).map_err(err)?,
        logistic.risk_score(&test_t).map_err(err)?,
        combined.risk_score(&test_t).map_err(err)?,
    ];
    let evals: Vec<Vec<BudgetEvaluation>> = test_scores
        .iter()
        .map(|sc| {
            BUDGETS
                .iter()
                .map(|&b| evaluate_at_budget(&y_test, sc, b).map_err(err))
                .collect::<Result<Vec<_>, String>>()
        })
        .collect::<Result<_, _>>()?;
    let test_pos = y_test.iter().filter(|&&v| v == 1).count();
    intro += &format!(
        " {positives} customers ({}) have an order marked fraud. Split: stratified 80/20 \
         (seed {}), {} training and {} test customers ({test_pos} fraud). Models, each with \
         its preprocessing fitted on the training customers only: an isolation forest (seed {}, \
         no labels used), logistic regression with balanced class weights on the fraud label, \
         and their rank average (each score turned into its quantile among the training \
         customers, then averaged).",
        pct(positives as f64 / n as f64),
        ctx.seed,
        train.len(),
        test.len(),
        ctx.seed
    );
    s.items.push(Item::Paragraph(intro));

    let mut chart =
        LineChart::new("Precision and recall of the held-out customers at each review budget")
            .x_axis("alert budget", "% of customers reviewed")
            .y_axis("precision, recall", "share")
            .y_range(0.0, 1.0)
            .x_range(0.0, 0.0)
            .end_labels()
            .desc(
                "Precision (share of reviewed customers who are fraud) and recall (share of fraud \
             customers reviewed) when the top share of held-out customers by each model's \
             score is reviewed.",
            );
    for (name, e) in names.iter().zip(&evals) {
        let p: Vec<(f64, f64)> = e
            .iter()
            .map(|v| (100.0 * v.budget, v.precision_at_budget))
            .collect();
        let r: Vec<(f64, f64)> = e
            .iter()
            .map(|v| (100.0 * v.budget, v.recall_at_budget))
            .collect();
        chart = chart
            .series(format!("{name}: precision"), &p)
            .series(format!("{name}: recall"), &r);
    }
    s.items.push(chart.to_svg().map_err(err)?.into());

    let mut headers = vec!["model".to_string(), "ROC-AUC".into(), "PR-AUC".into()];
    for b in BUDGETS {
        headers.push(format!("precision / recall at {}", pct(b)));
    }
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut table = HtmlTable::new(&header_refs).caption(format!(
        "Held-out customers ({} of them, {test_pos} fraud); at each budget ⌈budget × {}⌉ \
         customers are reviewed",
        test.len(),
        test.len()
    ));
    for (name, e) in names.iter().zip(&evals) {
        let mut row = vec![
            name.to_string(),
            format!("{:.3}", e[0].roc_auc),
            format!("{:.3}", e[0].pr_auc),
        ];
        for v in e {
            row.push(format!(
                "{:.2} / {:.2} ({} flagged)",
                v.precision_at_budget, v.recall_at_budget, v.flagged
            ));
        }
        table = table.row(row);
    }
    s.items.push(table.into());
    for (name, sc) in names.iter().zip(&test_scores) {
        let (mut bad, mut good) = (Vec::new(), Vec::new());
        for (&v, &l) in sc.iter().zip(&y_test) {
            if l == 1 {
                bad.push(f64::from(v));
            } else {
                good.push(f64::from(v));
            }
        }
        s.items.push(
            histogram_chart(
                &format!("Scores of the {name} model by class, held-out customers"),
                "risk score",
                "higher is riskier",
                &[("fraud", &bad[..]), ("not fraud", &good[..])],
                20,
                true,
            )
            .map_err(err)?
            .into(),
        );
    }

    // Every customer scored by the models fitted on the training customers.
    let all_scores = [
        forest.risk_score(&c.table).map_err(err)?,
        logistic.risk_score(&c.table).map_err(err)?,
        combined.risk_score(&c.table).map_err(err)?,
    ];
    let comb = all_scores[2]
        .as_slice()
        .ok_or("scores are not contiguous")?;
    let (top, _) = top_table(forest, &c.table, comb, Some(y))?;
    s.items.push(
        top.caption(format!(
            "The {} customers with the highest combined score (all customers; training \
             customers are scored by models that saw their labels), with the features that \
             isolated them in the forest",
            TOP.min(n)
        ))
        .into(),
    );
    ctx.out.model("06_risk_combined", &combined)?;
    ctx.out.model("06_risk_iforest", forest)?;
    ctx.out.model("06_risk_supervised", logistic)?;
    let flagged = write_scores(
        ctx,
        &c.table,
        &[
            (keys[0], all_scores[0].clone()),
            (keys[1], all_scores[1].clone()),
            (keys[2], all_scores[2].clone()),
        ],
        2,
    )?;
    s.items.push(Item::Paragraph(format!(
        "risk_scores.csv holds every customer's three scores and flags the {flagged} with the \
         highest combined score ({} of {n}). The models are saved as models/06_risk_*.json; \
         each reads the feature table of this section.",
        pct(DEFAULT_BUDGET)
    )));

    let at = BUDGETS
        .iter()
        .position(|&b| b == DEFAULT_BUDGET)
        .ok_or("the default budget is not evaluated")?;
    let (f, l, m) = (&evals[0][at], &evals[1][at], &evals[2][at]);
    // The most a perfect ranking could reach at this budget.
    let ceiling = (test_pos as f64 / m.flagged as f64).min(1.0);
    let reviews = if ceiling < 1.0 {
        format!(
            "{} reviews for {test_pos} fraud customers, so precision can be at most {ceiling:.2}",
            m.flagged
        )
    } else {
        format!("{} reviews, {test_pos} fraud customers", m.flagged)
    };
    s.summary.push(format!(
        "Risky accounts: reviewing the top {} of held-out customers by the combined score \
         ({reviews}) finds fraud in {} of the reviews (precision {:.2}) and catches {} of the \
         fraud (recall {:.2}); the isolation forest alone: precision {:.2}, recall {:.2}; the \
         supervised model alone: precision {:.2}, recall {:.2}.",
        pct(DEFAULT_BUDGET),
        pct(m.precision_at_budget),
        m.precision_at_budget,
        pct(m.recall_at_budget),
        m.recall_at_budget,
        f.precision_at_budget,
        f.recall_at_budget,
        l.precision_at_budget,
        l.recall_at_budget,
    ));
    s.figure("labelled", true);
    s.figure("fraud_customers", positives);
    s.figure("test_customers", test.len());
    s.figure("test_fraud_customers", test_pos);
    s.figure("precision_ceiling_at_5_percent", ceiling);
    for (k, e) in keys.iter().zip(&evals) {
        s.figure(
            &format!("{k}_test"),
            json!({
                "roc_auc": e[0].roc_auc,
                "pr_auc": e[0].pr_auc,
                "at_budget": e.iter().map(|v| json!({
                    "budget": v.budget,
                    "flagged": v.flagged,
                    "precision": v.precision_at_budget,
                    "recall": v.recall_at_budget,
                })).collect::<Vec<_>>(),
            }),
        );
    }
    s.figure("flagged_at_5_percent", flagged);
    Ok(s)
}
