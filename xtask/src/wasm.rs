//! Just enough of the WebAssembly binary format to say how a module gets its memory: imported
//! or defined, shared or not, and its limits.

use crate::util::Result;
use crate::{bail, err};

/// The module's (first) memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// `Some((module, field))` when the memory is imported.
    pub import: Option<(String, String)>,
    pub shared: bool,
    pub memory64: bool,
    /// In 64 KiB pages.
    pub min: u64,
    pub max: Option<u64>,
}

impl std::fmt::Display for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.import {
            Some((m, n)) => write!(f, "imported \"{m}\".\"{n}\"")?,
            None => write!(f, "defined in the module")?,
        }
        write!(f, ", {}", if self.shared { "shared" } else { "not shared" })?;
        let mib = |pages: u64| pages * 64 / 1024;
        write!(f, ", min {} pages", self.min)?;
        match self.max {
            Some(max) => write!(f, ", max {max} pages ({} MiB)", mib(max)),
            None => write!(f, ", no max"),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| err!("unexpected end of wasm at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<u64> {
        let mut result = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                bail!("LEB128 too long at byte {}", self.pos);
            }
            result |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(result);
            }
            shift += 7;
        }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8]> {
        let n = usize::try_from(n).map_err(|_| err!("length too large"))?;
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| err!("section runs past the end of the wasm"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn name(&mut self) -> Result<String> {
        let n = self.leb()?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    fn limits(&mut self) -> Result<(bool, bool, u64, Option<u64>)> {
        let flags = self.byte()?;
        let min = self.leb()?;
        let max = if flags & 1 != 0 {
            Some(self.leb()?)
        } else {
            None
        };
        Ok((flags & 2 != 0, flags & 4 != 0, min, max))
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }
}

/// Finds the memory of a wasm module: the first memory import, else the first defined memory.
pub fn memory(bytes: &[u8]) -> Result<Option<Memory>> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        bail!("not a wasm module (bad magic)");
    }
    let mut r = Reader { bytes, pos: 8 };
    let mut defined = None;
    while !r.done() {
        let id = r.byte()?;
        let len = r.leb()?;
        let body = r.take(len)?;
        let mut s = Reader {
            bytes: body,
            pos: 0,
        };
        match id {
            2 => {
                for _ in 0..s.leb()? {
                    let module = s.name()?;
                    let field = s.name()?;
                    match s.byte()? {
                        0 => {
                            s.leb()?;
                        }
                        1 => {
                            s.byte()?; // reftype
                            s.limits()?;
                        }
                        2 => {
                            let (shared, memory64, min, max) = s.limits()?;
                            return Ok(Some(Memory {
                                import: Some((module, field)),
                                shared,
                                memory64,
                                min,
                                max,
                            }));
                        }
                        3 => {
                            s.byte()?; // valtype (numeric or short reftype)
                            s.byte()?; // mutability
                        }
                        4 => {
                            s.byte()?; // tag attribute
                            s.leb()?;
                        }
                        kind => bail!("unknown import kind {kind} for {module}.{field}"),
                    }
                }
            }
            5 => {
                if s.leb()? > 0 {
                    let (shared, memory64, min, max) = s.limits()?;
                    defined = Some(Memory {
                        import: None,
                        shared,
                        memory64,
                        min,
                        max,
                    });
                }
                // The import section (2) precedes the memory section (5), so nothing that
                // follows can change the answer.
                return Ok(defined);
            }
            _ => {}
        }
    }
    Ok(defined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        for (id, body) in sections {
            m.push(*id);
            assert!(body.len() < 128);
            m.push(body.len() as u8);
            m.extend_from_slice(body);
        }
        m
    }

    fn name(s: &str) -> Vec<u8> {
        let mut v = vec![s.len() as u8];
        v.extend_from_slice(s.as_bytes());
        v
    }

    #[test]
    fn shared_imported_memory_with_max() {
        // One function import, then the memory import: flags 3 (max + shared), 17, 16384.
        let mut imports = vec![2u8];
        imports.extend(name("wbg"));
        imports.extend(name("f"));
        imports.extend([0, 0]);
        imports.extend(name("wbg"));
        imports.extend(name("memory"));
        imports.extend([2, 3, 17, 0x80, 0x80, 0x01]);
        let m = memory(&module(&[(1, vec![0]), (2, imports)]))
            .unwrap()
            .unwrap();
        assert_eq!(
            m,
            Memory {
                import: Some(("wbg".into(), "memory".into())),
                shared: true,
                memory64: false,
                min: 17,
                max: Some(16384),
            }
        );
    }

    #[test]
    fn defined_unshared_memory() {
        let m = memory(&module(&[(5, vec![1, 0, 17])])).unwrap().unwrap();
        assert_eq!(m.import, None);
        assert!(!m.shared);
        assert_eq!((m.min, m.max), (17, None));
    }

    #[test]
    fn rejects_garbage() {
        assert!(memory(b"hello world").is_err());
        assert_eq!(memory(&module(&[])).unwrap(), None);
    }
}
