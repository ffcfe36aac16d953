// Report form: preview without leaving the page, and no accidental double submit.
// Without JavaScript the Preview button posts the form and the server renders the preview.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var body = form.querySelector("textarea[name=body]");
  var pane = document.getElementById("preview");
  var previewButton = form.querySelector("[data-preview]");
  var timer = null;

  var checks = document.getElementById("checks");

  // The page's own Preview action, fetched: the server renders the preview and
  // checks the text again, so the error and warning boxes follow what is
  // written now (they clear once it is fixed), exactly as without JavaScript.
  function renderPreview() {
    var data = new FormData(form);
    data.append("action", "preview");
    return fetch(window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.statusText);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("preview");
        var freshChecks = page.getElementById("checks");
        if (!fresh || !freshChecks) throw new Error("unexpected page");
        // Sanitised HTML (nh3), the same the report page shows.
        pane.innerHTML = fresh.innerHTML;
        checks.innerHTML = freshChecks.innerHTML;
        pane.dataset.fresh = "1";
      })
      .catch(function () { form.requestSubmit(previewButton); });
  }

  // The button bar sticks to the bottom of the window: the preview ends above it
  // wherever the page is scrolled, and scrolls inside itself.
  var bar = form.querySelector(".sticky-actions");
  function fitPreview() {
    if (getComputedStyle(bar).position !== "sticky") { pane.style.maxHeight = ""; return; }
    var room = bar.getBoundingClientRect().top - pane.getBoundingClientRect().top - 8;
    pane.style.maxHeight = Math.max(120, room) + "px";
  }
  window.addEventListener("scroll", fitPreview, { passive: true });
  window.addEventListener("resize", fitPreview);
  fitPreview();

  previewButton.addEventListener("click", function (event) {
    event.preventDefault();
    renderPreview();
  });
  body.addEventListener("input", function () {
    pane.dataset.fresh = "";
    clearTimeout(timer);
    timer = setTimeout(renderPreview, 800);
  });
  form.addEventListener("submit", function (event) {
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
  });
  window.addEventListener("pageshow", function () { delete form.dataset.sending; });
})();
