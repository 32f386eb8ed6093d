//! The examples draw the library's progress events on one stderr line only
//! on a terminal, clear it before printing their results, and draw nothing
//! with `--quiet` (issue 13, item 3). The terminal is a pseudo-terminal
//! from util-linux's `script` (part of every Debian/Ubuntu base system).

#[allow(dead_code)] // only `example` is used here
mod common;

use std::process::Command;

/// Runs `cmd` under a pseudo-terminal and returns everything it wrote.
fn on_a_terminal(cmd: &str) -> String {
    let out = Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .output()
        .expect("util-linux `script` runs the example on a pseudo-terminal");
    assert!(out.status.success(), "{cmd}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn segment_draws_k_means_iterations_on_a_terminal_and_clears_the_line_first() {
    let exe = common::example("segment");
    let text = on_a_terminal(&exe.display().to_string());
    assert!(
        text.contains("\r\x1b[2Ksegment: k-means 1/300"),
        "{text:.300}"
    );
    // The line is cleared before the results are printed over it.
    let source = text.find("source: synthetic shop").expect("the results");
    assert!(
        text[..source].ends_with("\r\x1b[2K"),
        "{:?}",
        &text[..source]
    );
    assert!(!text[source..].contains("k-means 1/300"));

    let quiet = on_a_terminal(&format!("{} --quiet", exe.display()));
    assert!(quiet.starts_with("source: synthetic shop"), "{quiet:.200}");
    assert!(!quiet.contains('\x1b'), "{quiet:.300}");
}

#[test]
fn every_example_that_draws_progress_takes_quiet() {
    for name in [
        "clv",
        "predict",
        "recommend",
        "repeat_purchase",
        "risk",
        "segment",
        "shop_report",
    ] {
        let out = Command::new(common::example(name))
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}");
        assert!(help.contains("  --quiet "), "{name}: {help}");
    }
}
