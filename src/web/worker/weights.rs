//! Replacing the worker's current weights (the shipped pretrained ones, random ones, an upload,
//! or those a previous worker had), and writing them for PyTorch.

use burn::prelude::*;

use super::state::{Shared, adopt_weights, info, post};
use crate::inference;
use crate::web::i18n::Text;
use crate::web::js::base_url;
use crate::web::net;
use crate::web::protocol::{Bytes, FromWorker, PRETRAINED, WeightsInfo, WeightsSource};
use crate::weights;

pub async fn set_weights(state: Shared, source: WeightsSource) {
    if state.borrow().run.is_some() {
        return post(FromWorker::Error {
            message: Text::new("stop-first"),
        });
    }
    let uploaded = matches!(source, WeightsSource::File { .. });
    let device = Device::flex();
    // A weights file (fetched or uploaded) is for the network it names, or its tensors describe.
    let load = |name: &str, bytes: &[u8]| {
        let model = weights::load_any(name, bytes, &device)?;
        Ok::<_, Text>((model.config().clone(), model))
    };
    let result: Result<(Vec<u8>, WeightsInfo), Text> = async {
        let (arch, model, origin) = match source {
            WeightsSource::Pretrained => {
                let url = format!("{}{PRETRAINED}", base_url());
                let bytes = net::request(&url).await?.bytes(&mut |_| {}).await?;
                let (arch, model) = load(&url, &bytes)?;
                (arch, model, Text::new("origin-pretrained"))
            }
            WeightsSource::Random { arch, seed } => {
                if let Err(e) = arch.check() {
                    return Err(Text::from(e));
                }
                let model = arch.seeded(seed, &device);
                (arch, model, Text::new("origin-random"))
            }
            WeightsSource::File { name, file } => {
                let (arch, model) = load(&name, &file.to_vec())?;
                (arch, model, Text::Raw(name))
            }
            WeightsSource::Restore { info, weights } => {
                let bytes = weights.to_vec();
                let (arch, _) = load("the restored weights", &bytes)?;
                return Ok((bytes, WeightsInfo { arch, ..*info }));
            }
        };
        // Re-encoded, so what the UI keeps and saves is always a burn record.
        Ok((weights::to_bytes(&model)?, info(arch, origin, None)))
    }
    .await;
    match result {
        Ok((bytes, info)) => adopt_weights(&state, bytes, info),
        Err(message) if uploaded => post(FromWorker::FileRefused { message }),
        Err(message) => post(FromWorker::Error { message }),
    }
}

/// The current weights as a PyTorch state_dict, for the page to download: the page links no
/// `.pth` writer, and the worker already holds the weights.
pub fn export_pth(state: &Shared) {
    let Some((bytes, info)) = state.borrow().weights.clone() else {
        return post(FromWorker::Error {
            message: Text::new("nothing-to-export"),
        });
    };
    let written = inference::load(&info.arch, "the current weights", &bytes)
        .map_err(Text::from)
        .and_then(|model| weights::to_pth(&model).map_err(Text::from));
    match written {
        Ok(pth) => post(FromWorker::Pth {
            arch: info.arch,
            file: Bytes::copy(&pth),
        }),
        Err(message) => post(FromWorker::Error { message }),
    }
}
