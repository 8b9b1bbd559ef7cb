// The return receiving screen, beside fulfillment/scan.js: once a condition is chosen, or a bin
// scanned into its field (the scanner ends with Enter), the focus goes back to the item scan
// field, so the next scan reaches it. No inline handlers and no eval (strict CSP).
(() => {
  const scanField = () => document.querySelector("[data-scan-field]");
  const back = () => {
    const input = scanField();
    if (input) input.focus({ preventScroll: true });
  };

  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("[data-condition]")) back();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("[data-bin-field]")) return;
    event.preventDefault();
    back();
  });
})();
