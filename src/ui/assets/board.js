// Live updates for the duty board: Server-Sent Events say when something changed; the live
// part of the page is fetched again and swapped in. Countdowns tick locally every second.
(function () {
  var banner = document.getElementById('banner');
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-deadline]').forEach(function (el) {
      var left = Math.round((Number(el.getAttribute('data-deadline')) - now) / 1000);
      if (left <= 0) { el.textContent = '已超时 ' + fmt(-left); el.className = 'state-overdue'; }
      else el.textContent = '剩余 ' + fmt(left);
    });
  }
  // Over an hour: 1小时44分 (the seconds no longer matter); under: 12分5秒.
  function fmt(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h) return h + '小时' + (m ? m + '分' : '');
    return (m ? m + '分' : '') + (s % 60) + '秒';
  }
  function refresh() {
    fetch(location.pathname.replace(/\/$/, '') + '/fragment' + location.search, { credentials: 'same-origin' })
      .then(function (r) { if (r.status === 401) { location.href = '/board/login'; return null; } return r.text(); })
      .then(function (html) { if (html !== null) { document.getElementById('live').innerHTML = html; tick(); } });
  }
  if (window.EventSource && document.getElementById('live')) {
    var es = new EventSource('/board/events');
    es.addEventListener('refresh', refresh);
    es.onopen = function () { banner.classList.remove('show'); };
    es.onerror = function () { banner.classList.add('show'); };
  }
  setInterval(tick, 1000);
  tick();
})();
