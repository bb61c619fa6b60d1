// Live updates for the duty board and alert pages. Server-Sent Events say when something changed;
// the live part is fetched again and patched in place: parts and rows are matched by id and
// data-key, only what differs is touched, an input being typed in (focused, or holding text not
// yet sent) is never replaced, and the scroll position stays. Forms post with fetch and the page
// is patched from the answer; without script they post as plain forms. Countdowns tick every second.
(function () {
  var banner = document.getElementById('banner');
  var toast = document.getElementById('toast');
  var live = document.getElementById('live');

  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-deadline]').forEach(function (el) {
      var left = Math.round((Number(el.getAttribute('data-deadline')) - now) / 1000);
      var text = left <= 0 ? '已超时 ' + fmt(-left) : '剩余 ' + fmt(left);
      if (el.textContent !== text) el.textContent = text;
      var cls = (el.className || '').replace(/\s*\bstate-overdue\b/g, '').trim();
      var want = left <= 0 ? (cls ? cls + ' ' : '') + 'state-overdue' : cls;
      if (el.className !== want) el.className = want;
    });
  }
  // Over an hour: 1小时44分 (the seconds no longer matter); under: 12分5秒.
  function fmt(s) {
    var h = Math.floor(s / 3600),
      m = Math.floor((s % 3600) / 60);
    if (h) return h + '小时' + (m ? m + '分' : '');
    return (m ? m + '分' : '') + (s % 60) + '秒';
  }

  // An input the officer is using: focused, or holding typed text not yet sent.
  function edited(el) {
    if (el.nodeType !== 1) return false;
    var tag = el.tagName;
    if (tag !== 'INPUT' && tag !== 'TEXTAREA' && tag !== 'SELECT') return false;
    if (el === document.activeElement) return true;
    if (tag === 'SELECT') return el.getAttribute('data-touched') === '1';
    if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') return false;
    return el.value !== el.defaultValue;
  }
  function holdsEdits(el) {
    if (el.nodeType !== 1) return false;
    if (edited(el)) return true;
    var inputs = el.querySelectorAll('input, textarea, select');
    for (var i = 0; i < inputs.length; i++) if (edited(inputs[i])) return true;
    return false;
  }
  function keyOf(n) {
    return n.nodeType === 1 ? n.getAttribute('data-key') || n.id || null : null;
  }
  function syncAttributes(a, b) {
    for (var i = a.attributes.length - 1; i >= 0; i--) {
      var name = a.attributes[i].name;
      if (!b.hasAttribute(name) && !(a.tagName === 'DETAILS' && name === 'open')) a.removeAttribute(name);
    }
    for (var j = 0; j < b.attributes.length; j++) {
      var at = b.attributes[j];
      if (a.getAttribute(at.name) !== at.value) a.setAttribute(at.name, at.value);
    }
  }
  // Makes `a` (on the page) look like `b` (fresh from the server), touching only what differs.
  function morph(a, b) {
    if (a.nodeType !== 1) {
      if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
      return;
    }
    if (edited(a)) return;
    if (a.tagName === 'SPAN' && a.hasAttribute('data-deadline') && a.getAttribute('data-deadline') === b.getAttribute('data-deadline')) return; // ticks locally
    syncAttributes(a, b);
    var old = Array.prototype.slice.call(a.childNodes);
    var byKey = {};
    old.forEach(function (n) {
      var k = keyOf(n);
      if (k) byKey[k] = n;
    });
    var used = [];
    var fresh = Array.prototype.slice.call(b.childNodes);
    var cursor = 0;
    fresh.forEach(function (nb, i) {
      var k = keyOf(nb);
      var match = null;
      if (k) match = byKey[k] && byKey[k].nodeName === nb.nodeName ? byKey[k] : null;
      else {
        while (cursor < old.length && (keyOf(old[cursor]) || used.indexOf(old[cursor]) >= 0)) cursor++;
        var cand = old[cursor];
        if (cand && cand.nodeName === nb.nodeName) {
          match = cand;
          cursor++;
        }
      }
      if (match) {
        used.push(match);
        morph(match, nb);
      } else match = document.importNode(nb, true);
      if (a.childNodes[i] !== match) a.insertBefore(match, a.childNodes[i] || null);
    });
    old.forEach(function (n) {
      // A row that went away while a note is typed in it stays until the note is sent or cleared.
      if (used.indexOf(n) < 0 && n.parentNode === a && !holdsEdits(n)) a.removeChild(n);
    });
  }

  function fragmentUrl() {
    return location.pathname.replace(/\/$/, '') + '/fragment' + location.search;
  }
  var pending = null;
  function refresh() {
    if (!live) return Promise.resolve();
    if (pending) return pending;
    pending = fetch(fragmentUrl(), { credentials: 'same-origin' })
      .then(function (r) {
        if (r.status === 401) {
          location.href = '/board/login';
          return null;
        }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        var next = document.createElement('div');
        next.innerHTML = html;
        morph(live, next);
        tick();
        document.dispatchEvent(new CustomEvent('board:patched'));
      })
      .finally(function () {
        pending = null;
      });
    return pending;
  }

  function say(text, bad) {
    if (!toast) return;
    toast.textContent = text;
    toast.className = bad ? 'show bad' : 'show';
    clearTimeout(say.timer);
    say.timer = setTimeout(
      function () {
        toast.className = '';
      },
      bad ? 8000 : 3000,
    );
  }

  // Actions post with fetch; the answer patches the page (no reload, no jump to the top).
  if (live)
    document.addEventListener('submit', function (e) {
      var form = e.target;
      if (!live || !form.matches('form[method=post]') || form.action.indexOf('/board/logout') >= 0) return;
      e.preventDefault();
      var button = form.querySelector('button[type=submit]');
      if (button) button.disabled = true;
      fetch(form.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'fetch' },
        body: new URLSearchParams(new FormData(form)),
      })
        .then(function (r) {
          if (r.status === 401) {
            location.href = '/board/login';
            return;
          }
          if (!r.ok)
            return r.text().then(function (t) {
              say(t.trim() || '操作失败', true);
            });
          form.reset();
          form.querySelectorAll('select').forEach(function (s) {
            s.removeAttribute('data-touched');
          });
          say((button?.textContent ? button.textContent.trim() : '操作') + '：已完成');
          return refresh();
        })
        .catch(function () {
          say('网络中断，操作未送达，请重试', true);
        })
        .finally(function () {
          if (button) button.disabled = false;
        });
    });
  if (live)
    document.addEventListener('change', function (e) {
      if (e.target.tagName === 'SELECT') e.target.setAttribute('data-touched', '1');
    });

  if (window.EventSource && live) {
    var es = new EventSource('/board/events');
    es.addEventListener('refresh', refresh);
    es.onopen = function () {
      banner.classList.remove('show');
    };
    es.onerror = function () {
      banner.classList.add('show');
    };
  }
  window.fangxunBoard = { refresh: refresh };
  setInterval(tick, 1000);
  tick();
})();
