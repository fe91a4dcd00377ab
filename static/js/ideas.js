// Idea challenge: progressive enhancement only; every form works without this file.
document.addEventListener("htmx:beforeSwap", (event) => {
  // A refused いいね (window closed, budget used …) comes back as a 4xx fragment with the
  // reason in it: show it in place of the button instead of dropping it.
  const status = event.detail.xhr.status;
  const target = event.detail.target;
  if (status >= 400 && status < 500 && target && target.closest("[data-ideas-vote]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Keep the keyboard where it was: htmx moves the focus to the new button only if the old
// one still had it when the answer arrived. Remember the button when the request starts
// and put the focus back on its replacement once the swap has settled.
let voteFocusId = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const active = document.activeElement;
  voteFocusId = active && active.id && active.closest("[data-ideas-vote]") ? active.id : null;
});
document.addEventListener("htmx:afterSettle", () => {
  if (!voteFocusId) return;
  const button = document.getElementById(voteFocusId);
  voteFocusId = null;
  if (button && document.activeElement !== button) button.focus({ preventScroll: true });
});
