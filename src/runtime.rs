//! The one tokio runtime shared by `Client`, `AsyncClient` and pyo3-async-runtimes, and the one
//! helper that blocks on it (`wait`): the GIL is released while waiting and Ctrl-C is honoured.
//! No other file in `src/` may block on a future.

use std::future::Future;
use std::sync::Once;
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::{self, AsError};

/// How often a blocked call wakes to let Python deliver signals such as KeyboardInterrupt.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The aerospike crate's tend tasks live on whichever runtime created the client, so every client
/// is created here. Workers are capped as aerospike-sync caps them: enough for the I/O, never one
/// per core on a large machine.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers).thread_name("aerospike-py").enable_all();
        pyo3_async_runtimes::tokio::init(builder);
    });
    pyo3_async_runtimes::tokio::get_runtime()
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

/// Runs `fut` on the shared runtime and hands asyncio an awaitable for its result; the value is
/// converted to Python when the awaitable resolves, on the event loop's thread.
pub(crate) fn spawn<'py, T>(
    py: Python<'py>,
    fut: impl Future<Output = Result<T, AsError>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime();
    pyo3_async_runtimes::tokio::future_into_py(py, async move { fut.await.map_err(errors::to_py) })
}
