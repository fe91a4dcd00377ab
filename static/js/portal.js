// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen readers announce it (WCAG 3.3.1).
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
