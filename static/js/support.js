// Support requests: progressive enhancement only; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // A refused change (conflict, missing comment …) is shown at the top: move the focus
  // there so screen readers announce it and keyboard users start from it.
  const error = document.getElementById("support-error");
  if (error) error.focus();
});
