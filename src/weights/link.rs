//! A network and its weights as text for a link's fragment: the architecture's text form and
//! every parameter as float16 (batch norms' running statistics too), deflated in zlib's format
//! (whose checksum catches a damaged link), in base64url.
//! The tutorial's pretrained network comes to 22,578 characters. Reading one is bounded like a file: a cap on
//! the text, on what it inflates to, the architecture checked, exactly the values it needs,
//! all finite; anything else is a [`LinkError`] and no model.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use burn::prelude::Device;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use half::f16;

use super::EncodeError;
use crate::data::batch::read_floats;
use crate::model::{ArchError, Model, ModelConfig, flat};

/// The first bytes of a link's payload (and its version).
const MAGIC: &[u8; 4] = b"MNL1";
/// Links longer than this are refused unread: the LeNet-like preset's ~97,000 parameters make
/// ~260,000 characters, and browsers keep addresses of a few megabytes at most.
pub const MAX_LINK_CHARS: usize = 400_000;
/// What a link may inflate to: float16 weights barely compress, so 4× the text is generous.
const MAX_PAYLOAD: usize = 4 * MAX_LINK_CHARS;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    #[error(
        "the link's weights are {0} characters; links of more than {MAX_LINK_CHARS} are not read"
    )]
    TooLong(usize),
    #[error("the link's weights are not base64url text")]
    NotBase64,
    #[error("the link's weights are damaged ({0})")]
    Damaged(String),
    #[error("the link's weights are for a network that cannot be used: {0}")]
    Network(#[from] ArchError),
    #[error("the link holds {found} values where its network has {expected}")]
    Count { found: usize, expected: usize },
    #[error("the link's weights hold a value that is not a finite number")]
    NotFinite,
}

/// `model`'s network and weights as a link's text (read back asynchronously: the model may be
/// on a GPU, and wasm cannot read a tensor synchronously).
pub async fn encode(model: &Model) -> Result<String, EncodeError> {
    let values = read_floats(flat::params(model))
        .await
        .map_err(EncodeError)?;
    let arch = model.config().to_string();
    let mut payload = MAGIC.to_vec();
    payload.extend((arch.len() as u16).to_le_bytes());
    payload.extend(arch.as_bytes());
    payload.extend(values.iter().flat_map(|&v| f16::from_f32(v).to_le_bytes()));
    let mut deflate = ZlibEncoder::new(vec![], Compression::best());
    let compressed = deflate
        .write_all(&payload)
        .and_then(|()| deflate.finish())
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(compressed))
}

/// The model a link's text holds, on the CPU.
pub fn decode(text: &str) -> Result<Model, LinkError> {
    if text.len() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong(text.len()));
    }
    let compressed = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| LinkError::NotBase64)?;
    let mut payload = vec![];
    ZlibDecoder::new(compressed.as_slice())
        .take(MAX_PAYLOAD as u64 + 1)
        .read_to_end(&mut payload)
        .map_err(|e| LinkError::Damaged(e.to_string()))?;
    if payload.len() > MAX_PAYLOAD {
        return Err(LinkError::Damaged(
            "it inflates past any network's size".into(),
        ));
    }
    let (config, values) = parts(&payload)?;
    let device = Device::flex();
    let model = config.init(&device);
    let expected = flat::params(&model).dims()[0];
    if values.len() != expected {
        return Err(LinkError::Count {
            found: values.len(),
            expected,
        });
    }
    Ok(flat::with_params(model, &values, &device))
}

/// The architecture and the values of a payload.
fn parts(payload: &[u8]) -> Result<(ModelConfig, Vec<f32>), LinkError> {
    let damaged = |why: &str| LinkError::Damaged(why.into());
    let rest = payload
        .strip_prefix(MAGIC)
        .ok_or_else(|| damaged("not a link of this app"))?;
    let (len, rest) = rest
        .split_first_chunk::<2>()
        .ok_or_else(|| damaged("cut short"))?;
    let len = u16::from_le_bytes(*len) as usize;
    let (arch, rest) = rest
        .split_at_checked(len)
        .ok_or_else(|| damaged("cut short"))?;
    let arch = std::str::from_utf8(arch).map_err(|_| damaged("the network is not text"))?;
    let config: ModelConfig = arch.parse()?;
    if rest.len() % 2 != 0 {
        return Err(damaged("a value is cut in half"));
    }
    let values: Vec<f32> = rest
        .chunks_exact(2)
        .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
        .collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(LinkError::NotFinite);
    }
    Ok((config, values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Preset;

    fn link(model: &Model) -> String {
        pollster::block_on(encode(model)).unwrap()
    }

    #[test]
    fn a_link_holds_the_network_and_its_weights_to_float16() {
        let device = Device::flex();
        for text in ["c8p c16p", "c8bp c16bp c32b f32d0.5"] {
            let config: ModelConfig = text.parse().unwrap();
            let model = config.seeded(3, &device);
            let back = decode(&link(&model)).unwrap();
            assert_eq!(back.config(), model.config());
            let (a, b) = (flat::params(&model), flat::params(&back));
            let (a, b) = (
                a.into_data().try_to_vec::<f32>().unwrap(),
                b.into_data().try_to_vec::<f32>().unwrap(),
            );
            assert!(
                a.iter()
                    .zip(&b)
                    .all(|(x, y)| (x - y).abs() <= 1e-3 * x.abs().max(1e-2))
            );
        }
        let tutorial = link(&Preset::Tutorial.config().seeded(0, &device));
        assert!(tutorial.len() < 30_000, "{} characters", tutorial.len());
    }

    #[test]
    fn damaged_or_oversized_links_are_refused() {
        let device = Device::flex();
        let good = link(&Preset::Tutorial.config().seeded(0, &device));
        assert_eq!(
            decode(&"A".repeat(MAX_LINK_CHARS + 1)).err(),
            Some(LinkError::TooLong(MAX_LINK_CHARS + 1))
        );
        assert_eq!(decode("not base64!").err(), Some(LinkError::NotBase64));
        // Cut short: refused (by base64, zlib or the count, as the cut falls).
        for cut in [good.len() / 2, good.len() / 2 + 1, good.len() - 4] {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        // A byte changed: zlib's checksum.
        let mut flipped = URL_SAFE_NO_PAD.decode(&good).unwrap();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x10;
        let flipped = URL_SAFE_NO_PAD.encode(flipped);
        assert!(matches!(decode(&flipped), Err(LinkError::Damaged(_))));
        let deflated = |payload: &[u8]| {
            let mut e = ZlibEncoder::new(vec![], Compression::fast());
            e.write_all(payload).unwrap();
            URL_SAFE_NO_PAD.encode(e.finish().unwrap())
        };
        // A deflate bomb: 10 MB of zeros in a few kilobytes.
        assert!(matches!(
            decode(&deflated(&vec![0; 10 << 20])),
            Err(LinkError::Damaged(_))
        ));
        let payload = |arch: &str, values: &[f32]| {
            let mut p = MAGIC.to_vec();
            p.extend((arch.len() as u16).to_le_bytes());
            p.extend(arch.as_bytes());
            p.extend(values.iter().flat_map(|&v| f16::from_f32(v).to_le_bytes()));
            deflated(&p)
        };
        assert!(matches!(
            decode(&payload("c8k7", &[])),
            Err(LinkError::Network(_))
        ));
        assert_eq!(
            decode(&payload("c8p c16p", &[0.5; 10])).err(),
            Some(LinkError::Count {
                found: 10,
                expected: 9_098
            })
        );
        assert_eq!(
            decode(&payload("c8p c16p", &[f32::INFINITY; 9_098])).err(),
            Some(LinkError::NotFinite)
        );
    }
}
