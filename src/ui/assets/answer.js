// The arrival buttons of the answer page: each sends the phone's position with its form when
// the browser offers it (8 s at most), and the form alone otherwise.
(function () {
  var forms = document.querySelectorAll('form.arrive');
  Array.prototype.forEach.call(forms, function (f) {
    f.addEventListener('submit', function (e) {
      if (!navigator.geolocation || f.dataset.done) return;
      e.preventDefault();
      navigator.geolocation.getCurrentPosition(
        function (p) {
          f.lat.value = p.coords.latitude;
          f.lon.value = p.coords.longitude;
          f.dataset.done = 1;
          f.submit();
        },
        function () {
          f.dataset.done = 1;
          f.submit();
        },
        { timeout: 8000 },
      );
    });
  });
})();
