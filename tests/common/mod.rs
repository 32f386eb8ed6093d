//! Helpers shared by the tests that run the example programs.

use std::path::{Path, PathBuf};

/// Path of the example binary `name`, built by `cargo test` next to the
/// test binary (`target/debug/deps/TEST-HASH` → `target/debug/examples/NAME`).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let debug = exe.parent().and_then(Path::parent).expect("target/debug");
    let p = debug
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        p.exists(),
        "{} is missing: run `cargo test` (it builds the examples) or `cargo build --example {name}`",
        p.display()
    );
    p
}

/// A fresh, empty directory for one test's files (`ua_{suite}_{pid}_{test}`
/// in the temporary directory).
pub fn temp_dir(suite: &str, test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ua_{suite}_{}_{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
