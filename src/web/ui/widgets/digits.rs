//! 28×28 digits drawn on small canvases, singly and in galleries.

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, ImageData};

use crate::data::{PIXELS, SIDE};

use crate::web::ui::state::Digits;
use crate::web::ui::words::tr;

/// Paints a square of grey pixels (0 paper .. 255 ink) as light ink on dark, like MNIST shows
/// them; the canvas must be `side` pixels wide.
pub fn paint(canvas: &web_sys::HtmlCanvasElement, pixels: &[u8], side: usize) {
    let rgba: Vec<u8> = pixels.iter().flat_map(|&p| [p, p, p, 255]).collect();
    paint_rgba(canvas, &rgba, side);
}

/// A canvas of `side`×`side` pixels outside the page, to draw on before copying it (scaled).
pub fn canvas_of(side: u32) -> Option<web_sys::HtmlCanvasElement> {
    let document = web_sys::window()?.document()?;
    let canvas: web_sys::HtmlCanvasElement =
        document.create_element("canvas").ok()?.unchecked_into();
    canvas.set_width(side);
    canvas.set_height(side);
    Some(canvas)
}

/// Device pixels per CSS pixel (at least 1): a canvas's backing store is this much larger, so
/// it is sharp on high-DPI screens.
pub fn pixel_ratio() -> f64 {
    web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0)
}

/// Puts RGBA pixels on a canvas `side` pixels wide.
pub fn paint_rgba(canvas: &web_sys::HtmlCanvasElement, rgba: &[u8], side: usize) {
    let Ok(Some(ctx)) = canvas.get_context("2d") else {
        return;
    };
    let ctx: CanvasRenderingContext2d = ctx.unchecked_into();
    if let Ok(image) =
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), side as u32, side as u32)
    {
        let _ = ctx.put_image_data(&image, 0.0, 0.0);
    }
}

/// The colours of "for" and "against" (more ink, less ink): orange and blue, told apart also
/// by people who confuse red and green.
const FOR: [f32; 3] = [255.0, 140.0, 0.0];
const AGAINST: [f32; 3] = [30.0, 144.0, 255.0];

/// Signed values over a 28×28 of greys (`behind`, 0..255): orange where a value is positive,
/// blue where it is negative; the largest, either way, fully coloured.
pub fn paint_signed(canvas: &web_sys::HtmlCanvasElement, behind: &[f32], values: &[f32]) {
    let strongest = values.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    let rgba: Vec<u8> = behind
        .iter()
        .zip(values)
        .flat_map(|(&grey, &v)| {
            let colour = if v >= 0.0 { FOR } else { AGAINST };
            let a = (v.abs() / strongest).sqrt();
            let mix = |c: f32| (grey * (1.0 - a) + c * a) as u8;
            [mix(colour[0]), mix(colour[1]), mix(colour[2]), 255]
        })
        .collect();
    paint_rgba(canvas, &rgba, SIDE);
}

/// Orange where a pixel made the network surer of the digit it read, blue where it argued
/// against it, over the grey 28×28 input, dimmed.
fn paint_why(canvas: &web_sys::HtmlCanvasElement, input: &[u8], values: &[f32]) {
    let behind: Vec<f32> = input.iter().map(|&g| f32::from(g) * 0.6).collect();
    paint_signed(canvas, &behind, values);
}

/// The occlusion map of a reading over the digit it read.
#[component]
pub fn Why(input: Vec<u8>, values: Vec<f32>, digit: u8) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        if let Some(c) = canvas.get()
            && input.len() == PIXELS
            && values.len() == PIXELS
        {
            paint_why(&c, &input, &values);
        }
    });
    view! {
        <canvas class="pixels" data-testid="why" node_ref=canvas width=SIDE height=SIDE
            role="img" aria-label=tr!("why-map", digit = digit)></canvas>
    }
}

/// A square grey image of any side (a feature map, a filter), scaled up without smoothing.
#[component]
pub fn Pixels(
    #[prop(into)] pixels: Signal<Vec<u8>>,
    side: usize,
    #[prop(optional, into)] title: String,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        let px = pixels.get();
        if let Some(c) = canvas.get()
            && px.len() == side * side
        {
            paint(&c, &px, side);
        }
    });
    // A titled image is named for screen readers; the untitled ones (filters, feature maps) are
    // described by their headings, and hidden.
    let hidden = title.is_empty().then_some("true");
    let role = (!title.is_empty()).then_some("img");
    let label = (!title.is_empty()).then(|| title.clone());
    view! {
        <canvas class="pixels" node_ref=canvas width=side height=side title=title
            role=role aria-label=label aria-hidden=hidden></canvas>
    }
}

#[component]
pub fn Digit(
    pixels: Vec<u8>,
    #[prop(into)] label: String,
    #[prop(optional, into)] title: String,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            paint(&c, &pixels, SIDE);
        }
    });
    view! {
        <figure class="digit" title=title>
            <canvas node_ref=canvas width=SIDE height=SIDE aria-hidden="true"></canvas>
            <figcaption>{label}</figcaption>
        </figure>
    }
}

/// A wrapping grid of digits with captions.
#[component]
pub fn Gallery(
    #[prop(into)] digits: Signal<Digits>,
    #[prop(into)] testid: String,
) -> impl IntoView {
    view! {
        <div class="gallery" data-testid=testid>
            {move || {
                digits.with(|d| {
                    d.pixels
                        .chunks_exact(PIXELS)
                        .zip(&d.labels)
                        .map(|(px, label)| view! { <Digit pixels=px.to_vec() label=label.clone() /> })
                        .collect_view()
                })
            }}
        </div>
    }
}
