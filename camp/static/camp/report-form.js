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

  function renderPreview() {
    var data = new FormData();
    data.append("body", body.value);
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    return fetch(form.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.statusText);
        return response.text();
      })
      .then(function (html) {
        // The server returns sanitised HTML (nh3), the same the report page shows.
        pane.innerHTML = html;
        pane.dataset.fresh = "1";
      })
      .catch(function () { form.requestSubmit(previewButton); });
  }

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
