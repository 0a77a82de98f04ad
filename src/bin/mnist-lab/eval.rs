//! `mnist-lab eval`: accuracy, per-class metrics, confusion matrix and misclassified digits, on
//! MNIST's test set or on a set of one's own digits.

use std::path::PathBuf;

use burn::module::Module;
use mnist_lab::weights;

use crate::common::{DeviceArg, IMAGES, Result, describe, evaluate_on, load_test_set, within};

#[derive(clap::Args)]
pub struct Args {
    /// Weights: a burn record (.bpk) or the tutorial's PyTorch state_dict (.pth).
    weights: PathBuf,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    /// How many misclassified digits to list.
    #[arg(long, default_value_t = 10, value_parser = within(IMAGES))]
    misses: usize,
    /// Folder with the four MNIST .gz files (default: public/mnist), or with one set of digits
    /// (NAME-images-idx3-ubyte.gz and NAME-labels-idx1-ubyte.gz, e.g. the page's export of My digits).
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let device = args.device.device()?;
    let model = weights::load_file(&args.weights, &device)?;
    let (what, test) = load_test_set(args.data.as_deref())?;
    let eval = evaluate_on(&model, &test, &device)?;

    println!(
        "Model: {} ({} parameters), on {what}",
        describe(model.config()),
        model.num_params()
    );
    println!(
        "Test accuracy: {:.4} ({} of {} correct)\n",
        eval.accuracy(),
        eval.correct(),
        eval.total()
    );
    println!("class  precision  recall     f1   support");
    for c in 0..10 {
        let support: u32 = eval.confusion[c].iter().sum();
        println!(
            "{c:>5}  {:>9.4}  {:>6.4}  {:>6.4}  {support:>7}",
            eval.precision(c),
            eval.recall(c),
            eval.f1(c)
        );
    }
    println!("\nConfusion matrix (rows: true digit, columns: predicted)");
    println!(
        "      {}",
        (0..10).map(|c| format!("{c:>5}")).collect::<String>()
    );
    for (t, row) in eval.confusion.iter().enumerate() {
        println!(
            "  {t:>2}  {}",
            row.iter().map(|n| format!("{n:>5}")).collect::<String>()
        );
    }
    println!(
        "\n{} misclassified; the first {}:",
        eval.misses.len(),
        args.misses.min(eval.misses.len())
    );
    for m in eval.misses.iter().take(args.misses) {
        println!(
            "  test #{:<5} true {}  predicted {}  ({:.1}% sure)",
            m.index,
            m.label,
            m.predicted,
            100.0 * m.confidence
        );
    }
    Ok(())
}
