//! Adam, as burn's (β₁ 0.9, β₂ 0.999, the same formula and state), with its step-dependent
//! factors kept on the device.
//!
//! burn's Adam computes the bias corrections `√(1−β₂ᵗ)/(1−β₁ᵗ)` and `ε·√(1−β₂ᵗ)` on the host and
//! passes them to each parameter's kernel as scalars. On WebGPU a kernel's scalars travel in a
//! small uniform buffer that cubecl caches by content, so values that change every step made a
//! new buffer and a buffer write per parameter per step (6 of each for the tutorial's model).
//! Here the powers βᵗ live in a device tensor that each step multiplies by β — a constant — and
//! the two factors are computed from them there, once per step for every parameter; the kernels'
//! scalars then never change.

use std::any::Any;
use std::sync::{Arc, Mutex};

use burn::optim::{AdamState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer};
use burn::prelude::*;

const BETA_1: f32 = 0.9;
const BETA_2: f32 = 0.999;

#[derive(Clone)]
pub(super) struct DeviceAdam {
    epsilon: f32,
    /// The factors of the step being taken, shared by its parameters' updates.
    clock: Arc<Mutex<Option<Clock>>>,
}

/// β₁ᵗ, β₂ᵗ and the factors `√(1−β₂ᵗ)/(1−β₁ᵗ)` and `ε·√(1−β₂ᵗ)` for step `time`: one-element
/// tensors on a device.
#[derive(Clone)]
struct Clock {
    time: usize,
    power_1: Tensor<1>,
    power_2: Tensor<1>,
    factor: Tensor<1>,
    epsilon: Tensor<1>,
    /// The two factors as `(Tensor<D>, Tensor<D>)` of shape `[1; D]` for D = 1…4, made with the
    /// clock: reshaped inside a parameter's update instead, they split its fused kernel in two.
    shaped: [Arc<dyn Any + Send + Sync>; 4],
}

/// The factors shaped `[1; D]`, for [`Clock::shaped`].
fn shaped<const D: usize>(factor: &Tensor<1>, epsilon: &Tensor<1>) -> Arc<dyn Any + Send + Sync> {
    Arc::new((
        factor.clone().reshape([1; D]),
        epsilon.clone().reshape([1; D]),
    ))
}

impl Clock {
    /// Step `time`'s clock from the host: an upload, made once per run (and device).
    fn at(time: usize, device: &Device, epsilon: f32) -> Self {
        let power = |beta: f32| Tensor::from_floats([beta.powi(time as i32)], device);
        Self::from_powers(time, power(BETA_1), power(BETA_2), epsilon)
    }

    /// The next step's clock, computed on the device from this one.
    fn next(&self, epsilon: f32) -> Self {
        Self::from_powers(
            self.time + 1,
            self.power_1.clone().mul_scalar(BETA_1),
            self.power_2.clone().mul_scalar(BETA_2),
            epsilon,
        )
    }

    fn from_powers(time: usize, power_1: Tensor<1>, power_2: Tensor<1>, epsilon: f32) -> Self {
        let one_minus = |power: &Tensor<1>| power.clone().neg().add_scalar(1.0);
        let correction_2_sqrt = one_minus(&power_2).sqrt();
        let factor = correction_2_sqrt.clone() / one_minus(&power_1);
        let epsilon = correction_2_sqrt.mul_scalar(epsilon);
        Self {
            time,
            shaped: [
                shaped::<1>(&factor, &epsilon),
                shaped::<2>(&factor, &epsilon),
                shaped::<3>(&factor, &epsilon),
                shaped::<4>(&factor, &epsilon),
            ],
            factor,
            epsilon,
            power_1,
            power_2,
        }
    }

    /// The factors shaped to broadcast over a parameter of rank `D`.
    fn factors<const D: usize>(&self) -> (Tensor<D>, Tensor<D>) {
        let made = self.shaped.get(D.wrapping_sub(1));
        made.and_then(|s| s.downcast_ref::<(Tensor<D>, Tensor<D>)>())
            .cloned()
            .unwrap_or_else(|| {
                let shape = |t: &Tensor<1>| t.clone().reshape([1; D]);
                (shape(&self.factor), shape(&self.epsilon))
            })
    }
}

impl DeviceAdam {
    pub(super) fn init(epsilon: f32) -> ModuleOptimizer {
        ModuleOptimizer::from(Self {
            epsilon,
            clock: Arc::default(),
        })
    }

    /// Step `time`'s clock on `device`: computed once per step (the first parameter's update
    /// advances it, the others reuse it), from the previous step's, on the device.
    fn clock(&self, time: usize, device: &Device) -> Clock {
        let mut clock = self
            .clock
            .lock()
            .expect("no update panicked holding the clock");
        let current = match clock.take() {
            Some(c) if c.time == time && c.power_1.device() == *device => c,
            Some(c) if c.time + 1 == time && c.power_1.device() == *device => c.next(self.epsilon),
            _ => Clock::at(time, device, self.epsilon),
        };
        *clock = Some(current.clone());
        current
    }
}

impl Optimizer for DeviceAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let squared = grad.clone().square();
        let (time, moment_1, moment_2) = match state {
            Some(AdamState { momentum: s }) => (
                s.time + 1,
                s.moment_1.mul_scalar(BETA_1) + grad.mul_scalar(1.0 - BETA_1),
                s.moment_2.mul_scalar(BETA_2) + squared.mul_scalar(1.0 - BETA_2),
            ),
            None => (
                1,
                grad.mul_scalar(1.0 - BETA_1),
                squared.mul_scalar(1.0 - BETA_2),
            ),
        };
        let (factor, epsilon) = self.clock(time, &tensor.device()).factors::<D>();
        let update = (moment_1.clone() * factor) / (moment_2.clone().sqrt() + epsilon);
        let state = AdaptiveMomentumState::new(time, moment_1, moment_2);
        (tensor - update.mul_scalar(lr), Some(AdamState::new(state)))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::{AdamConfig, GradientsParams};

    use super::*;

    /// Fifty steps of a small layer with burn's Adam and with this one, from the same weights on
    /// the same inputs, land on the same weights.
    #[test]
    fn steps_like_burns_adam() {
        let device = Device::flex().autodiff();
        device.seed(3);
        let start = LinearConfig::new(6, 4).init(&device);
        let train = |mut optim: ModuleOptimizer| {
            let mut layer: Linear = start.clone();
            for i in 1..=50 {
                let x = Tensor::<2>::ones([3, 6], &device)
                    .mul_scalar(i as f32 * 0.1)
                    .sin();
                let loss = layer.forward(x).powi_scalar(2).sum();
                let grads = GradientsParams::from_grads(loss.backward(), &layer);
                layer = optim.step(0.01, layer, grads);
            }
            layer.weight.val().into_data().try_to_vec::<f32>().unwrap()
        };
        let burns = train(AdamConfig::new().with_epsilon(1e-8).init());
        let ours = train(DeviceAdam::init(1e-8));
        let start = start.weight.val().into_data().try_to_vec::<f32>().unwrap();
        for (a, b) in ours.iter().zip(&burns) {
            assert!((a - b).abs() < 1e-5, "{a} here, {b} with burn's Adam");
        }
        let moved = burns.iter().zip(&start).map(|(b, s)| (b - s).abs());
        let moved = moved.fold(0.0f32, f32::max);
        assert!(
            moved > 0.1,
            "fifty steps of lr 0.01 moved a weight by {moved} at most"
        );
    }
}
