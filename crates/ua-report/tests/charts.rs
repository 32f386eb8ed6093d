//! Structure of every chart, parsed with an XML parser: root, series,
//! markers, legend, axis titles, determinism, escaping and bad input.

mod common;

use common::{by_class, parse, path_points, texts, title_desc};
use ua_report::curves::{calibration_bins, gain_points, pr_points, roc_points};
use ua_report::*;

/// 20 scores with a planted ordering and a few ties.
fn scored() -> (Vec<f64>, Vec<bool>) {
    let scores: Vec<f64> = (0..20).map(|i| ((i * 7) % 20) as f64 / 20.0).collect();
    let labels: Vec<bool> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| s > 0.45 || i % 9 == 0)
        .collect();
    (scores, labels)
}

#[test]
fn epoch_chart_has_two_series_with_markers_legend_and_axes() {
    let train = [0.69, 0.52, 0.44, 0.41, 0.40];
    let valid = [0.70, 0.55, 0.49, 0.48, 0.49];
    let svg = epoch_chart(
        "Loss per epoch",
        "loss",
        "cross-entropy",
        &[("training", &train[..]), ("validation", &valid[..])],
    )
    .unwrap();
    let doc = parse(svg.as_str());
    let series = by_class(&doc, "series");
    assert_eq!(series.len(), 2);
    for s in &series {
        assert_eq!(path_points(s.attribute("d").unwrap()), 5);
    }
    // Distinct dash patterns: solid, then dashed.
    assert_eq!(series[0].attribute("stroke-dasharray"), None);
    assert!(series[1].attribute("stroke-dasharray").is_some());
    assert_ne!(series[0].attribute("stroke"), series[1].attribute("stroke"));
    // 5 markers per series, plus one sample in each legend entry.
    assert_eq!(by_class(&doc, "marker").len(), 2 * 5 + 2);
    assert_eq!(texts(&doc, "legend"), ["training", "validation"]);
    // Labels at the ends of the lines too, in order of height (validation ends higher).
    assert_eq!(texts(&doc, "series-label"), ["validation", "training"]);
    assert_eq!(texts(&doc, "axis-label"), ["epoch", "loss (cross-entropy)"]);
    assert_eq!(texts(&doc, "chart-title"), ["Loss per epoch"]);
    let (title, desc) = title_desc(&doc);
    assert_eq!(title, "Loss per epoch");
    assert!(desc.contains("Series training: 5 points"), "{desc}");
    // Ticks are nice numbers without float noise.
    for t in texts(&doc, "tick") {
        assert!(t.len() <= 4, "tick label {t}");
    }
}

#[test]
fn same_input_gives_identical_bytes() {
    let (s, l) = scored();
    let roc = roc_points(&s, &l).unwrap();
    let a = roc_chart("ROC", &[("m", &roc[..])]).unwrap();
    let b = roc_chart("ROC", &[("m", &roc_points(&s, &l).unwrap()[..])]).unwrap();
    assert_eq!(a.as_str().as_bytes(), b.as_str().as_bytes());
    let pts: Vec<(f64, f64)> = s.iter().map(|&x| (x, x * x)).collect();
    let g: Vec<usize> = (0..20).map(|i| i % 3).collect();
    let one = scatter_chart("s", ("a", "u"), ("b", "u"), &pts, &g, &["x", "y", "z"]).unwrap();
    let two = scatter_chart("s", ("a", "u"), ("b", "u"), &pts, &g, &["x", "y", "z"]).unwrap();
    assert_eq!(one, two);
}

#[test]
fn roc_chart_shows_auc_per_model_and_the_chance_line() {
    let (s, l) = scored();
    let good = roc_points(&s, &l).unwrap();
    let flipped: Vec<f64> = s.iter().map(|x| 1.0 - x).collect();
    let bad = roc_points(&flipped, &l).unwrap();
    let xy = |p: &[curves::RocPoint]| p.iter().map(|p| (p.fpr, p.tpr)).collect::<Vec<_>>();
    let (a_good, a_bad) = (curves::auc(&xy(&good)), curves::auc(&xy(&bad)));
    assert!((a_good + a_bad - 1.0).abs() < 1e-12);
    let svg = roc_chart("ROC", &[("model", &good[..]), ("reversed", &bad[..])]).unwrap();
    let doc = parse(svg.as_str());
    let series = by_class(&doc, "series");
    assert_eq!(series.len(), 2);
    assert_eq!(path_points(series[0].attribute("d").unwrap()), good.len());
    assert_eq!(by_class(&doc, "reference").len(), 1);
    assert_eq!(
        texts(&doc, "legend"),
        [
            format!("model (AUC {})", format::format_number(a_good, 3)),
            format!("reversed (AUC {})", format::format_number(a_bad, 3)),
            "chance (AUC 0.500)".to_string()
        ]
    );
    assert_eq!(
        texts(&doc, "axis-label"),
        [
            "false-positive rate (share of negatives flagged)",
            "true-positive rate (share of positives found)"
        ]
    );
    // The axes run 0..1 exactly.
    let ticks = texts(&doc, "tick");
    assert_eq!(ticks.first().map(String::as_str), Some("0.0"));
    assert!(ticks.contains(&"1.0".to_string()));
    assert!(!ticks.contains(&"1.2".to_string()));
}

#[test]
fn pr_chart_shows_average_precision_and_base_rate() {
    let (s, l) = scored();
    let pr = pr_points(&s, &l).unwrap();
    let base = l.iter().filter(|&&x| x).count() as f64 / l.len() as f64;
    let svg = pr_chart("PR", &[("model", &pr[..])], base).unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(by_class(&doc, "series").len(), 1);
    let legend = texts(&doc, "legend");
    assert_eq!(
        legend[0],
        format!(
            "model (AP {})",
            format::format_number(curves::average_precision(&pr), 3)
        )
    );
    assert_eq!(
        legend[1],
        format!("base rate {} (random)", format::format_number(base, 3))
    );
    let e = pr_chart("PR", &[("model", &pr[..])], 1.5)
        .unwrap_err()
        .to_string();
    assert!(e.contains("base_rate") && e.contains("1.5"), "{e}");
}

#[test]
fn calibration_chart_draws_non_empty_bins_with_counts() {
    let probs = [0.05, 0.1, 0.12, 0.55, 0.6, 0.95, 0.97, 0.99];
    let labels = [false, false, true, true, false, true, true, true];
    let bins = calibration_bins(&probs, &labels, 10).unwrap();
    let non_empty: Vec<_> = bins.iter().filter(|b| b.count > 0).collect();
    let svg = calibration_chart("Calibration", &[("logistic", &bins[..])]).unwrap();
    let doc = parse(svg.as_str());
    let series = by_class(&doc, "series");
    assert_eq!(
        path_points(series[0].attribute("d").unwrap()),
        non_empty.len()
    );
    let want: Vec<String> = non_empty.iter().map(|b| format!("n={}", b.count)).collect();
    assert_eq!(texts(&doc, "annotation"), want);
    assert_eq!(texts(&doc, "legend"), ["logistic", "perfectly calibrated"]);
    let (_, desc) = title_desc(&doc);
    let empties = bins.len() - non_empty.len();
    assert!(
        desc.contains(&format!("{empties} empty and not drawn, 8 rows")),
        "{desc}"
    );
}

#[test]
fn gain_and_lift_charts_have_random_lines() {
    let (s, l) = scored();
    let g = gain_points(&s, &l).unwrap();
    let svg = gain_chart("Gain", &[("model", &g[..])]).unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(
        path_points(by_class(&doc, "series")[0].attribute("d").unwrap()),
        g.len()
    );
    assert_eq!(texts(&doc, "legend"), ["model", "random targeting"]);
    assert!(texts(&doc, "axis-label")[0].ends_with("(%)"));
    let svg = lift_chart("Lift", &[("model", &g[..])]).unwrap();
    let doc = parse(svg.as_str());
    // The point at 0 targeted has no lift and is left out.
    assert_eq!(
        path_points(by_class(&doc, "series")[0].attribute("d").unwrap()),
        g.len() - 1
    );
    assert_eq!(texts(&doc, "legend"), ["model", "random (lift 1)"]);
}

#[test]
fn confusion_chart_has_four_cells_with_counts_and_rates() {
    let c = ConfusionCounts {
        tp: 30,
        fp: 20,
        fn_: 10,
        tn: 140,
    };
    let svg = confusion_chart("At threshold 0.3", c, ("buyer", "non-buyer"), 0.3).unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(by_class(&doc, "cell").len(), 4);
    assert_eq!(
        texts(&doc, "cell-text"),
        [
            "true positives|30|75.0% of actual buyer",
            "false negatives|10|25.0% of actual buyer",
            "false positives|20|12.5% of actual non-buyer",
            "true negatives|140|87.5% of actual non-buyer",
        ]
    );
    assert_eq!(
        texts(&doc, "row-label"),
        ["actual buyer", "actual non-buyer"]
    );
    assert_eq!(
        texts(&doc, "col-label"),
        ["predicted buyer", "predicted non-buyer"]
    );
    assert_eq!(
        texts(&doc, "axis-label"),
        [
            "predicted class (score ≥ 0.300 predicts buyer)",
            "actual class (200 rows)"
        ]
    );
    // No actual positives: said in words, not a division by zero.
    let c = ConfusionCounts {
        tp: 0,
        fp: 3,
        fn_: 0,
        tn: 7,
    };
    let svg = confusion_chart("t", c, ("yes", "no"), 0.5).unwrap();
    assert!(texts(&parse(svg.as_str()), "cell-text")[0].contains("no actual yes rows"));
    assert!(
        confusion_chart(
            "t",
            ConfusionCounts {
                tp: 0,
                fp: 0,
                fn_: 0,
                tn: 0
            },
            ("a", "b"),
            0.5
        )
        .is_err()
    );
}

#[test]
fn bar_chart_has_bars_error_bars_labels_and_values() {
    let bars = [
        Bar::new("recency", 0.213).error(0.02),
        Bar::new("frequency", 0.081).error(0.011),
        Bar::new("noise", -0.004),
    ];
    let svg = bar_chart(
        "Permutation importance",
        ("drop in ROC-AUC", "mean of 5 shuffles"),
        &bars,
    )
    .unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(by_class(&doc, "bar").len(), 3);
    assert_eq!(by_class(&doc, "error-bar").len(), 2);
    assert_eq!(texts(&doc, "bar-label"), ["recency", "frequency", "noise"]);
    assert_eq!(texts(&doc, "bar-value"), ["0.213", "0.081", "-0.004"]);
    assert_eq!(
        texts(&doc, "legend"),
        ["drop in ROC-AUC", "± 1 standard deviation"]
    );
    assert_eq!(
        texts(&doc, "axis-label"),
        ["drop in ROC-AUC (mean of 5 shuffles)"]
    );
    // The longer bar is wider.
    let w: Vec<f64> = by_class(&doc, "bar")
        .iter()
        .map(|b| b.attribute("width").unwrap().parse().unwrap())
        .collect();
    assert!(w[0] > w[1] && w[1] > w[2], "{w:?}");
    // A long label is cut in the picture, kept whole in the tooltip.
    let long = "x".repeat(50);
    let svg = bar_chart("t", ("v", ""), &[Bar::new(long.clone(), 1.0)]).unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(texts(&doc, "bar-label"), [format!("{}…", "x".repeat(35))]);
    assert!(svg.as_str().contains(&format!("<title>{long}: ")));
    let e = bar_chart("t", ("v", ""), &[Bar::new("a", 1.0).error(-1.0)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("error of bar `a`") && e.contains(">= 0"), "{e}");
    let many: Vec<Bar> = (0..61).map(|i| Bar::new(format!("f{i}"), 1.0)).collect();
    let e = bar_chart("t", ("v", ""), &many).unwrap_err().to_string();
    assert!(e.contains("61 bars") && e.contains("top 60"), "{e}");
}

#[test]
fn k_selection_has_two_panels_and_the_chosen_k_marked() {
    let ks = [2, 3, 4, 5, 6];
    let svg = k_selection_chart(
        "Choosing k",
        &ks,
        &[1000.0, 620.0, 400.0, 370.0, 350.0],
        &[0.38, 0.47, 0.58, 0.51, 0.44],
        4,
    )
    .unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(
        texts(&doc, "panel-title"),
        ["Inertia (elbow)", "Silhouette"]
    );
    assert_eq!(by_class(&doc, "series").len(), 2);
    assert_eq!(by_class(&doc, "mark").len(), 2);
    assert_eq!(texts(&doc, "mark-label"), ["chosen k = 4", "chosen k = 4"]);
    assert_eq!(texts(&doc, "legend"), ["inertia", "silhouette"]);
    assert_eq!(
        texts(&doc, "axis-label"),
        [
            "k (segments)",
            "inertia (sum of squared distances)",
            "k (segments)",
            "silhouette (-1 to 1, higher is better)"
        ]
    );
    let e = k_selection_chart("t", &ks, &[1.0; 5], &[0.1; 5], 9)
        .unwrap_err()
        .to_string();
    assert!(e.contains("chosen") && e.contains('9'), "{e}");
    let e = k_selection_chart("t", &ks, &[1.0; 4], &[0.1; 5], 2)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("inertia") && e.contains("expected length 5, found 4"),
        "{e}"
    );
}

#[test]
fn scatter_colours_and_shapes_groups_and_thins_large_inputs() {
    let pts: Vec<(f64, f64)> = (0..30).map(|i| (i as f64, (i % 7) as f64)).collect();
    let groups: Vec<usize> = (0..30).map(|i| i % 3).collect();
    let svg = scatter_chart(
        "PCA",
        ("PC 1", "z"),
        ("PC 2", "z"),
        &pts,
        &groups,
        &["loyal", "new", "<lost>"],
    )
    .unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(by_class(&doc, "series").len(), 0, "no lines in a scatter");
    let groups_g = by_class(&doc, "markers");
    assert_eq!(groups_g.len(), 3);
    // Each group: its own marker element kind or shape.
    let shapes: Vec<String> = groups_g
        .iter()
        .map(|g| {
            let m = g
                .children()
                .find(|c| c.attribute("class") == Some("marker"))
                .unwrap();
            format!(
                "{}:{}",
                m.tag_name().name(),
                m.attribute("fill").unwrap_or("none")
            )
        })
        .collect();
    assert_eq!(shapes.len(), 3);
    assert!(
        shapes[0] != shapes[1] && shapes[1] != shapes[2] && shapes[0] != shapes[2],
        "{shapes:?}"
    );
    assert_eq!(by_class(&doc, "marker").len(), 30 + 3);
    assert_eq!(
        texts(&doc, "legend"),
        ["loyal (10)", "new (10)", "<lost> (10)"]
    );
    assert!(svg.as_str().contains("&lt;lost&gt; (10)"));

    let n = 12_000;
    let pts: Vec<(f64, f64)> = (0..n).map(|i| ((i % 97) as f64, (i % 89) as f64)).collect();
    let groups: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let svg = scatter_chart("big", ("a", "u"), ("b", "u"), &pts, &groups, &["a", "b"]).unwrap();
    let doc = parse(svg.as_str());
    // stride 3: rows 0, 3, 6, … → 4000 points (and 2 legend samples).
    assert_eq!(by_class(&doc, "marker").len(), 4000 + 2);
    let (_, desc) = title_desc(&doc);
    assert!(
        desc.contains("Showing 4000 of 12000 points (one row in 3)"),
        "{desc}"
    );
    assert_eq!(texts(&doc, "legend"), ["a (6000)", "b (6000)"]);

    let e = scatter_chart("t", ("a", ""), ("b", ""), &[(0.0, 0.0)], &[2], &["x"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("groups[0]") && e.contains("below 1"), "{e}");
}

#[test]
fn heat_grid_draws_every_cell_with_its_text() {
    let rows = ["R1", "R2", "R3", "R4", "R5"];
    let cols = ["F1", "F2", "F3", "F4", "F5"];
    let values: Vec<f64> = (0..25).map(|i| i as f64).collect();
    let text: Vec<String> = (0..25)
        .map(|i| format!("{i} customers\nmean {}.5 EUR", i * 2))
        .collect();
    let svg = HeatGrid::new("RFM grid", &rows, &cols, &values)
        .rows_axis("recency score", "5 = most recent")
        .cols_axis("frequency score", "5 = most orders")
        .value_label("customers")
        .cell_text(text)
        .to_svg()
        .unwrap();
    let doc = parse(svg.as_str());
    let cells = by_class(&doc, "cell");
    assert_eq!(cells.len(), 25);
    assert_eq!(texts(&doc, "cell-text")[7], "7 customers|mean 14.5 EUR");
    assert_eq!(texts(&doc, "row-label"), rows);
    assert_eq!(texts(&doc, "col-label"), cols);
    assert_eq!(
        texts(&doc, "axis-label"),
        [
            "frequency score (5 = most orders)",
            "recency score (5 = most recent)"
        ]
    );
    assert_eq!(texts(&doc, "legend"), ["colour: customers", "0", "24"]);
    // Lowest value lightest, highest darkest.
    assert_eq!(cells[0].attribute("fill"), Some("#f7fbff"));
    assert_eq!(cells[24].attribute("fill"), Some("#08306b"));
    // The widest grid still fits in 1200 px.
    let many: Vec<String> = (0..MAX_GRID_SIDE).map(|i| format!("c{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let svg = HeatGrid::new("wide", &["r"], &many, &vec![1.0; MAX_GRID_SIDE])
        .to_svg()
        .unwrap();
    let doc = parse(svg.as_str());
    let cells = by_class(&doc, "cell");
    let last = cells.last().unwrap();
    let end: f64 = last.attribute("x").unwrap().parse::<f64>().unwrap()
        + last.attribute("width").unwrap().parse::<f64>().unwrap();
    assert!(end <= 1200.0, "last cell ends at {end}");
    let e = HeatGrid::new("t", &["a"], &["b", "c"], &[1.0, 2.0])
        .cell_text(vec!["x".into()])
        .to_svg()
        .unwrap_err();
    assert!(
        e.to_string().contains("cell_text") && e.to_string().contains("expected length 2, found 1")
    );
}

#[test]
fn budget_chart_plots_precision_and_recall() {
    let svg = budget_chart(
        "Alert budget",
        &[0.005, 0.01, 0.02, 0.05],
        &[0.9, 0.85, 0.7, 0.4],
        &[0.1, 0.2, 0.35, 0.5],
    )
    .unwrap();
    let doc = parse(svg.as_str());
    assert_eq!(by_class(&doc, "series").len(), 2);
    assert_eq!(texts(&doc, "legend"), ["precision", "recall"]);
    assert_eq!(
        texts(&doc, "axis-label"),
        [
            "alert budget (% of rows reviewed)",
            "precision, recall (share)"
        ]
    );
    let e = budget_chart("t", &[0.1], &[0.5, 0.4], &[0.2])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("precision") && e.contains("expected length 1, found 2"),
        "{e}"
    );
}

#[test]
fn histograms_share_bins_and_draw_steps() {
    let a = [0.1, 0.2, 0.25, 0.9];
    let b = [0.5, 0.55, 0.6, 0.65, 0.7, 0.95];
    let svg = histogram_chart(
        "Scores",
        "score",
        "probability",
        &[("fraud", &a[..]), ("normal", &b[..])],
        5,
        true,
    )
    .unwrap();
    let doc = parse(svg.as_str());
    let series = by_class(&doc, "series");
    assert_eq!(series.len(), 2);
    for s in &series {
        assert_eq!(path_points(s.attribute("d").unwrap()), 2 * 5 + 2);
    }
    assert_eq!(
        by_class(&doc, "marker").len(),
        0,
        "step lines carry no markers"
    );
    assert_eq!(texts(&doc, "legend"), ["fraud (4 rows)", "normal (6 rows)"]);
    assert_eq!(
        texts(&doc, "axis-label"),
        ["score (probability)", "share of class (%)"]
    );
    let (_, desc) = title_desc(&doc);
    // 5 bins over 0.1..0.95: width 0.17.
    assert!(
        desc.contains("5 shared bins of width 0.170 from 0.100 to 0.950"),
        "{desc}"
    );
    // Highest bar of "fraud": 3 of 4 rows in the first bin = 75%.
    let svg = histogram_chart("Scores", "score", "", &[("fraud", &a[..])], 5, false).unwrap();
    assert!(
        title_desc(&parse(svg.as_str()))
            .1
            .contains("y from 0.000 to 3.00")
    );
}

#[test]
fn long_lines_are_thinned_and_said_so() {
    let ys: Vec<f64> = (0..12_001).map(|i| (i as f64).sqrt()).collect();
    let svg = LineChart::new("long")
        .series_y("curve", &ys)
        .to_svg()
        .unwrap();
    let doc = parse(svg.as_str());
    let d = by_class(&doc, "series")[0]
        .attribute("d")
        .unwrap()
        .to_string();
    // stride 3 over 12001 points: 4001 points (the last is a multiple of 3).
    assert_eq!(path_points(&d), 4001);
    let (_, desc) = title_desc(&doc);
    assert!(
        desc.contains("12001 points on a line") && desc.contains("one point in 3"),
        "{desc}"
    );
    // Markers: about 20, evenly spaced, plus the legend sample.
    assert!(by_class(&doc, "marker").len() <= 22);
}

#[test]
fn labels_are_escaped_everywhere() {
    let evil = "<script>alert(\"x\")</script> & co";
    let svg = LineChart::new(evil)
        .x_axis(evil, evil)
        .series_y(evil, &[1.0, 2.0])
        .reference(evil, &[(1.0, 1.0), (2.0, 2.0)])
        .mark_x(1.5, evil)
        .annotate(1.0, 1.0, evil)
        .desc(evil)
        .to_svg()
        .unwrap();
    assert!(!svg.as_str().contains("<script"));
    let doc = parse(svg.as_str());
    assert_eq!(title_desc(&doc).0, evil);
    assert_eq!(texts(&doc, "legend")[0], evil);
    let grid = HeatGrid::new(evil, &[evil], &[evil], &[1.0])
        .cell_text(vec![evil.into()])
        .to_svg()
        .unwrap();
    assert!(!grid.as_str().contains("<script"));
    assert_eq!(texts(&parse(grid.as_str()), "cell-text"), [evil]);
    let bars = bar_chart(evil, (evil, evil), &[Bar::new(evil, 1.0)]).unwrap();
    assert!(!bars.as_str().contains("<script"));
    parse(bars.as_str());
}

#[test]
fn non_finite_values_name_the_series_and_index() {
    let e = LineChart::new("t")
        .series_y("ok", &[1.0])
        .series_y("loss", &[1.0, 2.0, f64::NAN])
        .to_svg()
        .unwrap_err();
    match &e {
        Error::NonFinite {
            series,
            index,
            value,
        } => {
            assert_eq!((series.as_str(), *index), ("loss (y)", 2));
            assert!(value.is_nan());
        }
        other => panic!("expected NonFinite, got {other:?}"),
    }
    let e = LineChart::new("t")
        .series("pts", &[(0.0, 1.0), (f64::INFINITY, 2.0)])
        .to_svg()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`pts (x)`") && e.contains("index 1") && e.contains("inf"),
        "{e}"
    );
    let e = scatter_chart("t", ("a", ""), ("b", ""), &[(0.0, f64::NAN)], &[0], &["g"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("points (y)") && e.contains("index 0"), "{e}");
    let e = bar_chart(
        "t",
        ("v", ""),
        &[Bar::new("a", 1.0), Bar::new("b", f64::NAN)],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("bars (value)") && e.contains("index 1"), "{e}");
    let e = histogram_chart(
        "t",
        "s",
        "",
        &[("fraud", &[0.1, f64::NEG_INFINITY][..])],
        4,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`fraud`") && e.contains("index 1"), "{e}");
    let e = confusion_chart(
        "t",
        ConfusionCounts {
            tp: 1,
            fp: 0,
            fn_: 0,
            tn: 1,
        },
        ("a", "b"),
        f64::NAN,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("threshold"), "{e}");
}

#[test]
fn empty_input_is_an_error_that_says_what_was_empty() {
    let e = LineChart::new("Loss").to_svg().unwrap_err().to_string();
    assert!(e.contains("chart `Loss` (no series) is empty"), "{e}");
    let e = LineChart::new("t")
        .series_y("loss", &[])
        .to_svg()
        .unwrap_err()
        .to_string();
    assert!(e.contains("series `loss` is empty"), "{e}");
    let e = roc_chart("ROC", &[]).unwrap_err().to_string();
    assert!(e.contains("ROC (no curves)"), "{e}");
    let e = roc_chart("ROC", &[("m", &[][..])]).unwrap_err().to_string();
    assert!(e.contains("curve `m` is empty"), "{e}");
    let e = bar_chart("t", ("v", ""), &[]).unwrap_err().to_string();
    assert!(e.contains("bars is empty"), "{e}");
    let e = scatter_chart("t", ("a", ""), ("b", ""), &[], &[], &["g"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("points is empty"), "{e}");
    let e = HeatGrid::new("t", &[], &["a"], &[])
        .to_svg()
        .unwrap_err()
        .to_string();
    assert!(e.contains("row_labels is empty"), "{e}");
    let e = k_selection_chart("t", &[], &[], &[], 2)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ks is empty"), "{e}");
    let e = budget_chart("t", &[], &[], &[]).unwrap_err().to_string();
    assert!(e.contains("budgets is empty"), "{e}");
}

#[test]
fn points_map_onto_the_plot_frame() {
    let svg = LineChart::new("t")
        .x_range(0.0, 1.0)
        .y_range(0.0, 1.0)
        .series("diagonal", &[(0.0, 0.0), (0.5, 0.25), (1.0, 1.0)])
        .to_svg()
        .unwrap();
    let doc = parse(svg.as_str());
    let frame = &by_class(&doc, "frame")[0];
    let f = |a: &str| frame.attribute(a).unwrap().parse::<f64>().unwrap();
    let (x, y, w, h) = (f("x"), f("y"), f("width"), f("height"));
    let d = by_class(&doc, "series")[0]
        .attribute("d")
        .unwrap()
        .to_string();
    let nums: Vec<f64> = d
        .split(['M', 'L', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let want = [x, y + h, x + w / 2.0, y + h * 0.75, x + w, y];
    assert_eq!(nums.len(), want.len());
    for (got, want) in nums.iter().zip(want) {
        assert!((got - want).abs() <= 0.1, "{d} vs frame {x} {y} {w} {h}");
    }
    // An annotation outside the data widens the axes instead of leaving the frame.
    let svg = LineChart::new("t")
        .series_y("a", &[1.0, 2.0])
        .annotate(1.5, 9.0, "peak")
        .to_svg()
        .unwrap();
    let ticks = texts(&parse(svg.as_str()), "tick");
    assert!(
        ticks
            .iter()
            .any(|t| t.parse::<f64>().is_ok_and(|v| v >= 9.0)),
        "{ticks:?}"
    );
}
