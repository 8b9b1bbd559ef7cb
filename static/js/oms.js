// Small behaviours shared by the staff pages. No inline handlers and no eval, so a strict
// Content-Security-Policy works (htmx.config.allowEval is false in base.html).
document.addEventListener("DOMContentLoaded", () => {
  // Elements with data-autofocus take focus after an htmx swap too (scanner inputs).
  document.body.addEventListener("htmx:afterSwap", () => {
    const el = document.querySelector("[data-autofocus]");
    if (el) el.focus();
  });

  // Area navigation: the entry whose address is the longest prefix of this page is the current one
  // (/support/orders/new/ is "Phone order", not "Orders"). Runs again after htmx pushes a URL.
  const markCurrentSubnav = () => {
    const links = [...document.querySelectorAll("a[data-subnav]")];
    const path = window.location.pathname;
    let best = null;
    for (const link of links) {
      link.removeAttribute("aria-current");
      const href = new URL(link.href, window.location.href).pathname;
      if (path.startsWith(href) && (!best || href.length > best.pathLength)) best = { link, pathLength: href.length };
    }
    if (best) best.link.setAttribute("aria-current", "page");
  };
  markCurrentSubnav();

  // An in-page link to a section with a closed form (order page: "Open a support case") opens the
  // form and puts the cursor in its first field, instead of scrolling to a collapsed summary.
  document.body.addEventListener("click", (event) => {
    const link = event.target.closest('a[href^="#"]');
    if (!link || link.getAttribute("href").length < 2) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    const details = target && target.querySelector("details");
    if (!details) return;
    event.preventDefault();
    details.open = true;
    target.scrollIntoView({ block: "start" });
    const field = details.querySelector("input:not([type=hidden]), textarea, select");
    if (field) field.focus({ preventScroll: true });
  });
  document.body.addEventListener("htmx:pushedIntoHistory", markCurrentSubnav);
});
