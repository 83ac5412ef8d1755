// Move keyboard and screen-reader focus to the list of problems when the join form comes back
// with errors, so people hear what needs fixing first.
document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) {
        summary.focus();
    }
});
