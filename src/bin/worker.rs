//! The training Web Worker (built by trunk as a separate wasm module).

fn main() {
    mnist_lab::web::worker::start();
}
