//! `AsyncOp`, the awaitable every `AsyncClient` method returns, and the loop waker behind it.
//!
//! Why not pyo3-async-runtimes' Future: asyncio wants coroutines (`create_task` refuses a
//! Future), and its completion takes the GIL on a tokio thread for a `call_soon_threadsafe` per
//! command. That hand-off costs a GIL round trip per completion, and when it runs while the
//! interpreter finalises it aborts the process ("PyGILState_Release ... must be current").
//!
//! Here a command is a real coroutine to asyncio (`send`/`throw`/`close`/`__await__`, so
//! `collections.abc.Coroutine` recognises it). Like a coroutine it starts when first awaited.
//! Its work runs on the shared tokio runtime; on completion the tokio thread only pushes the
//! command's id on a queue and, if the queue was empty, writes one byte to a socket that the
//! event loop watches (`loop.add_reader`). The loop's reader drains the queue and resolves every
//! finished command in one wake-up. A tokio thread never touches Python, so nothing can crash at
//! exit: a completion whose loop is gone just writes to a socket nobody reads.
//!
//! Cancellation (`Task.cancel`, `wait_for` timeouts, `TaskGroup` failures) reaches `throw` or
//! `close`, which abort the tokio task; the `aerospike` crate closes or recovers a connection
//! whose command was dropped mid-flight, so the client stays usable.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use pyo3::exceptions::{PyRuntimeError, PyStopIteration};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use pyo3::{intern, IntoPyObjectExt};

use crate::errors::{self, AsError};
use crate::runtime::runtime;

type Work = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Wraps `fut` in a coroutine for asyncio. Its value is converted to Python when the coroutine
/// resumes, on the event loop's thread.
pub(crate) fn coroutine<'py, T>(py: Python<'py>, fut: impl Future<Output = Result<T, AsError>> + Send + 'static) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let slot: Arc<Slot<T>> = Arc::new(Slot(Mutex::new(None)));
    let filled = slot.clone();
    let work: Work = Box::pin(async move {
        let out = fut.await;
        *filled.0.lock() = Some(out);
    });
    let op = AsyncOp { phase: Mutex::new(Phase::Created { work, outcome: slot }) };
    Ok(Bound::new(py, op)?.into_any())
}

/// A finished command's outcome, waiting for the loop's thread to convert it.
trait Outcome: Send + Sync {
    fn take(&self, py: Python<'_>) -> Option<PyResult<Py<PyAny>>>;
}

struct Slot<T>(Mutex<Option<Result<T, AsError>>>);

impl<T> Outcome for Slot<T>
where
    T: for<'a> IntoPyObject<'a> + Send,
{
    fn take(&self, py: Python<'_>) -> Option<PyResult<Py<PyAny>>> {
        let out = self.0.lock().take()?;
        Some(match out {
            Ok(value) => value.into_py_any(py),
            Err(e) => Err(errors::to_py(e)),
        })
    }
}

enum Phase {
    /// Created, not yet awaited: nothing has been sent.
    Created { work: Work, outcome: Arc<dyn Outcome> },
    /// Running on the runtime; `future` is the asyncio Future the awaiting task waits on.
    Running { id: u64, outcome: Arc<dyn Outcome>, task: tokio::task::AbortHandle, waker: Py<LoopWaker>, future: Py<PyAny> },
    Finished,
}

/// A command in flight, as a coroutine: `await op`, `asyncio.create_task(op)`, `asyncio.wait_for(op, t)`.
#[pyclass(name = "AsyncOp", module = "aerospike_py", frozen)]
pub(crate) struct AsyncOp {
    phase: Mutex<Phase>,
}

#[pymethods]
impl AsyncOp {
    fn __await__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.resume(py)
    }

    /// Resumes the coroutine; only `None` may be sent, as into any coroutine awaiting a Future.
    fn send(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if !value.is_none() && matches!(*self.phase.lock(), Phase::Created { .. }) {
            return Err(pyo3::exceptions::PyTypeError::new_err("can't send non-None value to a just-started coroutine"));
        }
        self.resume(py)
    }

    /// Raises `exc` inside the coroutine: the command is cancelled and `exc` propagates.
    #[pyo3(signature = (typ, val=None, _tb=None))]
    fn throw(&self, py: Python<'_>, typ: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, _tb: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.cancel(py);
        let exc = match typ.cast::<PyType>() {
            Ok(cls) => match val {
                Some(v) if v.is_instance(cls)? => v.clone(),
                Some(v) if !v.is_none() => cls.call1((v,))?,
                _ => cls.call0()?,
            },
            Err(_) => typ.clone(),
        };
        Err(PyErr::from_value(exc))
    }

    /// Cancels the command if it is still running.
    fn close(&self, py: Python<'_>) {
        self.cancel(py);
    }

    fn __repr__(&self) -> &'static str {
        match *self.phase.lock() {
            Phase::Created { .. } => "<aerospike_py.AsyncOp (not started)>",
            Phase::Running { .. } => "<aerospike_py.AsyncOp (running)>",
            Phase::Finished => "<aerospike_py.AsyncOp (finished)>",
        }
    }
}

impl AsyncOp {
    /// One step of the coroutine: the Future to wait on, or StopIteration carrying the value.
    fn resume(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let phase = std::mem::replace(&mut *self.phase.lock(), Phase::Finished);
        match phase {
            Phase::Created { work, outcome } => {
                let (waker, event_loop) = loop_waker(py)?;
                let future = event_loop.call_method0(intern!(py, "create_future"))?;
                future.setattr(intern!(py, "_asyncio_future_blocking"), true)?;
                let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
                let state = waker.get();
                state.waiting.lock().insert(id, future.clone().unbind());
                let signal = state.signal.clone();
                let task = runtime()
                    .spawn(async move {
                        work.await;
                        signal.notify(id);
                    })
                    .abort_handle();
                let future = future.unbind();
                let yielded = future.clone_ref(py);
                *self.phase.lock() = Phase::Running { id, outcome, task, waker, future };
                Ok(yielded)
            }
            Phase::Running { id, outcome, task, waker, future } => match outcome.take(py) {
                Some(result) => Err(PyStopIteration::new_err((result?,))),
                None => {
                    // Resumed before the command finished (a manual `send`): keep waiting.
                    let yielded = future.clone_ref(py);
                    *self.phase.lock() = Phase::Running { id, outcome, task, waker, future };
                    Ok(yielded)
                }
            },
            Phase::Finished => Err(PyRuntimeError::new_err("cannot reuse already awaited coroutine")),
        }
    }

    fn cancel(&self, _py: Python<'_>) {
        let phase = std::mem::replace(&mut *self.phase.lock(), Phase::Finished);
        if let Phase::Running { id, task, waker, .. } = phase {
            task.abort();
            waker.get().waiting.lock().remove(&id);
        }
    }
}

impl Drop for AsyncOp {
    /// A coroutine dropped while its command runs (its task was garbage-collected) cancels it.
    fn drop(&mut self) {
        if let Phase::Running { id, task, waker, .. } = std::mem::replace(self.phase.get_mut(), Phase::Finished) {
            task.abort();
            waker.get().waiting.lock().remove(&id);
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The part of a loop's waker that tokio threads touch: no Python in it.
struct Signal {
    finished: Mutex<Vec<u64>>,
    wake: UnixStream,
}

impl Signal {
    /// Called on a tokio thread when command `id` has finished.
    fn notify(&self, id: u64) {
        let first = {
            let mut finished = self.finished.lock();
            finished.push(id);
            finished.len() == 1
        };
        if first {
            // One byte per empty -> non-empty transition; a full socket already means "wake up",
            // and a closed one means the loop is gone: both are fine to ignore.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// The event loop's reader callback: resolves the Futures of every finished command.
#[pyclass(module = "aerospike_py", frozen)]
pub(crate) struct LoopWaker {
    signal: Arc<Signal>,
    readable: UnixStream,
    /// Commands in flight on this loop: id -> the asyncio Future their task waits on.
    waiting: Mutex<HashMap<u64, Py<PyAny>>>,
}

#[pymethods]
impl LoopWaker {
    fn __call__(&self, py: Python<'_>) {
        // Bytes first, then the queue: a byte written after this read belongs to an id pushed
        // after it, which either is drained below or wakes the loop again.
        let mut buf = [0u8; 256];
        while matches!((&self.readable).read(&mut buf), Ok(n) if n > 0) {}
        let finished = std::mem::take(&mut *self.signal.finished.lock());
        let futures: Vec<Py<PyAny>> = {
            let mut waiting = self.waiting.lock();
            finished.iter().filter_map(|id| waiting.remove(id)).collect()
        };
        for future in futures {
            // A Future cancelled under us (Task.cancel) refuses a result: nothing to do then.
            let _ = future.bind(py).call_method1(intern!(py, "set_result"), (py.None(),));
        }
    }
}

struct LoopEntry {
    event_loop: Py<PyAny>,
    waker: Py<LoopWaker>,
}

static LOOPS: Mutex<Vec<LoopEntry>> = parking_lot::const_mutex(Vec::new());

/// The running loop and its waker, installed on first use. Wakers of closed loops are dropped
/// then, which closes their sockets.
fn loop_waker(py: Python<'_>) -> PyResult<(Py<LoopWaker>, Bound<'_, PyAny>)> {
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let get_running_loop = GET_RUNNING_LOOP.get_or_try_init(py, || py.import("asyncio")?.getattr("get_running_loop").map(Bound::unbind))?;
    let event_loop = get_running_loop.bind(py).call0()?;
    if let Some(entry) = LOOPS.lock().iter().find(|e| e.event_loop.as_ptr() == event_loop.as_ptr()) {
        return Ok((entry.waker.clone_ref(py), event_loop));
    }
    let stale: Vec<LoopEntry> = {
        let mut loops = LOOPS.lock();
        let (closed, open): (Vec<_>, Vec<_>) = std::mem::take(&mut *loops)
            .into_iter()
            .partition(|e| e.event_loop.bind(py).call_method0(intern!(py, "is_closed")).and_then(|c| c.is_truthy()).unwrap_or(true));
        *loops = open;
        closed
    };
    drop(stale);
    let (readable, wake) = UnixStream::pair().map_err(|e| PyRuntimeError::new_err(format!("cannot create the event loop's wake-up socket: {e}")))?;
    for end in [&readable, &wake] {
        end.set_nonblocking(true).map_err(|e| PyRuntimeError::new_err(format!("cannot make the wake-up socket non-blocking: {e}")))?;
    }
    let fd = readable.as_raw_fd();
    let waker = Py::new(py, LoopWaker { signal: Arc::new(Signal { finished: Mutex::new(Vec::new()), wake }), readable, waiting: Mutex::new(HashMap::new()) })?;
    event_loop.call_method1(intern!(py, "add_reader"), (fd, waker.clone_ref(py))).map_err(|e| {
        let why = if e.is_instance_of::<pyo3::exceptions::PyNotImplementedError>(py) { "this event loop cannot watch sockets (add_reader); use the default selector event loop or uvloop" } else { "add_reader failed" };
        PyRuntimeError::new_err(format!("aerospike_py needs an asyncio loop with add_reader: {why}: {e}"))
    })?;
    LOOPS.lock().push(LoopEntry { event_loop: event_loop.clone().unbind(), waker: waker.clone_ref(py) });
    Ok((waker, event_loop))
}
