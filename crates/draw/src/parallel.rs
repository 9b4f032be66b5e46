//! Running two independent parts of a draw at the same time where the platform has threads.
//!
//! Both parts are pure functions of the input, so the result is the same whether they run on one
//! thread or two, in either order: threads only save time (at a million units the population's
//! sort and hash run beside the tickets). WebAssembly in the browser has no threads and runs them
//! one after the other.

/// How the independent parts of a draw run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Threads {
    /// On two threads when a thread can be had (never on WebAssembly).
    Two,
    /// One after the other (tests compare both ways).
    #[cfg_attr(not(test), allow(dead_code))]
    One,
}

impl Threads {
    /// Runs `a` and `b` and returns both results.
    pub(crate) fn join<A: Send, B>(
        self,
        a: impl Fn() -> A + Sync,
        b: impl FnOnce() -> B,
    ) -> (A, B) {
        match self {
            Threads::Two => two(a, b),
            Threads::One => (a(), b()),
        }
    }
}

#[cfg(not(target_family = "wasm"))]
fn two<A: Send, B>(a: impl Fn() -> A + Sync, b: impl FnOnce() -> B) -> (A, B) {
    let a = &a;
    std::thread::scope(
        |scope| match std::thread::Builder::new().spawn_scoped(scope, a) {
            Ok(handle) => {
                let b = b();
                // `a` panics only where it would have panicked on this thread too.
                let a = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (a, b)
            }
            // No thread to be had: one after the other.
            Err(_) => (a(), b()),
        },
    )
}

#[cfg(target_family = "wasm")]
fn two<A: Send, B>(a: impl Fn() -> A + Sync, b: impl FnOnce() -> B) -> (A, B) {
    (a(), b())
}
