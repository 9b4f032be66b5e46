// Checks a draw record in the browser: the draw engine, built to WebAssembly
// (crates/draw-wasm), recomputes the output from the input, and the record never leaves this
// computer. Without this script, or when the module cannot be loaded, the form is posted and the
// server runs the same check.
//
// The module's ABI: alloc(len) -> ptr; verify(ptr, len) -> answer, where the answer is a 4-byte
// little-endian length n followed by n bytes of UTF-8 JSON ({"verdict": "agrees" | "differs" |
// "invalid", ...}); dealloc(ptr, len) gives a buffer back (the answer's with 4 + n).
'use strict';

(function () {
  const form = document.getElementById('verify-form');
  const verdict = document.getElementById('verdict');
  if (!form || !verdict || typeof WebAssembly !== 'object' || typeof TextEncoder !== 'function') {
    return;
  }
  const textarea = document.getElementById('record');
  const fileInput = document.getElementById('file');
  const texts = form.dataset;

  let engine = load();

  function load() {
    const loading = loadModule().then((instance) => instance.exports);
    loading.then(
      () => { form.dataset.wasm = 'ready'; },
      () => { form.dataset.wasm = 'unavailable'; },
    );
    return loading;
  }

  async function loadModule() {
    const url = '/static/draw.wasm';
    if (typeof WebAssembly.instantiateStreaming === 'function') {
      try {
        return (await WebAssembly.instantiateStreaming(fetch(url), {})).instance;
      } catch (_) {
        // A proxy that changed the content type, for instance: try again the plain way.
      }
    }
    const response = await fetch(url);
    if (!response.ok) {
      throw new Error('HTTP ' + response.status);
    }
    return (await WebAssembly.instantiate(await response.arrayBuffer(), {})).instance;
  }

  // The record's bytes: the chosen file's, else the pasted text's (UTF-8).
  function recordBytes() {
    const file = fileInput && fileInput.files && fileInput.files[0];
    if (!file) {
      return Promise.resolve(new TextEncoder().encode(textarea ? textarea.value : ''));
    }
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => {
        let bytes = new Uint8Array(reader.result);
        // A byte order mark is not part of the JSON (the server drops it too).
        if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
          bytes = bytes.subarray(3);
        }
        resolve(bytes);
      };
      reader.onerror = () => reject(reader.error);
      reader.readAsArrayBuffer(file);
    });
  }

  function isBlank(bytes) {
    // Space, tab, line feed and carriage return only.
    return bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
  }

  // Runs the module's `verify` on the bytes and returns the parsed answer.
  function run(exports, bytes) {
    const ptr = exports.alloc(bytes.length) >>> 0;
    if (ptr === 0) {
      throw new Error('out of memory');
    }
    new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
    const out = exports.verify(ptr, bytes.length) >>> 0;
    exports.dealloc(ptr, bytes.length);
    if (out === 0) {
      throw new Error('out of memory');
    }
    // Views are made after the calls: a memory that grew has a new buffer.
    const length = new DataView(exports.memory.buffer).getUint32(out, true);
    const json = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, out + 4, length).slice());
    exports.dealloc(out, 4 + length);
    return JSON.parse(json);
  }

  // Replaces {name} with values[name], once, so that a value holding braces stays as it is.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole);
  }

  function show(kind, text, engineNote) {
    verdict.className = kind ? 'verdict ' + kind : '';
    if (kind) {
      verdict.dataset.engine = 'wasm';
      verdict.dataset.verdict = kind;
    } else {
      delete verdict.dataset.engine;
      delete verdict.dataset.verdict;
    }
    const line = document.createElement('p');
    line.id = 'verdict-text';
    line.className = kind === 'agrees' ? 'ok' : kind ? 'error' : 'muted';
    line.textContent = text;
    const children = [line];
    if (engineNote) {
      const note = document.createElement('p');
      note.id = 'verdict-engine';
      note.className = 'muted';
      note.textContent = engineNote;
      children.push(note);
    }
    verdict.replaceChildren(...children);
  }

  function showAnswer(answer) {
    if (answer.verdict === 'agrees') {
      show('agrees', texts.agrees, texts.engineWasm);
    } else if (answer.verdict === 'differs') {
      show('differs', fill(texts.differs, answer), texts.engineWasm);
    } else {
      show('invalid', fill(texts.invalid, { message: String(answer.message) }), texts.engineWasm);
    }
  }

  form.addEventListener('submit', (event) => {
    if (form.dataset.wasm === 'unavailable') {
      return; // the server checks it
    }
    event.preventDefault();
    check();
  });

  // Checks the record in the form in the browser; posts the form when the engine is missing.
  async function check() {
    show('', texts.checking, '');
    let exports;
    try {
      exports = await engine;
    } catch (_) {
      form.submit();
      return;
    }
    let bytes;
    try {
      bytes = await recordBytes();
    } catch (_) {
      show('invalid', texts.unreadable, texts.engineWasm);
      return;
    }
    if (isBlank(bytes)) {
      show('invalid', texts.empty, texts.engineWasm);
      return;
    }
    let answer;
    try {
      answer = run(exports, bytes);
    } catch (_) {
      // The module stopped (out of memory, for a huge record): load a fresh one for next time
      // and let the server check this record.
      engine = load();
      form.submit();
      return;
    }
    showAnswer(answer);
  }

  // A published draw record named by the page (`/verify?record=/public/…`, checked by the
  // server too): only a path of this site under /public/ is fetched. It is loaded into the form
  // and checked at once.
  function publishedRecordPath() {
    const source = document.getElementById('record-source');
    const path = source ? source.dataset.record || '' : '';
    if (!path.startsWith('/public/') || path.includes('//') || path.includes('\\')) {
      return null;
    }
    const url = new URL(path, window.location.href);
    return url.origin === window.location.origin ? url.pathname + url.search : null;
  }

  async function loadPublishedRecord(path) {
    show('', fill(texts.loading, { url: path }), '');
    let text;
    try {
      const response = await fetch(path, {
        credentials: 'same-origin',
        redirect: 'error',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      text = await response.text();
    } catch (error) {
      show('invalid', fill(texts.loadFailed, { url: path, message: String(error.message) }), '');
      return;
    }
    if (textarea) {
      textarea.value = text;
    }
    if (fileInput) {
      fileInput.value = '';
    }
    check();
  }

  const published = publishedRecordPath();
  if (published) {
    loadPublishedRecord(published);
  }
})();
