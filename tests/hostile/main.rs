//! Hostile and broken inputs: the crafted files that used to crash or hang the loaders
//! (`loaders`), and fuzz targets over every reader of outside data (`fuzz`), all under a memory
//! budget and a time limit per input (`budget`); memory that long runs must not pile up (`leaks`).

mod budget;
#[path = "../common/mod.rs"]
mod common;
mod craft;
mod fuzz;
mod leaks;
mod loaders;

#[global_allocator]
static ALLOCATOR: budget::Counting = budget::Counting;

/// MNIST, parsed once for every test of this binary.
fn mnist() -> &'static mnist_lab::data::Mnist {
    static MNIST: std::sync::OnceLock<mnist_lab::data::Mnist> = std::sync::OnceLock::new();
    MNIST.get_or_init(common::mnist)
}
