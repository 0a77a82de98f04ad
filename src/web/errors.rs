//! The core's errors as the page says them: a sentence of the catalogues, written in the page's
//! language, quoting the core's technical detail of a file as it is (in English, like a
//! browser's own error). The worker sends these; nothing on the way turns an error into text.

use crate::data::DataError;
use crate::eval::EvalError;
use crate::model::{
    ArchError, MAX_BLOCKS, MAX_CHANNELS, MAX_HIDDEN, MAX_TRAINING_BYTES, MAX_WIDTH, MIN_WIDTH,
};
use crate::train::TrainError;
use crate::web::i18n::Text;
use crate::weights::link::LinkError;
use crate::weights::{EncodeError, WeightsError};

impl From<WeightsError> for Text {
    fn from(e: WeightsError) -> Self {
        Text::new("weights-refused")
            .arg("file", e.file)
            .arg("problem", e.problem.to_string())
    }
}

impl From<DataError> for Text {
    fn from(e: DataError) -> Self {
        Text::new("data-refused")
            .arg("file", e.file)
            .arg("problem", e.problem.to_string())
    }
}

impl From<EncodeError> for Text {
    fn from(e: EncodeError) -> Self {
        Text::new("cannot-encode").arg("detail", e.to_string())
    }
}

impl From<TrainError> for Text {
    fn from(e: TrainError) -> Self {
        match e {
            TrainError::InvalidConfig(why) => Text::new("train-invalid").arg("detail", why),
            TrainError::NoData => Text::new("train-no-data"),
            TrainError::NonFiniteLoss { value, epoch, step } => Text::new("train-diverged")
                .arg("value", value.to_string())
                .arg("epoch", epoch)
                .arg("step", step),
            TrainError::Read(detail) => Text::new("device-read-failed").arg("detail", detail),
            TrainError::BadShare(why) => Text::new("bad-share").arg("detail", why),
            TrainError::Network(why) => why.into(),
        }
    }
}

impl From<EvalError> for Text {
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::Empty => Text::new("eval-empty"),
            EvalError::NotFinite => Text::new("eval-not-finite"),
            EvalError::Read(detail) => Text::new("device-read-failed").arg("detail", detail),
        }
    }
}

impl From<LinkError> for Text {
    fn from(e: LinkError) -> Self {
        Text::new("link-refused").arg("problem", e.to_string())
    }
}

impl From<ArchError> for Text {
    fn from(e: ArchError) -> Self {
        match e {
            ArchError::Token(token) => Text::new("arch-token").arg("token", token),
            ArchError::Blocks(n) => Text::new("arch-blocks")
                .arg("count", n)
                .arg("max", MAX_BLOCKS),
            ArchError::Order => Text::new("arch-order"),
            ArchError::Channels(n) => Text::new("arch-channels")
                .arg("value", n)
                .arg("max", MAX_CHANNELS),
            ArchError::Kernel(n) => Text::new("arch-kernel").arg("value", n),
            ArchError::Hidden(n) => Text::new("arch-hidden")
                .arg("count", n)
                .arg("max", MAX_HIDDEN),
            ArchError::Width(n) => Text::new("arch-width")
                .arg("value", n)
                .arg("min", MIN_WIDTH)
                .arg("max", MAX_WIDTH),
            ArchError::Dropout(p) => Text::new("arch-dropout").arg("value", p.to_string()),
            ArchError::TooBig { bytes, batch } => Text::new("arch-too-big")
                .arg("mb", bytes >> 20)
                .arg("batch", batch)
                .arg("limit", MAX_TRAINING_BYTES >> 20),
        }
    }
}
