//! The feature-matrix size guard, in its own test binary because it sets
//! `UA_MEMORY_BUDGET` for the whole process.

use ua_data::pipeline::ColumnTransformer;
use ua_data::{Column, Table};

#[test]
fn feature_matrices_over_the_memory_budget_are_refused_before_allocating() {
    let levels: Vec<String> = (0..2000).map(|i| format!("l{}", i % 40)).collect();
    let levels: Vec<&str> = levels.iter().map(String::as_str).collect();
    let t = Table::new(vec![("c".into(), Column::categorical(&levels))]).unwrap();
    let pipe = ColumnTransformer::auto(&t, None, &[])
        .unwrap()
        .fit(&t)
        .unwrap();
    assert_eq!(pipe.n_features(), 40);
    // SAFETY of the test: this binary has one test, so nothing reads the
    // variable concurrently.
    unsafe { std::env::set_var("UA_MEMORY_BUDGET", "64K") };
    let err = pipe.transform_features(&t).unwrap_err().to_string();
    unsafe { std::env::remove_var("UA_MEMORY_BUDGET") };
    // 2000 × 40 × 12 bytes = 937.5 KiB > 64 KiB.
    assert!(
        err.contains("2000 rows × 40 features") && err.contains("937.5 KiB"),
        "{err}"
    );
    assert!(err.contains("UA_MEMORY_BUDGET"), "{err}");
    assert!(pipe.transform_features(&t).is_ok());
}
