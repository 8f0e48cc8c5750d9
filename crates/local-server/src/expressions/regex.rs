//! POSIX regular expressions as glibc `regcomp`/`regexec` run them for the server's regex
//! comparisons: extended or basic syntax (with GNU `\|`, `\+`, `\?`), case folding, newline
//! mode, byte-wise matching (`.` is one byte). Flags are glibc's: 1 EXTENDED, 2 ICASE,
//! 4 NEWLINE, 8 NOSUB. Compiled to an NFA and run by state-set simulation, so matching time is
//! bounded by text length times program size (both capped): no input can make it hang.

const EXTENDED: i64 = 1;
const ICASE: i64 = 2;
const NEWLINE: i64 = 4;

/// Largest program accepted (counted repetitions expand).
const MAX_INSTS: usize = 10_000;
/// Largest repetition count (glibc's RE_DUP_MAX).
const DUP_MAX: u32 = 0x7fff;
/// Simulation steps before a match attempt gives up (answers no match).
const MAX_STEPS: u64 = 200_000_000;

type Set = [u64; 4];

#[derive(Debug, Clone)]
enum Inst {
    Byte(Box<Set>),
    Split(usize, usize),
    Jmp(usize),
    Bol,
    Eol,
    Match,
}

#[derive(Debug, Clone)]
enum Ast {
    Set(Box<Set>),
    Bol,
    Eol,
    Cat(Vec<Ast>),
    Alt(Vec<Ast>),
    Repeat(Box<Ast>, u32, Option<u32>),
}

#[derive(Debug)]
pub struct Regex {
    prog: Vec<Inst>,
    newline: bool,
}

fn set_has(s: &Set, b: u8) -> bool {
    s[usize::from(b >> 6)] & (1u64 << (b & 63)) != 0
}

fn set_add(s: &mut Set, b: u8) {
    s[usize::from(b >> 6)] |= 1u64 << (b & 63);
}

struct Parser<'a> {
    p: &'a [u8],
    i: usize,
    ext: bool,
    icase: bool,
    newline: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }
    fn peek2(&self) -> Option<u8> {
        self.p.get(self.i + 1).copied()
    }

    fn lit(&self, c: u8) -> Ast {
        let mut s = [0u64; 4];
        set_add(&mut s, c);
        if self.icase {
            set_add(&mut s, c.to_ascii_lowercase());
            set_add(&mut s, c.to_ascii_uppercase());
        }
        Ast::Set(Box::new(s))
    }

    fn any(&self) -> Ast {
        let mut s = [u64::MAX; 4];
        if self.newline {
            s[0] &= !(1u64 << b'\n');
        }
        Ast::Set(Box::new(s))
    }

    /// Alternatives up to the end or a closing group.
    fn alternation(&mut self, depth: usize) -> Result<Ast, ()> {
        if depth > 64 {
            return Err(());
        }
        let mut alts = vec![self.branch(depth)?];
        loop {
            if self.ext && self.peek() == Some(b'|') {
                self.i += 1;
            } else if !self.ext && self.peek() == Some(b'\\') && self.peek2() == Some(b'|') {
                self.i += 2;
            } else {
                break;
            }
            alts.push(self.branch(depth)?);
        }
        Ok(if alts.len() == 1 { alts.remove(0) } else { Ast::Alt(alts) })
    }

    fn at_branch_end(&self) -> bool {
        match (self.peek(), self.peek2()) {
            (None, _) => true,
            (Some(b'|'), _) | (Some(b')'), _) if self.ext => true,
            (Some(b'\\'), Some(b'|' | b')')) if !self.ext => true,
            _ => false,
        }
    }

    fn branch(&mut self, depth: usize) -> Result<Ast, ()> {
        let mut items: Vec<Ast> = Vec::new();
        let start = self.i;
        while !self.at_branch_end() {
            let c = self.peek().ok_or(())?;
            let atom = match c {
                b'^' if self.ext || self.i == start => {
                    self.i += 1;
                    Ast::Bol
                }
                b'$' if self.ext || { let j = self.i + 1; j == self.p.len() || (self.p.get(j) == Some(&b'\\') && matches!(self.p.get(j + 1), Some(b'|' | b')'))) } => {
                    self.i += 1;
                    Ast::Eol
                }
                b'*' if items.is_empty() || matches!(items.last(), Some(Ast::Bol)) => {
                    // A leading star is an ordinary character.
                    self.i += 1;
                    self.lit(b'*')
                }
                b'.' => {
                    self.i += 1;
                    self.any()
                }
                b'[' => {
                    self.i += 1;
                    self.bracket()?
                }
                b'(' if self.ext => {
                    self.i += 1;
                    let inner = self.alternation(depth + 1)?;
                    if self.peek() != Some(b')') {
                        return Err(());
                    }
                    self.i += 1;
                    inner
                }
                b'\\' => {
                    let n = self.peek2().ok_or(())?;
                    self.i += 2;
                    match n {
                        b'(' if !self.ext => {
                            let inner = self.alternation(depth + 1)?;
                            if !(self.peek() == Some(b'\\') && self.peek2() == Some(b')')) {
                                return Err(());
                            }
                            self.i += 2;
                            inner
                        }
                        b'{' if !self.ext => return Err(()),
                        b'1'..=b'9' => return Err(()),
                        b'w' | b'W' | b's' | b'S' => {
                            let mut s = [0u64; 4];
                            for x in 0..=255u8 {
                                let hit = if n.eq_ignore_ascii_case(&b'w') { x.is_ascii_alphanumeric() || x == b'_' } else { x.is_ascii_whitespace() || x == 0x0b };
                                if hit == n.is_ascii_lowercase() {
                                    set_add(&mut s, x);
                                }
                            }
                            Ast::Set(Box::new(s))
                        }
                        other => self.lit(other),
                    }
                }
                b'{' if self.ext => return Err(()),
                _ => {
                    self.i += 1;
                    self.lit(c)
                }
            };
            let atom = self.repeats(atom)?;
            items.push(atom);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Ast::Cat(items) })
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        let mut n: u32 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.saturating_mul(10).saturating_add(u32::from(d - b'0'));
            self.i += 1;
        }
        (self.i > start).then_some(n)
    }

    fn repeats(&mut self, mut atom: Ast) -> Result<Ast, ()> {
        loop {
            let (min, max) = match (self.peek(), self.peek2()) {
                (Some(b'*'), _) => {
                    self.i += 1;
                    (0, None)
                }
                (Some(b'+'), _) if self.ext => {
                    self.i += 1;
                    (1, None)
                }
                (Some(b'?'), _) if self.ext => {
                    self.i += 1;
                    (0, Some(1))
                }
                (Some(b'\\'), Some(b'+')) if !self.ext => {
                    self.i += 2;
                    (1, None)
                }
                (Some(b'\\'), Some(b'?')) if !self.ext => {
                    self.i += 2;
                    (0, Some(1))
                }
                (Some(b'{'), _) if self.ext => {
                    self.i += 1;
                    self.interval(b"}")?
                }
                (Some(b'\\'), Some(b'{')) if !self.ext => {
                    self.i += 2;
                    self.interval(b"\\}")?
                }
                _ => return Ok(atom),
            };
            if matches!(atom, Ast::Bol | Ast::Eol) {
                return Err(());
            }
            atom = Ast::Repeat(Box::new(atom), min, max);
        }
    }

    fn interval(&mut self, close: &[u8]) -> Result<(u32, Option<u32>), ()> {
        let min = self.number().ok_or(())?;
        let max = if self.peek() == Some(b',') {
            self.i += 1;
            self.number()
        } else {
            Some(min)
        };
        if !self.p[self.i..].starts_with(close) {
            return Err(());
        }
        self.i += close.len();
        if min > DUP_MAX || max.is_some_and(|m| m < min || m > DUP_MAX) {
            return Err(());
        }
        Ok((min, max))
    }

    fn bracket(&mut self) -> Result<Ast, ()> {
        let mut s = [0u64; 4];
        let negate = self.peek() == Some(b'^');
        if negate {
            self.i += 1;
        }
        let mut first = true;
        loop {
            let c = self.peek().ok_or(())?;
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == b'[' && matches!(self.peek2(), Some(b':' | b'=' | b'.')) {
                let kind = self.peek2().ok_or(())?;
                let start = self.i + 2;
                let end = (start..self.p.len().saturating_sub(1)).find(|&j| self.p[j] == kind && self.p[j + 1] == b']').ok_or(())?;
                let name = &self.p[start..end];
                self.i = end + 2;
                match kind {
                    b':' => {
                        let f: fn(u8) -> bool = match name {
                            b"alpha" => |x| x.is_ascii_alphabetic(),
                            b"digit" => |x| x.is_ascii_digit(),
                            b"alnum" => |x| x.is_ascii_alphanumeric(),
                            b"upper" => |x| x.is_ascii_uppercase(),
                            b"lower" => |x| x.is_ascii_lowercase(),
                            b"space" => |x| x.is_ascii_whitespace() || x == 0x0b,
                            b"blank" => |x| x == b' ' || x == b'\t',
                            b"punct" => |x| x.is_ascii_punctuation(),
                            b"print" => |x| (0x20..0x7f).contains(&x),
                            b"graph" => |x| x.is_ascii_graphic(),
                            b"cntrl" => |x| x.is_ascii_control(),
                            b"xdigit" => |x| x.is_ascii_hexdigit(),
                            _ => return Err(()),
                        };
                        for x in 0..=255u8 {
                            if f(x) || (self.icase && (f(x.to_ascii_lowercase()) || f(x.to_ascii_uppercase()))) {
                                set_add(&mut s, x);
                            }
                        }
                    }
                    _ => match name {
                        [one] => self.add_lit(&mut s, *one),
                        _ => return Err(()),
                    },
                }
                continue;
            }
            self.i += 1;
            if self.peek() == Some(b'-') && self.peek2().is_some_and(|n| n != b']') {
                let hi = self.peek2().ok_or(())?;
                self.i += 2;
                if hi < c {
                    return Err(());
                }
                for x in c..=hi {
                    self.add_lit(&mut s, x);
                }
            } else {
                self.add_lit(&mut s, c);
            }
        }
        if negate {
            for w in s.iter_mut() {
                *w = !*w;
            }
            if self.newline {
                s[0] &= !(1u64 << b'\n');
            }
        }
        Ok(Ast::Set(Box::new(s)))
    }

    fn add_lit(&self, s: &mut Set, c: u8) {
        set_add(s, c);
        if self.icase {
            set_add(s, c.to_ascii_lowercase());
            set_add(s, c.to_ascii_uppercase());
        }
    }
}

struct Compiler {
    prog: Vec<Inst>,
}

impl Compiler {
    fn emit(&mut self, i: Inst) -> Result<usize, ()> {
        if self.prog.len() >= MAX_INSTS {
            return Err(());
        }
        self.prog.push(i);
        Ok(self.prog.len() - 1)
    }

    fn compile(&mut self, a: &Ast) -> Result<(), ()> {
        match a {
            Ast::Set(s) => {
                self.emit(Inst::Byte(s.clone()))?;
            }
            Ast::Bol => {
                self.emit(Inst::Bol)?;
            }
            Ast::Eol => {
                self.emit(Inst::Eol)?;
            }
            Ast::Cat(items) => {
                for x in items {
                    self.compile(x)?;
                }
            }
            Ast::Alt(alts) => {
                let mut jumps = Vec::new();
                for (k, x) in alts.iter().enumerate() {
                    if k + 1 < alts.len() {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(x)?;
                        jumps.push(self.emit(Inst::Jmp(0))?);
                        let next = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, next);
                    } else {
                        self.compile(x)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Ast::Repeat(x, min, max) => {
                for _ in 0..*min {
                    self.compile(x)?;
                }
                match max {
                    None => {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(x)?;
                        self.emit(Inst::Jmp(split))?;
                        let end = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, end);
                    }
                    Some(m) => {
                        let mut splits = Vec::new();
                        for _ in *min..*m {
                            splits.push(self.emit(Inst::Split(0, 0))?);
                            self.compile(x)?;
                        }
                        let end = self.prog.len();
                        for s in splits {
                            self.prog[s] = Inst::Split(s + 1, end);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Regex {
    /// Compiles a pattern (cut at its first NUL, as a C string is) with glibc flag bits.
    pub fn new(pattern: &[u8], flags: i64) -> Result<Regex, ()> {
        let end = pattern.iter().position(|&c| c == 0).unwrap_or(pattern.len());
        let mut p = Parser { p: &pattern[..end], i: 0, ext: flags & EXTENDED != 0, icase: flags & ICASE != 0, newline: flags & NEWLINE != 0 };
        let ast = p.alternation(0)?;
        if p.i != p.p.len() {
            return Err(());
        }
        let mut c = Compiler { prog: Vec::new() };
        c.compile(&ast)?;
        c.emit(Inst::Match)?;
        Ok(Regex { prog: c.prog, newline: p.newline })
    }

    /// Whether the pattern matches anywhere in `text` (cut at its first NUL).
    pub fn is_match(&self, text: &[u8]) -> bool {
        let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
        let text = &text[..end];
        let n = self.prog.len();
        let mut seen = vec![usize::MAX; n];
        let mut cur: Vec<usize> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut steps: u64 = 0;
        for pos in 0..=text.len() {
            // Start a new attempt at every position (unanchored search).
            let mut pending = std::mem::take(&mut cur);
            pending.push(0);
            let gen = pos;
            next.clear();
            for start in pending {
                stack.push(start);
                while let Some(pc) = stack.pop() {
                    steps += 1;
                    if steps > MAX_STEPS {
                        return false;
                    }
                    if pc >= n || seen[pc] == gen {
                        continue;
                    }
                    seen[pc] = gen;
                    match &self.prog[pc] {
                        Inst::Match => return true,
                        Inst::Jmp(t) => stack.push(*t),
                        Inst::Split(a, b) => {
                            stack.push(*b);
                            stack.push(*a);
                        }
                        Inst::Bol => {
                            if pos == 0 || (self.newline && text[pos - 1] == b'\n') {
                                stack.push(pc + 1);
                            }
                        }
                        Inst::Eol => {
                            if pos == text.len() || (self.newline && text[pos] == b'\n') {
                                stack.push(pc + 1);
                            }
                        }
                        Inst::Byte(s) => {
                            if pos < text.len() && set_has(s, text[pos]) {
                                next.push(pc + 1);
                            }
                        }
                    }
                }
            }
            std::mem::swap(&mut cur, &mut next);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, flags: i64, t: &str) -> bool {
        Regex::new(p.as_bytes(), flags).expect("compiles").is_match(t.as_bytes())
    }

    #[test]
    fn basic_and_extended() {
        assert!(m("^abc", 0, "abcdef"));
        assert!(m("c.e", 0, "abcdef"));
        assert!(!m("^bcd", 0, "abcdef"));
        assert!(m("", 0, "x"));
        assert!(!m("ab|cd", 0, "cd"));
        assert!(m("ab|cd", 1, "cd"));
        assert!(m("ab\\|cd", 0, "cd"));
        assert!(!m("^c+d$", 0, "cd"));
        assert!(m("^c\\+d$", 0, "cd"));
        assert!(m("^\\(cd\\)$", 0, "cd"));
        assert!(m("^c\\{1\\}d$", 0, "cd"));
        assert!(m("^c{1}d$", 1, "cd"));
        assert!(m("^[[:alpha:]]+$", 1, "cd"));
        assert!(m("^hello", 2, "Hello World"));
        assert!(!m("^h.llo$", 0, "h\u{e9}llo"));
        assert!(m("^h..llo$", 0, "h\u{e9}llo"));
    }

    #[test]
    fn newline_mode_and_errors() {
        assert!(!m("^def", 0, "abc\ndef"));
        assert!(m("^def", 4, "abc\ndef"));
        assert!(!m("c.d", 4, "abc\ndef"));
        assert!(Regex::new(b"(", 1).is_err());
        assert!(Regex::new(b"a\\{", 0).is_err());
        assert!(Regex::new(b"[z-a]", 1).is_err());
        assert!(Regex::new(b"(a{1000}){1000}", 1).is_err());
    }

    #[test]
    fn hostile_patterns_stay_fast() {
        let re = Regex::new(b"(a*)*(a|aa)*b", 1).expect("compiles");
        assert!(!re.is_match(&[b'a'; 20_000]));
    }
}
