// The demo order page's own script: a language switch through the widget's JS API, a
// page button that must keep working whatever the widget does, and the "merchant's
// chat SDK" answering the widget's chat hand-off.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.lang").forEach(function (button) {
    button.addEventListener("click", function () {
      document.documentElement.lang = button.dataset.locale;
      if (window.Aftercare) window.Aftercare.setLocale(button.dataset.locale);
    });
  });
  var clicks = 0;
  document.getElementById("host-button").addEventListener("click", function () {
    clicks += 1;
    document.getElementById("host-output").textContent = "clicked " + clicks;
  });
  var chat = document.getElementById("host-chat");
  document.addEventListener("aftercare:chat-handoff", function (event) {
    event.preventDefault();
    chat.hidden = false;
  });
  document.getElementById("host-chat-close").addEventListener("click", function () {
    chat.hidden = true;
  });
});
