// Scan screens (pick, pack, ship): keyboard-wedge scanners type a code and Enter into the focused
// input, so the scan field must always have the focus. No inline handlers and no eval (strict CSP).
(() => {
  const field = () => document.querySelector("[data-scan-field]");
  const editable = (el) => el && el.closest && el.closest("input, select, textarea, button, summary, a, [contenteditable]");

  const focusScanField = () => {
    const input = field();
    if (input && document.activeElement !== input) input.focus({ preventScroll: true });
  };

  // A refused scan is loud: the screen flashes, the device buzzes where it can, and a short low
  // tone plays. The message itself is in a role="alert" element the server rendered.
  const refuse = () => {
    document.body.classList.remove("scan-flash");
    void document.body.offsetWidth; // restart the animation
    document.body.classList.add("scan-flash");
    if (navigator.vibrate) navigator.vibrate([120, 60, 120]);
    try {
      const Audio = window.AudioContext || window.webkitAudioContext;
      if (!Audio) return;
      const audio = new Audio();
      const tone = audio.createOscillator();
      tone.type = "square";
      tone.frequency.value = 220;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.25);
      tone.onended = () => audio.close();
    } catch (_error) {
      // No audio on this device: the colour and the message still say it.
    }
  };

  document.addEventListener("DOMContentLoaded", () => {
    focusScanField();
    if (document.querySelector("[data-scan-refused]")) refuse();

    // After a round trip the new scan field takes the focus. Its value is never touched here: a
    // scanner may already be typing the next code into it.
    document.body.addEventListener("htmx:afterSettle", () => {
      focusScanField();
      if (document.querySelector("[data-scan-refused]")) refuse();
    });

    // A tap on the page (not on a control) gives the focus back to the scan field.
    document.addEventListener("click", (event) => {
      if (!editable(event.target)) focusScanField();
    });

    // A scanner typing while the focus is elsewhere (on nothing, after a tap) still reaches the field.
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (editable(document.activeElement) && document.activeElement !== document.body) return;
      if (event.key.length === 1 || event.key === "Enter") focusScanField();
    });

    // Polling answers (the label) may replace parts without the field: keep the focus where it was.
    document.body.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail && event.detail.elt && event.detail.elt.matches("[data-keep-scan-focus]")) focusScanField();
    });
  });
})();
