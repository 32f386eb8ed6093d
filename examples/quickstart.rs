// Quickstart: the design document's purchase-prediction model, end to end.
//
// ```text
// cargo run --release --example quickstart -- [--users 5000] [--epochs 100] [--seed 42]
// ```
//
// `--help` lists the flags with their defaults; usage errors exit with
// status 2. `--users` is checked against the memory budget
// (`UA_MEMORY_BUDGET`) before anything is generated.
//
// 1. Generates 5,000 synthetic users (`--users`, seed `--seed`, 42): age ~ U(18, 70), income
//    log-normal around 50,000; the planted rule is that a user buys when
//    income > 35,000 + 900·|age − 40| (middle-aged, well-off users buy),
//    with 5 % of labels flipped at random.
// 2. Splits 80/20 with the same seed, fits a `StandardScaler` on the training
//    split only and reuses it for the test split and for the new user.
// 3. Trains Dense(64, relu) → Dropout(0.5) → Dense(32, relu) → Dropout(0.5)
//    → Dense(1, sigmoid) with Adam(1e-3) and binary cross-entropy for 100
//    epochs (`--epochs`), batch 32, printing progress every 10 epochs.
// 4. Prints test accuracy, precision, recall, F1 and the confusion matrix,
//    and the purchase probability of a new user aged 30 earning 60,000.

use std::process::ExitCode;

use ndarray::{Array2, Axis, array};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use user_analytics::analytics::metrics::{accuracy, confusion_matrix, f1_score, precision, recall};
use user_analytics::cli::{self, Command, Error, Flag};
use user_analytics::data::scale::StandardScaler;
use user_analytics::data::split::train_test_split;
use user_analytics::nn::losses::BinaryCrossEntropy;
use user_analytics::nn::optim::Adam;
use user_analytics::nn::{Activation, Control, FitConfig, Sequential};

const CMD: Command = Command {
    name: "quickstart",
    about: "The design document's purchase-prediction model end to end on synthetic users.",
    flags: &[
        Flag::value("--users", "N", "synthetic users (at least 10)").default("5000"),
        Flag::value("--epochs", "N", "training epochs").default("100"),
        Flag::value("--seed", "N", "seed of the data, the split and the network").default("42"),
    ],
    positional: None,
};

/// Parsed flags.
struct Args {
    users: usize,
    epochs: usize,
    seed: u64,
}

fn parse_args(args: Vec<std::ffi::OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let a = Args {
        users: m.required("--users")?,
        epochs: m.required("--epochs")?,
        seed: m.required("--seed")?,
    };
    if a.users < 10 {
        return Err(Error::usage(format!(
            "--users must be at least 10 (80/20 split), found {}",
            a.users
        )));
    }
    if a.epochs == 0 {
        return Err(Error::usage("--epochs must be at least 1, found 0"));
    }
    // Two f64 features while generating, then the f32 copies and the split.
    cli::check_size("--users: the synthetic users", &[a.users, 2], 24)?;
    Ok(a)
}

/// Synthetic users: columns (age, income) and the planted purchase label.
fn synthetic_users(n: usize, seed: u64) -> Result<(Array2<f32>, Vec<u8>), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let income = LogNormal::new(50_000f64.ln(), 0.5).map_err(|e| e.to_string())?;
    let mut x = Array2::zeros((n, 2));
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let age: f64 = rng.random_range(18.0..70.0);
        let inc: f64 = income.sample(&mut rng);
        let buys = inc > 35_000.0 + 900.0 * (age - 40.0).abs();
        let flipped = rng.random::<f64>() < 0.05;
        x[[i, 0]] = age as f32;
        x[[i, 1]] = inc as f32;
        y.push(u8::from(buys != flipped));
    }
    Ok((x, y))
}

/// Runs the whole pipeline, printing as it goes; returns the test accuracy.
fn run(a: &Args) -> Result<f64, Box<dyn std::error::Error>> {
    let (x, y) = synthetic_users(a.users, a.seed)?;
    let (train, test) = train_test_split(x.nrows(), 0.2, a.seed, None)?;
    let (x_train, x_test) = (x.select(Axis(0), &train), x.select(Axis(0), &test));
    let labels = |rows: &[usize]| -> Vec<u8> { rows.iter().map(|&i| y[i]).collect() };
    let (y_train, y_test) = (labels(&train), labels(&test));
    println!(
        "{} users: {} for training, {} for testing",
        x.nrows(),
        train.len(),
        test.len()
    );

    // Fitted on the training split only; reused for everything after.
    let scaler = StandardScaler::default().fit_matrix(x_train.view())?;
    let x_train = scaler.transform_matrix(x_train.view())?;
    let x_test = scaler.transform_matrix(x_test.view())?;
    let y_train_col = Array2::from_shape_fn((y_train.len(), 1), |(i, _)| f32::from(y_train[i]));

    let mut model = Sequential::<f32>::builder(2)
        .dense(64, Activation::Relu)
        .dropout(0.5)
        .dense(32, Activation::Relu)
        .dropout(0.5)
        .dense(1, Activation::Sigmoid)
        .seed(a.seed)
        .build()?;
    let epochs = a.epochs;
    let config = FitConfig::new()
        .epochs(epochs)
        .batch_size(32)
        .seed(a.seed)
        .on_epoch(move |log| {
            if log.epoch == 1 || log.epoch % 10 == 0 {
                println!(
                    "epoch {:>3}/{epochs}  loss {:.4}  accuracy {:.4}",
                    log.epoch,
                    log.loss,
                    log.accuracy.unwrap_or(f64::NAN)
                );
            }
            Control::Continue
        });
    model.fit(
        x_train.view(),
        y_train_col.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(1e-3),
        config,
    )?;

    let p_test = model.predict(x_test.view())?;
    let y_pred: Vec<u8> = p_test.iter().map(|&p| u8::from(p >= 0.5)).collect();
    println!();
    let test_accuracy = accuracy(&y_test[..], &y_pred[..])?;
    println!("test accuracy   {test_accuracy:.4}");
    // Undefined metrics (e.g. precision when nothing is predicted positive)
    // are None and print as "undefined", never as 0.
    let show = |v: Option<f64>| v.map_or_else(|| "undefined".to_string(), |v| format!("{v:.4}"));
    println!(
        "test precision  {}",
        show(precision(&y_test[..], &y_pred[..])?)
    );
    println!(
        "test recall     {}",
        show(recall(&y_test[..], &y_pred[..])?)
    );
    println!(
        "test F1         {}",
        show(f1_score(&y_test[..], &y_pred[..])?)
    );
    println!("{}", confusion_matrix(&y_test[..], &y_pred[..])?);

    // A new user goes through the same fitted scaler.
    let new_user = scaler.transform_matrix(array![[30.0f32, 60_000.0]].view())?;
    let p = model.predict(new_user.view())?[[0, 0]];
    println!("new user (age 30, income 60,000): purchase probability {p:.3}");
    Ok(test_accuracy)
}

fn main() -> ExitCode {
    let a = match parse_args(std::env::args_os().skip(1).collect()) {
        Ok(a) => a,
        Err(Error::Help(h)) => {
            println!("{h}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("quickstart: error: {e}");
            return ExitCode::from(e.code());
        }
    };
    match run(&a) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: error: {e}");
            ExitCode::FAILURE
        }
    }
}
