//! Inside the network: the first layer's filters, each block's feature maps of the reading, and
//! the arithmetic of one of their pixels — the window of the block's input it saw, the kernel,
//! the products, their sum, the bias, ReLU and the max-pool it went through — for a pixel
//! clicked (or a map chosen with the keyboard, then moved with the arrow keys). They show the
//! moment of the timeline chosen, if one is.

use leptos::prelude::*;

use crate::explain::arithmetic::{ConvArithmetic, arithmetic};
use crate::inference::Reading;
use crate::preprocess::from_grey;
use crate::web::ui::panels::reader::shown_model;
use crate::web::ui::stores::study::Study;
use crate::web::ui::widgets::digits::Pixels;
use crate::web::ui::words::{moment_words, said, tr};

/// A pixel of a feature map: its block, channel, row and column, and the map's side.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pick {
    block: usize,
    channel: usize,
    row: usize,
    col: usize,
    side: usize,
}

#[component]
pub fn Inside(
    reading: RwSignal<Option<Reading>>,
    filter_images: RwSignal<Vec<Vec<u8>>>,
    study: Study,
) -> impl IntoView {
    let pick = RwSignal::new(None::<Pick>);
    let worked = RwSignal::new(None::<ConvArithmetic>);
    // The arithmetic of the pixel picked, on the reading's input, with the weights shown.
    Effect::new(move |_| {
        let (Some(p), Some(r)) = (pick.get(), reading.get()) else {
            return worked.set(None);
        };
        let Some(model) = shown_model() else { return };
        let digit = from_grey(&r.input);
        leptos::task::spawn_local(async move {
            match arithmetic(&model, &digit, p.block, p.channel, p.row, p.col).await {
                Ok(a) => worked.set(Some(a)),
                Err(e) => web_sys::console::warn_1(&e.to_string().into()),
            }
        });
    });
    view! {
        <details class="inside" open>
            <summary>{tr!("inside")}</summary>
            <Moment study=study />
            <h3>{tr!("conv1-filters", side = filter_side(&filter_images.get()))}</h3>
            <div class="maps filters" data-testid="filters">
                {move || {
                    let images = filter_images.get();
                    let side = filter_side(&images);
                    images.into_iter().map(|f| view! { <Pixels side=side pixels=Signal::derive(move || f.clone()) /> }).collect_view()
                }}
            </div>
            {move || reading.get().map(|r| r.maps.into_iter().enumerate().map(|(i, maps)| view! { <BlockMaps block=i maps=maps pick=pick /> }).collect_view())}
            {move || worked.get().map(|a| view! { <Arithmetic worked=a pick=pick /> })}
        </details>
    }
}

/// Which moment of the timeline the network is shown at, when one is chosen, and the way back.
#[component]
fn Moment(study: Study) -> impl IntoView {
    move || {
        let i = study.chosen.get()?;
        let label = study
            .frames
            .with(|f| f.get(i).map(|x| moment_words(x.step, x.epoch)))?;
        Some(view! {
            <p class="notice" role="status" data-testid="shown-moment">
                {move || said!("shown-moment", moment = label.clone())}" "
                <button type="button" data-testid="back-to-now" on:click=move |_| study.chosen.set(None)>{tr!("back-to-now")}</button>
            </p>
        })
    }
}

/// The side of square images of `pixels[0]`'s length (a filter's 3 or 5, a map's 28, 14…).
fn filter_side(pixels: &[Vec<u8>]) -> usize {
    pixels.first().map_or(3, |p| p.len().isqrt())
}

/// One block's feature maps after its ReLU; a click on one picks the pixel clicked, Enter on
/// one (no pointer) its centre.
#[component]
fn BlockMaps(block: usize, maps: Vec<Vec<u8>>, pick: RwSignal<Option<Pick>>) -> impl IntoView {
    let side = filter_side(&maps);
    let layer = block + 1;
    view! {
        <h3>{tr!("conv-maps", layer = layer, side = side)}</h3>
        <div class="maps" data-testid=format!("conv{layer}-maps")>
            {maps.into_iter().enumerate().map(|(channel, m)| {
                let choose = move |ev: leptos::ev::MouseEvent| {
                    let (row, col) = match ev.detail() {
                        0 => (side / 2, side / 2),
                        _ => clicked(&ev, side),
                    };
                    pick.set(Some(Pick { block, channel, row, col, side }));
                };
                view! {
                    <button type="button" class="map-pick" data-testid=format!("map-{layer}-{channel}")
                        aria-label=tr!("map-pick", layer = layer, map = channel + 1) on:click=choose>
                        <Pixels pixels=Signal::derive(move || m.clone()) side=side />
                    </button>
                }
            }).collect_view()}
        </div>
    }
}

/// The pixel of a `side`×`side` map under a click on it (the canvas inside the button).
fn clicked(ev: &leptos::ev::MouseEvent, side: usize) -> (usize, usize) {
    let Some(target) = ev.target() else {
        return (side / 2, side / 2);
    };
    let rect =
        wasm_bindgen::JsCast::unchecked_into::<web_sys::Element>(target).get_bounding_client_rect();
    let at = |offset: f64, size: f64| ((offset / size * side as f64) as usize).min(side - 1);
    (
        at(ev.client_y() as f64 - rect.top(), rect.height()),
        at(ev.client_x() as f64 - rect.left(), rect.width()),
    )
}

/// One pixel's arithmetic, drawn: per input channel the window, the kernel and their products;
/// then the sum, the bias, ReLU and the pool. Arrow keys move to the next pixel, Escape closes.
#[component]
fn Arithmetic(worked: ConvArithmetic, pick: RwSignal<Option<Pick>>) -> impl IntoView {
    let a = worked;
    let side = a.kernel;
    let keys = move |ev: leptos::ev::KeyboardEvent| {
        let Some(p) = pick.get_untracked() else {
            return;
        };
        let moved = match ev.key().as_str() {
            "ArrowUp" => Pick {
                row: p.row.saturating_sub(1),
                ..p
            },
            "ArrowDown" => Pick {
                row: (p.row + 1).min(p.side - 1),
                ..p
            },
            "ArrowLeft" => Pick {
                col: p.col.saturating_sub(1),
                ..p
            },
            "ArrowRight" => Pick {
                col: (p.col + 1).min(p.side - 1),
                ..p
            },
            "Escape" => {
                ev.stop_propagation();
                return pick.set(None);
            }
            _ => return,
        };
        ev.prevent_default();
        // The drawing box's own keys (Escape clears it) are not for this.
        ev.stop_propagation();
        pick.set(Some(moved));
    };
    // Remade for each pixel: the new one takes the focus, so the arrow keys go on working.
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(s) = section.get() {
            let _ = s.focus();
        }
    });
    let products = a.products();
    let rows = a
        .windows
        .iter()
        .zip(&a.weights)
        .zip(products)
        .enumerate()
        .map(|(c, ((w, k), p))| {
            let sum: f32 = p.iter().sum();
            view! {
                <div class="arith-row" data-testid="arith-channel">
                    <span class="note">{tr!("arith-input", channel = c + 1)}</span>
                    <Grid values=w.clone() side=side testid="arith-window" />
                    <span class="op" aria-hidden="true">"×"</span>
                    <Grid values=k.clone() side=side testid="arith-kernel" />
                    <span class="op" aria-hidden="true">"="</span>
                    <Grid values=p side=side testid="arith-products" />
                    <span class="note">"Σ = "{number(sum)}</span>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="arithmetic" data-testid="arithmetic" tabindex="0" on:keydown=keys node_ref=section
            aria-label=tr!("arith-title", layer = a.block + 1, map = a.channel + 1, row = a.row + 1, col = a.col + 1)>
            <h3>{tr!("arith-title", layer = a.block + 1, map = a.channel + 1, row = a.row + 1, col = a.col + 1)}</h3>
            <p class="note">{tr!("arith-keys")}</p>
            <div class="arith-rows">{rows}</div>
            <Sum worked=a.clone() />
            {a.pool.map(|pool| view! {
                <div class="arith-pool" data-testid="arith-pool">
                    <Grid values=pool.values.to_vec() side=2 testid="arith-pool-values" winner=pool.winner mine=(a.row % 2) * 2 + a.col % 2 />
                    <span class="note">{tr!("arith-pool", value = pool.values[pool.winner], row = pool.row + 1, col = pool.col + 1)}</span>
                </div>
            })}
        </section>
    }
}

/// The sum of every channel's products, the bias (or the batch norm), and ReLU.
#[component]
fn Sum(worked: ConvArithmetic) -> impl IntoView {
    let a = worked;
    let norm = a
        .norm
        .map(|[scale, shift]| format!(" × {} + {}", number(scale), number(shift)));
    view! {
        <p class="arith-sum" data-testid="arith-sum" data-sum=a.sum data-bias=a.bias data-before=a.before_relu data-value=a.value>
            {tr!("arith-sum", sum = a.sum, bias = a.bias)}
            {norm}
            " = "{number(a.before_relu)}" → ReLU → "<strong>{number(a.value)}</strong>
        </p>
    }
}

/// Numbers shown to two decimals, as the page's language writes them (their exact values ride
/// in `data-value`).
fn number(v: f32) -> String {
    said!("number-2", n = v)
}

/// A `side`×`side` grid of numbers, each cell tinted by its sign and size; `winner` is outlined,
/// `mine` (the pixel picked, in its pool cell) underlined.
#[component]
fn Grid(
    values: Vec<f32>,
    side: usize,
    testid: &'static str,
    #[prop(optional)] winner: Option<usize>,
    #[prop(optional)] mine: Option<usize>,
) -> impl IntoView {
    let largest = values.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    view! {
        <div class="grid" data-testid=testid style=format!("grid-template-columns: repeat({side}, auto)")>
            {values.into_iter().enumerate().map(|(i, v)| {
                let sign = if v >= 0.0 { "plus" } else { "minus" };
                let won = if winner == Some(i) { " winner" } else { "" };
                let picked = if mine == Some(i) { " mine" } else { "" };
                let class = format!("cell {sign}{won}{picked}");
                view! { <span class=class data-value=v style=format!("--a:{:.2}", v.abs() / largest * 0.8)>{number(v)}</span> }
            }).collect_view()}
        </div>
    }
}
