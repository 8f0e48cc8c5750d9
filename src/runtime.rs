//! The one tokio runtime shared by `Client` and `AsyncClient`, and the one
//! helper that blocks on it (`wait`): the GIL is released while waiting and Ctrl-C is honoured.
//! No other file in `src/` may block on a future.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

use crate::errors::{self, AsError};

/// How often a blocked call wakes to let Python deliver signals such as KeyboardInterrupt.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The aerospike crate's tend tasks live on whichever runtime created the client, so every client
/// is created here. Workers are capped as aerospike-sync caps them: enough for the I/O, never one
/// per core on a large machine.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers).thread_name("aerospike-py").enable_all();
        // Without threads or timers nothing in this module can work; there is no fallback.
        #[allow(clippy::expect_used)]
        builder.build().expect("aerospike_py: cannot start the tokio runtime")
    })
}

/// Runs `fut` to completion on the calling thread, in the shared runtime's context, with the GIL
/// released. A pending signal (Ctrl-C) raises in Python and drops the future, which cancels the
/// command.
///
/// Not `Runtime::block_on` with a `sleep(SIGNAL_POLL)` beside the command: that armed a tokio
/// timer per call, and a timer earlier than the one a parked worker sleeps towards wakes that
/// worker to re-arm, one more thread hop per command. Here the calling thread parks with a
/// timeout of its own and is unparked by the future's waker.
pub(crate) fn wait<T: Send>(
    py: Python<'_>,
    fut: impl Future<Output = Result<T, AsError>> + Send,
) -> PyResult<T> {
    let outcome = py.detach(|| {
        let out = run_parked(fut);
        if interpreter_exiting() {
            // A daemon thread whose command outlived the program: taking the GIL back from a
            // finalizing interpreter panics in pyo3 or ends the thread under Rust frames. Park
            // it for good instead; the process is about to exit.
            loop {
                std::thread::park();
            }
        }
        out
    });
    outcome?.map_err(errors::to_py)
}

/// `wait`'s loop, with the GIL released: poll, park until woken, and every SIGNAL_POLL let
/// Python deliver signals (an error here is the signal handler's exception).
fn run_parked<T>(fut: impl Future<Output = Result<T, AsError>>) -> PyResult<Result<T, AsError>> {
    let _context = runtime().enter();
    let unparker = Arc::new(Unparker { thread: std::thread::current(), woken: AtomicBool::new(false) });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let mut signals_due = Instant::now() + SIGNAL_POLL;
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Ok(out);
        }
        while !unparker.woken.swap(false, Ordering::AcqRel) {
            let now = Instant::now();
            if now >= signals_due {
                if !interpreter_exiting() {
                    Python::attach(|py| py.check_signals())?;
                }
                signals_due = now + SIGNAL_POLL;
            }
            std::thread::park_timeout(signals_due.saturating_duration_since(now));
        }
    }
}

static EXITING: AtomicBool = AtomicBool::new(false);

/// True once the interpreter has begun to exit (its atexit handlers run): non-daemon threads
/// have been joined by then, and nothing may attach to Python any more.
pub(crate) fn interpreter_exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

/// Registers the atexit handler behind `interpreter_exiting`; called once at import.
pub(crate) fn watch_interpreter_exit(py: Python<'_>) -> PyResult<()> {
    let mark = pyo3::types::PyCFunction::new_closure(py, None, None, |_args, _kwargs| EXITING.store(true, Ordering::Release))?;
    py.import("atexit")?.call_method1("register", (mark,))?;
    Ok(())
}

/// The waker of a future `wait` polls: flags the wake-up and unparks the waiting thread (a
/// spurious unpark is told from a real one by the flag).
struct Unparker {
    thread: std::thread::Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `fut` on the shared runtime when asyncio first awaits it: the coroutine every
/// `AsyncClient` method returns (`awaitable.rs`).
pub(crate) fn spawn<'py, T>(
    py: Python<'py>,
    fut: impl Future<Output = Result<T, AsError>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    crate::awaitable::coroutine(py, fut)
}
