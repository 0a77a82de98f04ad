//! Limits for code fed hostile input: a memory budget and a time limit per input.
//!
//! The allocator counts the bytes each thread holds and refuses any allocation that would take
//! the whole process past [`PROCESS_CAP`], so a decompression or copy bomb ends the run at once
//! (Rust aborts with "memory allocation failed") instead of exhausting the machine. [`within`]
//! checks one input's peak and time, and a watchdog aborts the process, naming the input, when
//! one runs far past its limit, so a hang fails CI instead of stalling it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// No test in this binary legitimately holds more than this at once (all tests together).
const PROCESS_CAP: usize = 3 << 30;
/// An input still running this many times past its limit is a hang.
const HANG_FACTOR: u32 = 6;

pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Bytes allocated minus freed on this thread, and the highest that reached since reset.
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = HELD.try_with(|held| {
        let now = held.get() + delta;
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size() > PROCESS_CAP {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        count(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        count(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old
            && LIVE.fetch_add(new_size - old, Ordering::Relaxed) + new_size - old > PROCESS_CAP
        {
            LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if moved.is_null() {
            if new_size > old {
                LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
            }
            return moved;
        }
        if new_size < old {
            LIVE.fetch_sub(old - new_size, Ordering::Relaxed);
        }
        count(new_size as isize - old as isize);
        moved
    }
}

/// Inputs running now: what they are and when they must be done.
static RUNNING: Mutex<Vec<(u64, String, Instant)>> = Mutex::new(vec![]);
static NEXT: AtomicUsize = AtomicUsize::new(0);

fn watchdog() {
    static START: Once = Once::new();
    START.call_once(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                if let Some((_, what, _)) = running.iter().find(|(_, _, hang)| now > *hang) {
                    eprintln!("hang: {what}");
                    std::process::abort();
                }
            }
        });
    });
}

/// Runs `f` on this thread and panics, naming `what`, if it held more than `memory` bytes at its
/// peak or took longer than `time`. What it returns is passed on.
pub fn within<T>(what: &str, memory: usize, time: Duration, f: impl FnOnce() -> T) -> T {
    watchdog();
    let id = NEXT.fetch_add(1, Ordering::Relaxed) as u64;
    let started = Instant::now();
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push((
        id,
        what.to_string(),
        started + time * HANG_FACTOR,
    ));
    let base = HELD.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let result = f();
    let peak = (PEAK.with(Cell::get) - base).max(0) as usize;
    let took = started.elapsed();
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(i, _, _)| *i != id);
    assert!(
        peak <= memory,
        "{what}: held {} MB at its peak, over its budget of {} MB",
        peak >> 20,
        memory >> 20
    );
    assert!(
        took <= time,
        "{what}: took {took:?}, over its limit of {time:?}"
    );
    result
}

/// The time limits are for optimised builds; a plain `cargo test` builds this crate unoptimised.
pub fn slack() -> u32 {
    if cfg!(debug_assertions) { 8 } else { 1 }
}

/// Bytes this thread holds now (allocated minus freed, by this thread).
pub fn held() -> isize {
    HELD.with(Cell::get)
}
