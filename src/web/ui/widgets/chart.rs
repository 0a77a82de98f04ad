//! A small SVG line chart, drawn by the app itself (no chart library).

use leptos::prelude::*;

use crate::web::ui::words::{said, t};

const W: f64 = 320.0;
const H: f64 = 160.0;
const PAD: f64 = 28.0;

/// A moment marked across the chart (a change of learning rate): where, and what it says.
#[derive(Clone, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub label: String,
}

/// One line: points, colour class and legend name.
#[derive(Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub class: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// The chart in words, its accessible name: every point where there are few (one per epoch),
/// else the first, the last, the lowest and the highest.
fn summary(title: &str, x_label: &str, all: &[Series]) -> String {
    let (title, axis) = (t(title), t(x_label));
    let lines: Vec<String> = all
        .iter()
        .filter(|s| !s.points.is_empty())
        .map(|s| {
            let p = &s.points;
            if p.len() <= 20 {
                let points: Vec<String> = p
                    .iter()
                    .map(|&(x, y)| said!("chart-point", axis = axis.as_str(), x = x, y = y))
                    .collect();
                format!("{}: {}", s.name, points.join(", "))
            } else {
                let ((x0, first), (x1, last)) = (p[0], p[p.len() - 1]);
                let low = p.iter().map(|q| q.1).fold(f64::INFINITY, f64::min);
                let high = p.iter().map(|q| q.1).fold(f64::NEG_INFINITY, f64::max);
                said!(
                    "chart-series",
                    name = s.name.as_str(),
                    count = p.len(),
                    axis = axis.as_str(),
                    first = first,
                    x0 = x0,
                    last = last,
                    x1 = x1,
                    low = low,
                    high = high
                )
            }
        })
        .collect();
    match lines.is_empty() {
        true => said!("chart-empty", title = title),
        false => format!("{title}. {}.", lines.join("; ")),
    }
}

/// The ranges a chart shows, `(x_min, x_max, y_min, y_max)`: `y_range` if fixed, else fitted to
/// the data (from 0, unless `tight`).
fn bounds(all: &[Series], y_range: Option<(f64, f64)>, tight: bool) -> (f64, f64, f64, f64) {
    let pts = all.iter().flat_map(|s| s.points.iter());
    let x_max = pts.clone().map(|p| p.0).fold(1.0f64, f64::max);
    let x_min = match tight {
        true => pts.clone().map(|p| p.0).fold(x_max, f64::min),
        false => 0.0,
    };
    // One x value has no range: show it from 0.
    let x_min = if x_min < x_max { x_min } else { 0.0 };
    let (y0, y1) = y_range.unwrap_or_else(|| {
        let max = pts.clone().map(|p| p.1).fold(f64::MIN, f64::max);
        let min = pts.map(|p| p.1).fold(f64::MAX, f64::min);
        let margin = if tight { 0.05 * (max - min) } else { 0.0 };
        if max < min {
            (0.0, 1.0)
        } else if tight {
            (min - margin, (max + margin).max(min + 1e-6))
        } else {
            (min.min(0.0), max.max(min + 1e-6))
        }
    });
    (x_min, x_max, y0, y1)
}

#[component]
pub fn Chart(
    /// The catalogue's message for the title.
    title: &'static str,
    #[prop(into)] series: Signal<Vec<Series>>,
    /// Fixed y range, or `None` to fit the data (from 0, unless `tight`).
    y_range: Option<(f64, f64)>,
    /// Fit both ranges to the data alone (not from 0), for curves that differ by little far
    /// from 0, over epochs that start at 1.
    #[prop(optional)]
    tight: bool,
    /// The catalogue's message for the x axis.
    x_label: &'static str,
    #[prop(into)] testid: String,
    /// Moments marked by a vertical line (none by default).
    #[prop(optional, into)]
    marks: Signal<Vec<Mark>>,
) -> impl IntoView {
    let bounds = move || series.with(|all| bounds(all, y_range, tight));
    let label = move || {
        let marks: Vec<String> = marks.with(|m| m.iter().map(|m| m.label.clone()).collect());
        let all = series.with(|all| summary(title, x_label, all));
        match marks.is_empty() {
            true => all,
            false => format!("{all} {}.", marks.join("; ")),
        }
    };
    // Data to SVG coordinates.
    let project = move |points: &[(f64, f64)]| -> Vec<(f64, f64)> {
        let (x_min, x_max, y0, y1) = bounds();
        let px = |x: f64| PAD + (W - PAD - 8.0) * (x - x_min) / (x_max - x_min);
        let py = |y: f64| H - PAD - (H - PAD - 8.0) * ((y - y0) / (y1 - y0)).clamp(0.0, 1.0);
        points.iter().map(|&(x, y)| (px(x), py(y))).collect()
    };
    let path = move |points: &[(f64, f64)]| {
        project(points)
            .iter()
            .enumerate()
            .map(|(i, (x, y))| format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }))
            .collect::<String>()
    };
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>
                {move || t(title)}
                {move || series.get().into_iter().map(|s| view! { <span class=format!("legend {}", s.class)>{s.name}</span> }).collect_view()}
            </figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img"
                aria-label=label>
                <line class="axis" x1=PAD y1=H - PAD x2=W - 8.0 y2=H - PAD />
                <line class="axis" x1=PAD y1=8.0 x2=PAD y2=H - PAD />
                <text class="tick" x=2.0 y=14.0>{move || said!("fraction-2", n = bounds().3)}</text>
                <text class="tick" x=2.0 y=H - PAD>{move || said!("fraction-2", n = bounds().2)}</text>
                {move || {
                    let x_min = bounds().0;
                    (x_min > 0.0).then(|| view! { <text class="tick" x=PAD y=H - 8.0>{format!("{x_min:.0}")}</text> })
                }}
                <text class="tick" x=W - 8.0 y=H - 8.0 text-anchor="end">{move || format!("{} {:.0}", t(x_label), bounds().1)}</text>
                {move || {
                    let (x_min, x_max, _, _) = bounds();
                    marks.get().into_iter().map(|m| {
                        let x = PAD + (W - PAD - 8.0) * ((m.x - x_min) / (x_max - x_min)).clamp(0.0, 1.0);
                        view! {
                            <line class="mark" data-testid="chart-mark" x1=x y1=8.0 x2=x y2=H - PAD />
                            <text class="tick mark-label" x=x + 3.0 y=18.0>{m.label}</text>
                        }
                    }).collect_view()
                }}
                {move || {
                    series
                        .get()
                        .into_iter()
                        .map(|s| {
                            // Sparse series (one point per epoch) get a marker per point.
                            let dots = (s.points.len() <= 20).then(|| {
                                project(&s.points)
                                    .into_iter()
                                    .map(|(cx, cy)| view! { <circle class=format!("dot {}", s.class) cx=cx cy=cy r=3.0 /> })
                                    .collect_view()
                            });
                            view! {
                                <path class=format!("line {}", s.class) d=path(&s.points) />
                                {dots}
                            }
                        })
                        .collect_view()
                }}
            </svg>
        </figure>
    }
}
