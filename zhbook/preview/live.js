// zhbook preview: follow the server's builds (server-sent events) and reload the page in place.
// The page's own text is swapped for the new build's; the window, its scroll position and its
// state stay. A build error shows as an overlay (ordinary elements of the page) over the last good
// page; the next good build removes it. A small bar says whether the PDF is fresh and links to it.
(() => {
  "use strict";
  const script = document.currentScript;
  const NS = "http://www.w3.org/1999/xhtml";
  let shown = Number(script.dataset.generation);
  let assets = script.dataset.assets;
  let latest = null; // the last state received
  let reloading = false;

  function element(tag, attributes = {}, text = "") {
    const node = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  let overlay = null;
  let bar = null;

  function showError(message) {
    if (!overlay) {
      overlay = element("div", { id: "zhbook-preview-error", class: "zhbook-preview", role: "alert" });
      overlay.append(element("p", { class: "zhbook-preview-error-title" }, "zhbook: the book has an error"),
        element("pre"), element("p", {}, "The page below is the last good build. Save a fix and it updates."));
    }
    overlay.querySelector("pre").textContent = message;
    if (!overlay.isConnected) document.body.append(overlay);
  }

  function clearError() {
    if (overlay) overlay.remove();
  }

  function showPdf(pdf, bookError) {
    if (!bar) bar = element("div", { id: "zhbook-preview-pdf", class: "zhbook-preview" });
    let text;
    if (pdf.fresh) text = `PDF up to date (${pdf.seconds} s)`;
    else if (pdf.state === "building") text = "PDF: rebuilding…";
    else if (pdf.state === "failed") text = bookError ? "PDF: not rebuilt (the book has an error)" : `PDF failed: ${pdf.error}`;
    else if (pdf.state === "none") text = "PDF: waiting for the first build…";
    else text = "PDF: out of date";
    bar.dataset.state = pdf.fresh ? "fresh" : pdf.state;
    bar.replaceChildren(pdf.href && pdf.state !== "none"
      ? element("a", { href: pdf.href, target: "_blank" }, text) : document.createTextNode(text));
    if (!bar.isConnected) document.body.append(bar);
  }

  function refreshStyles(version) {
    for (const link of document.querySelectorAll("link[rel~='stylesheet']")) {
      const url = new URL(link.getAttribute("href"), location.href);
      if (url.pathname.startsWith("/_preview/")) continue;
      url.searchParams.set("v", version);
      const fresh = link.cloneNode();
      fresh.setAttribute("href", url.pathname + url.search);
      fresh.addEventListener("load", () => link.remove(), { once: true });
      fresh.addEventListener("error", () => link.remove(), { once: true });
      link.after(fresh);
    }
  }

  async function reload(state) {
    const response = await fetch(location.pathname, { cache: "no-store" });
    if (!response.ok) {
      showError(`${decodeURIComponent(location.pathname)} is no longer in the book (HTTP ${response.status}); `
        + "see the index at /");
      return;
    }
    const type = (response.headers.get("Content-Type") || "").split(";")[0];
    const page = new DOMParser().parseFromString(await response.text(), type === "text/html"
      ? "text/html" : "application/xhtml+xml");
    if (!page.body || page.querySelector("parsererror")) {
      showError(`${location.pathname}: the new page could not be read`);
      return;
    }
    document.title = page.title;
    document.body.replaceChildren(...Array.from(page.body.childNodes, (node) => document.importNode(node, true)));
    for (const attribute of Array.from(document.body.attributes)) document.body.removeAttribute(attribute.name);
    for (const attribute of Array.from(page.body.attributes)) {
      document.body.setAttributeNS(attribute.namespaceURI, attribute.name, attribute.value);
    }
    if (state.assets !== assets) {
      refreshStyles(state.assets);
      assets = state.assets;
    }
    shown = state.generation;
    // When the new text was on screen (after the next frame): what bench/preview.py measures.
    requestAnimationFrame(() => setTimeout(() => { window.zhbookPreviewShown = { generation: shown, at: Date.now() }; }));
  }

  async function follow() {
    if (reloading || !latest) return;
    reloading = true;
    try {
      while (latest.generation !== shown || latest.assets !== assets) {
        const state = latest;
        if (state.generation !== shown) await reload(state);
        else { refreshStyles(state.assets); assets = state.assets; }
        if (state === latest) break;
      }
    } catch (error) {
      showError(`the preview could not reload this page: ${error}`);
    } finally {
      reloading = false;
    }
    if (latest.error) showError(latest.error); else clearError();
    showPdf(latest.pdf, latest.error);
  }

  const events = new EventSource("/_preview/events");
  events.addEventListener("state", (event) => {
    latest = JSON.parse(event.data);
    window.zhbookPreviewState = latest;
    if (latest.error) showError(latest.error); else clearError();
    showPdf(latest.pdf, latest.error);
    follow();
  });
})();
