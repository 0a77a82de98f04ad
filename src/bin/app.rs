//! The web app's module: the UI on the page's main thread, and the CPU training worker when the
//! page starts it in a worker (the GPU training worker is the `worker` binary).

fn main() {
    match web_sys::window() {
        Some(_) => mnist_lab::web::ui::mount(),
        None => mnist_lab::web::worker::start(),
    }
}
