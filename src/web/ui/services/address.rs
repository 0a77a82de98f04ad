//! The page's address as settings: `?epochs=1&backend=cpu` for a demo or a test run, and share
//! links, whose fragment (`#arch=…&epochs=…&weights=…`) carries a network, its settings and,
//! if chosen, its weights ([`crate::weights::link`]). A fragment never reaches the host, so the
//! weights stay between the two people.

use crate::inference;
use crate::web::i18n::Text;
use crate::web::protocol::WeightsInfo;
use crate::weights::{self, link};

/// The key of a share link's weights.
pub const WEIGHTS: &str = "weights";

fn params(text: &str) -> Vec<(String, String)> {
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(text) else {
        return vec![];
    };
    let entries = js_sys::try_iter(&params).ok().flatten();
    entries
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let pair = js_sys::Array::from(&entry.ok()?);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// The address's settings: the fragment's (a share link's) first, then the query's.
pub fn settings() -> Vec<(String, String)> {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return vec![];
    };
    let fragment = location.hash().unwrap_or_default();
    let query = location.search().unwrap_or_default();
    let mut all = params(fragment.trim_start_matches('#'));
    all.extend(params(&query));
    all
}

/// The weights a share link carries, if it carries any: as a burn record, with what they are.
pub async fn shared_weights() -> Option<Result<(WeightsInfo, Vec<u8>), Text>> {
    let text = settings().into_iter().find(|(k, _)| k == WEIGHTS)?.1;
    let read = async {
        let model = link::decode(&text)?;
        let bytes = weights::to_bytes_async(&model).await?;
        let info = WeightsInfo {
            arch: model.config().clone(),
            origin: Text::new("origin-link"),
            test_accuracy: None,
            history: None,
        };
        Ok((info, bytes))
    };
    Some(read.await)
}

/// A link to this page with `settings` and, if given, the weights of `record` (a burn record of
/// the network `info` names) in its fragment.
pub async fn share_link(
    settings: &[(&str, String)],
    record: Option<(&WeightsInfo, &[u8])>,
) -> Result<String, Text> {
    let params =
        web_sys::UrlSearchParams::new().map_err(|_| Text::Raw("URLSearchParams".into()))?;
    for (key, value) in settings {
        params.append(key, value);
    }
    if let Some((info, bytes)) = record {
        let model = inference::load(&info.arch, "the current weights", bytes)?;
        let text = link::encode(&model).await?;
        if text.len() > link::MAX_LINK_CHARS {
            return Err(Text::new("link-too-large").arg("chars", text.len()));
        }
        params.append(WEIGHTS, &text);
    }
    let location = web_sys::window()
        .map(|w| w.location())
        .ok_or(Text::Raw("no window".into()))?;
    let page = location.origin().unwrap_or_default() + &location.pathname().unwrap_or_default();
    Ok(format!("{page}#{}", String::from(params.to_string())))
}
