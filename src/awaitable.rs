//! `AsyncOp`, the awaitable every `AsyncClient` method returns, and the loop waker behind it.
//!
//! Why not pyo3-async-runtimes' Future: asyncio wants coroutines (`create_task` refuses a
//! Future), and its completion takes the GIL on a tokio thread for a `call_soon_threadsafe` per
//! command. That hand-off costs a GIL round trip per completion, and when it runs while the
//! interpreter finalises it aborts the process ("PyGILState_Release ... must be current").
//!
//! Here a command is a real coroutine to asyncio (`send`/`throw`/`close`/`__await__`, so
//! `collections.abc.Coroutine` recognises it). Like a coroutine it starts when first awaited, and
//! then it yields itself as the future-like object its Task waits on, so no `asyncio.Future` is
//! made per command. Its work runs on the shared tokio runtime; on completion the tokio thread
//! only pushes the command's id on a queue and, if the queue was empty, writes one byte to a
//! socket that the event loop watches (`loop.add_reader`). The loop's reader drains the queue and
//! runs the wake-up of every finished command's Task in that one callback, without a
//! `call_soon` round per command. A tokio thread never touches Python, so nothing can crash at
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    // Boxed first: a command's future is kilobytes (a get ~10 KB, a batch ~24 KB), and every
    // move of it by value is a memcpy of all of it.
    let fut = Box::pin(fut);
    let slot: Arc<Slot<T>> = Arc::new(Slot(Mutex::new(None)));
    let filled = slot.clone();
    let work: Work = Box::pin(async move {
        let out = fut.await;
        *filled.0.lock() = Some(out);
    });
    let op = AsyncOp { phase: Mutex::new(Phase::Created { work, outcome: slot }), blocking: AtomicBool::new(false) };
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
    /// Sent and running on the runtime (`done` once the loop's waker saw it finish), with the
    /// done-callbacks the awaiting Task registered.
    Running { id: u64, outcome: Arc<dyn Outcome>, task: tokio::task::AbortHandle, waker: Py<LoopWaker>, event_loop: Py<PyAny>, callbacks: Vec<DoneCallback>, done: bool },
    /// `cancel()` reached it while running: the Task is told, and throws CancelledError in.
    Cancelled { event_loop: Py<PyAny>, message: Option<Py<PyAny>> },
    Finished,
}

/// A callback `add_done_callback` took, and the `contextvars.Context` to run it in.
struct DoneCallback {
    callback: Py<PyAny>,
    context: Option<Py<PyAny>>,
}

/// A command in flight, as a coroutine: `await op`, `asyncio.create_task(op)`, `asyncio.wait_for(op, t)`.
///
/// Once started it is also the future-like object its Task waits on (`_asyncio_future_blocking`,
/// `add_done_callback`, `result`, `cancel`, `get_loop`: the protocol asyncio's Task speaks to any
/// awaitable's yielded value). Yielding itself spares an `asyncio.Future`, its `set_result` and the
/// `call_soon` hop per command: the loop's waker runs the Task's wake-up directly.
#[pyclass(name = "AsyncOp", module = "aerospike_py", frozen)]
pub(crate) struct AsyncOp {
    phase: Mutex<Phase>,
    blocking: AtomicBool,
}

#[pymethods]
impl AsyncOp {
    fn __await__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        Self::resume(slf)
    }

    /// Resumes the coroutine; only `None` may be sent, as into any coroutine awaiting a Future.
    fn send(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if !value.is_none() && matches!(*slf.get().phase.lock(), Phase::Created { .. }) {
            return Err(pyo3::exceptions::PyTypeError::new_err("can't send non-None value to a just-started coroutine"));
        }
        Self::resume(slf)
    }

    /// Raises `exc` inside the coroutine: the command is cancelled and `exc` propagates.
    #[pyo3(signature = (typ, val=None, _tb=None))]
    fn throw(&self, typ: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, _tb: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.abort();
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
    fn close(&self) {
        self.abort();
    }

    fn __repr__(&self) -> &'static str {
        match *self.phase.lock() {
            Phase::Created { .. } => "<aerospike_py.AsyncOp (not started)>",
            Phase::Running { done: false, .. } => "<aerospike_py.AsyncOp (running)>",
            Phase::Cancelled { .. } => "<aerospike_py.AsyncOp (cancelled)>",
            Phase::Running { done: true, .. } | Phase::Finished => "<aerospike_py.AsyncOp (finished)>",
        }
    }

    // The future side, spoken by asyncio's Task to what a coroutine yields. `None` until started,
    // so `asyncio.isfuture` calls an unstarted command a coroutine and `ensure_future` wraps it.
    #[getter(_asyncio_future_blocking)]
    fn future_blocking(&self) -> Option<bool> {
        match *self.phase.lock() {
            Phase::Created { .. } | Phase::Finished => None,
            _ => Some(self.blocking.load(Ordering::Relaxed)),
        }
    }

    #[setter(_asyncio_future_blocking)]
    fn set_future_blocking(&self, value: bool) {
        self.blocking.store(value, Ordering::Relaxed);
    }

    /// The event loop the command was started on.
    fn get_loop(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match &*self.phase.lock() {
            Phase::Running { event_loop, .. } | Phase::Cancelled { event_loop, .. } => Ok(event_loop.clone_ref(py)),
            _ => Err(PyRuntimeError::new_err("the command has not been started on an event loop")),
        }
    }

    /// Calls `fn(self)` in `context` when the command finishes or is cancelled.
    #[pyo3(signature = (r#fn, *, context=None))]
    fn add_done_callback(slf: &Bound<'_, Self>, r#fn: Py<PyAny>, context: Option<Py<PyAny>>) -> PyResult<()> {
        let py = slf.py();
        let event_loop = {
            let mut phase = slf.get().phase.lock();
            match &mut *phase {
                Phase::Running { callbacks, done: false, .. } => {
                    callbacks.push(DoneCallback { callback: r#fn, context });
                    return Ok(());
                }
                Phase::Running { event_loop, .. } | Phase::Cancelled { event_loop, .. } => event_loop.clone_ref(py),
                Phase::Finished => py.import("asyncio")?.call_method0("get_running_loop")?.unbind(),
                Phase::Created { .. } => return Err(PyRuntimeError::new_err("the command has not been started on an event loop")),
            }
        };
        // Already done: run it soon, as asyncio.Future does.
        schedule(event_loop.bind(py), &DoneCallback { callback: r#fn, context }, slf.as_any())
    }

    /// Removes every registration of `fn`; returns how many there were.
    fn remove_done_callback(&self, py: Python<'_>, r#fn: &Bound<'_, PyAny>) -> usize {
        let mut phase = self.phase.lock();
        let Phase::Running { callbacks, .. } = &mut *phase else { return 0 };
        let before = callbacks.len();
        callbacks.retain(|c| !c.callback.bind(py).is(r#fn));
        before - callbacks.len()
    }

    fn done(&self) -> bool {
        !matches!(*self.phase.lock(), Phase::Created { .. } | Phase::Running { done: false, .. })
    }

    fn cancelled(&self) -> bool {
        matches!(*self.phase.lock(), Phase::Cancelled { .. })
    }

    /// None once finished (the value itself comes out of the coroutine); CancelledError if
    /// cancelled.
    fn result(&self, py: Python<'_>) -> PyResult<()> {
        match &*self.phase.lock() {
            Phase::Cancelled { message, .. } => Err(cancelled_error(py, message.as_ref())),
            Phase::Created { .. } | Phase::Running { done: false, .. } => Err(invalid_state(py, "Result is not ready.")),
            _ => Ok(()),
        }
    }

    fn exception(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.result(py).map(|()| None)
    }

    /// Cancels a running command and tells its Task; False once it has finished.
    #[pyo3(signature = (msg=None))]
    fn cancel(slf: &Bound<'_, Self>, msg: Option<Py<PyAny>>) -> PyResult<bool> {
        let py = slf.py();
        let this = slf.get();
        let (event_loop, callbacks) = {
            let mut phase = this.phase.lock();
            if !matches!(*phase, Phase::Running { done: false, .. }) {
                return Ok(false);
            }
            let Phase::Running { id, task, waker, event_loop, callbacks, .. } = std::mem::replace(&mut *phase, Phase::Finished) else { return Ok(false) };
            task.abort();
            *phase = Phase::Cancelled { event_loop: event_loop.clone_ref(py), message: msg };
            drop(phase);
            waker.get().waiting.lock().remove(&id);
            (event_loop, callbacks)
        };
        for callback in &callbacks {
            schedule(event_loop.bind(py), callback, slf.as_any())?;
        }
        Ok(true)
    }
}

impl AsyncOp {
    /// One step of the coroutine: itself, to be waited on, or StopIteration carrying the value.
    fn resume(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let phase = std::mem::replace(&mut *this.phase.lock(), Phase::Finished);
        match phase {
            Phase::Created { work, outcome } => {
                let (waker, event_loop) = loop_waker(py)?;
                let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
                let state = waker.get();
                state.waiting.lock().insert(id, slf.clone().unbind());
                let signal = state.signal.clone();
                let task = runtime()
                    .spawn(async move {
                        work.await;
                        signal.notify(id);
                    })
                    .abort_handle();
                *this.phase.lock() = Phase::Running { id, outcome, task, waker, event_loop: event_loop.unbind(), callbacks: Vec::new(), done: false };
                this.blocking.store(true, Ordering::Relaxed);
                Ok(slf.clone().into_any().unbind())
            }
            Phase::Running { outcome, done: true, .. } => match outcome.take(py) {
                Some(result) => Err(PyStopIteration::new_err((result?,))),
                None => Err(PyRuntimeError::new_err("the command finished without an outcome")),
            },
            running @ Phase::Running { done: false, .. } => {
                // Resumed before the command finished (a manual `send`): keep waiting.
                *this.phase.lock() = running;
                this.blocking.store(true, Ordering::Relaxed);
                Ok(slf.clone().into_any().unbind())
            }
            Phase::Cancelled { message, .. } => Err(cancelled_error(py, message.as_ref())),
            Phase::Finished => Err(PyRuntimeError::new_err("cannot reuse already awaited coroutine")),
        }
    }

    /// Stops the command for good (throw, close): aborts it if it is still running.
    /// A cancelled command stays cancelled, as the Task that threw CancelledError in sees it.
    fn abort(&self) {
        let mut phase = self.phase.lock();
        if matches!(*phase, Phase::Cancelled { .. }) {
            return;
        }
        let Phase::Running { id, task, waker, .. } = std::mem::replace(&mut *phase, Phase::Finished) else { return };
        drop(phase);
        task.abort();
        waker.get().waiting.lock().remove(&id);
    }

    /// Called by the loop's waker when the command has finished: runs the Task's wake-up now.
    fn finish(slf: &Bound<'_, Self>) {
        let py = slf.py();
        let (event_loop, callbacks) = {
            let mut phase = slf.get().phase.lock();
            let Phase::Running { done, callbacks, event_loop, .. } = &mut *phase else { return };
            *done = true;
            (event_loop.clone_ref(py), std::mem::take(callbacks))
        };
        for DoneCallback { callback, context } in callbacks {
            let ran = match context {
                Some(context) => context.bind(py).call_method1(intern!(py, "run"), (callback, slf)),
                None => callback.bind(py).call1((slf,)),
            };
            if let Err(error) = ran {
                report(event_loop.bind(py), error, slf.as_any());
            }
        }
    }
}

/// `loop.call_soon(fn, op, context=...)`, as asyncio.Future runs callbacks outside `finish`.
fn schedule(event_loop: &Bound<'_, PyAny>, callback: &DoneCallback, op: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = event_loop.py();
    let kwargs = pyo3::types::PyDict::new(py);
    if let Some(context) = &callback.context {
        kwargs.set_item(intern!(py, "context"), context)?;
    }
    event_loop.call_method(intern!(py, "call_soon"), (callback.callback.clone_ref(py), op), Some(&kwargs))?;
    Ok(())
}

/// A done-callback that raised goes to the loop's exception handler, as asyncio's Handle does.
fn report(event_loop: &Bound<'_, PyAny>, error: PyErr, op: &Bound<'_, PyAny>) {
    let py = event_loop.py();
    let context = pyo3::types::PyDict::new(py);
    let _ = context.set_item("message", "Exception in an aerospike_py AsyncOp done-callback");
    let _ = context.set_item("exception", error.value(py));
    let _ = context.set_item("future", op);
    if event_loop.call_method1(intern!(py, "call_exception_handler"), (context,)).is_err() {
        // No handler to take it: print it the way an unraisable exception is printed.
        error.write_unraisable(py, Some(op));
    }
}

fn cancelled_error(py: Python<'_>, message: Option<&Py<PyAny>>) -> PyErr {
    let args = message.map(|m| m.clone_ref(py));
    match asyncio_class(py, "CancelledError") {
        Ok(cls) => match args {
            Some(m) => PyErr::from_type(cls.clone(), (m,)),
            None => PyErr::from_type(cls.clone(), ()),
        },
        Err(e) => e,
    }
}

fn invalid_state(py: Python<'_>, message: &'static str) -> PyErr {
    match asyncio_class(py, "InvalidStateError") {
        Ok(cls) => PyErr::from_type(cls.clone(), message),
        Err(e) => e,
    }
}

fn asyncio_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(py.import("asyncio")?.getattr(name)?.cast_into::<PyType>()?)
}

impl Drop for AsyncOp {
    /// A coroutine dropped while its command runs cancels it. (A running command is held by its
    /// loop's waker until it finishes, so this is the unstarted or abandoned case.)
    fn drop(&mut self) {
        if let Phase::Running { task, .. } = std::mem::replace(self.phase.get_mut(), Phase::Finished) {
            task.abort();
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
    /// Commands in flight on this loop, by id.
    waiting: Mutex<HashMap<u64, Py<AsyncOp>>>,
}

#[pymethods]
impl LoopWaker {
    fn __call__(&self, py: Python<'_>) {
        // Bytes first, then the queue: a byte written after this read belongs to an id pushed
        // after it, which either is drained below or wakes the loop again.
        let mut buf = [0u8; 256];
        while matches!((&self.readable).read(&mut buf), Ok(n) if n > 0) {}
        let finished = std::mem::take(&mut *self.signal.finished.lock());
        let ops: Vec<Py<AsyncOp>> = {
            let mut waiting = self.waiting.lock();
            finished.iter().filter_map(|id| waiting.remove(id)).collect()
        };
        for op in ops {
            AsyncOp::finish(op.bind(py));
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
    // Commands still waiting on a closed loop hold its waker: let both go.
    for entry in &stale {
        entry.waker.get().waiting.lock().clear();
    }
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
