/* The little the pages do in JavaScript; every flow works without it.

   1. Focus after an htmx swap. htmx itself puts the focus back on a control with the same id in the new
   content (so controls in swapped regions carry ids) and on an autofocus element. What it cannot do is
   done here: a refused form focuses its first invalid field, and when the control used is gone from the
   new content, the focus goes to the region's message, else to the region, never to <body>.
   Boosted page loads (the whole body swapped) are left alone. */
(function () {
  "use strict";
  let region = null;

  function focus(element) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    region = target !== document.body && target.id && target.contains(document.activeElement) ? target.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    const swapped = region && document.getElementById(region);
    region = null;
    if (!swapped) {
      return;
    }
    const invalid = swapped.querySelector("[aria-invalid='true']");
    if (invalid) {
      focus(invalid);
    } else if (!document.activeElement || document.activeElement === document.body) {
      focus(swapped.querySelector("[role='alert'], [role='status']") || swapped);
    }
  });

  /* 2. A table wider than its box scrolls sideways inside it: such a box is a named region that the
     keyboard can reach and scroll (its name is the table's caption). A box that fits is left plain. */
  function nameScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      const caption = box.querySelector("caption");
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
      } else if (box.getAttribute("role") === "region") {
        ["tabindex", "role", "aria-label"].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", nameScrollers);
  document.addEventListener("htmx:afterSettle", nameScrollers);
  window.addEventListener("resize", nameScrollers);
})();
