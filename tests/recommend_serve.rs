//! `recommend --save` then `recommend --load`: a model fitted on a small
//! interaction log is written as an `IdRecommender` file and served by
//! external user and item ids, run as the example binary (as a user would).
//! Expected lists are computed here from the log itself.
//!
//! `cargo test` builds the examples before it runs this file; running only
//! this file after changing the example needs `cargo build --examples` first.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::example;

/// `users` users with `per_user` rows each (`user,item,time`): user `u`
/// has items `10·(u mod 2) + (u + t) mod 10` for `t < per_user`, so even
/// users stay within i0–i9 and odd users within i10–i19.
fn log(users: usize, per_user: usize) -> String {
    let mut s = String::from("user,item,time\n");
    for u in 0..users {
        for t in 0..per_user {
            let item = 10 * (u % 2) + (u + t) % 10;
            s.push_str(&format!("u{u},i{item},{}\n", 100 + t));
        }
    }
    s
}

/// Item id → the users who have it, from a log written by [`log`].
fn holders(log: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in log.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        m.entry(cells[1].to_owned())
            .or_default()
            .insert(cells[0].to_owned());
    }
    m
}

/// The items of `user` in the log.
fn history(log: &str, user: &str) -> BTreeSet<String> {
    holders(log)
        .into_iter()
        .filter(|(_, users)| users.contains(user))
        .map(|(item, _)| item)
        .collect()
}

/// Runs the example; returns (exit status, stdout, stderr) and checks that
/// it did not panic.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(example("recommend"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("UA_MEMORY_BUDGET")
        .output()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "recommend {args:?} panicked:\n{stderr}"
    );
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// A run that must succeed; returns stdout.
fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "recommend {args:?}:\n{stderr}");
    stdout
}

/// A run that must fail with `code` and every word in stderr.
fn fails(args: &[&str], code: i32, words: &[&str]) -> String {
    let (got, stdout, stderr) = run(args);
    assert_eq!(got, code, "recommend {args:?}:\n{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "recommend {args:?} printed:\n{stdout}");
    for w in words {
        assert!(
            stderr.contains(w),
            "{w:?} missing: recommend {args:?}:\n{stderr}"
        );
    }
    stderr
}

/// Fits `model` on `file` and saves it to `out`.
fn save(file: &str, model: &str, out: &str) -> String {
    ok(&[
        "--interactions",
        file,
        "--user-col",
        "user",
        "--item-col",
        "item",
        "--time-col",
        "time",
        "--model",
        model,
        "--save",
        out,
    ])
}

/// The `(item, score)` pairs of one served list.
fn items(list: &Value) -> Vec<(String, f64)> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["item"].as_str().unwrap().to_owned(),
                v["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// `got` is a correct top-k of `counts` among the items not in `seen`:
/// scores are the counts, best first, and no item left out counts more
/// than the last one taken.
fn assert_top_popular(
    got: &[(String, f64)],
    counts: &BTreeMap<String, usize>,
    seen: &BTreeSet<String>,
    k: usize,
) {
    assert_eq!(got.len(), k, "{got:?}");
    for (item, score) in got {
        assert!(!seen.contains(item), "{item} was seen: {got:?}");
        assert_eq!(*score, counts[item] as f64, "{item}: {got:?}");
    }
    assert!(got.windows(2).all(|w| w[0].1 >= w[1].1), "{got:?}");
    let last = got[k - 1].1;
    let taken: BTreeSet<&String> = got.iter().map(|(i, _)| i).collect();
    for (item, &c) in counts {
        if !seen.contains(item) && !taken.contains(item) {
            assert!(c as f64 <= last, "{item} ({c}) left out of {got:?}");
        }
    }
}

#[test]
fn a_saved_popularity_model_serves_users_by_id_and_the_most_popular_to_new_users() {
    let dir = common::temp_dir("recommend_serve", "popularity");
    let text = log(12, 8);
    let file = write(&dir, "log.csv", &text);
    let model = dir.join("pop.json").display().to_string();
    let report = save(&file, "popularity", &model);
    assert!(
        report.contains(&format!(
            "saved {model}: popularity refitted on all 96 kept rows (12 users × 20 items)"
        )),
        "{report}"
    );
    let counts: BTreeMap<String, usize> = holders(&text)
        .into_iter()
        .map(|(item, users)| (item, users.len()))
        .collect();
    let out = ok(&[
        "--load",
        &model,
        "--user",
        "u0",
        "--user",
        "u3",
        "--user",
        "zed",
        "--k",
        "3",
        "--fallback",
        "popular",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["model"], "popularity");
    assert_eq!(
        (v["users"].as_u64(), v["items"].as_u64(), v["k"].as_u64()),
        (Some(12), Some(20), Some(3))
    );
    let lists = v["recommendations"].as_array().unwrap();
    assert_eq!(lists.len(), 3, "{v}");
    for (list, user) in lists.iter().zip(["u0", "u3"]) {
        assert_eq!(
            (list["user"].as_str(), list["source"].as_str()),
            (Some(user), Some("model"))
        );
        // Refitted on all rows: the held-out rows are part of the history.
        assert_top_popular(&items(list), &counts, &history(&text, user), 3);
    }
    assert_eq!(
        (lists[2]["user"].as_str(), lists[2]["source"].as_str()),
        (Some("zed"), Some("popular"))
    );
    assert_top_popular(&items(&lists[2]), &counts, &BTreeSet::new(), 3);
    // Without the fallback an unknown user is an error naming the id.
    fails(
        &["--load", &model, "--user", "u0", "--user", "zed"],
        1,
        &[
            "--user zed: unknown user",
            "knows 12 users",
            "--fallback popular",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_saved_item_knn_model_serves_tastes_and_anonymous_histories() {
    let dir = common::temp_dir("recommend_serve", "itemknn");
    let text = log(12, 8);
    let file = write(&dir, "log.csv", &text);
    let model = dir.join("knn.json").display().to_string();
    save(&file, "itemknn", &model);
    // u0 has i0–i7 (all 8 rows, the held-out one too): the two items of
    // its taste it lacks are the only ones that share users with its own.
    let out = ok(&["--load", &model, "--user", "u0", "--k", "2", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["model"], "itemknn");
    let got: BTreeSet<String> = items(&v["recommendations"][0])
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(got, BTreeSet::from(["i8".to_owned(), "i9".to_owned()]));
    // An anonymous session of two odd-taste items and one unknown id: the
    // other odd-taste items, never the session's own, one id left out.
    let out = ok(&[
        "--load",
        &model,
        "--history",
        "i11,nope,i12",
        "--k",
        "4",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let list = &v["recommendations"][0];
    assert_eq!(list["history"], serde_json::json!(["i11", "nope", "i12"]));
    assert_eq!(
        (list["source"].as_str(), list["unknown_items"].as_u64()),
        (Some("history"), Some(1))
    );
    let got = items(list);
    assert_eq!(got.len(), 4, "{got:?}");
    for (item, score) in &got {
        let n: usize = item[1..].parse().unwrap();
        assert!(
            (10..20).contains(&n) && n != 11 && n != 12 && *score > 0.0,
            "{got:?}"
        );
    }
    // The text report: one line per request with its source.
    let out = ok(&[
        "--load",
        &model,
        "--user",
        "u1",
        "--history",
        "i11,nope",
        "--k",
        "2",
    ]);
    assert!(out.contains("itemknn model, 12 users × 20 items"), "{out}");
    assert!(out.contains("user u1 [model]: "), "{out}");
    assert!(
        out.contains("history i11,nope [history, 1 unknown item(s) left out]: "),
        "{out}"
    );
    // A history with no known item is an error without the fallback and
    // the most popular items with it.
    fails(
        &["--load", &model, "--history", "x,y"],
        1,
        &[
            "--history: none of its 2 item id(s)",
            "20 items",
            "--fallback popular",
        ],
    );
    let out = ok(&[
        "--load",
        &model,
        "--history",
        "x,y",
        "--fallback",
        "popular",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let list = &v["recommendations"][0];
    assert_eq!(
        (list["source"].as_str(), list["unknown_items"].as_u64()),
        (Some("popular"), Some(2))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_model_saves_and_loads_and_the_save_path_is_guarded() {
    let dir = common::temp_dir("recommend_serve", "models");
    let file = write(&dir, "log.csv", &log(12, 8));
    for m in ["rp3beta", "ease", "als", "bpr", "two-tower"] {
        let model = dir.join(format!("{m}.json")).display().to_string();
        save(&file, m, &model);
        let out = ok(&["--load", &model, "--user", "u2", "--k", "3", "--json"]);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["model"], m, "{v}");
        let list = &v["recommendations"][0];
        assert_eq!(list["source"], "model", "{v}");
        let got = items(list);
        assert_eq!(got.len(), 3, "{m}: {v}");
        let seen = history(&log(12, 8), "u2");
        assert!(got.iter().all(|(i, _)| !seen.contains(i)), "{m}: {got:?}");
    }
    // An existing output only with --force; never over an input.
    let model = dir.join("ease.json").display().to_string();
    let base = [
        "--interactions",
        file.as_str(),
        "--user-col",
        "user",
        "--item-col",
        "item",
        "--model",
        "ease",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let args = with(&["--save", &model]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(&args, 2, &["--save", "already exists; pass --force"]);
    let args = with(&["--save", &model, "--force", "--max-items", "20", "--json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v: Value = serde_json::from_str(&ok(&args)).unwrap();
    assert_eq!(v["saved"]["file"], model.as_str());
    assert_eq!(
        (v["saved"]["users"].as_u64(), v["saved"]["items"].as_u64()),
        (Some(12), Some(20))
    );
    let args = with(&["--save", &file, "--force"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(
        &args,
        2,
        &[
            "is the input given to --interactions",
            "refusing to write over an input",
        ],
    );
    // --max-items reaches EASE: a cap below the catalogue is refused.
    let args = with(&["--max-items", "19"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(
        &args,
        1,
        &["the catalogue has 20 items, above max_items = 19"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
