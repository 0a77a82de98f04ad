//! The web app's UI (main thread); training happens in the `worker` binary.

fn main() {
    mnist_lab::web::ui::mount();
}
