// The merchant page's own behaviour, which the widget must never break.
document.addEventListener("DOMContentLoaded", function () {
  var clicks = 0;
  document.getElementById("host-button").addEventListener("click", function () {
    clicks += 1;
    document.getElementById("host-output").textContent = "clicked " + clicks;
  });
});
