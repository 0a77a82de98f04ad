//! The tutorial network's training step on a GPU as eight kernels of our own: the batch's loss,
//! hits and gradients from the parameters, images and labels, with no autodiff graph.
//!
//! burn's autodiff runs each operation and each of its derivatives as kernels of their own —
//! dozens of dispatches per step on WebGPU even with its fusion (docs/results.md), and on a real
//! GPU each dispatch costs more than this model's arithmetic. Here each layer's forward pass is one kernel with its ReLU
//! and pooling, and each backward pass one or two ([`kernels`]), plugged into burn as a backend
//! extension so burn keeps the model, the optimizer, evaluation and the data's uploads. The
//! gradients equal the CPU kernels' and autodiff's up to float rounding (tests/training.rs with
//! `--features wgpu`; the browser suite compares a WebGPU run with a CPU run).

mod kernels;

use burn::backend::fusion::custom::TensorSpec;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, DispatchDevice, ExtensionType, backend_extension};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn_cubecl::CubeBackend;

use super::cpu;
use super::share::ShareResult;
use crate::data::PIXELS;
use crate::model::Model;

/// A step's parameters (the tutorial's six tensors), images (`[n, 1, 28, 28]`) and labels (`[n]`,
/// as floats).
#[derive(ExtensionType)]
#[extension_type(fusion)]
pub struct StepInputs<B: Backend> {
    pub w1: FloatTensor<B>,
    pub b1: FloatTensor<B>,
    pub w2: FloatTensor<B>,
    pub b2: FloatTensor<B>,
    pub wf: FloatTensor<B>,
    pub bf: FloatTensor<B>,
    pub images: FloatTensor<B>,
    pub labels: FloatTensor<B>,
}

/// The loss's gradients with respect to each parameter, the batch's loss (its mean
/// cross-entropy) and its number of right answers.
#[derive(ExtensionType)]
#[extension_type(fusion)]
pub struct StepOutputs<B: Backend> {
    pub w1: FloatTensor<B>,
    pub b1: FloatTensor<B>,
    pub w2: FloatTensor<B>,
    pub b2: FloatTensor<B>,
    pub wf: FloatTensor<B>,
    pub bf: FloatTensor<B>,
    pub loss: FloatTensor<B>,
    pub hits: FloatTensor<B>,
}

/// What the step returns, known before it runs (fusion records it and runs it later): a gradient
/// shaped like each parameter, and two one-element sums.
fn outputs_of(inputs: &StepInputsMetadata, _scale: &f32) -> StepOutputsMetadata {
    let one = TensorSpec::new([1].into(), inputs.w1.dtype);
    StepOutputsMetadata {
        w1: inputs.w1.clone(),
        b1: inputs.b1.clone(),
        w2: inputs.w2.clone(),
        b2: inputs.b2.clone(),
        wf: inputs.wf.clone(),
        bf: inputs.bf.clone(),
        loss: one.clone(),
        hits: one,
    }
}

#[backend_extension(Cube, Fusion)]
pub trait TutorialStep: Backend {
    /// One training step's gradients of the tutorial's network (any channel counts, no hidden
    /// layer); the loss is scaled by `scale` (1/n for the batch's mean).
    #[fusion(meta = outputs_of)]
    fn tutorial_step(#[extension_type] inputs: StepInputs<Self>, scale: f32) -> StepOutputs<Self>;
}

impl TutorialStep for CubeBackend {
    fn tutorial_step(inputs: StepInputs<Self>, scale: f32) -> StepOutputs<Self> {
        kernels::launch(inputs, scale)
    }
}

/// The GPU kernels of a model they fit.
#[derive(Debug, Clone, Copy)]
pub struct Kernels;

impl Kernels {
    /// The kernels that train `model` on `device`: a GPU (burn's CubeCL backend), and the
    /// tutorial's layers — no hidden layer, no dropout (its random mask is burn's).
    pub fn training(model: &Model, device: &Device) -> Option<Self> {
        let gpu = matches!(
            device.clone().inner().as_dispatch(),
            DispatchDevice::Cube(_)
        );
        let fits = cpu::Network::of(model.config()).is_some_and(|n| n.is_tutorial_shape());
        (gpu && fits).then_some(Self)
    }

    /// The batch's gradients (as the optimizer takes them), loss and hits; `pixels` holds 784
    /// floats per label.
    pub fn gradients(self, model: &Model, pixels: Vec<f32>, labels: &[u8]) -> ShareResult {
        let n = labels.len();
        assert_eq!(pixels.len(), n * PIXELS, "784 pixels per label");
        let device = model.output.weight.device().inner();
        let [one, two] = &model.blocks[..] else {
            unreachable!("checked by Kernels::training")
        };
        let value = |p: &burn::module::Param<Tensor<1>>| p.val().inner().into_dispatch();
        // Every bias is there: the parameter count Kernels::training checked includes them.
        let bias = |p: &Option<burn::module::Param<Tensor<1>>>| {
            value(p.as_ref().expect("checked by Kernels::training"))
        };
        let images = crate::data::batch::images_tensor(pixels, &device);
        let labels: Vec<f32> = labels.iter().map(|&l| f32::from(l)).collect();
        let labels = Tensor::<1>::from_floats(labels.as_slice(), &device);
        let inputs = StepInputs {
            w1: one.conv.weight.val().inner().into_dispatch(),
            b1: bias(&one.conv.bias),
            w2: two.conv.weight.val().inner().into_dispatch(),
            b2: bias(&two.conv.bias),
            wf: model.output.weight.val().inner().into_dispatch(),
            bf: bias(&model.output.bias),
            images: images.into_dispatch(),
            labels: labels.into_dispatch(),
        };
        let out = <Dispatch as TutorialStep>::tutorial_step(inputs, 1.0 / n as f32);
        let mut grads = GradientsParams::new();
        grads.register(one.conv.weight.id, Tensor::<4>::from_dispatch(out.w1));
        grads.register(two.conv.weight.id, Tensor::<4>::from_dispatch(out.w2));
        grads.register(model.output.weight.id, Tensor::<2>::from_dispatch(out.wf));
        let biases = [
            (&one.conv.bias, out.b1),
            (&two.conv.bias, out.b2),
            (&model.output.bias, out.bf),
        ];
        for (param, grad) in biases {
            let id = param.as_ref().expect("checked by Kernels::training").id;
            grads.register(id, Tensor::<1>::from_dispatch(grad));
        }
        ShareResult {
            grads,
            loss: Tensor::from_dispatch(out.loss),
            correct: Tensor::from_dispatch(out.hits),
        }
    }
}
