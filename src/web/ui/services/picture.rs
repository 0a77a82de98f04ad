//! "Open an image…": a picture file put in the drawing box, for people who cannot draw with a
//! pointer (or who have a digit on paper). The browser decodes it; it is fitted into the box on
//! its own background colour, so the box is read exactly as a drawing is (same preprocessing,
//! either polarity). Its header is read first: a picture over the pixel budget is refused before
//! the browser decodes it ([`crate::preprocess::picture`]).

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, File, HtmlCanvasElement, ImageBitmap};

use crate::preprocess::picture::{self, HEADER_BYTES, MAX_PIXELS, PictureError};
use crate::web::i18n::Text;
use crate::web::js::describe;

/// A decoded picture, closed (its memory given back) however the painting ends.
struct Bitmap(ImageBitmap);

impl Drop for Bitmap {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Why a picture was not painted.
pub enum NotShown {
    /// Another pick came after this one, which is dropped unpainted.
    Superseded,
    Problem(Text),
}

impl From<Text> for NotShown {
    fn from(text: Text) -> Self {
        NotShown::Problem(text)
    }
}

impl From<String> for NotShown {
    fn from(detail: String) -> Self {
        NotShown::Problem(detail.into())
    }
}

impl From<&str> for NotShown {
    fn from(detail: &str) -> Self {
        NotShown::Problem(detail.into())
    }
}

/// The file's declared size, refused over the budget, from its first bytes only.
async fn check_header(file: &File) -> Result<(), Text> {
    let head = file
        .slice_with_f64_and_f64(0.0, HEADER_BYTES as f64)
        .map_err(|e| describe(&e))?;
    let buffer = JsFuture::from(head.array_buffer())
        .await
        .map_err(|e| describe(&e))?;
    picture::check(&Uint8Array::new(&buffer).to_vec()).map_err(|e| match e {
        PictureError::TooLarge { width, height } => Text::new("picture-too-large")
            .arg("file", file.name())
            .arg("width", width)
            .arg("height", height)
            .arg("megapixels", MAX_PIXELS / 1_000_000),
        PictureError::UnknownFormat | PictureError::NoSize => {
            Text::new("picture-unknown").arg("file", file.name())
        }
    })?;
    Ok(())
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, String> {
    Ok(canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("no 2d context")?
        .unchecked_into())
}

/// Paints `file` into `canvas`, whole and centred, the rest filled with the colour of the
/// picture's top-left pixel (its paper, most likely): a transparent margin would count as
/// ink-free paper only for pictures that are themselves transparent. `current` says whether this
/// is still the latest pick once each wait is over: the last pick wins.
pub async fn show(
    canvas: &HtmlCanvasElement,
    file: &File,
    current: impl Fn() -> bool,
) -> Result<(), NotShown> {
    let cannot = |e: &wasm_bindgen::JsValue| {
        Text::new("not-an-image")
            .arg("file", file.name())
            .arg("detail", describe(e))
    };
    check_header(file).await?;
    if !current() {
        return Err(NotShown::Superseded);
    }
    let window = web_sys::window().ok_or("no window")?;
    let decoding = window
        .create_image_bitmap_with_blob(file)
        .map_err(|e| cannot(&e))?;
    let bitmap = Bitmap(
        JsFuture::from(decoding)
            .await
            .map_err(|e| cannot(&e))?
            .unchecked_into(),
    );
    if !current() {
        return Err(NotShown::Superseded);
    }
    paint(canvas, &bitmap.0, file)
}

fn paint(canvas: &HtmlCanvasElement, bitmap: &ImageBitmap, file: &File) -> Result<(), NotShown> {
    let window = web_sys::window().ok_or("no window")?;
    let (w, h) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    if w == 0.0 || h == 0.0 {
        return Err(Text::new("empty-image").arg("file", file.name()).into());
    }
    let side = f64::from(canvas.width());
    let ctx = context(canvas)?;
    // The paper's colour: the picture's top-left pixel, read through a 1×1 canvas.
    let document = window.document().ok_or("no document")?;
    let probe: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|e| describe(&e))?
        .unchecked_into();
    probe.set_width(1);
    probe.set_height(1);
    let probe_ctx = context(&probe)?;
    probe_ctx
        .draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            bitmap, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0,
        )
        .map_err(|e| describe(&e))?;
    let corner = probe_ctx
        .get_image_data(0.0, 0.0, 1.0, 1.0)
        .map_err(|e| describe(&e))?
        .data();
    let paper = match corner.as_slice() {
        // A transparent corner: the picture has no paper of its own; the box's stays clear.
        [.., 0] => None,
        [r, g, b, _] => Some(format!("rgb({r},{g},{b})")),
        _ => None,
    };
    ctx.clear_rect(0.0, 0.0, side, side);
    if let Some(paper) = paper {
        ctx.set_fill_style_str(&paper);
        ctx.fill_rect(0.0, 0.0, side, side);
    }
    let scale = (side / w).min(side / h);
    let (dw, dh) = (w * scale, h * scale);
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(
        bitmap,
        (side - dw) / 2.0,
        (side - dh) / 2.0,
        dw,
        dh,
    )
    .map_err(|e| describe(&e))?;
    Ok(())
}
