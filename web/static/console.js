// Urgent alerts of the centre pages: poll every 2 seconds, redraw the alert
// bar, and beep when a new urgent ticket arrives unless the user turned the
// sound off. The poll does not count as activity for the session's idle
// time-out, and a 401 sends the browser to the sign-in page. Written for old
// browsers: no modules, no fetch, no arrow functions.
(function () {
  var box = document.getElementById('alerts');
  if (!box || !window.XMLHttpRequest) { return; }
  var list = document.getElementById('alert-list');
  var count = document.getElementById('alert-count');
  var soundButton = document.getElementById('alert-sound');
  var seen = {};
  var muted = false;
  try { muted = window.localStorage.getItem('minyi.alert.muted') === '1'; } catch (e) {}
  var items = list.getElementsByTagName('li');
  for (var i = 0; i < items.length; i++) { seen[items[i].getAttribute('data-id')] = true; }

  function label() {
    soundButton.textContent = box.getAttribute(muted ? 'data-label-unmute' : 'data-label-mute');
  }
  soundButton.hidden = false;
  label();
  soundButton.onclick = function () {
    muted = !muted;
    try { window.localStorage.setItem('minyi.alert.muted', muted ? '1' : '0'); } catch (e) {}
    label();
  };

  var audio = null;
  function beep() {
    if (muted) { return; }
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      audio = audio || new Ctx();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch (e) {}
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.appendChild(document.createTextNode(value));
    if (cls) { el.className = cls; }
    return el;
  }

  function hidden(name, value) {
    var el = document.createElement('input');
    el.type = 'hidden';
    el.name = name;
    el.value = value;
    return el;
  }

  function draw(alerts) {
    var fresh = false;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    for (var i = 0; i < alerts.length; i++) {
      var a = alerts[i];
      if (!seen[a.id]) { fresh = true; seen[a.id] = true; }
      var li = document.createElement('li');
      li.setAttribute('data-id', a.id);
      var link = text('a', '#' + a.id + ' ' + a.code);
      link.href = '/console/tickets/' + a.id;
      li.appendChild(link);
      li.appendChild(document.createTextNode(' ' + a.tag + ' · ' + a.unit + ' · ' + a.state + ' · ' + a.received + ' '));
      li.appendChild(text('span', a.reason, 'reason'));
      var form = document.createElement('form');
      form.method = 'post';
      form.action = '/console/alerts/' + a.id + '/ack';
      form.appendChild(hidden('csrf_token', box.getAttribute('data-csrf')));
      form.appendChild(hidden('back', box.getAttribute('data-back')));
      form.appendChild(text('button', box.getAttribute('data-label-ack')));
      li.appendChild(form);
      list.appendChild(li);
    }
    count.textContent = String(alerts.length);
    box.className = alerts.length ? 'alerts' : 'alerts none';
    if (fresh) { beep(); }
  }

  function poll() {
    var req = new XMLHttpRequest();
    req.open('GET', box.getAttribute('data-url'), true);
    req.onreadystatechange = function () {
      if (req.readyState !== 4) { return; }
      // 401: the session ended. The poll does not keep it alive, so this
      // happens after the idle time-out. Go to the sign-in page, which
      // returns here; the drafts of draft.js keep what was typed.
      if (req.status === 401) {
        window.location.href = '/signin?next=' + encodeURIComponent(box.getAttribute('data-next') || '/console');
        return;
      }
      if (req.status === 200) {
        try { draw(JSON.parse(req.responseText).alerts || []); } catch (e) {}
      }
      window.setTimeout(poll, req.status === 200 ? 2000 : 10000);
    };
    req.send();
  }
  window.setTimeout(poll, 2000);
}());
