//! The verification of a published draw (复核), built to WebAssembly for the public `/verify`
//! page, so that anyone can recompute a draw record in their own browser instead of trusting the
//! server that published it.
//!
//! The logic is [`verdict_json`]: a draw record `{"input": …, "output": …}` in, a small JSON
//! verdict out. The module exports a tiny C ABI around it (no JavaScript glue crate, to keep the
//! dependencies to the engine and `serde_json`):
//!
//! - `alloc(len) -> ptr` reserves `len` bytes in the module's memory for the record;
//! - `verify(ptr, len) -> answer` reads the UTF-8 record at `ptr` and returns a pointer to the
//!   answer: a 4-byte little-endian length `n`, then `n` bytes of UTF-8 JSON (a length prefix
//!   works for any pointer width, needs no 64-bit integers in JavaScript and is tested on the host);
//! - `dealloc(ptr, len)` gives a buffer back: the record with its `len`, the answer with `4 + n`.
//!
//! The page's script (`crates/web/static/verify.js`) is the other side of this ABI.

use serde_json::json;
use spotcheck_draw::{verify_json, Verification};

/// Verifies a draw record and answers in JSON, one of
///
/// - `{"verdict":"agrees"}`: the output is exactly the draw of the input;
/// - `{"verdict":"differs","field":…,"expected":…,"found":…}`: the first field that differs, with
///   the recomputed (`expected`) and the recorded (`found`) value;
/// - `{"verdict":"invalid","message":…}`: not a record, or an input the engine cannot draw from;
///   the message names the field at fault.
///
/// This is the same check as `spotcheck draw verify` and the page's server-side verification
/// ([`spotcheck_draw::verify_json`]).
pub fn verdict_json(record: &str) -> String {
    let verdict = match verify_json(record) {
        Ok(Verification::Agrees) => json!({ "verdict": "agrees" }),
        Ok(Verification::Differs {
            field,
            expected,
            found,
        }) => json!({
            "verdict": "differs",
            "field": field,
            "expected": expected,
            "found": found,
        }),
        Err(e) => invalid(&e.to_string()),
    };
    verdict.to_string()
}

fn invalid(message: &str) -> serde_json::Value {
    json!({ "verdict": "invalid", "message": message })
}

/// The exported functions. They are plain `extern "C"` functions on every target, so that the
/// host tests exercise exactly what the browser calls.
pub mod abi {
    use std::alloc::Layout;
    use std::ptr::NonNull;

    /// Bytes of the little-endian length in front of every answer.
    pub const LENGTH_PREFIX: usize = 4;

    /// Reserves `len` bytes; null when the memory cannot grow that far. `alloc(0)` returns a
    /// dangling, never-read pointer that `dealloc(ptr, 0)` accepts.
    #[no_mangle]
    pub extern "C" fn alloc(len: usize) -> *mut u8 {
        if len == 0 {
            return NonNull::dangling().as_ptr();
        }
        match Layout::array::<u8>(len) {
            // SAFETY: the layout has a non-zero size.
            Ok(layout) => unsafe { std::alloc::alloc(layout) },
            Err(_) => std::ptr::null_mut(),
        }
    }

    /// Gives back a buffer from [`alloc`] or [`verify`].
    ///
    /// # Safety
    /// `ptr` must come from `alloc(len)`, or from `verify` with `len` = 4 + the answer's length,
    /// and must not be used afterwards.
    #[no_mangle]
    pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
        if len == 0 || ptr.is_null() {
            return;
        }
        if let Ok(layout) = Layout::array::<u8>(len) {
            // SAFETY: the caller passes a pointer allocated with this very layout.
            unsafe { std::alloc::dealloc(ptr, layout) }
        }
    }

    /// Verifies the UTF-8 record in `len` bytes at `ptr` and returns the answer of
    /// [`verdict_json`](crate::verdict_json), length-prefixed; null only when no memory is left
    /// for the answer. The record's buffer stays the caller's to give back.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes (a buffer from [`alloc`]).
    #[no_mangle]
    pub unsafe extern "C" fn verify(ptr: *const u8, len: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `len` readable bytes; `alloc(0)` gives an aligned,
        // non-null pointer, valid for an empty slice.
        let record = unsafe { std::slice::from_raw_parts(ptr, len) };
        let answer = match std::str::from_utf8(record) {
            Ok(text) => crate::verdict_json(text),
            Err(e) => crate::invalid(&format!(
                "the record is not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ))
            .to_string(),
        };
        let Ok(answer_len) = u32::try_from(answer.len()) else {
            return std::ptr::null_mut();
        };
        let out = alloc(LENGTH_PREFIX + answer.len());
        if out.is_null() {
            return out;
        }
        // SAFETY: `out` holds LENGTH_PREFIX + answer.len() freshly allocated bytes, apart from
        // both sources.
        unsafe {
            std::ptr::copy_nonoverlapping(answer_len.to_le_bytes().as_ptr(), out, LENGTH_PREFIX);
            std::ptr::copy_nonoverlapping(answer.as_ptr(), out.add(LENGTH_PREFIX), answer.len());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::path::PathBuf;

    fn vectors() -> Vec<(String, String)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../draw/tests/vectors");
        let mut found: Vec<_> = std::fs::read_dir(&dir)
            .expect("the draw crate's test vectors")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .map(|path| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).expect("vector"))
            })
            .collect();
        found.sort();
        assert!(found.len() >= 8, "all vectors found in {}", dir.display());
        found
    }

    fn vector(name: &str) -> String {
        vectors()
            .into_iter()
            .find(|(file, _)| file.starts_with(name))
            .map(|(_, text)| text)
            .expect("vector exists")
    }

    fn verdict(record: &str) -> Value {
        serde_json::from_str(&verdict_json(record)).expect("the verdict is JSON")
    }

    /// The record of vector 05 with the first officer of the second team replaced by another
    /// officer of the pool.
    fn record_with_another_officer() -> String {
        let mut record: Value = serde_json::from_str(&vector("05-")).unwrap();
        let team = record["output"]["selected"][1]["officers"].clone();
        let other = record["input"]["officers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].clone())
            .find(|id| !team.as_array().unwrap().contains(id))
            .unwrap();
        record["output"]["selected"][1]["officers"][0] = other;
        record.to_string()
    }

    #[test]
    fn every_published_vector_agrees() {
        for (name, record) in vectors() {
            assert_eq!(verdict_json(&record), r#"{"verdict":"agrees"}"#, "{name}");
        }
    }

    #[test]
    fn a_record_with_another_officer_differs_naming_the_team() {
        let answer = verdict(&record_with_another_officer());
        assert_eq!(answer["verdict"], "differs");
        assert_eq!(answer["field"], "selected[1].officers");
        assert_eq!(answer["expected"], r#"["李娜","阿依古丽"]"#);
        assert_ne!(answer["found"], answer["expected"]);
    }

    #[test]
    fn an_altered_result_hash_differs_naming_it() {
        let mut record: Value = serde_json::from_str(&vector("01-")).unwrap();
        record["output"]["result_sha256"] = Value::String("0".repeat(64));
        let answer = verdict(&record.to_string());
        assert_eq!(answer["verdict"], "differs");
        assert_eq!(answer["field"], "result_sha256");
        assert_eq!(answer["found"], "0".repeat(64));
    }

    #[test]
    fn garbage_is_invalid_with_a_message() {
        for garbage in ["", "not json", "{\"input\": 1}", "[]"] {
            let answer = verdict(garbage);
            assert_eq!(answer["verdict"], "invalid", "{garbage:?}");
            assert!(
                !answer["message"].as_str().unwrap().is_empty(),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn an_input_that_breaks_the_rules_is_invalid_naming_the_field() {
        let mut record: Value = serde_json::from_str(&vector("01-")).unwrap();
        record["input"]["rule"]["quarter"] = Value::from(5);
        let answer = verdict(&record.to_string());
        assert_eq!(answer["verdict"], "invalid");
        let message = answer["message"].as_str().unwrap();
        assert!(message.starts_with("input.rule.quarter"), "{message}");
    }

    /// Calls the exported functions as the page's script does.
    fn call_abi(record: &[u8]) -> Value {
        let ptr = abi::alloc(record.len());
        assert!(!ptr.is_null());
        // SAFETY: `ptr` holds record.len() bytes; every buffer is given back once.
        unsafe {
            std::ptr::copy_nonoverlapping(record.as_ptr(), ptr, record.len());
            let answer = abi::verify(ptr, record.len());
            abi::dealloc(ptr, record.len());
            assert!(!answer.is_null());
            let mut prefix = [0u8; abi::LENGTH_PREFIX];
            std::ptr::copy_nonoverlapping(answer, prefix.as_mut_ptr(), abi::LENGTH_PREFIX);
            let len = u32::from_le_bytes(prefix) as usize;
            let text = std::slice::from_raw_parts(answer.add(abi::LENGTH_PREFIX), len).to_vec();
            abi::dealloc(answer, abi::LENGTH_PREFIX + len);
            serde_json::from_slice(&text).expect("the answer is JSON")
        }
    }

    #[test]
    fn the_exported_functions_answer_as_verdict_json_does() {
        assert_eq!(call_abi(vector("05-").as_bytes())["verdict"], "agrees");
        let altered = call_abi(record_with_another_officer().as_bytes());
        assert_eq!(altered["field"], "selected[1].officers");
        assert_eq!(call_abi(b"")["verdict"], "invalid");
        let not_utf8 = call_abi(b"{\"input\": \"\xff\"}");
        assert_eq!(not_utf8["verdict"], "invalid");
        assert!(not_utf8["message"].as_str().unwrap().contains("not UTF-8"));
    }
}
