// The handoff page's 「引き継ぐ」: asks first, in a dialog naming the staff member who has the handoff now.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("take-over-form");
    var dialog = document.getElementById("take-over-dialog");
    if (!form || !dialog || typeof dialog.showModal !== "function") { return; }  // then the form posts at once
    var confirmed = false;
    form.addEventListener("submit", function (event) {
      if (confirmed) { return; }
      event.preventDefault();
      var owner = document.getElementById("staff-name").textContent;  // kept current by the page's polling
      dialog.querySelectorAll(".owner").forEach(function (span) { span.textContent = owner; });
      dialog.showModal();
      document.getElementById("take-over-cancel").focus();  // the safe choice first
    });
    document.getElementById("take-over-cancel").addEventListener("click", function () { dialog.close(); });
    document.getElementById("take-over-confirm").addEventListener("click", function () {
      confirmed = true;
      dialog.close();
      form.querySelector("button[type=submit]").disabled = true;
      form.submit();
    });
  });
})();
