//! What to recommend: item recommendations from the event log (views, carts,
//! purchases weighted by what they say about a customer's interest). A small
//! set of models is tuned on a validation split cut out of the training
//! events, compared on each user's most recent events (held out), and the
//! model that validated best is refitted on every event and recommends ten
//! new items to every user.

use serde::Serialize;
use serde_json::json;
use user_analytics::analytics::RecommenderModel;
use user_analytics::analytics::recommend::{
    Ease, Filter, IdRecommender, ImplicitAls, InteractionWeighting, ItemKnn, LogRows, Popularity,
    RecommendationReport, UnknownUser, evaluate, tune,
};
use user_analytics::data::features::interaction_split::{HoldoutRule, split_interactions};
use user_analytics::data::features::interactions::Interactions;
use user_analytics::data::{Column, Table};
use user_analytics::report::{Bar, HtmlTable, Item, bar_chart};

use crate::data::col;
use crate::section::{Context, Section, pct};

/// The section's heading.
pub const TITLE: &str = "What to recommend";

/// Recommendations per user, and the cut-off of every ranking metric.
const K: usize = 10;
/// Users shown in the examples table, and items shown per user there.
const EXAMPLES: usize = 5;
/// Share of each user's events held out (the most recent), and the fewest
/// events a user needs to be split.
const TEST_SHARE: f64 = 0.2;
const MIN_EVENTS: usize = 5;
/// Weights of the event types: a purchase says more than a cart, a cart
/// more than a view; any other event type counts as a view.
const PURCHASE_WEIGHT: f64 = 5.0;
const CART_WEIGHT: f64 = 3.0;
const OTHER_WEIGHT: f64 = 1.0;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The event log as parallel columns, ids as text.
struct Log {
    users: Vec<String>,
    items: Vec<String>,
    times: Vec<i64>,
    weights: Vec<f64>,
    /// Rows per event type, in first-seen order, with the weight given.
    kinds: Vec<(String, usize, f64)>,
    /// Rows left out because the user, item, event or time was missing.
    incomplete: usize,
    /// Rows left out because they come after the report date.
    after_as_of: usize,
}

impl Log {
    fn rows(&self) -> LogRows<'_, String, String> {
        LogRows {
            users: &self.users,
            items: &self.items,
            times: Some(&self.times),
            weights: Some(&self.weights),
        }
    }
}

/// The weight of an event type.
fn weight_of(kind: &str, purchase: &str) -> f64 {
    if kind == purchase {
        PURCHASE_WEIGHT
    } else if kind.eq_ignore_ascii_case("cart") || kind.eq_ignore_ascii_case("add_to_cart") {
        CART_WEIGHT
    } else {
        OTHER_WEIGHT
    }
}

/// Reads the events: every complete row up to `as_of` (seconds since 1970
/// UTC), weighted by its type.
fn read_log(events: &Table, purchase: &str, as_of: i64) -> Result<Log, String> {
    let (u, i, e) = (
        events.column(col::USER).map_err(err)?,
        events.column(col::ITEM).map_err(err)?,
        events.column(col::EVENT).map_err(err)?,
    );
    let t = events.numeric(col::TIME).map_err(|e| {
        format!("the event log's time column: {e} (times must be seconds since 1970 UTC or dates)")
    })?;
    let mut log = Log {
        users: Vec::with_capacity(events.n_rows()),
        items: Vec::with_capacity(events.n_rows()),
        times: Vec::with_capacity(events.n_rows()),
        weights: Vec::with_capacity(events.n_rows()),
        kinds: Vec::new(),
        incomplete: 0,
        after_as_of: 0,
    };
    for r in 0..events.n_rows() {
        let (Some(user), Some(item), Some(kind), Some(time)) =
            (u.get(r), i.get(r), e.get(r), t.get(r))
        else {
            log.incomplete += 1;
            continue;
        };
        if user.is_missing() || item.is_missing() || kind.is_missing() || !time.is_finite() {
            log.incomplete += 1;
            continue;
        }
        let time = time.round() as i64;
        if time > as_of {
            log.after_as_of += 1;
            continue;
        }
        let kind = kind.to_string();
        let w = weight_of(&kind, purchase);
        match log.kinds.iter_mut().find(|k| k.0 == kind) {
            Some(k) => k.1 += 1,
            None => log.kinds.push((kind, 1, w)),
        }
        log.users.push(user.to_string());
        log.items.push(item.to_string());
        log.times.push(time);
        log.weights.push(w);
    }
    Ok(log)
}

/// One model of the comparison: its tuned parameters, validation and test scores.
struct Trial {
    name: &'static str,
    params: serde_json::Value,
    validation_ndcg: f64,
    test: RecommendationReport,
}

/// Tunes `grid` on a validation split of the training events, refits the
/// best on all training events and evaluates it on the test events.
fn run<M: RecommenderModel + Serialize>(
    name: &'static str,
    grid: &[M],
    train_log: &LogRows<'_, String, String>,
    train: &Interactions<String, String>,
    test: &Interactions<String, String>,
) -> Result<(Trial, M), String> {
    let rule = HoldoutRule::temporal(TEST_SHARE, MIN_EVENTS);
    let (fitted, report) =
        tune(grid, train_log, train, &rule, K).map_err(|e| format!("tuning {name}: {e}"))?;
    let validation_ndcg = report
        .trials
        .iter()
        .map(|(_, r)| r.ranking.ndcg)
        .fold(f64::NEG_INFINITY, f64::max);
    let test = evaluate(&fitted, &test.matrix, K).map_err(|e| format!("evaluating {name}: {e}"))?;
    Ok((
        Trial {
            name,
            params: serde_json::to_value(&report.best).map_err(err)?,
            validation_ndcg,
            test,
        },
        report.best,
    ))
}

/// Tuned parameters for a table cell: `name value` pairs, enum variants
/// with their fields in brackets, reals at the precision they were set
/// with (f32 parameters print as the f32 they are).
fn describe(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Object(m) if m.is_empty() => "—".into(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Value::Object(inner) if inner.len() == 1 => {
                    let (variant, fields) = inner.iter().next().expect("one entry");
                    format!("{k} {variant}({})", describe(fields))
                }
                _ => format!("{k} {}", describe(v)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => format!("{}", x as f32),
            _ => n.to_string(),
        },
        Value::String(t) => t.clone(),
        other => other.to_string(),
    }
}

/// The best parameters of each model, to refit the chosen one.
enum Chosen {
    Popularity(Popularity),
    ItemKnn(ItemKnn),
    Ease(Ease),
    Als(ImplicitAls),
}

/// A deterministic choice of `n` distinct indices below `len` (SplitMix64
/// from `seed`), in the order drawn.
fn choose(seed: u64, len: usize, n: usize) -> Vec<usize> {
    let mut state = seed ^ 0x5DEE_CE66_D1CE_4E5B;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut picked = Vec::new();
    while picked.len() < n.min(len) {
        let i = (next() % len as u64) as usize;
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked
}

/// What the refitted model produced.
struct Served {
    /// Users given recommendations, and rows of `recommendations.csv`.
    users: usize,
    rows: usize,
    /// Users whose list is shorter than `K` (too few unseen items).
    short_lists: usize,
    /// (user, last items, recommended items) of the example users.
    examples: Vec<(String, Vec<String>, Vec<String>)>,
}

/// Refits `model` on every event, wraps it with the shop's ids (new users
/// get the most popular items), saves it and writes every user's top `K`.
fn serve<M: RecommenderModel>(model: &M, ctx: &Context, log: &Log) -> Result<Served, String> {
    let rows = log.rows();
    let all: Vec<usize> = (0..log.users.len()).collect();
    let full = rows.select(&all, None).map_err(err)?;
    let fitted = model.fit(&full.matrix).map_err(err)?;
    let rec = IdRecommender::new(fitted, full.users, full.items)
        .map_err(err)?
        .unknown_users(UnknownUser::Popular);
    ctx.out.model("05_recommender", &rec)?;
    let users: Vec<String> = rec.users().ids().to_vec();
    let lists = rec
        .recommend_batch(&users, K, &Filter::exclude_seen())
        .map_err(err)?;
    let (mut u_col, mut rank, mut item, mut score) = (vec![], vec![], vec![], vec![]);
    let mut short_lists = 0;
    for (user, list) in users.iter().zip(&lists) {
        if list.items.len() < K {
            short_lists += 1;
        }
        for (r, (id, s)) in list.items.iter().enumerate() {
            u_col.push(user.clone());
            rank.push((r + 1) as f64);
            item.push(id.clone());
            score.push(f64::from(*s));
        }
    }
    let n_rows = u_col.len();
    let table = Table::new(vec![
        ("user".into(), Column::categorical(&u_col)),
        ("rank".into(), Column::numeric(rank)),
        ("item".into(), Column::categorical(&item)),
        ("score".into(), Column::numeric(score)),
    ])
    .map_err(err)?;
    ctx.out.csv("recommendations", &table)?;

    // Each example user's most recent distinct items, by (time, row).
    let picked = choose(ctx.seed, users.len(), EXAMPLES);
    let mut examples = Vec::new();
    for &p in &picked {
        let user = &users[p];
        let mut own: Vec<usize> = (0..log.users.len())
            .filter(|&r| &log.users[r] == user)
            .collect();
        own.sort_by_key(|&r| (log.times[r], r));
        let mut last: Vec<String> = Vec::new();
        for &r in own.iter().rev() {
            if !last.contains(&log.items[r]) {
                last.push(log.items[r].clone());
                if last.len() == EXAMPLES {
                    break;
                }
            }
        }
        let recommended = lists[p]
            .items
            .iter()
            .take(EXAMPLES)
            .map(|(id, _)| id.clone())
            .collect();
        examples.push((user.clone(), last, recommended));
    }
    Ok(Served {
        users: users.len(),
        rows: n_rows,
        short_lists,
        examples,
    })
}

/// The recommendation section.
pub fn section(ctx: &Context) -> Result<Section, String> {
    let Some(events) = &ctx.shop.events else {
        return Ok(Section::skipped(
            TITLE,
            "no event log was given (--events FILE), and the order log has no item column, so \
             there is nothing to learn item preferences from",
        ));
    };
    // Events up to the end of the report day.
    let as_of = (i64::from(ctx.shop.as_of) + 1) * 86_400 - 1;
    let log = read_log(events, &ctx.shop.purchase_event, as_of)?;
    if log.users.is_empty() {
        return Err(format!(
            "the event log has no complete row up to the report date ({} rows miss a user, \
             item, event or time; {} are after the report date)",
            log.incomplete, log.after_as_of
        ));
    }
    // Per-user temporal split: the most recent share of each user's events is test.
    let split = split_interactions(
        &log.users,
        &log.items,
        Some(&log.times),
        &HoldoutRule::temporal(TEST_SHARE, MIN_EVENTS),
    )
    .map_err(err)?;
    let pick = |v: &[String], rows: &[usize]| -> Vec<String> {
        rows.iter().map(|&r| v[r].clone()).collect()
    };
    let (tu, ti) = (
        pick(&log.users, &split.train),
        pick(&log.items, &split.train),
    );
    let tt: Vec<i64> = split.train.iter().map(|&r| log.times[r]).collect();
    let tw: Vec<f64> = split.train.iter().map(|&r| log.weights[r]).collect();
    let train_log = LogRows {
        users: &tu,
        items: &ti,
        times: Some(&tt),
        weights: Some(&tw),
    };
    let train = train_log
        .select(&(0..tu.len()).collect::<Vec<_>>(), None)
        .map_err(err)?;
    let test = log.rows().select(&split.test, Some(&train)).map_err(err)?;
    if train.matrix.nnz() == 0 || test.matrix.nnz() == 0 {
        return Err(format!(
            "{} training and {} test interactions after the split; both are needed \
             (users need at least {MIN_EVENTS} events to be split)",
            train.matrix.nnz(),
            test.matrix.nnz()
        ));
    }
    if train.matrix.n_cols() <= K {
        return Err(format!(
            "the training events hold {} items; ranking {K} of them needs more",
            train.matrix.n_cols()
        ));
    }

    let seed = ctx.seed;
    let (pop, pop_best) = run(
        "popularity",
        &[Popularity::new()],
        &train_log,
        &train,
        &test,
    )?;
    let knn_grid: Vec<ItemKnn> = [100, 20]
        .into_iter()
        .flat_map(|n| {
            [InteractionWeighting::None, InteractionWeighting::bm25()]
                .map(|w| ItemKnn::new().neighbours(n).weighting(w))
        })
        .collect();
    let (knn, knn_best) = run("item-kNN", &knn_grid, &train_log, &train, &test)?;
    let ease_grid: Vec<Ease> = [500.0, 100.0, 1000.0]
        .into_iter()
        .map(|l| Ease::new().lambda(l))
        .collect();
    let (ease, ease_best) = run("EASE", &ease_grid, &train_log, &train, &test)?;
    let als_grid: Vec<ImplicitAls> = [(64, 0.05, 1.0), (32, 0.1, 1.0)]
        .into_iter()
        .map(|(f, l, a)| {
            ImplicitAls::new()
                .factors(f)
                .regularization(l)
                .alpha(a)
                .seed(seed)
        })
        .collect();
    let (als, als_best) = run("ALS", &als_grid, &train_log, &train, &test)?;
    let trials = [pop, knn, ease, als];
    let mut chosen = [
        Some(Chosen::Popularity(pop_best)),
        Some(Chosen::ItemKnn(knn_best)),
        Some(Chosen::Ease(ease_best)),
        Some(Chosen::Als(als_best)),
    ];
    // The model chosen on the validation split (never on the test events);
    // the first on a tie.
    let mut best = 0;
    for (m, t) in trials.iter().enumerate() {
        if t.validation_ndcg > trials[best].validation_ndcg {
            best = m;
        }
    }
    let b = &trials[best];
    let served = match chosen[best].take() {
        Some(Chosen::Popularity(m)) => serve(&m, ctx, &log)?,
        Some(Chosen::ItemKnn(m)) => serve(&m, ctx, &log)?,
        Some(Chosen::Ease(m)) => serve(&m, ctx, &log)?,
        Some(Chosen::Als(m)) => serve(&m, ctx, &log)?,
        None => return Err("the chosen model's parameters are missing".into()),
    };

    let mut s = Section::new(
        TITLE,
        &format!(
            "Each model learns from every user's earlier events and is scored on the items of \
             their most recent events, which it never saw. NDCG@{K} is 1 when the held-out items \
             fill the top of the list and 0 when none is in the top {K}; coverage is the share \
             of the catalogue that appears in some user's list."
        ),
    );
    let kinds: Vec<String> = log
        .kinds
        .iter()
        .map(|(k, n, w)| format!("{n} {k} (weight {w})"))
        .collect();
    s.items.push(Item::Paragraph(format!(
        "{} events: {}{}; several events of one user and item add up. Split: for each user with \
         at least {MIN_EVENTS} events the most recent {} are held out ({} training and {} test \
         events; {} users with fewer events stay in training only, {} test events of items \
         unseen in training are left out). Catalogue: {} items seen in training. Each model's \
         parameters were chosen from a small grid on a validation split cut out of the training \
         events by the same rule; the model to serve is the one with the best validation \
         NDCG@{K}.",
        log.users.len(),
        kinds.join(", "),
        {
            let mut out = Vec::new();
            if log.incomplete > 0 {
                out.push(format!("{} incomplete rows", log.incomplete));
            }
            if log.after_as_of > 0 {
                out.push(format!("{} rows after the report date", log.after_as_of));
            }
            if out.is_empty() {
                String::new()
            } else {
                format!(" ({} left out)", out.join(" and "))
            }
        },
        pct(TEST_SHARE),
        split.train.len(),
        split.test.len(),
        split.users_train_only,
        test.report.rows_unknown_item,
        train.matrix.n_cols(),
    )));
    let bars: Vec<Bar> = trials
        .iter()
        .map(|t| Bar::new(t.name, t.test.ranking.ndcg))
        .collect();
    s.items.push(
        bar_chart(
            &format!("NDCG@{K} per model on held-out events"),
            (&format!("NDCG@{K}"), "0 to 1, higher is better"),
            &bars,
        )
        .map_err(err)?
        .into(),
    );
    let mut table = HtmlTable::new(&[
        "model",
        "parameters",
        "validation NDCG@10",
        "NDCG@10",
        "precision@10",
        "recall@10",
        "hit rate@10",
        "coverage",
    ])
    .caption(format!(
        "Ranking metrics at k = {K} over {} test users",
        b.test.ranking.users_evaluated
    ));
    for t in &trials {
        let r = &t.test.ranking;
        table = table.row([
            format!(
                "{}{}",
                t.name,
                if t.name == b.name { " (served)" } else { "" }
            ),
            describe(&t.params),
            format!("{:.4}", t.validation_ndcg),
            format!("{:.4}", r.ndcg),
            format!("{:.4}", r.precision),
            format!("{:.4}", r.recall),
            format!("{:.4}", r.hit_rate),
            format!("{:.4}", t.test.coverage),
        ]);
    }
    s.items.push(table.into());
    let mut ex = HtmlTable::new(&["user", "last items (most recent first)", "recommended"])
        .caption(format!(
            "Examples: {} users chosen with seed {}, their last {EXAMPLES} distinct items and \
             the top {EXAMPLES} of the {} model (refitted on every event; items they already \
             had are left out)",
            served.examples.len(),
            ctx.seed,
            b.name
        ));
    for (user, last, recs) in &served.examples {
        ex = ex.row([user.clone(), last.join(", "), recs.join(", ")]);
    }
    s.items.push(ex.into());
    s.items.push(Item::Paragraph(format!(
        "The {} model, refitted on all {} events, is saved as models/05_recommender.json with the \
         shop's user and item ids (a user it does not know gets the most popular items). \
         recommendations.csv lists the top {K} new items of each of its {} users ({} rows{}).",
        b.name,
        log.users.len(),
        served.users,
        served.rows,
        if served.short_lists > 0 {
            format!(
                "; {} users have fewer than {K} items they have not had yet",
                served.short_lists
            )
        } else {
            String::new()
        }
    )));

    let pop_ndcg = trials[0].test.ranking.ndcg;
    s.summary.push(format!(
        "What to recommend: the {} model (chosen on validation events) reaches NDCG@{K} {:.3} on \
         each user's held-out recent events, against {:.3} for recommending the most popular \
         items{}; its top-{K} lists hit a held-out item for {} of users and cover {} of the \
         catalogue.",
        b.name,
        b.test.ranking.ndcg,
        pop_ndcg,
        if pop_ndcg > 0.0 {
            format!(" ({:.1}×)", b.test.ranking.ndcg / pop_ndcg)
        } else {
            String::new()
        },
        pct(b.test.ranking.hit_rate),
        pct(b.test.coverage),
    ));
    s.figure("k", K);
    s.figure("events", log.users.len());
    s.figure("incomplete_rows", log.incomplete);
    s.figure("rows_after_report_date", log.after_as_of);
    s.figure(
        "event_weights",
        serde_json::Value::Object(
            log.kinds
                .iter()
                .map(|(k, _, w)| (k.clone(), json!(w)))
                .collect(),
        ),
    );
    s.figure("train_events", split.train.len());
    s.figure("test_events", split.test.len());
    s.figure("test_users", b.test.ranking.users_evaluated);
    s.figure("catalogue_items", train.matrix.n_cols());
    s.figure("best_model", b.name);
    for t in &trials {
        let r = &t.test.ranking;
        s.figure(
            &format!("{}_test", t.name.to_lowercase().replace('-', "_")),
            json!({
                "params": t.params,
                "validation_ndcg_at_10": t.validation_ndcg,
                "ndcg_at_10": r.ndcg,
                "precision_at_10": r.precision,
                "recall_at_10": r.recall,
                "hit_rate_at_10": r.hit_rate,
                "coverage": t.test.coverage,
            }),
        );
    }
    s.figure("recommended_users", served.users);
    s.figure("recommendation_rows", served.rows);
    Ok(s)
}
