// Voice input for the citizen form: tap to start, tap to stop, at most 60
// seconds. The page records with getUserMedia and Web Audio, encodes 16 kHz
// mono 16-bit WAV itself, and uploads it under the form key; the server keeps
// it encrypted and returns the words when a recogniser is configured. The
// text form works without any of this.
(function () {
  "use strict";
  var box = document.getElementById("voice");
  var form = document.getElementById("submission");
  if (!box || !form) { return; }
  var button = document.getElementById("voice-button");
  var state = document.getElementById("voice-state");
  var kept = document.getElementById("voice-kept");
  var keptText = document.getElementById("voice-kept-text");
  var discard = document.getElementById("voice-discard");
  var body = document.getElementById("body");
  var keyField = form.querySelector("input[name=form_key]");
  var MAX_SECONDS = 60;
  var RATE = 16000;

  box.hidden = false;

  function say(text, kind) {
    state.textContent = text;
    state.className = "voice-state" + (kind ? " " + kind : "");
  }

  // Plain words for every reason the microphone cannot be used.
  if (!window.isSecureContext) {
    say("这个网页没有使用加密连接（https），手机不允许它使用麦克风，所以不能录音。请直接在上面的框里打字，同样可以提交。", "warn");
    return;
  }
  var AudioCtx = window.AudioContext || window.webkitAudioContext;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !AudioCtx || !window.fetch || !window.FormData) {
    say("您的浏览器不支持在网页里录音。请直接在上面的框里打字，同样可以提交。", "warn");
    return;
  }
  button.hidden = false;

  var recording = null;

  function refusedMessage(err) {
    var name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
      return "您没有允许使用麦克风，所以不能录音。请直接在上面的框里打字，同样可以提交。如果想说话，请在浏览器设置里允许本网页使用麦克风，然后刷新页面。";
    }
    if (name === "NotFoundError" || name === "DevicesNotFoundError") {
      return "没有找到麦克风，不能录音。请直接在上面的框里打字，同样可以提交。";
    }
    if (name === "NotReadableError" || name === "TrackStartError") {
      return "麦克风正被其他程序使用（比如正在通话），不能录音。请稍后再试，或者直接打字。";
    }
    return "现在无法录音。请直接在上面的框里打字，同样可以提交。";
  }

  function clock(s) {
    s = Math.floor(s);
    return Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
  }

  function start() {
    button.disabled = true;
    say("正在打开麦克风…");
    navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } })
      .then(function (stream) {
        var ctx = new AudioCtx();
        var source = ctx.createMediaStreamSource(stream);
        // ScriptProcessorNode is deprecated but, unlike AudioWorklet, runs in
        // every browser a citizen may have, WeChat's included, and needs no
        // extra script file under the page's content policy.
        var node = ctx.createScriptProcessor(4096, 1, 1);
        var rec = { stream: stream, ctx: ctx, source: source, node: node, chunks: [], frames: 0,
          rate: ctx.sampleRate, started: Date.now(), timer: null };
        var maxFrames = MAX_SECONDS * rec.rate;
        node.onaudioprocess = function (e) {
          if (recording !== rec) { return; }
          var input = e.inputBuffer.getChannelData(0);
          var take = Math.min(input.length, maxFrames - rec.frames);
          if (take > 0) {
            rec.chunks.push(new Float32Array(input.subarray(0, take)));
            rec.frames += take;
          }
          if (rec.frames >= maxFrames) { stop(true); }
        };
        source.connect(node);
        node.connect(ctx.destination); // the node runs only while connected; it outputs silence
        recording = rec;
        box.classList.add("recording");
        button.textContent = "说完了，按这里停止";
        button.disabled = false;
        var tick = function () {
          var s = (Date.now() - rec.started) / 1000;
          say("● 正在录音 " + clock(Math.min(s, MAX_SECONDS)) + " / " + clock(MAX_SECONDS) + "。说完请再按一下按钮。", "live");
        };
        tick();
        rec.timer = window.setInterval(tick, 500);
        if (ctx.state === "suspended" && ctx.resume) { ctx.resume(); }
      })
      .catch(function (err) {
        button.disabled = false;
        button.hidden = true;
        say(refusedMessage(err), "warn");
      });
  }

  function stop(atLimit) {
    var rec = recording;
    if (!rec) { return; }
    recording = null;
    window.clearInterval(rec.timer);
    try { rec.source.disconnect(); rec.node.disconnect(); } catch (e) { /* already disconnected */ }
    rec.stream.getTracks().forEach(function (t) { t.stop(); });
    if (rec.ctx.close) { rec.ctx.close(); }
    box.classList.remove("recording");
    button.textContent = "按一下，重新录音";
    var seconds = rec.frames / rec.rate;
    if (seconds < 0.5) {
      say("录音太短了。请按一下开始，说完话再按一下结束。", "warn");
      return;
    }
    var wav = encodeWAV(downsample(rec.chunks, rec.frames, rec.rate, RATE), RATE);
    upload(wav, atLimit);
  }

  // downsample mixes the chunks into one buffer at the target rate, averaging
  // the input samples that fall into each output sample, which also filters
  // out most of what would alias.
  function downsample(chunks, frames, from, to) {
    var all = new Float32Array(frames);
    var off = 0;
    for (var i = 0; i < chunks.length; i++) { all.set(chunks[i], off); off += chunks[i].length; }
    if (from === to) { return all; }
    var ratio = from / to;
    var n = Math.floor(frames / ratio);
    var out = new Float32Array(n);
    for (var j = 0; j < n; j++) {
      var a = Math.floor(j * ratio), b = Math.min(frames, Math.floor((j + 1) * ratio));
      var sum = 0;
      for (var k = a; k < b; k++) { sum += all[k]; }
      out[j] = b > a ? sum / (b - a) : all[a];
    }
    return out;
  }

  function encodeWAV(samples, rate) {
    var buf = new ArrayBuffer(44 + samples.length * 2);
    var v = new DataView(buf);
    var w = function (o, s) { for (var i = 0; i < s.length; i++) { v.setUint8(o + i, s.charCodeAt(i)); } };
    w(0, "RIFF"); v.setUint32(4, 36 + samples.length * 2, true); w(8, "WAVE");
    w(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
    w(36, "data"); v.setUint32(40, samples.length * 2, true);
    for (var i = 0; i < samples.length; i++) {
      var s = Math.max(-1, Math.min(1, samples[i]));
      v.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    }
    return new Blob([buf], { type: "audio/wav" });
  }

  function showKept(seconds) {
    keptText.textContent = "已保存一段 " + Math.round(seconds) + " 秒的录音，会和表单一起提交。";
    kept.hidden = false;
  }

  function upload(wav, atLimit) {
    button.disabled = true;
    say((atLimit ? "已录满 60 秒。" : "") + "正在保存录音、转成文字，请稍等…", "busy");
    var data = new FormData();
    data.append("form_key", keyField.value);
    data.append("audio", wav, "voice.wav");
    fetch("/voice", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (resp) { return resp.json(); })
      .then(function (r) {
        button.disabled = false;
        if (!r.ok) { say(r.message || "录音没有保存，请再录一次，或者直接打字。", "warn"); return; }
        showKept(r.seconds || 0);
        if (r.text) {
          body.value = body.value.trim() ? body.value.replace(/\s+$/, "") + "\n" + r.text : r.text;
          body.dispatchEvent(new Event("input"));
        }
        say(r.message, r.text ? "done" : "");
      })
      .catch(function () {
        button.disabled = false;
        say("网络不好，录音没有传上去。请再录一次，或者直接打字。", "warn");
      });
  }

  button.addEventListener("click", function () {
    if (recording) { stop(false); } else { start(); }
  });

  discard.addEventListener("click", function () {
    var data = new FormData();
    data.append("form_key", keyField.value);
    fetch("/voice/discard", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (resp) { return resp.json(); })
      .then(function (r) { if (r.ok) { kept.hidden = true; say(r.message); } });
  });

  // A form that came back with an error still has its recording.
  fetch("/voice/status?form_key=" + encodeURIComponent(keyField.value), { credentials: "same-origin" })
    .then(function (resp) { return resp.json(); })
    .then(function (r) { if (r.ok) { showKept(r.seconds || 0); } })
    .catch(function () { /* the button still works */ });
})();
