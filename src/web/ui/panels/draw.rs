//! Draw a digit and see it read live: pointer strokes (mouse, touch, pen) on a high-DPI canvas,
//! MNIST-style preprocessing, and a reading by the core's `inference` on the main thread with the
//! CPU backend on a copy of the newest weights (the model is tiny, so it never waits for
//! training). This file draws; it computes nothing itself.

use std::time::Duration;

use leptos::ev;
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, PointerEvent};

use crate::explain::{self, PATCH};
use crate::inference::{self, Reading};
use crate::preprocess::{Digit, PixelFormat, PreprocessError, from_grey, to_mnist};

use crate::data::SIDE;
use crate::web::i18n::Text;
use crate::web::ui::panels::fool::FoolIt;
use crate::web::ui::panels::inside::Inside;
use crate::web::ui::panels::reader::{self, shown_model};
use crate::web::ui::services::database::MyDigit;
use crate::web::ui::services::picture::{self, NotShown};
use crate::web::ui::state::Ui;
use crate::web::ui::stores::my_digits::MyDigits;
use crate::web::ui::widgets::bars::DigitBars;
use crate::web::ui::widgets::digits::{Pixels, Why, canvas_of, paint_rgba, pixel_ratio};
use crate::web::ui::words::{say, t, tr};

/// CSS size of the drawing square; the backing store is this times the device pixel ratio.
const CSS_SIDE: f64 = 280.0;
/// Brush width relative to the canvas: about a MNIST stroke once scaled to 20×20.
const BRUSH: f64 = 0.075;
/// Wait at most this long after a stroke moves before reading it.
const THROTTLE: Duration = Duration::from_millis(40);

type Stroke = Vec<(f64, f64)>;

/// An occlusion map with the digit it explains and the 28×28 input it was made on.
#[derive(Clone)]
struct Explained {
    digit: u8,
    input: Vec<u8>,
    values: Vec<f32>,
}

/// The drawing, read by the current model, and with `explain` which of its pixels made the
/// network surer of the digit it read and which less (occlusion); `None` when nothing is drawn
/// or no model is loaded.
async fn read(
    canvas: &HtmlCanvasElement,
    given: Option<Vec<u8>>,
    explain: bool,
) -> Result<Option<(Reading, Option<Vec<f32>>)>, String> {
    let digit = match given {
        Some(pixels) => Some(from_grey(&pixels)),
        None => drawn(canvas)?,
    };
    let Some(digit) = digit else {
        return Ok(None);
    };
    let Some(model) = shown_model() else {
        return Ok(None);
    };
    let reading = inference::read(&model, &digit)
        .await
        .map_err(|e| e.to_string())?;
    let why = match explain {
        true => Some(
            explain::occlusion(&model, &digit, reading.digit)
                .await
                .map_err(|e| e.to_string())?,
        ),
        false => None,
    };
    Ok(Some((reading, why)))
}

/// The drawing as the network's 28×28 input; `None` when nothing is drawn.
fn drawn(canvas: &HtmlCanvasElement) -> Result<Option<Digit>, String> {
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("no 2d context")?
        .unchecked_into();
    let (w, h) = (canvas.width() as usize, canvas.height() as usize);
    let image = ctx
        .get_image_data(0.0, 0.0, w as f64, h as f64)
        .map_err(|e| format!("{e:?}"))?;
    match to_mnist(&image.data(), w, h, PixelFormat::Rgba) {
        Ok(d) => Ok(Some(d)),
        Err(PreprocessError::NothingDrawn) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Side of the thumbnail kept of a drawing added to My digits.
const THUMB: f64 = 56.0;

/// A small picture of the drawing as drawn, black ink on white whatever the colour scheme (a
/// PNG `data:` URL).
fn thumbnail(canvas: &HtmlCanvasElement) -> Option<String> {
    let small = canvas_of(THUMB as u32)?;
    let ctx: CanvasRenderingContext2d = small.get_context("2d").ok()??.unchecked_into();
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(canvas, 0.0, 0.0, THUMB, THUMB)
        .ok()?;
    // The ink, whatever its colour, becomes black; then white goes behind it.
    for (operation, colour) in [("source-in", "#000"), ("destination-over", "#fff")] {
        ctx.set_global_composite_operation(operation).ok()?;
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(0.0, 0.0, THUMB, THUMB);
    }
    small.to_data_url().ok()
}

/// Whether a key press goes to a field that takes typed text (where digits are typed, not labels
/// given). A file chooser, a checkbox or a button does not: after "Open an image…" the focus
/// stays on its input, and a digit key must still label the picture.
fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(element) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    match element.dyn_ref::<web_sys::HtmlInputElement>() {
        Some(input) => !matches!(
            input.type_().as_str(),
            "file" | "checkbox" | "radio" | "button" | "submit" | "reset" | "range" | "color"
        ),
        None => matches!(element.tag_name().as_str(), "SELECT" | "TEXTAREA"),
    }
}

/// The ink's colour in the page's colour scheme.
fn ink() -> [u8; 3] {
    let dark = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches());
    if dark { [0xf1, 0xf3, 0xf4] } else { [0x11; 3] }
}

/// A 28×28 digit (grey pixels) drawn over the whole canvas in ink, smoothed as it is scaled up.
fn paint_digit(canvas: &HtmlCanvasElement, ctx: &CanvasRenderingContext2d, pixels: &[u8]) {
    let [r, g, b] = ink();
    let rgba: Vec<u8> = pixels.iter().flat_map(|&p| [r, g, b, p]).collect();
    let Some(small) = canvas_of(SIDE as u32) else {
        return;
    };
    paint_rgba(&small, &rgba, SIDE);
    let side = canvas.width() as f64;
    let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&small, 0.0, 0.0, side, side);
}

fn redraw(canvas: &HtmlCanvasElement, strokes: &[Stroke], given: Option<&[u8]>) {
    let Some(ctx) = canvas.get_context("2d").ok().flatten() else {
        return;
    };
    let ctx: CanvasRenderingContext2d = ctx.unchecked_into();
    let side = canvas.width() as f64;
    ctx.clear_rect(0.0, 0.0, side, canvas.height() as f64);
    if let Some(pixels) = given {
        return paint_digit(canvas, &ctx, pixels);
    }
    let [r, g, b] = ink();
    let colour = format!("rgb({r},{g},{b})");
    let colour = colour.as_str();
    ctx.set_stroke_style_str(colour);
    ctx.set_fill_style_str(colour);
    ctx.set_line_width(BRUSH * side);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    for stroke in strokes {
        ctx.begin_path();
        if let [(x, y)] = stroke.as_slice() {
            let _ = ctx.arc(
                x * side,
                y * side,
                BRUSH * side / 2.0,
                0.0,
                std::f64::consts::TAU,
            );
            ctx.fill();
            continue;
        }
        for (i, (x, y)) in stroke.iter().enumerate() {
            if i == 0 {
                ctx.move_to(x * side, y * side)
            } else {
                ctx.line_to(x * side, y * side)
            }
        }
        ctx.stroke();
    }
}

/// The drawing box's state: its canvas, the strokes on it, their reading and its explanation,
/// and why a picture could not be opened.
#[derive(Clone, Copy)]
struct Sketch {
    canvas: NodeRef<Canvas>,
    strokes: RwSignal<Vec<Stroke>>,
    /// Whether a pointer is drawing a stroke now.
    drawing: RwSignal<bool>,
    /// A digit shown instead of strokes (one of the map's, 28×28 grey), read as it is.
    given: RwSignal<Option<Vec<u8>>>,
    reading: RwSignal<Option<Reading>>,
    // Occlusion costs a batch of forward passes, so it follows finished strokes, not every
    // move: the digit it explains and the input it saw are kept with it, which the reading may
    // have moved on from mid-stroke.
    why: RwSignal<Option<Explained>>,
    /// Why a picture could not be opened.
    problem: RwSignal<Option<Text>>,
    /// Whether a throttled reading is due already.
    due: StoredValue<bool>,
    /// Pictures picked so far: a slow first pick must not paint over a quicker second one.
    picks: StoredValue<u32>,
}

impl Sketch {
    fn new() -> Self {
        Self {
            canvas: NodeRef::new(),
            strokes: RwSignal::new(vec![]),
            drawing: RwSignal::new(false),
            given: RwSignal::new(None),
            reading: RwSignal::new(None),
            why: RwSignal::new(None),
            problem: RwSignal::new(None),
            due: StoredValue::new(false),
            picks: StoredValue::new(0),
        }
    }

    /// Reads the drawing now, explaining the reading when `explain`.
    fn read(self, explain: bool) {
        let Some(c) = self.canvas.get_untracked() else {
            return;
        };
        let given = self.given.get_untracked();
        leptos::task::spawn_local(async move {
            match read(&c, given, explain).await {
                Ok(Some((r, w))) => {
                    if let Some(values) = w {
                        let (digit, input) = (r.digit, r.input.clone());
                        self.why.set(Some(Explained {
                            digit,
                            input,
                            values,
                        }));
                    }
                    self.reading.set(Some(r));
                }
                Ok(None) => {
                    self.reading.set(None);
                    self.why.set(None);
                }
                Err(e) => web_sys::console::warn_1(&e.into()),
            }
        });
    }

    /// Reads the drawing within [`THROTTLE`], once however many moves ask meanwhile.
    fn read_soon(self) {
        if self.due.get_value() {
            return;
        }
        self.due.set_value(true);
        set_timeout(
            move || {
                self.due.set_value(false);
                self.read(false);
            },
            THROTTLE,
        );
    }

    fn clear(self) {
        self.strokes.set(vec![]);
        self.given.set(None);
        self.reading.set(None);
        self.why.set(None);
        self.problem.set(None);
    }

    /// A digit of the map's replaces the drawing, and is read as it is (it is MNIST's already).
    fn show(self, pixels: Vec<u8>) {
        self.clear();
        self.given.set(Some(pixels));
        self.read(true);
    }

    fn undo(self) {
        self.strokes.update(|s| {
            s.pop();
        });
        self.read(true);
    }

    /// The digit read and how sure the network is of it.
    fn best(self) -> Option<(u8, f32)> {
        self.reading.get().map(|r| (r.digit, r.confidence))
    }

    /// The drawing joins My digits with the label the user gives it, and the box is cleared
    /// for the next one.
    fn keep(self, my: MyDigits, label: u8) {
        let (Some(r), Some(c)) = (self.reading.get_untracked(), self.canvas.get_untracked()) else {
            return;
        };
        let digit = MyDigit {
            id: 0.0,
            label,
            pixels: r.input,
            thumbnail: thumbnail(&c).unwrap_or_default(),
        };
        my.add(vec![digit], Some(label));
        self.clear();
    }

    /// A picture replaces the drawing, and is read like one.
    fn open(self, file: web_sys::File) {
        let Some(c) = self.canvas.get_untracked() else {
            return;
        };
        self.clear();
        let pick = self.picks.get_value() + 1;
        self.picks.set_value(pick);
        leptos::task::spawn_local(async move {
            match picture::show(&c, &file, move || self.picks.get_value() == pick).await {
                Ok(()) => self.read(true),
                Err(NotShown::Problem(e)) => self.problem.set(Some(e)),
                Err(NotShown::Superseded) => {}
            }
        });
    }

    /// Where a pointer is, as a fraction of the canvas's side.
    fn point(self, ev: &PointerEvent) -> Option<(f64, f64)> {
        let rect = self.canvas.get_untracked()?.get_bounding_client_rect();
        Some((
            (ev.client_x() as f64 - rect.left()) / rect.width(),
            (ev.client_y() as f64 - rect.top()) / rect.height(),
        ))
    }

    fn pointer_down(self, ev: PointerEvent) {
        ev.prevent_default();
        if let (Some(p), Some(c)) = (self.point(&ev), self.canvas.get_untracked()) {
            let _ = c.set_pointer_capture(ev.pointer_id());
            if self.given.get_untracked().is_some() {
                self.clear();
            }
            self.drawing.set(true);
            self.problem.set(None);
            self.strokes.update(|s| s.push(vec![p]));
            self.read_soon();
        }
    }

    fn pointer_move(self, ev: PointerEvent) {
        if self.drawing.get_untracked()
            && let Some(p) = self.point(&ev)
        {
            self.strokes.update(|s| {
                if let Some(last) = s.last_mut() {
                    last.push(p)
                }
            });
            self.read_soon();
        }
    }

    /// Escape clears, Ctrl/Cmd+Z undoes, a digit key keeps the drawing with that label.
    fn key(self, my: MyDigits, ev: web_sys::KeyboardEvent) {
        let plain = !(ev.ctrl_key() || ev.meta_key() || ev.alt_key());
        if ev.key() == "Escape" {
            self.clear();
        } else if (ev.ctrl_key() || ev.meta_key()) && ev.key() == "z" {
            self.undo();
        } else if let Ok(label) = ev.key().parse::<u8>()
            && plain
            && label <= 9
            && !typing(&ev)
            && self.reading.get_untracked().is_some()
        {
            ev.prevent_default();
            self.keep(my, label);
        }
    }
}

#[component]
pub fn DrawPanel(ui: Ui) -> impl IntoView {
    let sketch = Sketch::new();
    let filter_images: RwSignal<Vec<Vec<u8>>> = RwSignal::new(vec![]);
    // New weights (pretrained at start, then from training, uploads…, or a moment of the
    // timeline chosen): rebuild the CPU copy. They are always a burn record, with its network.
    Effect::new(move |_| {
        let shown = ui.study.chosen_weights();
        let Some((arch, bytes)) = shown.or_else(|| ui.weights.get().map(|(i, b)| (i.arch, b)))
        else {
            return;
        };
        match inference::load(&arch, "the current weights", &bytes) {
            Ok(model) => {
                leptos::task::spawn_local({
                    let model = model.clone();
                    async move {
                        filter_images.set(inference::filters(&model).await.unwrap_or_default())
                    }
                });
                reader::show(model);
                sketch.read(true);
            }
            Err(e) => web_sys::console::warn_1(&e.to_string().into()),
        }
    });
    // Redraw whenever the strokes change, or a digit is shown.
    Effect::new(move |_| {
        let s = sketch.strokes.get();
        let given = sketch.given.get();
        if let Some(c) = sketch.canvas.get() {
            redraw(&c, &s, given.as_deref());
        }
    });
    // A digit opened from the map.
    Effect::new(move |_| {
        if let Some(pixels) = ui.study.to_draw.get() {
            ui.study.to_draw.set(None);
            sketch.show(pixels);
            if let Some(c) = sketch.canvas.get_untracked() {
                c.scroll_into_view();
                let _ = c.focus();
            }
        }
    });
    // A finished reading lands on the map of the moment shown.
    Effect::new(move |_| {
        if let Some(why) = sketch.why.get() {
            ui.study.place(&from_grey(&why.input));
        }
    });
    let _keys = window_event_listener(ev::keydown, move |ev| sketch.key(ui.my, ev));
    view! {
        <div class="draw">
            <Pad sketch=sketch />
            <Verdict sketch=sketch my=ui.my />
        </div>
        <FoolIt ui=ui reading=sketch.reading />
        <Inside reading=sketch.reading filter_images=filter_images study=ui.study />
    }
}

/// The canvas and its buttons.
#[component]
fn Pad(sketch: Sketch) -> impl IntoView {
    let backing = (CSS_SIDE * pixel_ratio()).round() as u32;
    let open_image = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            input.set_value("");
            sketch.open(file);
        }
    };
    view! {
        <div class="pad">
            <canvas
                node_ref=sketch.canvas
                class="ink"
                data-testid="draw-canvas"
                role="img"
                width=backing
                height=backing
                aria-label=tr!("draw-area")
                on:pointerdown=move |ev: PointerEvent| sketch.pointer_down(ev)
                on:pointermove=move |ev: PointerEvent| sketch.pointer_move(ev)
                on:pointerup=move |_| { sketch.drawing.set(false); sketch.read(true); }
                on:pointercancel=move |_| sketch.drawing.set(false)
            ></canvas>
            <div class="buttons">
                <button type="button" data-testid="clear" on:click=move |_| sketch.clear()>{tr!("clear")}</button>
                <button type="button" data-testid="undo" disabled=move || sketch.strokes.with(|s| s.is_empty()) on:click=move |_| sketch.undo()>{tr!("undo")}</button>
                <label class="upload open-image">
                    {tr!("open-image")}" "
                    <input type="file" accept="image/*" data-testid="open-image" on:change=open_image />
                </label>
            </div>
            {move || sketch.problem.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="image-problem">{move || say(&text)}</p>
            })}
        </div>
    }
}

/// The reading: the digit, buttons that keep the drawing with a label, the probabilities, the
/// 28×28 the network saw and why it read what it did.
#[component]
fn Verdict(sketch: Sketch, my: MyDigits) -> impl IntoView {
    let reading = sketch.reading;
    view! {
        <div class="reading" aria-live="polite">
            {move || match sketch.best() {
                None => view! { <p class="hint" data-testid="prediction">{tr!("draw-hint")}</p> }.into_any(),
                Some((digit, p)) => view! {
                    <p class="verdict">
                        <span class="big" data-testid="prediction">{digit}</span>
                        <span class="note">{tr!("sure", p = p)}</span>
                    </p>
                }.into_any(),
            }}
            <Show when=move || reading.with(Option::is_some)>
                <div class="label-as" role="group" aria-label=tr!("add-as")>
                    <span class="note">{tr!("add-as-keys")}</span>
                    {(0..10u8).map(|d| view! {
                        <button type="button" data-testid=format!("keep-{d}")
                            class=move || if sketch.best().is_some_and(|(b, _)| b == d) { "primary" } else { "" }
                            on:click=move |_| sketch.keep(my, d)>{d}</button>
                    }).collect_view()}
                </div>
            </Show>
            <DigitBars testid="probabilities" values=Signal::derive(move || reading.get().map_or([0.0; 10], |r| r.probabilities)) />
            <div class="seen">
                <Pixels pixels=Signal::derive(move || reading.get().map(|r| r.input).unwrap_or_default()) side=28 title=t("sees-title") />
                <span class="note">{tr!("sees")}</span>
            </div>
            {move || sketch.why.get().map(|Explained { digit, input, values }| {
                view! {
                    <div class="seen why">
                        <Why input=input values=values digit=digit />
                        <span class="note" data-testid="why-legend">
                            <b>{tr!("why-title", digit = digit)}" "</b>
                            <span class="for">{tr!("why-orange")}</span>{tr!("why-for", digit = digit)}" "
                            <span class="against">{tr!("why-blue")}</span>{tr!("why-against", patch = PATCH)}
                        </span>
                    </div>
                }
            })}
        </div>
    }
}
