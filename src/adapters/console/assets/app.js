// pintu console: small progressive enhancements. Every page works without this file (plain forms).
(function () {
  'use strict';
  var meta = function (n) { var m = document.querySelector('meta[name="' + n + '"]'); return m ? m.getAttribute('content') : ''; };
  // Forms rendered live (SSE) carry an empty CSRF field: fill it from the page before sending.
  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (!(f instanceof HTMLFormElement)) return;
    var c = f.querySelector('input[name="_csrf"]');
    if (c && !c.value) c.value = meta('csrf');
    var n = f.querySelector('input[name="next"][data-here]');
    if (n) n.value = location.pathname;
    // A form that waits for a card on the desk reader says so while the request is held.
    var w = f.querySelector('button[data-waiting]');
    var s = f.querySelector('.tap-status');
    if (w && s) { s.textContent = w.getAttribute('data-waiting'); f.setAttribute('aria-busy', 'true'); }
  }, true);
  // htmx requests carry the CSRF token as a header.
  document.addEventListener('htmx:configRequest', function (ev) { ev.detail.headers['X-CSRF-Token'] = meta('csrf'); });
  // The count of pending requests in the tab title.
  function title() {
    var c = document.getElementById('pending-count');
    var n = c ? (c.textContent || '').trim() : '';
    document.title = (n ? '(' + n + ') ' : '') + meta('title-base');
  }
  // Desk-reader taps: fill the waiting field of this page (never the card's UID: a one-time token).
  document.addEventListener('htmx:sseMessage', function (ev) { if (ev.detail && ev.detail.type === 'pending-count') title(); });
  // A count re-fetched inside a live fragment (the dashboard's open alerts) updates the title too.
  document.addEventListener('htmx:afterSwap', title);
  document.addEventListener('htmx:sseBeforeMessage', function (ev) {
    var d = ev.detail;
    if (!d || d.type !== 'desk') return;
    ev.preventDefault();
    var tap;
    try { tap = JSON.parse(d.data); } catch (e) { return; }
    var fields = document.querySelectorAll('[data-tap-field]');
    if (tap.kind === 'random' || tap.kind === 'unproven') {
      // A card answering a random UID names no card; a card showing an enrolled badge's UID without proving its key is
      // a suspected copy: say so where a tap is awaited, fill nothing.
      var attr = 'data-' + tap.kind;
      for (var r = 0; r < fields.length; r++) {
        var where = document.getElementById(fields[r].getAttribute('data-status') || 'tap-status');
        if (where && fields[r].hasAttribute(attr)) where.textContent = fields[r].getAttribute(attr);
      }
      return;
    }
    for (var i = 0; i < fields.length; i++) {
      var want = fields[i].getAttribute('data-tap-field');
      if (want !== tap.kind && !(want === 'ktp' && tap.kind === 'card')) continue;
      fields[i].value = tap.token;
      var form = fields[i].form;
      if (tap.kind === 'officer' && form) {
        var sel = form.querySelector('select[name="officer"]');
        if (sel) sel.value = tap.officer;
        var pin = form.querySelector('input[name="pin"]');
        if (pin) pin.focus();
      }
      var status = document.getElementById(fields[i].getAttribute('data-status') || 'tap-status');
      if (status) status.textContent = (fields[i].getAttribute('data-label') || '') + (tap.label ? ' ' + tap.label : '') + (tap.status ? ' (' + tap.status + ')' : '');
      fields[i].dispatchEvent(new Event('change', { bubbles: true }));
      if (fields[i].hasAttribute('data-autosubmit') && form) form.requestSubmit();
      break;
    }
  });
  document.addEventListener('htmx:sseError', function () { var o = document.getElementById('offline'); if (o) o.hidden = false; });
  document.addEventListener('htmx:sseOpen', function () { var o = document.getElementById('offline'); if (o) o.hidden = true; });
  // Alarm sound: a beep every 2 s while an alarm is not acknowledged (browsers need one click before sound).
  var audio = null;
  var soundOn = localStorage.getItem('pintu-sound') !== 'off';
  function beep() {
    if (!soundOn || !document.querySelector('#alarms .alarm')) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') return;
      var o = audio.createOscillator(); var g = audio.createGain();
      o.frequency.value = 880; g.gain.value = 0.2; o.connect(g); g.connect(audio.destination);
      o.start(); o.stop(audio.currentTime + 0.35);
    } catch (e) { /* no audio here */ }
  }
  function label() {
    var b = document.querySelectorAll('[data-sound-toggle]');
    for (var i = 0; i < b.length; i++) b[i].textContent = soundOn ? document.body.getAttribute('data-sound-off') : document.body.getAttribute('data-sound-on');
  }
  document.addEventListener('click', function (ev) {
    if (audio && audio.state === 'suspended') audio.resume();
    if (!audio) { try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { /* none */ } }
    var t = ev.target;
    if (t && t.hasAttribute && t.hasAttribute('data-sound-toggle')) { soundOn = !soundOn; localStorage.setItem('pintu-sound', soundOn ? 'on' : 'off'); label(); }
  });
  document.addEventListener('htmx:afterSwap', label);
  setInterval(beep, 2000);
  // Print buttons of the printed lists (hidden without this file: the browser's own print works there).
  function printButtons() {
    var b = document.querySelectorAll('[data-print]');
    for (var i = 0; i < b.length; i++) { b[i].hidden = false; b[i].onclick = function () { window.print(); }; }
  }
  document.addEventListener('DOMContentLoaded', function () { title(); label(); printButtons(); });
})();
