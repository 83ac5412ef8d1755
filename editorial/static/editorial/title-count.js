/* A live character count under the page title and the search-engine title in the page editor.
 *
 * The fields carry maxlength="255" (the database's limit). A browser silently cuts a longer
 * pasted title at that length, mid-word; here the whole title is kept, the count says how many
 * characters are too many, and the server refuses to save it with a clear message (psg/forms.py).
 */
(function () {
    "use strict";

    var FIELDS = ["id_title", "id_seo_title"];

    function length(value) {
        // Characters as the server counts them (a character outside the BMP counts once).
        return Array.from(value).length;
    }

    function setUp(input) {
        if (!input || input.hasAttribute("data-psg-count")) {
            return;
        }
        var limit = parseInt(input.getAttribute("maxlength"), 10);
        if (!limit) {
            return;
        }
        input.setAttribute("data-psg-count", String(limit));
        input.removeAttribute("maxlength");

        var counter = document.createElement("p");
        counter.id = input.id + "-count";
        counter.className = "help psg-char-count";
        counter.setAttribute("data-psg-char-count", "");
        var status = document.createElement("span");
        status.className = "w-sr-only";
        status.setAttribute("role", "status");
        var describedBy = (input.getAttribute("aria-describedby") || "").trim();
        input.setAttribute("aria-describedby", (describedBy + " " + counter.id).trim());
        var anchor = input.closest("[data-field-input]") || input;
        anchor.insertAdjacentElement("afterend", counter);
        anchor.insertAdjacentElement("afterend", status);

        var wasOver = false;
        function update() {
            var count = length(input.value);
            var over = count > limit;
            if (over) {
                counter.textContent =
                    "⚠ " + count + " of " + limit + " characters: " + (count - limit) +
                    " too many. Shorten it before saving.";
                counter.style.color = "#cd4444";
                counter.style.fontWeight = "bold";
                input.setAttribute("aria-invalid", "true");
            } else {
                counter.textContent = count + " of " + limit + " characters";
                counter.style.color = "";
                counter.style.fontWeight = "";
                input.removeAttribute("aria-invalid");
            }
            // Announced only when the title crosses the limit, not at every key press.
            if (over !== wasOver) {
                status.textContent = over
                    ? "The title is longer than " + limit + " characters."
                    : "The title is within " + limit + " characters again.";
                wasOver = over;
            }
        }
        input.addEventListener("input", update);
        update();
    }

    function init() {
        FIELDS.forEach(function (id) {
            setUp(document.getElementById(id));
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
