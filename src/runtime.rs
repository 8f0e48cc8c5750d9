//! The tokio runtimes and the one helper that blocks on a future (`wait`): the GIL is released
//! while waiting and Ctrl-C is honoured. No other file in `src/` may block on a future.
//!
//! Two runtimes, because the two clients wait differently:
//! - `runtime()`, multi-thread: `AsyncClient`'s commands run on its workers (`spawn`), which
//!   wake the event loop when they finish.
//! - the sync runtime, current-thread: a sync `Client` connects through `wait`, so the crate
//!   client it creates (its tend task, its connections) belongs here, and `wait` drives it on
//!   the calling thread. The reply's readiness is then seen by the thread that waits for it:
//!   one thread wake-up per command instead of two (a worker woken by epoll, then the caller
//!   woken by the worker). When no `wait` is in progress a background thread drives it, so
//!   tend (node add/remove, partition maps), timers and the crate's spawned tasks keep running.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

use crate::errors::{self, AsError};

/// How often a call blocked on the main thread wakes to let Python deliver signals such as
/// KeyboardInterrupt (other threads never receive them: see `drive`).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// How often the background thread looks at what the callers of `wait` do (see `drive_in_background`).
/// Commands issued one after the other by one thread (a few µs apart) never leave it a gap this
/// long, so they never pay for taking the runtime back from it; tend's timers (1 s) and the
/// crate's tasks run at most this late when nobody waits.
const BACKGROUND_PERIOD: Duration = Duration::from_millis(1);

/// The runtime of `AsyncClient`: the crate's tend tasks live on whichever runtime created the
/// client, so every `AsyncClient` connects here (`spawn`). Workers are capped as aerospike-sync
/// caps them: enough for the I/O, never one per core on a large machine.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: PerProcess<tokio::runtime::Runtime> = PerProcess::new();
    RUNTIME.get(|| {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers).thread_name("aerospike-py").enable_all();
        // Without threads or timers nothing in this module can work; there is no fallback.
        #[allow(clippy::expect_used)]
        builder.build().expect("aerospike_py: cannot start the tokio runtime")
    })
}

/// A value made once per process, for the runtimes. A child forked from a process that had
/// made one (multiprocessing's default on Linux) gets its own: the parent's worker and
/// background threads do not exist in the child, and its epoll instance is shared with the
/// parent, so a client connected on it in the child hung. The parent's value is leaked in the
/// child, never dropped: dropping a runtime waits for threads that are not there.
struct PerProcess<T: 'static>(parking_lot::RwLock<Option<(u32, &'static T)>>);

impl<T: Sync> PerProcess<T> {
    const fn new() -> Self {
        Self(parking_lot::const_rwlock(None))
    }

    fn get(&self, make: impl FnOnce() -> T) -> &'static T {
        let pid = crate::connection::process_id();
        if let Some((owner, value)) = *self.0.read() {
            if owner == pid {
                return value;
            }
        }
        let mut slot = self.0.write();
        match *slot {
            Some((owner, value)) if owner == pid => value,
            _ => {
                let value: &'static T = Box::leak(Box::new(make()));
                *slot = Some((pid, value));
                value
            }
        }
    }
}

/// The current-thread runtime of every sync `Client`, and who drives it.
///
/// tokio lets any number of threads `block_on` a current-thread runtime at once: one holds its
/// core (runs its tasks and its I/O and timer driver), the others poll only their own future
/// when its waker fires, and the core passes to one of them when its holder's future is done.
/// Who holds it:
/// - one thread calling commands one after the other: that thread, during each command (the
///   point of this runtime: one wake-up per command);
/// - nobody waiting (`Mode::Idle`): the background thread, once no `wait` has begun for a
///   `BACKGROUND_PERIOD`; the next caller wakes it to give the core back;
/// - several threads waiting at once (`Mode::Shared`): the background thread, until a
///   `BACKGROUND_PERIOD` passes in which no caller found another already waiting and no guest
///   waits. Callers arriving meanwhile are guests (`poll_as_guest`): they poll their own command
///   when its waker unparks them, as they did on the multi-thread runtime, without tokio's
///   `block_on` (whose non-holder path takes a lock on the core's Notify, the runtime's seed
///   generator and its timer wheel per command: measured ~20% more CPU per command than this
///   with 16 threads). Left to tokio, the core would also pass from caller to caller as each
///   command ends, a hand-off before the next reply can be read.
struct SyncRuntime {
    rt: tokio::runtime::Runtime,
    /// Threads inside `wait` now.
    callers: AtomicUsize,
    /// `wait`s begun so far: the background thread's evidence that callers are still coming.
    arrivals: AtomicUsize,
    /// A caller arrived while another was waiting, since the background thread last looked.
    overlap: AtomicBool,
    /// What the background thread is doing (`Mode` as u8).
    mode: AtomicU8,
    /// Callers polling their command as guests of the background thread (`Mode::Shared`).
    guests: AtomicUsize,
    /// The waker of the background thread's `block_on` in `Mode::Idle`: a caller fires it to
    /// take the core.
    background_waker: parking_lot::Mutex<Option<Waker>>,
}

/// What the background thread does with the sync runtime.
#[repr(u8)]
enum Mode {
    /// Not driving it: the callers do.
    Off,
    /// Driving it because nobody waits, until a caller arrives.
    Idle,
    /// Driving it for several waiting callers, until they stop overlapping.
    Shared,
}

fn sync_runtime() -> &'static SyncRuntime {
    static SYNC: PerProcess<SyncRuntime> = PerProcess::new();
    SYNC.get(|| {
        let mut builder = tokio::runtime::Builder::new_current_thread();
        builder.enable_all();
        // As for `runtime()`: without a runtime nothing here can work.
        #[allow(clippy::expect_used)]
        let rt = builder.build().expect("aerospike_py: cannot start the tokio runtime");
        // Without the background thread commands still work (tokio passes the core between
        // callers); only tend stops between commands.
        if let Err(err) = std::thread::Builder::new().name("aerospike-py-sync".into()).spawn(|| drive_in_background(sync_runtime())) {
            log::warn!("cannot start the sync client's background thread ({err}): the cluster is tended only while a command runs");
        }
        SyncRuntime {
            rt,
            callers: AtomicUsize::new(0),
            arrivals: AtomicUsize::new(0),
            overlap: AtomicBool::new(false),
            mode: AtomicU8::new(Mode::Off as u8),
            guests: AtomicUsize::new(0),
            background_waker: parking_lot::Mutex::new(None),
        }
    })
}

/// The background thread (see `SyncRuntime`): every `BACKGROUND_PERIOD` it looks whether callers
/// overlapped (then it drives for them) or none came (then it drives for tend).
fn drive_in_background(sync: &'static SyncRuntime) {
    loop {
        let seen = sync.arrivals.load(Ordering::Acquire);
        std::thread::sleep(BACKGROUND_PERIOD);
        if sync.overlap.swap(false, Ordering::AcqRel) {
            sync.mode.store(Mode::Shared as u8, Ordering::SeqCst);
            sync.rt.block_on(async {
                loop {
                    tokio::time::sleep(BACKGROUND_PERIOD).await;
                    if sync.overlap.swap(false, Ordering::AcqRel) {
                        continue;
                    }
                    // With `Guest::enter` (SeqCst both sides): a guest either sees the mode
                    // change and does not stay, or is counted here and keeps this thread on.
                    sync.mode.store(Mode::Off as u8, Ordering::SeqCst);
                    if sync.guests.load(Ordering::SeqCst) == 0 {
                        break;
                    }
                    sync.mode.store(Mode::Shared as u8, Ordering::SeqCst);
                }
            });
        } else if sync.callers.load(Ordering::SeqCst) == 0 && sync.arrivals.load(Ordering::Acquire) == seen {
            // With `callers` (SeqCst both sides): either the caller sees this mode and wakes
            // the future below, or the future sees the caller.
            sync.mode.store(Mode::Idle as u8, Ordering::SeqCst);
            sync.rt.block_on(poll_fn(|cx| {
                *sync.background_waker.lock() = Some(cx.waker().clone());
                if sync.callers.load(Ordering::SeqCst) > 0 {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }));
        } else {
            continue;
        }
        sync.mode.store(Mode::Off as u8, Ordering::SeqCst);
        sync.background_waker.lock().take();
    }
}

/// A thread inside `wait`: counted while it lives, so the background thread knows.
struct Caller(&'static SyncRuntime);

impl Caller {
    fn arrive(sync: &'static SyncRuntime) -> Self {
        if sync.callers.fetch_add(1, Ordering::SeqCst) > 0 {
            sync.overlap.store(true, Ordering::Release);
        }
        sync.arrivals.fetch_add(1, Ordering::Release);
        if sync.mode.load(Ordering::SeqCst) == Mode::Idle as u8 {
            if let Some(waker) = sync.background_waker.lock().take() {
                waker.wake();
            }
        }
        Self(sync)
    }
}

impl Drop for Caller {
    fn drop(&mut self) {
        self.0.callers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A caller served by the background thread in `Mode::Shared`: counted, so the background
/// thread keeps the core (and drives this caller's sockets) until it leaves.
struct Guest(&'static SyncRuntime);

impl Guest {
    fn enter(sync: &'static SyncRuntime) -> Option<Self> {
        if sync.mode.load(Ordering::Relaxed) != Mode::Shared as u8 {
            return None;
        }
        sync.guests.fetch_add(1, Ordering::SeqCst);
        if sync.mode.load(Ordering::SeqCst) == Mode::Shared as u8 {
            Some(Self(sync))
        } else {
            sync.guests.fetch_sub(1, Ordering::SeqCst);
            None
        }
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        self.0.guests.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A guest's wait: poll the command, park until its waker fires (the background thread's
/// driver saw its socket ready), until it is done or `deadline` (if any) passes. Runs in the
/// sync runtime's context (the caller's `enter`), so what the command registers goes there.
fn poll_as_guest<F: Future>(mut fut: Pin<&mut F>, deadline: Option<Instant>) -> Option<F::Output> {
    let unparker = Arc::new(Unparker { thread: std::thread::current(), woken: AtomicBool::new(false) });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Some(out);
        }
        while !unparker.woken.swap(false, Ordering::AcqRel) {
            match deadline {
                // A park without a timeout arms no kernel timer.
                None => std::thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
        }
    }
}

/// The waker of a guest's command: flags the wake-up and unparks the guest (a spurious unpark is
/// told from a real one by the flag).
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

/// Runs `fut` to completion on the calling thread with the GIL released, driving the sync
/// runtime (see `SyncRuntime`). A pending signal (Ctrl-C) raises in Python and drops the future,
/// which cancels the command.
pub(crate) fn wait<T: Send>(
    py: Python<'_>,
    fut: impl Future<Output = Result<T, AsError>> + Send,
) -> PyResult<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        // Python called from inside a runtime (a tracing callback run at a command's end): a
        // nested block_on would panic, and this thread may hold the core the command needs.
        return Err(errors::client_error(
            "a sync Client command cannot run inside the client's own I/O (e.g. from a tracing callback); run it elsewhere",
        ));
    }
    let signals = receives_signals(py);
    detached(py, || drive(fut, signals))?.map_err(errors::to_py)
}

/// `work` with the GIL released, on the calling thread; the GIL is taken back only while the
/// interpreter is not exiting (a daemon thread whose command outlived the program parks for
/// good instead: see `AttachTicket`).
pub(crate) fn detached<T: Send>(py: Python<'_>, work: impl FnOnce() -> T + Send) -> T {
    let (outcome, ticket) = py.detach(|| {
        let out = work();
        match AttachTicket::take() {
            Some(ticket) => (out, ticket),
            None => loop {
                std::thread::park();
            },
        }
    });
    drop(ticket);
    outcome
}

/// Whether a sync command may run on the calling thread without the runtime: not from inside
/// one (a tracing callback run at a command's end), where `wait` says why it cannot.
pub(crate) fn outside_the_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_err()
}

/// `wait`'s loop, with the GIL released: wait for the command (as a guest of the background
/// thread, or in `block_on`). On the main thread, for at most SIGNAL_POLL at a time, and between
/// two let Python deliver signals (an error here is the signal handler's exception); signals are
/// checked outside `block_on` and outside the runtime's context, so a signal handler may itself
/// run sync commands. Python runs signal handlers on the main thread only (`PyErr_CheckSignals`
/// does nothing elsewhere), so any other thread waits for the command alone: no timer per
/// command and no wake-up every SIGNAL_POLL. The command still ends: its own timeouts bound it.
fn drive<T>(fut: impl Future<Output = Result<T, AsError>>, signals: bool) -> PyResult<Result<T, AsError>> {
    let sync = sync_runtime();
    // Declared before `fut`, so an abandoned command is dropped inside the runtime's context
    // (the crate may spawn from a destructor).
    let mut context = None;
    let mut fut = pin!(fut);
    loop {
        let caller = Caller::arrive(sync);
        if context.is_none() {
            context = Some(sync.rt.enter());
        }
        let polled = match Guest::enter(sync) {
            Some(_guest) => poll_as_guest(fut.as_mut(), signals.then(|| Instant::now() + SIGNAL_POLL)),
            None if !signals => Some(sync.rt.block_on(fut.as_mut())),
            None => {
                let deadline = tokio::time::Instant::now() + SIGNAL_POLL;
                sync.rt.block_on(async {
                    let mut tick = Tick::take(deadline);
                    let out = poll_fn(|cx| match fut.as_mut().poll(cx) {
                        Poll::Ready(out) => Poll::Ready(Some(out)),
                        Poll::Pending => tick.sleep.as_mut().poll(cx).map(|()| None),
                    })
                    .await;
                    tick.give_back();
                    out
                })
            }
        };
        if let Some(out) = polled {
            return Ok(out);
        }
        if !interpreter_exiting() {
            // Waiting for the GIL may take long: meanwhile the background thread may drive.
            drop(context.take());
            drop(caller);
            Python::attach(|py| py.check_signals())?;
        }
    }
}

/// The timer that wakes a `wait` holding the sync runtime every `SIGNAL_POLL` to check for
/// signals: the main thread's, kept between its commands. A fresh `sleep_until` per command registered
/// a timer in the runtime's wheel and removed it again (a lock each, plus the entry); moving a
/// kept timer's deadline later is one atomic update, and the wheel is touched only when it
/// fires, at most once per `SIGNAL_POLL` (the aerospike crate keeps its per-IO timer the same way).
struct Tick {
    sleep: Pin<Box<tokio::time::Sleep>>,
    /// The process whose sync runtime the timer belongs to (see `PerProcess`).
    pid: u32,
}

thread_local! {
    static TICK: std::cell::Cell<Option<Tick>> = const { std::cell::Cell::new(None) };
}

impl Tick {
    /// This thread's timer, set to fire at `deadline`. Called inside the sync runtime, which a
    /// new timer binds to. A timer left by a forked child's parent belongs to the parent's
    /// runtime: it is leaked, not dropped (its driver's lock may have been held at the fork).
    fn take(deadline: tokio::time::Instant) -> Tick {
        let pid = crate::connection::process_id();
        match TICK.take() {
            Some(mut tick) if tick.pid == pid => {
                tick.sleep.as_mut().reset(deadline);
                tick
            }
            stale => {
                std::mem::forget(stale);
                Tick { sleep: Box::pin(tokio::time::sleep_until(deadline)), pid }
            }
        }
    }

    /// Keeps the timer for this thread's next `wait`.
    fn give_back(self) {
        TICK.set(Some(self));
    }
}

/// Whether Python delivers signals on the calling thread: it is the main thread (of this
/// process: a fork makes the forking thread the child's main thread). Asked of `threading` once
/// per thread and process.
fn receives_signals(py: Python<'_>) -> bool {
    thread_local! {
        static MAIN: std::cell::Cell<Option<(u32, bool)>> = const { std::cell::Cell::new(None) };
    }
    let pid = crate::connection::process_id();
    if let Some((owner, main)) = MAIN.get() {
        if owner == pid {
            return main;
        }
    }
    let main = || -> PyResult<bool> {
        let threading = py.import("threading")?;
        let current = threading.call_method0("get_ident")?;
        current.eq(threading.call_method0("main_thread")?.getattr("ident")?)
    };
    // If `threading` cannot tell, check for signals as the main thread does: only slower.
    let main = main().unwrap_or(true);
    MAIN.set(Some((pid, main)));
    main
}

static EXITING: AtomicBool = AtomicBool::new(false);
/// Threads that decided to take the GIL and may not have it yet (each holds an `AttachTicket`).
static ATTACHING: AtomicUsize = AtomicUsize::new(0);
/// How long the atexit handler lets such threads through before the interpreter finalizes.
const ATTACH_DRAIN: Duration = Duration::from_millis(500);

/// True once the interpreter has begun to exit (its atexit handlers run): non-daemon threads
/// have been joined by then, and nothing may attach to Python any more.
pub(crate) fn interpreter_exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Leave for one thread to take the GIL, held until it has it (and has let it go, for a thread
/// Python did not start). Why: on Python 3.11-3.13 a thread that waits for the GIL while the
/// interpreter finalizes is ended with `pthread_exit`, whose forced unwind through Rust frames
/// (any `catch_unwind`, and every Rust thread's start is one) aborts the process ("FATAL:
/// exception not rethrown"). None once the interpreter exits: the caller must not attach.
pub(crate) struct AttachTicket(());

impl AttachTicket {
    pub(crate) fn take() -> Option<Self> {
        ATTACHING.fetch_add(1, Ordering::SeqCst);
        if EXITING.load(Ordering::SeqCst) {
            ATTACHING.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Self(()))
    }
}

impl Drop for AttachTicket {
    fn drop(&mut self) {
        ATTACHING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `f` with the GIL, from a thread of our own, unless the interpreter is exiting (None then).
pub(crate) fn attach_unless_exiting<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    let _ticket = AttachTicket::take()?;
    Python::try_attach(f)
}

/// Registers the atexit handler behind `interpreter_exiting`; called once at import. The
/// handler runs before the interpreter starts finalizing: it closes the gate, then lets the
/// threads already on their way to the GIL through (releasing it for up to ATTACH_DRAIN), so
/// none of them is still waiting for it when finalizing begins.
pub(crate) fn watch_interpreter_exit(py: Python<'_>) -> PyResult<()> {
    let mark = pyo3::types::PyCFunction::new_closure(py, None, None, |args, _kwargs| {
        EXITING.store(true, Ordering::SeqCst);
        args.py().detach(|| {
            let until = Instant::now() + ATTACH_DRAIN;
            while ATTACHING.load(Ordering::SeqCst) > 0 && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
        });
    })?;
    py.import("atexit")?.call_method1("register", (mark,))?;
    Ok(())
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
