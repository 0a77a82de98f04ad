//! "Copy link": the network, the form's settings and (if chosen) the current weights in a link's
//! fragment ([`address::share_link`]); opened in another browser, the page starts with them.

use leptos::prelude::*;

use crate::web::i18n::Text;
use crate::web::protocol::RunSettings;
use crate::web::ui::services::address;
use crate::web::ui::state::Ui;
use crate::web::ui::words::{say, tr};

/// The settings a link carries, as the address names them.
fn params(s: &RunSettings) -> Vec<(&'static str, String)> {
    vec![
        ("arch", s.arch.to_string()),
        ("epochs", s.epochs.to_string()),
        ("batch", s.batch_size.to_string()),
        ("lr", s.learning_rate.to_string()),
        ("seed", s.seed.to_string()),
        ("train", s.train_images.to_string()),
        ("test", s.test_images.to_string()),
        ("augment", u8::from(s.augment).to_string()),
        ("backend", s.backend.name().to_string()),
    ]
}

#[component]
pub fn ShareLink(settings: Signal<Option<RunSettings>>, ui: Ui) -> impl IntoView {
    let with_weights = RwSignal::new(true);
    let status = RwSignal::new(None::<Text>);
    let url = RwSignal::new(None::<String>);
    let make = move |_| {
        let Some(settings) = settings.get_untracked() else {
            return;
        };
        let weights = with_weights
            .get_untracked()
            .then(|| ui.weights.get_untracked())
            .flatten();
        leptos::task::spawn_local(async move {
            let record = weights
                .as_ref()
                .map(|(info, bytes)| (info, bytes.as_slice()));
            match address::share_link(&params(&settings), record).await {
                Ok(link) => {
                    if let Some(window) = web_sys::window() {
                        let _ = window.navigator().clipboard().write_text(&link);
                    }
                    let kb = (link.len() as f64 / 1000.0).ceil();
                    status.set(Some(Text::new("link-copied").arg("kb", kb)));
                    url.set(Some(link));
                }
                Err(why) => status.set(Some(why)),
            }
        });
    };
    view! {
        <div class="share buttons" data-testid="share">
            <label class="check">
                <input type="checkbox" data-testid="share-weights" prop:checked=move || with_weights.get()
                    on:change=move |ev| with_weights.set(event_target_checked(&ev)) />
                {tr!("share-with-weights")}
            </label>
            <button type="button" data-testid="copy-link" on:click=make disabled=move || settings.with(Option::is_none)>{tr!("copy-link")}</button>
            <span role="status" data-testid="share-status">{move || status.get().map(|s| say(&s))}</span>
            {move || url.get().map(|link| view! {
                <input class="share-url" readonly data-testid="share-url" prop:value=link aria-label=move || say(&Text::new("share-url")) />
            })}
        </div>
    }
}
