// The on-site form keeps what is typed: every change is stored in the browser at once and sent
// to the server as a draft when the connection allows. After a lost connection or a reload, the
// unsent draft is put back into the form and sent when the connection returns. The page works
// without this script (the buttons post the form).
(function () {
  "use strict";
  signaturePad();
  var form = document.getElementById("insp-form");
  if (!form || !document.getElementById("draft-state")) { return; }
  var key = "spotcheck-inspection-draft-" + form.getAttribute("data-task");
  var state = document.getElementById("draft-state");
  var savedAt = parseInt(form.getAttribute("data-saved") || "0", 10);
  var timer = null;
  var sending = false;

  function say(attr) {
    if (state) { state.textContent = state.getAttribute(attr) || ""; state.setAttribute("data-state", attr); }
  }

  function fields() {
    var out = [];
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var e = elements[i];
      if (!e.name || e.name === "csrf" || e.name === "submission_key" || e.type === "submit") { continue; }
      if ((e.type === "radio" || e.type === "checkbox") && !e.checked) { continue; }
      out.push([e.name, e.value]);
    }
    return out;
  }

  function restore(saved) {
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var e = elements[i];
      if (!e.name || e.name === "csrf" || e.name === "submission_key" || e.type === "submit") { continue; }
      var values = saved.fields.filter(function (f) { return f[0] === e.name; }).map(function (f) { return f[1]; });
      if (e.type === "radio") { e.checked = values.indexOf(e.value) >= 0; }
      else if (e.type === "checkbox") { e.checked = values.length > 0; }
      else { e.value = values.length ? values[0] : ""; }
    }
  }

  function keep() {
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: fields(), sent: false }));
      say("data-kept");
    } catch (err) { /* storage full or disabled: the buttons still work */ }
  }

  function send() {
    var raw = localStorage.getItem(key);
    if (!raw || sending) { return; }
    var saved = JSON.parse(raw);
    if (saved.sent) { return; }
    if (!navigator.onLine) { say("data-offline"); return; }
    var body = new URLSearchParams();
    body.append("csrf", form.querySelector("input[name=csrf]").value);
    body.append("action", "save");
    saved.fields.forEach(function (f) { body.append(f[0], f[1]); });
    sending = true;
    // Not `form.action`: the buttons named "action" shadow that property.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      // An expired session answers with a redirect to the login page: not followed, so that
      // it is not taken for a saved draft.
      redirect: "manual",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (r) {
      sending = false;
      var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (r.type === "opaqueredirect" || r.status === 401) {
        // Kept on the phone; sent again once the officer has logged in and reopened the form.
        say("data-login");
      } else if (r.ok && json) {
        var now = JSON.parse(localStorage.getItem(key) || "null");
        // Only forget what was sent: a change typed meanwhile stays to be sent.
        if (now && now.at === saved.at) { localStorage.removeItem(key); }
        say("data-sent");
      } else {
        say("data-refused");
        if (state) { state.setAttribute("data-status", String(r.status)); }
      }
    }).catch(function () {
      sending = false;
      say("data-offline");
    });
  }

  function changed() {
    keep();
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(send, 1500);
  }

  var pending = localStorage.getItem(key);
  if (pending) {
    var saved = JSON.parse(pending);
    if (!saved.sent && saved.at > savedAt) {
      restore(saved);
      say("data-restored");
      setTimeout(send, 500);
    } else {
      localStorage.removeItem(key);
    }
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (ev) {
    if (!navigator.onLine) {
      ev.preventDefault();
      keep();
      say("data-offline");
      return;
    }
    // Sent the ordinary way, but kept until the page after it shows the form stored: a session
    // that expired meanwhile sends the officer to the login page, and the copy back with them.
    keep();
  });
  window.addEventListener("online", send);

  // Evidence: the phone's position and the time, when it gives them.
  var lat = document.getElementById("evidence-lat");
  if (lat && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      document.getElementById("evidence-lon").value = p.coords.longitude.toFixed(6);
    }, function () { /* refused: nothing recorded */ }, { timeout: 10000 });
  }
  var file = document.getElementById("evidence-file");
  if (file) {
    file.addEventListener("change", function () {
      var f = file.files && file.files[0];
      if (f && f.lastModified) {
        var d = new Date(f.lastModified - new Date().getTimezoneOffset() * 60000);
        document.getElementById("evidence-taken-at").value = d.toISOString().slice(0, 16);
      }
    });
  }
})();

// A signature drawn with a finger becomes a PNG file in the evidence form (kind "signature"): the
// server stores it with its SHA-256 like any other evidence.
function signaturePad() {
  "use strict";
  var box = document.getElementById("signature");
  var canvas = document.getElementById("signature-pad");
  var input = document.getElementById("evidence-file");
  if (!box || !canvas || !input || typeof DataTransfer === "undefined") { return; }
  box.hidden = false;
  var ctx = canvas.getContext("2d");
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  var drawing = false;
  function at(ev) {
    var r = canvas.getBoundingClientRect();
    return [(ev.clientX - r.left) * canvas.width / r.width, (ev.clientY - r.top) * canvas.height / r.height];
  }
  canvas.addEventListener("pointerdown", function (ev) {
    drawing = true;
    var p = at(ev);
    ctx.beginPath();
    ctx.moveTo(p[0], p[1]);
    ev.preventDefault();
  });
  canvas.addEventListener("pointermove", function (ev) {
    if (!drawing) { return; }
    var p = at(ev);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    ev.preventDefault();
  });
  ["pointerup", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  document.getElementById("signature-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
  });
  document.getElementById("signature-use").addEventListener("click", function () {
    canvas.toBlob(function (blob) {
      var dt = new DataTransfer();
      dt.items.add(new File([blob], "signature.png", { type: "image/png" }));
      input.files = dt.files;
      document.getElementById("evidence-kind").value = "signature";
    }, "image/png");
  });
}
