//! The shipped MNIST files and the IDX parser, including broken inputs.

mod common;

use common::{gzip, idx_labels};
use mnist_lab::data::Mnist;
use mnist_lab::data::idx::{MAX_ITEMS, parse_images, parse_labels};
use mnist_lab::data::mnist::{
    FILES, IMAGES_SUFFIX, LABELS_SUFFIX, SHA256, Split, extra_copies, load_set, verify,
};
use mnist_lab::data::{PIXELS, Problem, Rng, batch};

#[test]
fn shipped_files_are_checked_against_the_sums_the_build_carries() {
    let sums = std::fs::read_to_string(common::project("public/mnist/SHA256SUMS")).unwrap();
    for (file, carried) in FILES.iter().zip(SHA256) {
        let line = sums.lines().find(|l| l.ends_with(file)).expect("listed");
        assert_eq!(line.split_whitespace().next(), Some(carried), "{file}");
    }
    // The shipped files pass (common::mnist() loads them verified); one changed byte does not.
    let mut bytes =
        FILES.map(|f| std::fs::read(common::project(&format!("public/mnist/{f}"))).unwrap());
    let check = |b: &[Vec<u8>; 4]| verify([0, 1, 2, 3].map(|i| (FILES[i], b[i].as_slice())));
    assert!(check(&bytes).is_ok());
    *bytes[3].last_mut().unwrap() ^= 1;
    let e = check(&bytes).unwrap_err();
    assert_eq!(e.file, FILES[3]);
    assert!(matches!(e.problem, Problem::NotMnist { expected, .. } if expected == SHA256[3]));
    assert!(
        e.to_string().contains("not the MNIST file this app ships"),
        "{e}"
    );
}

#[test]
fn a_folder_of_other_files_under_mnists_names_is_refused_where_mnist_is_expected() {
    let dir = common::mnist_subset("data-not-mnist", 100, 10);
    assert_eq!(Mnist::load(&dir).unwrap().train.len(), 100);
    let e = Mnist::load_verified(&dir).unwrap_err();
    assert!(matches!(e.problem, Problem::NotMnist { .. }), "{e}");
}

#[test]
fn gzip_is_read_as_gunzip_reads_it() {
    let raw = idx_images(2, 28, 28, 2 * PIXELS);
    // Two members (as `cat a.gz b.gz` makes) are one stream.
    let mut two = gzip(&raw[..1000]);
    two.extend(gzip(&raw[1000..]));
    assert_eq!(parse_images("two.gz", &two).unwrap(), raw[16..]);
    // Bytes after the last member that start no member are refused, not dropped.
    let mut trailing = gzip(&raw);
    trailing.extend(b"garbage");
    let e = parse_images("trailing.gz", &trailing).unwrap_err();
    assert!(matches!(e.problem, Problem::Gzip(_)), "{e}");
}

#[test]
fn a_device_or_an_endless_file_is_refused_without_reading_it_all() {
    let dir = common::scratch("data-dev-zero");
    for file in FILES {
        std::os::unix::fs::symlink("/dev/zero", dir.join(file)).unwrap();
    }
    let e = Mnist::load(&dir).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
}

#[test]
fn full_set_parses_with_the_official_counts() {
    let m = common::mnist();
    assert_eq!((m.train.len(), m.test.len()), (60_000, 10_000));
    assert_eq!(m.train.images().len(), 60_000 * PIXELS);
    let count = |s: &Split, d| s.labels().iter().filter(|&&l| l == d).count();
    assert_eq!(count(&m.train, 0), 5923);
    assert_eq!(count(&m.train, 9), 5949);
    assert_eq!(count(&m.test, 1), 1135);
    assert_eq!(m.test.labels()[..5], [7, 2, 1, 0, 4]);
}

fn idx_images(n: u32, rows: u32, cols: u32, data_len: usize) -> Vec<u8> {
    common::idx_images(n, rows, cols, &vec![7; data_len])
}

#[test]
fn raw_and_gzipped_idx_parse_the_same() {
    let raw = idx_images(2, 28, 28, 2 * PIXELS);
    assert_eq!(
        parse_images("a", &raw).unwrap(),
        parse_images("a", &gzip(&raw)).unwrap()
    );
    assert_eq!(
        parse_labels("l", &gzip(&idx_labels(&[3, 9]))).unwrap(),
        vec![3, 9]
    );
}

#[test]
fn broken_files_give_errors_naming_file_and_problem() {
    let err = |r: Result<Vec<u8>, mnist_lab::data::DataError>| r.unwrap_err();

    let e = err(parse_images("imgs.gz", &idx_labels(&[1])));
    assert_eq!(e.file, "imgs.gz");
    assert!(matches!(
        e.problem,
        Problem::WrongMagic {
            found: 0x801,
            expected: 0x803
        }
    ));
    assert!(
        e.to_string().starts_with("imgs.gz: wrong magic number"),
        "{e}"
    );

    let e = err(parse_images("t", &idx_images(3, 28, 28, 3 * PIXELS - 10)));
    assert_eq!(
        e.problem,
        Problem::Truncated {
            expected: 3 * PIXELS,
            found: 3 * PIXELS - 10
        }
    );
    // Truncated inside the gzip stream itself.
    let gz = gzip(&idx_images(3, 28, 28, 3 * PIXELS));
    assert!(matches!(
        err(parse_images("t", &gz[..gz.len() / 2])).problem,
        Problem::Gzip(_)
    ));

    assert_eq!(
        err(parse_images("t", &[0, 0, 8])).problem,
        Problem::NoHeader(3)
    );
    assert_eq!(
        err(parse_images("t", &idx_images(1, 32, 32, 1024))).problem,
        Problem::WrongDimensions { rows: 32, cols: 32 }
    );
    assert_eq!(
        err(parse_images("t", &idx_images(1, 28, 28, PIXELS + 5))).problem,
        Problem::TrailingBytes { extra: 5 }
    );
    assert_eq!(
        err(parse_images("t", &idx_images(u32::MAX, 28, 28, 0))).problem,
        Problem::TooManyItems {
            count: u32::MAX as usize,
            max: MAX_ITEMS
        }
    );
    assert_eq!(
        err(parse_labels("l", &idx_labels(&[1, 2, 12]))).problem,
        Problem::LabelOutOfRange {
            index: 2,
            value: 12
        }
    );
    assert!(matches!(
        err(parse_labels("l", b"not an idx file at all")).problem,
        Problem::WrongMagic { .. }
    ));

    let e = Split::parse(
        ("i", &idx_images(2, 28, 28, 2 * PIXELS)),
        ("l", &idx_labels(&[1])),
    )
    .unwrap_err();
    assert_eq!(
        e.problem,
        Problem::CountMismatch {
            images: 2,
            labels: 1
        }
    );
}

#[test]
fn batches_are_seeded_shuffles_of_pixels_over_255() {
    let m = common::mnist();
    let order =
        |seed| batch::epoch_order(m.test.len(), batch::Order::Shuffled, &mut Rng::new(seed));
    let a = order(3);
    assert_eq!(a, order(3));
    assert_ne!(a, order(4));
    let sequential = batch::epoch_order(m.test.len(), batch::Order::Sequential, &mut Rng::new(3));
    assert!(sequential.iter().enumerate().all(|(i, &v)| v as usize == i));
    let px = batch::pixels(&m.test, &a[..2], None);
    assert_eq!(px.len(), 2 * PIXELS);
    assert_eq!(px[300], m.test.image(a[0] as usize)[300] as f32 / 255.0);
    assert!(px.iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn a_set_written_as_idx_reads_back_and_mixes_into_training_data() {
    let test = common::mnist().test;
    let mine = test.range(100, 140);
    let (images, labels) = mine.to_idx();
    assert_eq!(&images[..2], &[0x1f, 0x8b], "gzip'd, as MNIST ships");
    let back = Split::parse(("mine-images", &images), ("mine-labels", &labels)).unwrap();
    assert_eq!(back, mine);

    let base = test.take(100);
    let mixed = base.with_extra(&mine, 3);
    assert_eq!(mixed.len(), 100 + 3 * 40);
    assert_eq!(mixed.take(100), base);
    assert_eq!(mixed.range(180, 220), mine);

    // Held out: the second of every four of each digit, whatever their order.
    let (rest, held) = mine.hold_out(4);
    assert_eq!(rest.len() + held.len(), 40);
    for d in 0..10u8 {
        let n = mine.labels().iter().filter(|&&l| l == d).count();
        let h = held.labels().iter().filter(|&&l| l == d).count();
        // Positions 1, 5, 9, … of n.
        assert_eq!(h, (n + 2) / 4, "digit {d}: {h} of {n}");
    }
    let first_of = |set: &Split, d: u8| set.labels().iter().position(|&l| l == d);
    let twos: Vec<usize> = (0..40).filter(|&i| mine.label(i) == 2).collect();
    if twos.len() >= 2 {
        assert_eq!(held.image(first_of(&held, 2).unwrap()), mine.image(twos[1]));
    }
    // Own digits make about 5 % of an epoch: 60,000 + 3,158 = 63,158 for 30 of them.
    assert_eq!(extra_copies(60_000, 30), 105);
    assert_eq!(extra_copies(600, 30), 1);
    assert_eq!(extra_copies(60_000, 1), 200);

    // A folder with one set loads it; none or two are refused by name.
    let dir = common::scratch("digit-set");
    let none = load_set(&dir).unwrap_err().to_string();
    assert!(
        none.contains("no file ending in -images-idx3-ubyte.gz"),
        "{none}"
    );
    std::fs::write(dir.join(format!("my-digits{IMAGES_SUFFIX}")), &images).unwrap();
    std::fs::write(dir.join(format!("my-digits{LABELS_SUFFIX}")), &labels).unwrap();
    assert_eq!(load_set(&dir).unwrap(), mine);
    std::fs::write(dir.join(format!("more{IMAGES_SUFFIX}")), &images).unwrap();
    let two = load_set(&dir).unwrap_err().to_string();
    assert!(two.contains("2 sets of digits"), "{two}");
}

#[test]
fn a_set_is_capped_from_its_header_and_kept_once_per_image() {
    let first = common::mnist().test.range(0, 30);
    let doubled = first.with_extra(&first.range(0, 5), 2);
    let (images, labels) = doubled.to_idx();
    let e = Split::parse_up_to(("i", &images), ("l", &labels), 39).unwrap_err();
    assert_eq!(e.problem, Problem::TooManyItems { count: 40, max: 39 });
    let parsed = Split::parse_up_to(("i", &images), ("l", &labels), 40).unwrap();
    assert_eq!(parsed.len(), 40);
    assert_eq!(parsed.unique(), first);
}
