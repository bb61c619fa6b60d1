// The roster page's one script: copy the calendar address (CSP: no inline scripts).
(function () {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async function () {
      const input = document.getElementById(button.getAttribute('data-copy'));
      if (!input) return;
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
      } catch {
        document.execCommand('copy');
      }
      button.textContent = '已复制';
    });
  }
})();
