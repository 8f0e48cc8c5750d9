//! Registered Lua modules (the real server keeps them in SMD and its `user-path`), the info
//! commands clients manage them with, and a small pool of ready interpreter states.
//!
//! `udf-put` compiles and runs the module in a scratch state first and refuses it with the
//! server's `error=compile_error;file=..;line=..;message=<base64>`. `udf-list` reports each
//! module with the SHA1 of its SMD entry, `{"content64": "<b64>", "type": "LUA", "name": ".."}`,
//! exactly as the real server hashes it (not the file), so clients comparing hashes agree.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use sha1::{Digest as _, Sha1};

use super::sandbox::{Failure, Sandbox};
use crate::info_text::{base64_decode, base64_encode, params_map};

/// The largest module the server accepts (decoded).
const MAX_CONTENT: usize = 1024 * 1024;
/// Longest file name (the server's buffer is 128 bytes with its terminator).
const MAX_FILE_NAME: usize = 127;
/// Idle states kept per module.
const POOL_PER_MODULE: usize = 8;
/// How long a module's top level may run when it is loaded.
pub const LOAD_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Module {
    pub source: Vec<u8>,
    /// The content as the client sent it (base64), which udf-get answers and the hash covers.
    pub content64: String,
}

/// The modules at one moment: what a state is built from.
#[derive(Default)]
pub struct ModuleSet {
    pub generation: u64,
    /// By file name (`name.lua`).
    pub files: BTreeMap<String, Module>,
}

impl ModuleSet {
    /// The source `require(name)` and a UDF's module name resolve to (`name.lua`).
    pub fn source_of(&self, module: &str) -> Option<&[u8]> {
        self.files.get(&format!("{module}.lua")).map(|m| m.source.as_slice())
    }
}

#[derive(Default)]
pub struct Registry {
    modules: RwLock<Arc<ModuleSet>>,
    pool: Mutex<HashMap<String, Vec<Sandbox>>>,
}

/// Why a state for a module could not be had.
pub enum Unavailable {
    /// The module is missing or failed to load: "UDF: Execution Error 1".
    Module,
}

impl Registry {
    pub fn snapshot(&self) -> Arc<ModuleSet> {
        self.modules.read().map(|m| m.clone()).unwrap_or_default()
    }

    fn replace(&self, f: impl FnOnce(&mut BTreeMap<String, Module>)) {
        let mut guard = match self.modules.write() {
            Ok(g) => g,
            Err(e) => e.into_inner(),
        };
        let mut files = guard.files.clone();
        f(&mut files);
        let generation = guard.generation + 1;
        *guard = Arc::new(ModuleSet { generation, files });
        drop(guard);
        if let Ok(mut p) = self.pool.lock() {
            p.clear();
        }
    }

    /// A state with `module` loaded, from the pool when one is idle.
    pub fn checkout(&self, module: &str) -> Result<Sandbox, Unavailable> {
        let modules = self.snapshot();
        if let Ok(mut pool) = self.pool.lock() {
            if let Some(list) = pool.get_mut(module) {
                while let Some(sb) = list.pop() {
                    if sb.generation == modules.generation {
                        return Ok(sb);
                    }
                }
            }
        }
        if modules.source_of(module).is_none() {
            return Err(Unavailable::Module);
        }
        let sb = Sandbox::new(modules).map_err(|_| Unavailable::Module)?;
        sb.require(module, LOAD_TIMEOUT).map_err(|_| Unavailable::Module)?;
        Ok(sb)
    }

    /// Returns a state after a call, unless it timed out or the modules changed since.
    pub fn checkin(&self, module: &str, sb: Sandbox) {
        if sb.timed_out() || sb.generation != self.snapshot().generation {
            return;
        }
        let _ = sb.lua.gc_collect();
        if let Ok(mut pool) = self.pool.lock() {
            let list = pool.entry(module.to_string()).or_default();
            if list.len() < POOL_PER_MODULE {
                list.push(sb);
            }
        }
    }

    /// Answers `udf-put`, `udf-get`, `udf-list` and `udf-remove`; `None` for other commands.
    pub fn info(&self, name: &str, params: &str) -> Option<String> {
        Some(match name {
            "udf-put" => self.put(params),
            "udf-get" => self.get(params),
            "udf-list" => self.list(),
            "udf-remove" => self.remove(params),
            _ => return None,
        })
    }

    fn put(&self, params: &str) -> String {
        let p = params_map(params);
        let get = |k: &str| p.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let Some(filename) = get("filename").filter(|f| !f.is_empty() && f.len() <= MAX_FILE_NAME) else {
            return "error=invalid_filename".to_string();
        };
        match filename.find('.') {
            Some(0) | None => return "error=invalid_filename".to_string(),
            Some(i) if i + 1 == filename.len() => return "error=invalid_filename".to_string(),
            _ => {}
        }
        let Some(len) = get("content-len").and_then(|l| l.parse::<u32>().ok()).filter(|l| l % 4 == 0) else {
            return "error=invalid_content_len".to_string();
        };
        match get("udf-type") {
            None | Some("LUA") => {}
            Some(_) => return "error=invalid_udf_type".to_string(),
        }
        let Some(content) = get("content").filter(|c| c.len() == len as usize) else {
            return "error=invalid_content".to_string();
        };
        if (len as usize) / 4 * 3 > MAX_CONTENT {
            return "error=invalid_udf_content_len,>1M".to_string();
        }
        let Some(source) = base64_decode(content) else {
            return "error=invalid_base64_content".to_string();
        };
        if let Err(e) = self.validate(filename, &source) {
            return e;
        }
        let content64 = content.to_string();
        let name = filename.to_string();
        self.replace(|files| {
            files.insert(name, Module { source, content64 });
        });
        "ok".to_string()
    }

    /// Compiles and runs a module in a scratch state with the other modules available.
    fn validate(&self, filename: &str, source: &[u8]) -> Result<(), String> {
        let modules = self.snapshot();
        let sb = Sandbox::new(modules).map_err(|e| compile_error(filename, 0, &super::sandbox::message(&e)))?;
        let chunk = sb.lua.load(source).set_name(format!("={filename}")).set_mode(mlua::ChunkMode::Text);
        let func = match chunk.into_function() {
            Ok(f) => f,
            Err(e) => {
                let msg = super::sandbox::message(&e);
                let (line, text) = split_position(filename, &msg);
                return Err(compile_error(filename, line, &text));
            }
        };
        match sb.call(&func, mlua::MultiValue::new(), LOAD_TIMEOUT) {
            Ok(_) => Ok(()),
            Err(f) => {
                let msg = match &f {
                    Failure::NotString => f.text(),
                    other => other.text(),
                };
                let (line, text) = split_position(filename, &msg);
                Err(compile_error(filename, line, &text))
            }
        }
    }

    fn get(&self, params: &str) -> String {
        let p = params_map(params);
        let Some(filename) = p.iter().find(|(k, _)| *k == "filename").map(|(_, v)| *v).filter(|f| f.len() <= MAX_FILE_NAME)
        else {
            return "error=invalid_filename".to_string();
        };
        let modules = self.snapshot();
        match modules.files.get(filename) {
            Some(m) if m.source.is_empty() => "error=empty".to_string(),
            Some(m) => format!("type=LUA;content={};", base64_encode(&m.source)),
            None => "error=not_found".to_string(),
        }
    }

    fn list(&self) -> String {
        let modules = self.snapshot();
        let mut out = String::new();
        for (name, m) in &modules.files {
            out.push_str(&format!("filename={name},hash={},type=LUA;", smd_hash(name, &m.content64)));
        }
        out
    }

    fn remove(&self, params: &str) -> String {
        let p = params_map(params);
        let Some(filename) = p.iter().find(|(k, _)| *k == "filename").map(|(_, v)| v.to_string()) else {
            return "error=invalid_filename".to_string();
        };
        self.replace(|files| {
            files.remove(&filename);
        });
        "ok".to_string()
    }
}

/// The SHA1 (hex) of a module's SMD entry, as `udf-list` reports it.
pub fn smd_hash(name: &str, content64: &str) -> String {
    let json = format!("{{\"content64\": \"{content64}\", \"type\": \"LUA\", \"name\": \"{}\"}}", json_escape(name));
    let digest = Sha1::digest(json.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn compile_error(file: &str, line: u32, message: &str) -> String {
    format!("error=compile_error;file={file};line={line};message={}", base64_encode(message.as_bytes()))
}

/// `<chunk>:<line>: <text>` → (line, text); a message without a position keeps line 0.
fn split_position(filename: &str, msg: &str) -> (u32, String) {
    let rest = msg.strip_prefix(filename).and_then(|r| r.strip_prefix(':'));
    if let Some(rest) = rest {
        if let Some((line, text)) = rest.split_once(':') {
            if let Ok(n) = line.parse::<u32>() {
                return (n, text.strip_prefix(' ').unwrap_or(text).to_string());
            }
        }
    }
    (0, msg.lines().next().unwrap_or_default().chars().take(256).collect())
}
