//! MNIST data: IDX parsing, batches and augmentation.

pub mod augment;
pub mod batch;
pub mod bilinear;
pub mod idx;
pub mod mnist;
pub mod rng;

pub use augment::Augment;
pub use idx::{DataError, PIXELS, Problem, SIDE};
pub use mnist::{Mnist, Split};
pub use rng::Rng;
