//! One Lua 5.4 interpreter state as a UDF runs in it: the Aerospike API on top of a reduced
//! standard library, with every way out to the host removed, a memory limit, and an
//! instruction-count hook that stops code running past its deadline.
//!
//! Untrusted code gets no `os`, `io`, `debug` or `package` library, no `dofile`/`loadfile`,
//! `load` only of source text (no bytecode), no `string.dump`, and a `print` that goes nowhere.
//! `require` loads registered modules only, from the registry snapshot the state was built
//! from. Past its deadline the hook raises "UDF Execution Timeout" every few instructions, and
//! `pcall`, `xpcall` and `coroutine.resume` re-raise it, so no UDF can catch its way past it.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value as LuaValue, VmState};

use super::registry::ModuleSet;
use super::values::{self, Budget, CONTAINER_BUDGET};

/// Where registered modules appear to live (the real server's default `user-path`), so error
/// positions read `/opt/aerospike/usr/udf/lua/<module>.lua:<line>: <msg>` as clients expect.
pub const USER_PATH: &str = "/opt/aerospike/usr/udf/lua";

/// Lua's own allocations per state.
pub const MEMORY_LIMIT: usize = 128 * 1024 * 1024;

/// Instructions between deadline checks.
const HOOK_EVERY: u32 = 1000;

/// How a call ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// An error: its value as a string (the message clients see).
    Message(String),
    /// `error()` with a value that is not a string.
    NotString,
    /// Stopped by the deadline.
    Timeout(String),
}

impl Failure {
    pub fn text(&self) -> String {
        match self {
            Failure::Message(m) | Failure::Timeout(m) => m.clone(),
            Failure::NotString => "result value type unexpected".to_string(),
        }
    }
}

/// Deadline shared with the hook: nanoseconds since `base`, 0 for none.
struct Clock {
    base: Instant,
    deadline: AtomicU64,
    fired: AtomicBool,
    /// Where the code was when the hook stopped it (`file:line: `).
    position: std::sync::Mutex<String>,
}

pub struct Sandbox {
    pub lua: Lua,
    /// The registry generation the state was built from (a state is reused only while the
    /// modules it may have loaded are unchanged).
    pub generation: u64,
    clock: Arc<Clock>,
    runner: Function,
}

/// The Lua half of the environment: logging, the list/map helpers the real server defines
/// in Lua, and stream operators. Written for this server; same names and semantics.
const PRELUDE: &str = r#"
local fmt = string.format
local function logger() return function(m, ...) local _ = fmt(m, ...) return 0 end end
trace, debug, info, warn = logger(), logger(), logger(), logger()
print = function() end

function list.clone(l)
  local out = list()
  for v in list.iterator(l) do list.append(out, v) end
  return out
end
function list.merge(a, b)
  local out = list.clone(a)
  for v in list.iterator(b) do list.append(out, v) end
  return out
end
function map.clone(m)
  local out = map()
  for k, v in map.pairs(m) do out[k] = v end
  return out
end
function map.merge(a, b, f)
  local out = map.clone(a)
  for k, v in map.pairs(b) do
    local old = out[k]
    if old ~= nil and type(f) == 'function' then out[k] = f(old, v) or v else out[k] = v end
  end
  return out
end
function map.diff(a, b)
  local out = map()
  for k, v in map.pairs(a) do if b[k] == nil then out[k] = v end end
  for k, v in map.pairs(b) do if a[k] == nil then out[k] = v end end
  return out
end
function math.sum(a, b) return a + b end
function math.product(a, b) return a * b end

do
  local raw_getmetatable, kind = getmetatable, __as_kind
  local tags = { List = {}, Map = {}, Bytes = {}, GeoJSON = {}, Record = {} }
  getmetatable = function(v)
    local k = kind(v)
    if k then return tags[k] end
    return raw_getmetatable(v)
  end
  local raw_pcall, raw_xpcall, timed_out = pcall, xpcall, __as_timed_out
  local co_resume = coroutine.resume
  local function check(ok, ...)
    if not ok and timed_out() then error((...), 0) end
    return ok, ...
  end
  pcall = function(f, ...) return check(raw_pcall(f, ...)) end
  -- A message handler runs with hooks off while an error raised by the hook unwinds: once
  -- the deadline has passed, the user's handler is skipped.
  xpcall = function(f, h, ...)
    local function handler(e)
      if timed_out() then return e end
      return h(e)
    end
    return check(raw_xpcall(f, handler, ...))
  end
  -- Finalizers also run with hooks off: a UDF may not set one.
  local raw_setmetatable, raw_rawget = setmetatable, rawget
  setmetatable = function(t, mt)
    if type(mt) == 'table' and raw_rawget(mt, '__gc') ~= nil then
      error('__gc metamethods are not allowed', 2)
    end
    return raw_setmetatable(t, mt)
  end
  coroutine.resume = function(co, ...) return check(co_resume(co, ...)) end
  local raw_load = load
  load = function(chunk, name, _, env) return raw_load(chunk, name, 't', env) end
end
__as_kind, __as_timed_out = nil, nil
dofile, loadfile = nil, nil
string.dump = nil
List, Map, Bytes = getmetatable(list()), getmetatable(map()), getmetatable(bytes())

-- Stream operators: a UDF builds a chain; the server runs the operators before the first
-- reduce (the reduce included), the client runs that reduce again over every node's output.
local StreamOps = {}
StreamOps.__index = StreamOps
local function add_op(self, kind, f, ...)
  table.insert(self.ops, { kind = kind, f = f, args = table.pack(...) })
  return self
end
function StreamOps:map(f) return add_op(self, 'map', f) end
function StreamOps:filter(f) return add_op(self, 'filter', f) end
function StreamOps:aggregate(init, f) return add_op(self, 'aggregate', f, init) end
function StreamOps:reduce(f) return add_op(self, 'reduce', f) end
function StreamOps:groupby(f)
  local function agg(m, v)
    local k = f and f(v) or nil
    local l = m[k] or list()
    list.append(l, v)
    m[k] = l
    return m
  end
  local function merge(a, b) return list.merge(a, b) end
  return self:aggregate(map(), agg):reduce(function(a, b) return map.merge(a, b, merge) end)
end
local function clone_init(v)
  local k = getmetatable(v)
  if k == Map then return map.clone(v) elseif k == List then return list.clone(v) end
  if type(v) == 'table' then local t = {} for a, b in pairs(v) do t[a] = b end return t end
  return v
end
-- Builds the server's pipeline over `source` (an iterator of records); returns an iterator.
function __as_stream_pipeline(ops, source)
  local it = source
  for _, op in ipairs(ops) do
    local prev, f = it, op.f
    if op.kind == 'map' then
      it = function()
        local v = prev()
        if v == nil then return nil end
        return f(v)
      end
    elseif op.kind == 'filter' then
      it = function()
        for v in prev do if f(v) then return v end end
        return nil
      end
    elseif op.kind == 'aggregate' then
      local done = false
      local init = op.args[1]
      it = function()
        if done then return nil end
        done = true
        local acc = clone_init(init)
        for v in prev do acc = f(acc, v) end
        return acc
      end
    elseif op.kind == 'reduce' then
      local done = false
      it = function()
        if done then return nil end
        done = true
        local acc = prev()
        if acc == nil then return nil end
        for v in prev do acc = f(acc, v) end
        return acc
      end
      break
    end
  end
  return it
end
function __as_stream_ops() return setmetatable({ ops = {} }, StreamOps) end
"#;

/// Runs `f(...)` with `pcall`, answering `ok, value` (the first result) so the caller sees
/// the raw error value.
const RUNNER: &str = r#"
local pcall = pcall
return function(f, ...)
  local ok, v = pcall(f, ...)
  return ok, v
end
"#;

impl Sandbox {
    /// A fresh state with the Aerospike environment and the given modules available to
    /// `require`.
    pub fn new(modules: Arc<ModuleSet>) -> mlua::Result<Sandbox> {
        let libs = StdLib::COROUTINE | StdLib::TABLE | StdLib::STRING | StdLib::UTF8 | StdLib::MATH;
        let lua = Lua::new_with(libs, LuaOptions::default())?;
        lua.set_memory_limit(MEMORY_LIMIT)?;
        lua.set_app_data(Budget(AtomicI64::new(CONTAINER_BUDGET)));
        let clock = Arc::new(Clock {
            base: Instant::now(),
            deadline: AtomicU64::new(0),
            fired: AtomicBool::new(false),
            position: std::sync::Mutex::new(String::new()),
        });
        let hook_clock = clock.clone();
        lua.set_global_hook(HookTriggers::new().every_nth_instruction(HOOK_EVERY), move |_lua, debug| {
            let deadline = hook_clock.deadline.load(Ordering::Relaxed);
            if deadline == 0 || (hook_clock.base.elapsed().as_nanos() as u64) < deadline {
                return Ok(VmState::Continue);
            }
            if !hook_clock.fired.swap(true, Ordering::Relaxed) {
                let src = debug.source();
                let line = debug.current_line();
                if let (Some(s), Some(l)) = (src.short_src, line) {
                    if let Ok(mut p) = hook_clock.position.lock() {
                        *p = format!("{s}:{l}: ");
                    }
                }
            }
            let at = hook_clock.position.lock().map(|p| p.clone()).unwrap_or_default();
            Err(mlua::Error::RuntimeError(format!("{at}UDF Execution Timeout")))
        })?;
        let fired = clock.clone();
        lua.globals().set("__as_timed_out", lua.create_function(move |_, ()| Ok(fired.fired.load(Ordering::Relaxed)))?)?;
        super::modules::register(&lua)?;
        super::record::register(&lua)?;
        lua.globals().set("__as_kind", lua.create_function(|_, v: LuaValue| Ok(values::kind(&v)))?)?;
        lua.load(PRELUDE).set_name("=as.lua").exec()?;
        install_require(&lua, modules.clone())?;
        let runner: Function = lua.load(RUNNER).set_name("=aerospike.lua").eval()?;
        Ok(Sandbox { lua, generation: modules.generation, clock, runner })
    }

    /// Loads a module (as `require` would), running its top level under the deadline.
    pub fn require(&self, name: &str, timeout: Duration) -> Result<(), Failure> {
        let require: Function = self.lua.globals().get("require").map_err(|e| Failure::Message(message(&e)))?;
        self.call(&require, MultiValue::from_iter([LuaValue::String(
            self.lua.create_string(name).map_err(|e| Failure::Message(message(&e)))?,
        )]), timeout)
        .map(|_| ())
    }

    /// Calls `f(args...)` under a deadline; answers its first result.
    pub fn call(&self, f: &Function, args: MultiValue, timeout: Duration) -> Result<LuaValue, Failure> {
        if let Some(b) = self.lua.app_data_ref::<Budget>() {
            b.0.store(CONTAINER_BUDGET, Ordering::Relaxed);
        }
        let deadline = self.clock.base.elapsed() + timeout.max(Duration::from_millis(1));
        self.clock.deadline.store(deadline.as_nanos().max(1) as u64, Ordering::Relaxed);
        self.clock.fired.store(false, Ordering::Relaxed);
        if let Ok(mut p) = self.clock.position.lock() {
            p.clear();
        }
        let out = self.run(f, args);
        self.clock.deadline.store(0, Ordering::Relaxed);
        if self.clock.fired.load(Ordering::Relaxed) {
            let at = self.clock.position.lock().map(|p| p.clone()).unwrap_or_default();
            return Err(Failure::Timeout(format!("{at}UDF Execution Timeout")));
        }
        out
    }

    /// Whether the last call was stopped by its deadline (the state may then be left in any
    /// shape and is not reused).
    pub fn timed_out(&self) -> bool {
        self.clock.fired.load(Ordering::Relaxed)
    }

    fn run(&self, f: &Function, args: MultiValue) -> Result<LuaValue, Failure> {
        let mut all = MultiValue::new();
        all.push_back(LuaValue::Function(f.clone()));
        all.extend(args);
        let vals = self.runner.call::<MultiValue>(all).map_err(|e| Failure::Message(message(&e)))?;
        let mut it = vals.into_iter();
        let ok = matches!(it.next(), Some(LuaValue::Boolean(true)));
        let v = it.next().unwrap_or(LuaValue::Nil);
        if ok {
            return Ok(v);
        }
        Err(match v {
            LuaValue::String(s) => Failure::Message(String::from_utf8_lossy(&s.as_bytes()).into_owned()),
            LuaValue::Error(e) => Failure::Message(message(&e)),
            _ => Failure::NotString,
        })
    }

    /// The global function a UDF names, if there is one.
    pub fn function(&self, name: &str) -> Option<LuaValue> {
        match self.lua.globals().get::<LuaValue>(name) {
            Ok(LuaValue::Nil) | Err(_) => None,
            Ok(v) => Some(v),
        }
    }

    pub fn globals(&self) -> Table {
        self.lua.globals()
    }
}

/// The message of an error raised in Rust or Lua, without mlua's wrapping and tracebacks.
pub fn message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(s) | mlua::Error::MemoryError(s) => s.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::CallbackError { cause, .. } => message(cause),
        mlua::Error::WithContext { cause, .. } => message(cause),
        other => other.to_string(),
    }
}

/// `luaL_where(L, level)`: `chunk:line: ` of the Lua function `level` frames up, or nothing.
pub fn where_(lua: &Lua, level: usize) -> String {
    lua.inspect_stack(level, |d| {
        let src = d.source();
        match (src.short_src, d.current_line()) {
            (Some(s), Some(l)) if src.what != "C" => format!("{s}:{l}: "),
            _ => String::new(),
        }
    })
    .unwrap_or_default()
}

/// `require(name)`: a registered module, run once per state; its result (or true) is kept.
fn install_require(lua: &Lua, modules: Arc<ModuleSet>) -> mlua::Result<()> {
    let loaded = lua.create_table()?;
    lua.set_named_registry_value("as_loaded", loaded)?;
    let require = lua.create_function(move |lua, name: mlua::String| {
        let name_s = String::from_utf8_lossy(&name.as_bytes()).into_owned();
        let loaded: Table = lua.named_registry_value("as_loaded")?;
        let have: LuaValue = loaded.get(name_s.as_str())?;
        if !have.is_nil() {
            return Ok(have);
        }
        let Some(source) = modules.source_of(&name_s) else {
            return Err(mlua::Error::RuntimeError(format!(
                "module '{name_s}' not found:\n\tno field package.preload['{name_s}']\n\tno file '{USER_PATH}/{name_s}.lua'"
            )));
        };
        let chunk = lua.load(source).set_name(format!("@{USER_PATH}/{name_s}.lua")).set_mode(mlua::ChunkMode::Text);
        let v: LuaValue = chunk.call(name_s.as_str())?;
        let v = if v.is_nil() { LuaValue::Boolean(true) } else { v };
        loaded.set(name_s.as_str(), v.clone())?;
        Ok(v)
    })?;
    lua.globals().set("require", require)
}
