//! The page: a Leptos view over the worker's messages, in layers. `services/` do what the page
//! does outside itself (the browser's database, downloads, opened pictures); `stores/` hold
//! what the page knows as signals and apply the worker's messages about it; `state.rs` is the
//! page's state with its stores, `client.rs` its training worker; `panels/` and `widgets/` are
//! the view; `app.rs` puts the panels on the page.

mod app;
mod client;
mod panels;
mod services;
mod state;
mod stores;
mod widgets;
mod words;

/// Replaces the static loading screen with the app.
pub fn mount() {
    console_error_panic_hook::set_once();
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
