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

  /* 2. A table (or a picture drawn at its own size) wider than its box scrolls sideways inside it: such a
     box is a named region that the keyboard can reach and scroll (its name is the table's caption, or the
     picture's title). A box that fits is left plain. */
  function nameScrollers() {
    document.querySelectorAll(".table-wrap, .chart-scroll").forEach(function (box) {
      const caption = box.querySelector("caption, svg > title");
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

  /* 3. A checklist of people: a search box filters it by name, and only the departments chosen in the
     form (the fields named by data-narrow-by) show their people; a ticked person always shows. */
  function chosenDepartments(form, names) {
    const chosen = new Set();
    names.split(" ").forEach(function (name) {
      form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
        if (input.tagName === "SELECT") {
          Array.from(input.selectedOptions).forEach(function (option) { chosen.add(option.value); });
        } else if (input.checked) {
          chosen.add(input.value);
        }
      });
    });
    return chosen;
  }

  function narrowPeople(list) {
    const chosen = chosenDepartments(list.closest("form"), list.dataset.narrowBy);
    const query = list.querySelector("input[type='search']").value.trim().toLowerCase();
    list.querySelectorAll(".people-group").forEach(function (group) {
      const inDepartment = chosen.size === 0 || chosen.has(group.dataset.department);
      let shown = 0;
      group.querySelectorAll("li").forEach(function (item) {
        const show = item.querySelector("input").checked
          || (inDepartment && item.textContent.toLowerCase().includes(query));
        item.hidden = !show;
        shown += show ? 1 : 0;
      });
      group.hidden = shown === 0;
    });
  }

  function setUpPeople() {
    document.querySelectorAll("[data-narrow-by]:not([data-ready])").forEach(function (list) {
      list.dataset.ready = "1";
      list.querySelector(".people-search").hidden = false;
      list.closest("form").addEventListener("input", function () { narrowPeople(list); });
      list.closest("form").addEventListener("change", function () { narrowPeople(list); });
      narrowPeople(list);
    });
  }

  document.addEventListener("DOMContentLoaded", setUpPeople);
  document.addEventListener("htmx:afterSettle", setUpPeople);

  /* 4. A long checklist of departments (one department's links on the service map): its search box hides
     the items whose name does not hold the text typed; a ticked item always shows. Enter in the box
     finds, it does not submit the form. */
  function searchList(box) {
    const query = box.value.trim().toLowerCase();
    document.getElementById(box.dataset.searches).querySelectorAll("li").forEach(function (item) {
      item.hidden = !(item.querySelector("input").checked || item.textContent.toLowerCase().includes(query));
    });
  }

  function setUpListSearch() {
    document.querySelectorAll("input[data-searches]:not([data-ready])").forEach(function (box) {
      box.dataset.ready = "1";
      box.closest(".list-search").hidden = false;
      box.addEventListener("input", function () { searchList(box); });
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setUpListSearch);
  document.addEventListener("htmx:afterSettle", setUpListSearch);

  /* 5. "Tick every department" / "Untick all" links beside a checklist reload the form without JavaScript;
     with it they tick the boxes in place, keeping what was typed. */
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-tick]");
    if (!link) {
      return;
    }
    event.preventDefault();
    link.closest("fieldset").querySelectorAll("input[type='checkbox']:not(:disabled)").forEach(function (box) {
      box.checked = link.dataset.tick === "all";
    });
  });

  /* 6. A message belongs to what was just done. Content swapped in place (an action, or the live board's
     poll bringing someone else's change) carries its own message, so the page's messages from before —
     "Card saved." while the board has moved on two phases — are stale, and go. */
  document.addEventListener("htmx:afterSwap", function (event) {
    let target = event.detail.target;
    if (!target.isConnected && target.id) {  // swapped outerHTML: the new element has its id
      target = document.getElementById(target.id);
    }
    if (!target || target === document.body) {
      return;
    }
    document.querySelectorAll(".flashes").forEach(function (messages) {
      if (!target.contains(messages) && !messages.contains(target)) {
        messages.remove();
      }
    });
  });
})();
