//! The quickstart example (included below; its header is a plain comment so
//! that it can be) must reach its documented quality: test accuracy
//! ≥ 0.8 on its planted purchase rule (it reaches about 0.96).

#[allow(dead_code)]
mod quickstart {
    include!("../examples/quickstart.rs");

    pub fn test_accuracy() -> f64 {
        let a = parse_args(Vec::new()).expect("the defaults parse");
        run(&a).expect("quickstart runs")
    }
}

#[test]
fn quickstart_finds_the_planted_purchase_rule() {
    let acc = quickstart::test_accuracy();
    assert!(acc >= 0.8, "test accuracy {acc}");
}
