//! What the page keeps in the browser's IndexedDB: saved models (weights as a burn record, with
//! what they are and how they were trained), the timelines of saved runs, and My digits (the
//! user's labelled drawings).

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::embedding::Point;
use crate::explain::layers::LayerStats;
use crate::model::ModelConfig;
use crate::web::envelope::{from_js, to_js};
use crate::web::i18n::Text;
use crate::web::js::describe;
use crate::web::protocol::RunHistory;

const DB: &str = "mnist-lab";
/// Version 2 added the digits store, 3 the timelines; opening creates whichever store is
/// missing.
const VERSION: u32 = 3;
const MODELS: &str = "models";
const DIGITS: &str = "digits";
/// A saved run's timeline, under its model's id: apart from the models, which are all read to
/// list them, while a timeline is read only when its run is loaded.
const TIMELINES: &str = "timelines";

#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub id: f64,
    pub name: String,
    pub arch: ModelConfig,
    pub origin: String,
    pub accuracy: Option<f64>,
    pub date: String,
    pub bytes: Vec<u8>,
    /// How the run that made them trained (none for uploads and pretrained weights, and for
    /// models saved before runs kept their history).
    pub history: Option<RunHistory>,
    /// Saved by itself at the end of a run (such saves are capped: the oldest go first).
    pub auto: bool,
    /// Starred by the user: never deleted by the cap.
    pub starred: bool,
}

/// One moment of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Counts frames of the page, so an answer finds its frame after others were thinned out.
    pub id: u32,
    pub step: usize,
    pub epoch: f64,
    /// The burn record.
    pub weights: Vec<u8>,
    /// The map: laid out (`settled`) or its PCA while the layout is computed.
    pub points: Vec<Point>,
    pub settled: bool,
    /// How well the map keeps the labels apart ([`crate::embedding::agreement`]).
    pub agreement: f32,
    /// What this moment's network reads each map digit as.
    pub predicted: Vec<u8>,
    pub layers: Vec<LayerStats>,
}

/// One of My digits: what the user drew, the label they gave it, and the 28×28 the network
/// reads.
#[derive(Clone, Debug, PartialEq)]
pub struct MyDigit {
    pub id: f64,
    pub label: u8,
    /// 784 grey pixels, 0 paper to 255 ink.
    pub pixels: Vec<u8>,
    /// A small picture of the drawing as drawn (a `data:` URL).
    pub thumbnail: String,
}

/// What an open request is rejected with when another tab holds an older version open.
const BLOCKED: &str = "blocked";

/// Resolves when an IndexedDB request succeeds (with its result) or fails. An open request that
/// another tab blocks (it holds an older version of the database open and does not close it)
/// fails at once: it would otherwise wait, silently, until that tab closes.
async fn done(request: &IdbRequest) -> Result<JsValue, Text> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |e: web_sys::Event| {
            let result = e
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok());
            let _ = resolve.call1(&JsValue::NULL, &result.unwrap_or(JsValue::UNDEFINED));
        });
        let fail = |reason: Option<&'static str>| {
            let reject = reject.clone();
            Closure::once_into_js(move |e: web_sys::Event| {
                let _ = reject.call1(&JsValue::NULL, &reason.map_or(e.into(), JsValue::from));
            })
        };
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(fail(None).unchecked_ref()));
        if let Some(open) = request.dyn_ref::<IdbOpenDbRequest>() {
            open.set_onblocked(Some(fail(Some(BLOCKED)).unchecked_ref()));
        }
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| match e.as_string() {
            Some(reason) if reason == BLOCKED => Text::new("storage-blocked"),
            _ => format!("IndexedDB: {}", describe(&e)).into(),
        })
}

async fn open() -> Result<IdbDatabase, Text> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or(Text::new("no-indexeddb"))?;
    let request: IdbOpenDbRequest = factory
        .open_with_u32(DB, VERSION)
        .map_err(|e| describe(&e))?;
    let upgrade = Closure::once_into_js(move |e: web_sys::Event| {
        let db: Option<IdbDatabase> = e
            .target()
            .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into().ok());
        if let Some(db) = db {
            let params = web_sys::IdbObjectStoreParameters::new();
            params.set_key_path(&"id".into());
            params.set_auto_increment(true);
            // A store that exists already (from an older version) refuses, and stays.
            for store in [MODELS, DIGITS, TIMELINES] {
                let _ = db.create_object_store_with_optional_parameters(store, &params);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db: IdbDatabase = done(&request)
        .await?
        .dyn_into()
        .map_err(|_| Text::from("IndexedDB: not a database"))?;
    // A newer version of the app in another tab needs this connection closed to upgrade.
    let close = {
        let db = db.clone();
        Closure::<dyn Fn()>::new(move || db.close())
    };
    db.set_onversionchange(Some(close.as_ref().unchecked_ref()));
    close.forget();
    Ok(db)
}

/// The result of `request` on `store`, in a read-only transaction of its own.
async fn read(
    store: &str,
    request: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, Text> {
    let db = open().await?;
    let tx = db
        .transaction_with_str_and_mode(store, IdbTransactionMode::Readonly)
        .map_err(|e| describe(&e))?;
    let objects = tx.object_store(store).map_err(|e| describe(&e))?;
    done(&request(&objects).map_err(|e| describe(&e))?).await
}

/// Makes the changes `write` asks of `store` in one transaction, and waits until the browser
/// has committed them (nothing counts as saved before; a failed request aborts the
/// transaction, which `committed` reports).
async fn write<T>(
    store: &str,
    write: impl FnOnce(&web_sys::IdbObjectStore) -> Result<T, JsValue>,
) -> Result<T, Text> {
    let db = open().await?;
    let tx = db
        .transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite)
        .map_err(|e| describe(&e))?;
    let objects = tx.object_store(store).map_err(|e| describe(&e))?;
    let written = write(&objects).map_err(|e| describe(&e))?;
    committed(&tx).await?;
    Ok(written)
}

/// Resolves when a write has committed. A request can succeed and its transaction still abort
/// (a full quota is reported at commit), so a save is done only here.
async fn committed(tx: &IdbTransaction) -> Result<(), Text> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = {
            let tx = tx.clone();
            Closure::once_into_js(move || {
                let error = tx.error().map_or(JsValue::NULL, JsValue::from);
                let _ = reject.call1(&JsValue::NULL, &error);
            })
        };
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onabort(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(drop).map_err(|error| {
        match error.dyn_ref::<web_sys::DomException>() {
            Some(e) if e.name() == "QuotaExceededError" => Text::new("storage-full"),
            Some(e) => {
                Text::new("cannot-save").arg("detail", format!("{}: {}", e.name(), e.message()))
            }
            None => Text::new("cannot-save").arg("detail", Text::new("aborted")),
        }
    })
}

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn decode(obj: &JsValue) -> Option<Saved> {
    Some(Saved {
        id: field(obj, "id").as_f64()?,
        name: field(obj, "name").as_string()?,
        // Models saved before networks were editable name a preset.
        arch: ["arch", "preset"]
            .iter()
            .find_map(|k| field(obj, k).as_string())?
            .parse()
            .ok()?,
        origin: field(obj, "origin").as_string().unwrap_or_default(),
        accuracy: field(obj, "accuracy")
            .as_f64()
            .filter(|a| (0.0..=1.0).contains(a)),
        date: field(obj, "date").as_string().unwrap_or_default(),
        bytes: field(obj, "bytes").dyn_into::<Uint8Array>().ok()?.to_vec(),
        history: from_js(field(obj, "history")).ok().flatten(),
        auto: field(obj, "auto").as_bool().unwrap_or(false),
        starred: field(obj, "starred").as_bool().unwrap_or(false),
    })
}

/// Everything in `store` that `decode` makes sense of, in the order of their ids (IndexedDB
/// lists by key): oldest first.
async fn all<T>(store: &str, decode: fn(&JsValue) -> Option<T>) -> Result<Vec<T>, Text> {
    let all = read(store, |s| s.get_all()).await?;
    Ok(js_sys::Array::from(&all)
        .iter()
        .filter_map(|v| decode(&v))
        .collect())
}

/// All saved models, newest first.
pub async fn models() -> Result<Vec<Saved>, Text> {
    let mut models = all(MODELS, decode).await?;
    models.reverse();
    Ok(models)
}

/// Saves (or, with `id`, replaces) a model, once the browser has committed it; its id.
pub async fn put_model(model: &Saved, id: Option<f64>) -> Result<f64, Text> {
    let obj = Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&obj, &k.into(), &v).map(drop);
    let _ = id.map(|id| set("id", id.into()));
    set("name", model.name.as_str().into()).map_err(|e| describe(&e))?;
    set("arch", model.arch.to_string().into()).map_err(|e| describe(&e))?;
    set("origin", model.origin.as_str().into()).map_err(|e| describe(&e))?;
    set(
        "accuracy",
        model.accuracy.map_or(JsValue::NULL, JsValue::from),
    )
    .map_err(|e| describe(&e))?;
    set("date", model.date.as_str().into()).map_err(|e| describe(&e))?;
    set("bytes", Uint8Array::from(model.bytes.as_slice()).into()).map_err(|e| describe(&e))?;
    set("history", to_js(&model.history)).map_err(|e| describe(&e))?;
    set("auto", model.auto.into()).map_err(|e| describe(&e))?;
    set("starred", model.starred.into()).map_err(|e| describe(&e))?;
    let request = write(MODELS, |s| s.put(&obj)).await?;
    request
        .result()
        .ok()
        .and_then(|key| key.as_f64())
        .ok_or_else(|| Text::from("IndexedDB: no key for the saved model"))
}

/// Deletes a model and its timeline.
pub async fn delete_model(id: f64) -> Result<(), Text> {
    write(MODELS, |s| s.delete(&id.into()).map(drop)).await?;
    write(TIMELINES, |s| s.delete(&id.into()).map(drop)).await
}

/// Keeps `frames` as the timeline of the saved model `id`.
pub async fn put_timeline(id: f64, frames: &[Frame]) -> Result<(), Text> {
    let list = js_sys::Array::new();
    for frame in frames {
        list.push(&encode_frame(frame).map_err(|e| describe(&e))?);
    }
    let obj = Object::new();
    Reflect::set(&obj, &"id".into(), &id.into()).map_err(|e| describe(&e))?;
    Reflect::set(&obj, &"frames".into(), &list).map_err(|e| describe(&e))?;
    write(TIMELINES, |s| s.put(&obj).map(drop)).await
}

/// The timeline of the saved model `id` (empty if it has none).
pub async fn timeline(id: f64) -> Result<Vec<Frame>, Text> {
    let obj = read(TIMELINES, |s| s.get(&id.into())).await?;
    Ok(js_sys::Array::from(&field(&obj, "frames"))
        .iter()
        .filter_map(|f| decode_frame(&f))
        .collect())
}

/// A frame as an object; its bytes and floats as typed arrays (a plain array of numbers takes
/// eight bytes a number).
fn encode_frame(frame: &Frame) -> Result<JsValue, JsValue> {
    let obj = Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&obj, &k.into(), &v).map(drop);
    set("step", (frame.step as f64).into())?;
    set("epoch", frame.epoch.into())?;
    set("weights", Uint8Array::from(frame.weights.as_slice()).into())?;
    let points: Vec<f32> = frame.points.iter().flatten().copied().collect();
    set(
        "points",
        js_sys::Float32Array::from(points.as_slice()).into(),
    )?;
    set("settled", frame.settled.into())?;
    set("agreement", frame.agreement.into())?;
    set(
        "predicted",
        Uint8Array::from(frame.predicted.as_slice()).into(),
    )?;
    set("layers", to_js(&frame.layers))?;
    Ok(obj.into())
}

fn decode_frame(obj: &JsValue) -> Option<Frame> {
    let points = field(obj, "points")
        .dyn_into::<js_sys::Float32Array>()
        .ok()?
        .to_vec();
    Some(Frame {
        id: 0,
        step: field(obj, "step").as_f64()? as usize,
        epoch: field(obj, "epoch").as_f64()?,
        weights: field(obj, "weights")
            .dyn_into::<Uint8Array>()
            .ok()?
            .to_vec(),
        points: points.chunks_exact(2).map(|p| [p[0], p[1]]).collect(),
        settled: field(obj, "settled").as_bool().unwrap_or(false),
        agreement: field(obj, "agreement").as_f64().unwrap_or(0.0) as f32,
        predicted: field(obj, "predicted")
            .dyn_into::<Uint8Array>()
            .ok()?
            .to_vec(),
        layers: from_js(field(obj, "layers")).unwrap_or_default(),
    })
}

fn decode_digit(obj: &JsValue) -> Option<MyDigit> {
    let id = field(obj, "id").as_f64()?;
    let label = field(obj, "label").as_f64()?;
    let pixels = field(obj, "pixels").dyn_into::<Uint8Array>().ok()?.to_vec();
    // Only what this app wrote: a digit label and a whole 28×28; a thumbnail only as the
    // picture this page made (never a URL another site would be asked for: the 28×28 is drawn
    // instead).
    let thumbnail = field(obj, "thumbnail")
        .as_string()
        .filter(|t| t.starts_with("data:image/png;base64,"))
        .unwrap_or_default();
    (label.fract() == 0.0 && (0.0..=9.0).contains(&label) && pixels.len() == crate::data::PIXELS)
        .then_some(MyDigit {
            id,
            label: label as u8,
            pixels,
            thumbnail,
        })
}

/// My digits, oldest first.
pub async fn digits() -> Result<Vec<MyDigit>, Text> {
    all(DIGITS, decode_digit).await
}

/// Adds digits (their `id`s are given by the store), once the browser has committed them.
pub async fn add_digits(digits: &[MyDigit]) -> Result<(), Text> {
    write(DIGITS, |objects| {
        for digit in digits {
            let obj = Object::new();
            let set = |k: &str, v: JsValue| Reflect::set(&obj, &k.into(), &v).map(drop);
            set("label", f64::from(digit.label).into())?;
            set("pixels", Uint8Array::from(digit.pixels.as_slice()).into())?;
            set("thumbnail", digit.thumbnail.as_str().into())?;
            objects.add(&obj)?;
        }
        Ok(())
    })
    .await
}

pub async fn delete_digit(id: f64) -> Result<(), Text> {
    write(DIGITS, |s| s.delete(&id.into()).map(drop)).await
}

pub async fn clear_digits() -> Result<(), Text> {
    write(DIGITS, |s| s.clear().map(drop)).await
}
