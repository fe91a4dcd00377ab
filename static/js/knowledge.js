// Knowledge editor, progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // After an edit conflict, take the user to the explanation first (it is a role=alert region).
  const conflict = document.getElementById("conflict");
  if (conflict && !document.getElementById("error-summary")) conflict.focus();
});
