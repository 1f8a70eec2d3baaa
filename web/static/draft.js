// Drafts of the console's action forms (the forms whose id starts with "f-").
// What staff type into a text box or text area of such a form is saved in
// sessionStorage as they type, keyed by page path, form id and field name.
// The draft is put back when the page loads again, for example after a
// sign-in that an ended session forced, after an error page, or after going
// back. A form's id names its action and ticket (f-reply-406), and the same
// form appears on several pages, so a draft typed in the inbox also fills the
// form on the ticket page, where the sign-in returns to. The drafts of a form
// are removed once its action succeeded, which the server reports by
// redirecting to a page with ?done=ACTION. Password, code and hidden fields
// are never saved, and signing out removes every draft.
// Written for old browsers like console.js: no modules, no arrow functions.
(function () {
  var store = null;
  try {
    store = window.sessionStorage;
    store.getItem('minyi.draft.test');
  } catch (e) {
    return; // storage is disabled: the forms work as before, without drafts
  }
  if (!store || !document.querySelectorAll) { return; }
  var prefix = 'minyi.draft:';
  var pendingKey = 'minyi.draft.pending';

  function isActionForm(form) {
    return !!form && /^f-/.test(form.id || '') && (form.getAttribute('method') || '').toLowerCase() === 'post';
  }

  // draftable reports whether a field's value may be saved: text boxes and
  // text areas only, and nothing that contains a password, a code or a token.
  function draftable(field) {
    if (!field.name || field.disabled || field.readOnly || !isActionForm(field.form)) { return false; }
    if (/password|code|otp|token|csrf/i.test(field.name)) { return false; }
    var autocomplete = (field.getAttribute('autocomplete') || '').toLowerCase();
    if (autocomplete === 'off' || autocomplete === 'one-time-code' || /password/.test(autocomplete)) { return false; }
    if (field.tagName === 'TEXTAREA') { return true; }
    var type = (field.getAttribute('type') || 'text').toLowerCase();
    return field.tagName === 'INPUT' && (type === 'text' || type === 'search');
  }

  // formPart is the part of a draft's key after its path: "|FORM-ID|".
  function formPart(formID) { return '|' + formID + '|'; }

  function keyOf(field) { return prefix + window.location.pathname + formPart(field.form.id) + field.name; }

  // draftKeys returns the keys of the drafts of formID on any page, or of
  // every draft when formID is empty.
  function draftKeys(formID) {
    var out = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0 && (!formID || key.indexOf(formPart(formID)) > 0)) { out.push(key); }
    }
    return out;
  }

  function removeDrafts(formID) {
    var keys = draftKeys(formID);
    for (var i = 0; i < keys.length; i++) { store.removeItem(keys[i]); }
  }

  // draftOf returns the saved value of a field: the one saved on this page,
  // else one saved for the same form and field on another page.
  function draftOf(field) {
    var value = store.getItem(keyOf(field));
    if (value !== null) { return value; }
    var keys = draftKeys(field.form.id);
    var suffix = formPart(field.form.id) + field.name;
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i];
      if (key.length >= suffix.length && key.substring(key.length - suffix.length) === suffix) {
        value = store.getItem(key);
      }
    }
    return value;
  }

  function save(event) {
    var field = event.target;
    if (!field || !draftable(field)) { return; }
    try {
      if (field.value === '') {
        store.removeItem(keyOf(field));
      } else {
        store.setItem(keyOf(field), field.value);
      }
    } catch (e) {}
  }

  // A submitted form is remembered, so that the page after a successful
  // action can tell which drafts to remove.
  function submitted(event) {
    var form = event.target;
    if (form && form.className === 'signout') {
      removeDrafts('');
      store.removeItem(pendingKey);
      return;
    }
    if (!isActionForm(form)) { return; }
    var action = (form.getAttribute('action') || '').replace(/\/+$/, '');
    try {
      store.setItem(pendingKey, JSON.stringify({form: form.id, action: action.substring(action.lastIndexOf('/') + 1)}));
    } catch (e) {}
  }

  function clearDone() {
    var done = /[?&]done=([^&#]*)/.exec(window.location.search);
    var pending = null;
    try { pending = JSON.parse(store.getItem(pendingKey) || 'null'); } catch (e) {}
    if (!done || !pending || pending.action !== decodeURIComponent(done[1])) { return; }
    removeDrafts(pending.form);
    store.removeItem(pendingKey);
  }

  function restore() {
    var fields = document.querySelectorAll('form textarea, form input');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (!draftable(field)) { continue; }
      var value = draftOf(field);
      if (value === null || value === field.value) { continue; }
      field.value = value;
      // Open the folded form, so that staff see the restored text.
      for (var el = field.parentNode; el; el = el.parentNode) {
        if (el.tagName === 'DETAILS') { el.open = true; }
      }
    }
  }

  clearDone();
  restore();
  document.addEventListener('input', save, true);
  document.addEventListener('change', save, true);
  document.addEventListener('submit', submitted, true);
}());
