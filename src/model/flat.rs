//! A model's float parameters (or their gradients) as one flat list, in the order the model
//! visits them. Both ends of a copy build the same architecture, so they share that order: what
//! crosses between browser workers (a helper's parameters and gradients), the weights read back
//! from a GPU in one read, the parameters the CPU kernels compute with.
//!
//! Read without autodiff: burn's autodiff keeps every operation on its tensors, tracked or not,
//! in a graph that only a backward pass frees.

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;

use super::Model;

/// Every float parameter of `model`, flattened into one tensor.
pub fn params(model: &Model) -> Tensor<1> {
    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().inner().reshape([-1]));
        }
    }
    let mut collect = Collect(vec![]);
    model.visit(&mut collect);
    Tensor::cat(collect.0, 0)
}

/// `model` with its parameters' values replaced by `flat`'s, on `device` (the same parameters:
/// their ids, which gradients are keyed by, stay).
pub fn with_params(model: Model, flat: &[f32], device: &Device) -> Model {
    struct Refill<'a> {
        values: Values<'a>,
        device: &'a Device,
    }
    impl ModuleMapper for Refill<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let tensor = self.values.next(param.shape(), self.device);
            param.map(|_| tensor)
        }
    }
    model.map(&mut Refill {
        values: Values { flat, offset: 0 },
        device,
    })
}

/// The next tensors of a flat list.
struct Values<'a> {
    flat: &'a [f32],
    offset: usize,
}

impl Values<'_> {
    fn next<const D: usize>(&mut self, shape: Shape, device: &Device) -> Tensor<D> {
        let n = shape.num_elements();
        let values = self.flat[self.offset..self.offset + n].to_vec();
        self.offset += n;
        Tensor::from_data(TensorData::new(values, shape), device)
    }
}

#[cfg(feature = "train")]
pub use gradients::{gradients, to_gradients};

#[cfg(feature = "train")]
mod gradients {
    use burn::module::{ModuleVisitor, Param};
    use burn::optim::GradientsParams;
    use burn::prelude::*;

    use super::Values;
    use crate::model::Model;

    /// `grads`, a gradient for each of `model`'s parameters, flattened into one tensor.
    pub fn gradients(model: &Model, grads: &GradientsParams) -> Tensor<1> {
        struct Collect<'a>(&'a GradientsParams, Vec<Tensor<1>>);
        impl ModuleVisitor for Collect<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                // Every parameter takes part in the loss, so each has a gradient (a network
                // with batch norm, whose running statistics have none, is not split into
                // shares: see `Trainer`).
                let grad = self.0.get::<D>(param.id).expect("a gradient per parameter");
                self.1.push(grad.reshape([-1]));
            }
        }
        let mut collect = Collect(grads, vec![]);
        model.visit(&mut collect);
        Tensor::cat(collect.1, 0)
    }

    /// Flattened gradients keyed by `model`'s parameters, on `device` (where the optimizer
    /// takes them: the trainer's, without autodiff).
    pub fn to_gradients(model: &Model, flat: &[f32], device: &Device) -> GradientsParams {
        struct Keyed<'a> {
            values: Values<'a>,
            device: &'a Device,
            grads: GradientsParams,
        }
        impl ModuleVisitor for Keyed<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let grad: Tensor<D> = self.values.next(param.shape(), self.device);
                self.grads.register(param.id, grad);
            }
        }
        let mut keyed = Keyed {
            values: Values { flat, offset: 0 },
            device,
            grads: GradientsParams::new(),
        };
        model.visit(&mut keyed);
        keyed.grads
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Preset;

    #[test]
    fn parameters_flatten_and_refill_in_one_order() {
        let device = Device::flex();
        let model = Preset::Tutorial.config().init(&device);
        let flat = params(&model).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(flat.len(), model.num_params());
        let doubled: Vec<f32> = flat.iter().map(|v| v * 2.0).collect();
        let refilled = with_params(model.clone(), &doubled, &device);
        let again = params(&refilled).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(again, doubled);
        assert_eq!(
            refilled.blocks[1].conv.weight.id, model.blocks[1].conv.weight.id,
            "the same parameters"
        );
    }

    #[cfg(feature = "train")]
    #[test]
    fn gradients_flatten_and_key_in_one_order() {
        let device = Device::flex();
        let model = Preset::Tutorial.config().init(&device);
        let flat: Vec<f32> = (0..model.num_params()).map(|i| i as f32).collect();
        let grads = to_gradients(&model, &flat, &device);
        let back = gradients(&model, &grads)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(back, flat);
    }
}
