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

  // Scans are never lost during a round trip. A scanner types the next code and Enter while the
  // answer to the last one is still on its way; the form's button is disabled then (so Enter would
  // submit nothing) and the answer replaces the field (and what was typed into it). So every Enter
  // in an htmx scan form queues the code, and the codes go out one at a time, in order, each from
  // the form the previous answer rendered (the pack screen's form carries the scans so far).
  const queue = [];
  let sending = null; // the form whose scan is on its way
  let swapping = false; // its answer replaces the screen: wait for the new one to settle
  let carried = ""; // typed into the old field before the answer replaced it
  let watchdog = null;

  const scanForm = () => {
    const input = field();
    return input && input.form && input.form.matches("[hx-post], [data-hx-post]") ? input.form : null;
  };

  const sendNext = () => {
    if (sending || !queue.length) return;
    const form = scanForm();
    if (!form) {
      queue.length = 0; // the screen has no scan field any more (the list is complete)
      return;
    }
    const input = field();
    const typing = input.value; // the start of the next code, if the scanner is on it
    sending = form;
    swapping = false;
    input.value = queue.shift();
    form.requestSubmit(); // htmx reads the form's values now, before the next line runs
    input.value = typing;
    watchdog = window.setTimeout(done, 20000); // an answer that never comes must not stop the queue
  };

  function done() {
    window.clearTimeout(watchdog);
    sending = null;
    swapping = false;
    const input = field();
    if (carried && input) input.value = carried + input.value;
    carried = "";
    sendNext();
  }

  document.addEventListener(
    "keydown",
    (event) => {
      const input = field();
      if (event.key !== "Enter" || !input || event.target !== input || !scanForm()) return;
      event.preventDefault();
      const code = input.value.trim();
      input.value = "";
      if (code) queue.push(code);
      sendNext();
    },
    true,
  );

  document.addEventListener("DOMContentLoaded", () => {
    focusScanField();
    if (document.querySelector("[data-scan-refused]")) refuse();

    document.body.addEventListener("htmx:beforeSwap", (event) => {
      if (!sending || event.detail.requestConfig?.elt !== sending || !event.detail.shouldSwap) return;
      swapping = true;
      const input = field();
      if (input && event.detail.target.contains(input)) carried = input.value;
    });
    document.body.addEventListener("htmx:afterRequest", (event) => {
      if (sending && event.detail.elt === sending && !swapping) done();
    });
    document.body.addEventListener("htmx:afterSettle", () => {
      if (sending && swapping) done();
    });

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
