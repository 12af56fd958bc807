"""Keyboard triage for the approvals inbox: j / k move between rows, a approves and r rejects the
focused row, p opens its preview, x selects it, o or Enter opens it. Installed once per tab (plain
DOM: it clicks the row's own buttons, so every decision goes through the same event handlers)."""

KEYS_HELP = "j / k move · a approve · r reject · p preview · x select · o open"

INSTALL_JS = r"""
(function () {
  if (window.__wayvoInboxKeys) return;
  window.__wayvoInboxKeys = true;
  var onInbox = function () { return /\/workflows\/approvals\/?$/.test(location.pathname); };
  document.addEventListener('keydown', function (e) {
    if (!onInbox() || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && t.closest && t.closest('input, textarea, select, [contenteditable="true"], [role="dialog"], ' +
                                     '[role="alertdialog"], [role="listbox"], [role="menu"]')) return;
    var rows = Array.prototype.slice.call(document.querySelectorAll('.inbox-row'));
    if (!rows.length) return;
    var active = document.activeElement;
    var cur = active && active.closest ? active.closest('.inbox-row') : null;
    var i = rows.indexOf(cur);
    if (e.key === 'j' || e.key === 'k') {
      var n = i < 0 ? 0 : (e.key === 'j' ? Math.min(i + 1, rows.length - 1) : Math.max(i - 1, 0));
      rows[n].focus();
      rows[n].scrollIntoView({block: 'nearest'});
      e.preventDefault();
      return;
    }
    if (!cur) return;
    var sel = {a: '.row-approve', r: '.row-reject', p: '.row-preview', x: '.row-select', o: '.row-title'}[e.key];
    if (!sel && e.key === 'Enter' && t === cur) sel = '.row-title';
    var target = sel ? cur.querySelector(sel) : null;
    if (!target || target.disabled) return;
    e.preventDefault();
    target.click();
    if (e.key === 'a' || e.key === 'r') {
      // The decided row leaves the Pending tab: keep the focus at the same place for the next one.
      var tries = 0, timer = setInterval(function () {
        var now = Array.prototype.slice.call(document.querySelectorAll('.inbox-row'));
        tries += 1;
        if (now.indexOf(cur) < 0 || tries > 20) {
          clearInterval(timer);
          if (now.length && (!document.activeElement || document.activeElement === document.body)) {
            now[Math.min(i, now.length - 1)].focus();
          }
        }
      }, 100);
    }
  });
})();
"""
