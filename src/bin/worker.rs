//! The training Web Worker (built by trunk as a separate wasm module).

// pliron (which cubecl-core links) registers its IR types with `inventory`: static constructors
// that the linker gathers into `__wasm_call_ctors`.
unsafe extern "C" {
    fn __wasm_call_ctors();
}

fn main() {
    // Run the constructors once, here. A module that never calls them itself is linked
    // "command-style": wasm-ld then wraps every export so that each call into the module —
    // every message, callback, timer and JavaScript value handed over — re-runs them first,
    // which took about half of a worker's busy time while helpers shared its batches (measured
    // with Chromium's CPU profiler).
    unsafe { __wasm_call_ctors() };
    mnist_lab::web::worker::start();
}
