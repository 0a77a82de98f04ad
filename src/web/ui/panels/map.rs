//! The map of what the network sees at the moment chosen: the map's digits where their
//! features put them (one colour per digit), the drawing in the box as a marked point, misread
//! digits outlined on request. Hovering (or the arrow keys) shows a digit; a click (or Enter)
//! opens it in the drawing box. The layout comes from the study worker; the page only draws.

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::CanvasRenderingContext2d;
use web_sys::IntersectionObserver;

use crate::data::PIXELS;
use crate::embedding::Point;
use crate::study::NEIGHBOURS;
use crate::web::ui::stores::study::Study;
use crate::web::ui::widgets::digits::{Pixels, pixel_ratio};
use crate::web::ui::words::{said, tr};

/// The map's side in CSS pixels (narrower screens scale it down).
const SIDE: f64 = 360.0;
/// Points nearer than this (CSS pixels) to the pointer are under it.
const REACH: f64 = 10.0;
/// One colour per digit (Tableau's ten, apart for most colour vision).
pub const COLOURS: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// What the map shows now: its points, their labels and what was read.
#[derive(Clone, PartialEq)]
struct Shown {
    id: u32,
    points: Vec<Point>,
    settled: bool,
    agreement: f32,
    predicted: Vec<u8>,
}

#[component]
pub fn MapView(study: Study) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let misread = RwSignal::new(false);
    let hovered = RwSignal::new(None::<usize>);
    let shown = shown_frame(study);
    // The snapshots are studied once the map has been on screen: a run nobody watches spends
    // no core on maps.
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            when_seen(&c, move || study.watch());
        }
    });
    let score = move || shown.get().filter(|s| s.settled).map(|s| s.agreement);
    paint_on_change(canvas, shown, study, (misread, hovered));
    let at = move |x: f64, y: f64| -> Option<usize> {
        let c = canvas.get_untracked()?;
        let rect = c.get_bounding_client_rect();
        let s = shown.get_untracked()?;
        let scale = rect.width() / SIDE;
        nearest(
            &s.points,
            (x - rect.left()) / scale,
            (y - rect.top()) / scale,
        )
    };
    let open = move |i: usize| {
        let pixels = study.digits.with_untracked(|d| {
            d.pixels
                .get(i * PIXELS..(i + 1) * PIXELS)
                .map(<[u8]>::to_vec)
        });
        if let Some(pixels) = pixels {
            study.to_draw.set(Some(pixels));
        }
    };
    let keys = move |ev: leptos::ev::KeyboardEvent| {
        let count = shown.with_untracked(|s| s.as_ref().map_or(0, |s| s.points.len()));
        match key_move(&ev.key(), hovered.get_untracked(), count) {
            Some(Move::To(i)) => hovered.set(Some(i)),
            Some(Move::Open(i)) => open(i),
            None => return,
        }
        ev.prevent_default();
    };
    let label = move || {
        let share = score().unwrap_or(0.0);
        said!(
            "map-said",
            count = shown.with(|s| s.as_ref().map_or(0, |s| s.points.len())),
            share = share
        )
    };
    view! {
        <figure class="map" data-testid="map-figure">
            <canvas node_ref=canvas class="map" data-testid="map" tabindex="0" role="img" aria-label=label
                width=(SIDE * pixel_ratio()) as u32 height=(SIDE * pixel_ratio()) as u32
                aria-describedby="map-help"
                on:pointermove=move |ev| hovered.set(at(ev.client_x() as f64, ev.client_y() as f64))
                on:pointerleave=move |_| hovered.set(None)
                on:click=move |ev| if let Some(i) = at(ev.client_x() as f64, ev.client_y() as f64) { open(i) }
                on:keydown=keys></canvas>
            <Caption shown=shown misread=misread />
            {move || hovered.get().map(|i| view! { <Card study=study index=i predicted=shown.with(|s| s.as_ref().and_then(|s| s.predicted.get(i).copied())) /> })}
        </figure>
    }
}

/// Calls `seen` once `element` first comes on screen.
fn when_seen(element: &web_sys::Element, seen: impl Fn() + 'static) {
    let callback = Closure::<dyn Fn(js_sys::Array, IntersectionObserver)>::new(
        move |entries: js_sys::Array, observer: IntersectionObserver| {
            let on_screen = entries.iter().any(|e| {
                e.unchecked_into::<web_sys::IntersectionObserverEntry>()
                    .is_intersecting()
            });
            if on_screen {
                observer.disconnect();
                seen();
            }
        },
    );
    if let Ok(observer) = IntersectionObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(element);
        // Lives as long as the observer, which the page keeps until the element is seen.
        callback.forget();
    }
}

/// The frame shown, once its map has points.
fn shown_frame(study: Study) -> Memo<Option<Shown>> {
    Memo::new(move |_| {
        let i = study.shown()?;
        study.frames.with(|f| {
            let x = f.get(i)?;
            (!x.points.is_empty()).then(|| Shown {
                id: x.id,
                points: x.points.clone(),
                settled: x.settled,
                agreement: x.agreement,
                predicted: x.predicted.clone(),
            })
        })
    })
}

/// Paints the map again whenever it, the marks or the drawing's place change.
fn paint_on_change(
    canvas: NodeRef<Canvas>,
    shown: Memo<Option<Shown>>,
    study: Study,
    (misread, hovered): (RwSignal<bool>, RwSignal<Option<usize>>),
) {
    Effect::new(move |_| {
        let (Some(c), Some(s)) = (canvas.get(), shown.get()) else {
            return;
        };
        let drawing = study
            .drawing
            .get()
            .filter(|(id, _)| *id == s.id)
            .map(|(_, p)| p);
        study.digits.with(|d| {
            draw(
                &c,
                &s,
                &d.labels,
                Marks {
                    misread: misread.get(),
                    hovered: hovered.get(),
                    drawing,
                },
            )
        });
    });
}

/// What a key does on the map: the arrow keys go to the next or previous digit, Enter or Space
/// opens the one chosen.
enum Move {
    To(usize),
    Open(usize),
}

fn key_move(key: &str, now: Option<usize>, count: usize) -> Option<Move> {
    if count == 0 {
        return None;
    }
    match key {
        "ArrowRight" | "ArrowDown" => Some(Move::To(now.map_or(0, |i| (i + 1) % count))),
        "ArrowLeft" | "ArrowUp" => {
            Some(Move::To(now.map_or(count - 1, |i| (i + count - 1) % count)))
        }
        "Enter" | " " => now.map(Move::Open),
        _ => None,
    }
}

/// How to use the map, how well it keeps the digits apart, the colours, and the misread switch.
#[component]
fn Caption(shown: Memo<Option<Shown>>, misread: RwSignal<bool>) -> impl IntoView {
    let score = move || shown.get().filter(|s| s.settled).map(|s| s.agreement);
    view! {
        <figcaption>
            <p id="map-help" class="note">{tr!("map-help")}</p>
            <p class="note" data-testid="map-agreement" data-share=move || score().unwrap_or(0.0)>
                {move || match (shown.get(), score()) {
                    (None, _) => said!("map-waiting"),
                    (Some(_), None) => said!("map-laying-out"),
                    (Some(_), Some(share)) => said!("map-agreement", share = share, k = NEIGHBOURS),
                }}
            </p>
            <Legend />
            <label class="note"><input type="checkbox" data-testid="map-misread" prop:checked=move || misread.get()
                on:change=move |ev| misread.set(event_target_checked(&ev)) />" "{tr!("map-misread")}</label>
        </figcaption>
    }
}

/// One colour per digit, named.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="map-legend" aria-label=tr!("map-legend")>
            {COLOURS.iter().enumerate().map(|(d, c)| view! {
                <li><span class="swatch" style=format!("background:{c}") aria-hidden="true"></span>{d}</li>
            }).collect_view()}
        </ul>
    }
}

/// The digit under the pointer (or chosen with the keys): its picture, label and reading.
#[component]
fn Card(study: Study, index: usize, predicted: Option<u8>) -> impl IntoView {
    let (label, pixels) = study.digits.with_untracked(|d| {
        (
            d.labels.get(index).copied().unwrap_or(0),
            d.pixels
                .get(index * PIXELS..(index + 1) * PIXELS)
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
        )
    });
    let words = match predicted {
        Some(p) => said!("map-card", index = index, label = label, predicted = p),
        None => said!("map-card-unread", index = index, label = label),
    };
    view! {
        <div class="map-card" data-testid="map-card" data-index=index data-label=label role="status">
            <Pixels pixels=pixels side=28 title=words.clone() />
            <span>{words}</span>
        </div>
    }
}

/// What is marked on the map besides the points.
struct Marks {
    misread: bool,
    hovered: Option<usize>,
    drawing: Option<Point>,
}

/// The map's point `p` in CSS pixels (the layout fits −1..1).
fn place(p: Point) -> (f64, f64) {
    let margin = 12.0;
    let half = SIDE / 2.0 - margin;
    (
        SIDE / 2.0 + f64::from(p[0]) * half,
        SIDE / 2.0 - f64::from(p[1]) * half,
    )
}

/// The point nearest (`x`, `y`) within [`REACH`].
fn nearest(points: &[Point], x: f64, y: f64) -> Option<usize> {
    points
        .iter()
        .map(|&p| place(p))
        .enumerate()
        .map(|(i, (px, py))| (i, (px - x).powi(2) + (py - y).powi(2)))
        .filter(|&(_, d)| d <= REACH * REACH)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

fn draw(canvas: &web_sys::HtmlCanvasElement, shown: &Shown, labels: &[u8], marks: Marks) {
    let Some(ctx) = canvas.get_context("2d").ok().flatten() else {
        return;
    };
    let ctx: CanvasRenderingContext2d = ctx.unchecked_into();
    // The page's text colour marks, so the marks show in light and dark schemes alike.
    let ink = web_sys::window()
        .and_then(|w| w.get_computed_style(canvas).ok().flatten())
        .and_then(|s| s.get_property_value("color").ok())
        .unwrap_or_else(|| "#000".into());
    let scale = f64::from(canvas.width()) / SIDE;
    let _ = ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, SIDE, SIDE);
    let misread = |i: usize| {
        shown
            .predicted
            .get(i)
            .is_some_and(|&p| labels.get(i) != Some(&p))
    };
    for (i, &p) in shown.points.iter().enumerate() {
        let (x, y) = place(p);
        let label = usize::from(labels.get(i).copied().unwrap_or(0));
        let faded = marks.misread && !misread(i);
        ctx.set_global_alpha(if faded { 0.15 } else { 0.85 });
        ctx.set_fill_style_str(COLOURS[label % 10]);
        ctx.begin_path();
        let _ = ctx.arc(
            x,
            y,
            if marks.misread && !faded { 4.0 } else { 2.5 },
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
        if marks.misread && !faded {
            ctx.set_stroke_style_str(&ink);
            ctx.stroke();
        }
    }
    ctx.set_global_alpha(1.0);
    if let Some(i) = marks.hovered.filter(|&i| i < shown.points.len()) {
        ring(&ctx, place(shown.points[i]), 7.0, &ink);
    }
    if let Some(p) = marks.drawing {
        let (x, y) = place(p);
        ring(&ctx, (x, y), 10.0, &ink);
        ring(&ctx, (x, y), 6.0, &ink);
        ctx.set_fill_style_str(&ink);
        ctx.fill_rect(x - 2.0, y - 2.0, 4.0, 4.0);
    }
}

fn ring(ctx: &CanvasRenderingContext2d, (x, y): (f64, f64), r: f64, colour: &str) {
    ctx.set_stroke_style_str(colour);
    ctx.set_line_width(2.0);
    ctx.begin_path();
    let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
    ctx.stroke();
}
