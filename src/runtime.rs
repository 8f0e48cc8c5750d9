//! The one tokio runtime shared by `Client` and `AsyncClient`, and the one
//! helper that blocks on it (`wait`): the GIL is released while waiting and Ctrl-C is honoured.
//! No other file in `src/` may block on a future.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

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

/// Runs `fut` to completion on the shared runtime with the GIL released. A pending signal
/// (Ctrl-C) raises in Python and drops the future, which cancels the command.
pub(crate) fn wait<T: Send>(
    py: Python<'_>,
    fut: impl Future<Output = Result<T, AsError>> + Send,
) -> PyResult<T> {
    let outcome = py.detach(|| {
        runtime().block_on(async {
            tokio::pin!(fut);
            loop {
                tokio::select! {
                    out = &mut fut => break Ok::<_, PyErr>(out),
                    () = tokio::time::sleep(SIGNAL_POLL) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })?;
    outcome.map_err(errors::to_py)
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
