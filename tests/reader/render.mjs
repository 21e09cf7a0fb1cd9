#!/usr/bin/env node
// Show one chapter of an EPUB the way a reader app does, and say what the reader really used.
//
//   node render.mjs BOOK.epub c002.xhtml out.png [--width 600] [--height 900] [--scale 2]
//                   [--base-url http://127.0.0.1:PORT/] [--chromium /usr/bin/chromium] [--next N]
//
// --next N turns N pages forward (rendition.next(), as a reader's "next page") before the screenshot.
//
// epub.js (paginated, one page per screen) runs in Debian's Chromium driven by playwright-core
// (no downloaded browser). The page is served over http: with --base-url, a server that serves
// this folder at / and the EPUB at /book.epub (tests/epub_reader.py runs one); without it, this
// script starts the same two-route server itself. Prints one JSON object on stdout: the facts
// read from inside the epub.js iframe (fonts actually loaded, computed styles, visible text).
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { basename, dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];
const FACES = { "ZH Serif": "16px \"ZH Serif\"", "ZH Sans": "bold 16px \"ZH Sans\"" };

function parseArgs(argv) {
  const options = { width: 600, height: 900, scale: 2, baseUrl: null, chromium: null, timeout: 45000, next: 0 };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === "--width") options.width = Number(value());
    else if (arg === "--height") options.height = Number(value());
    else if (arg === "--scale") options.scale = Number(value());
    else if (arg === "--base-url") options.baseUrl = value().replace(/\/?$/, "/");
    else if (arg === "--chromium") options.chromium = value();
    else if (arg === "--timeout") options.timeout = Number(value());
    else if (arg === "--next") options.next = Number(value());
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 3) {
    throw new Error("usage: node render.mjs BOOK.epub SPINE_HREF OUT.png [--width N] [--height N] "
      + "[--scale N] [--base-url URL] [--chromium PATH]");
  }
  [options.epub, options.href, options.png] = positional;
  options.epub = resolve(options.epub);
  options.png = resolve(options.png);
  if (!existsSync(options.epub)) throw new Error(`no such EPUB: ${options.epub}`);
  return options;
}

function findChromium(explicit) {
  const candidate = explicit || process.env.CHROMIUM_PATH;
  if (candidate) return candidate;
  try {
    return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"],
      { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    throw new Error("no chromium on PATH (Debian: apt-get install -y chromium); do not download one");
  }
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".map": "application/json", ".epub": "application/epub+zip" };

// The same two routes tests/epub_reader.py serves: this folder at /, the EPUB at /book.epub.
function startServer(epub) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    const file = path === "/book.epub" ? epub : resolve(join(HERE, path));
    if (file !== epub && !file.startsWith(HERE + sep)) { response.writeHead(403).end(); return; }
    if (!existsSync(file) || !statSync(file).isFile()) { response.writeHead(404).end(); return; }
    response.writeHead(200, { "Content-Type": TYPES[extname(file)] || "application/octet-stream" });
    createReadStream(file).pipe(response);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

// Runs in the top page: reads the epub.js iframe (same origin, sandbox allow-same-origin).
function readFacts(faces) {
  const iframe = document.querySelector("#viewer iframe");
  const doc = iframe.contentDocument;
  const win = iframe.contentWindow;
  const px = (value) => (value && value.endsWith("px") ? Number.parseFloat(value) : value);
  const styleOf = (selector) => {
    const element = doc.querySelector(selector);
    if (!element) return null;
    const s = win.getComputedStyle(element);
    return {
      text: element.textContent,
      font_family: s.fontFamily,
      font_size_px: px(s.fontSize),
      font_weight: s.fontWeight,
      font_style: s.fontStyle,
      text_indent_px: px(s.textIndent),
      line_height_px: px(s.lineHeight),
      text_align: s.textAlign,
      text_justify: s.textJustify,
      line_break: s.lineBreak,
      lang: element.closest("[lang]") ? element.closest("[lang]").getAttribute("lang") : null,
    };
  };

  // Visible text: every character whose box centre lies inside the part of the epub.js view
  // the reader can see (the rest of the chapter sits in columns scrolled off to the side).
  const view = document.querySelector(".epub-container") || document.querySelector("#viewer");
  const visible = view.getBoundingClientRect();
  const frame = iframe.getBoundingClientRect();
  // A vertical document's lines are columns: a new one starts where x changes, not y.
  const vertical = win.getComputedStyle(doc.documentElement).writingMode.startsWith("vertical");
  const lines = [];
  const linePositions = []; // each line's x (vertical) or y (horizontal) centre, in the top page
  let line = "";
  let lastTop = null;
  let lastBlock = null;
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  const range = doc.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const block = node.parentElement.closest("p, h1, h2, h3, h4, h5, h6, li, dt, dd, div, td, th, pre, aside, blockquote");
    const chars = Array.from(node.data);
    let offset = 0;
    for (const ch of chars) {
      range.setStart(node, offset);
      range.setEnd(node, offset + ch.length);
      offset += ch.length;
      const rect = Array.from(range.getClientRects()).find((r) => r.width > 0.5 && r.height > 0);
      if (!rect) continue; // collapsed white space, hidden text
      const x = frame.left + rect.left + rect.width / 2;
      const y = frame.top + rect.top + rect.height / 2;
      if (x < visible.left || x > visible.right || y < visible.top || y > visible.bottom) continue;
      const across = vertical ? x : y;
      // (a whole character box across in a column: upright numbers and ruby sit a little off its middle)
      if (lastTop !== null && (Math.abs(across - lastTop) > (vertical ? rect.width : rect.height / 2)
          || block !== lastBlock)) {
        lines.push(line);
        line = "";
      }
      if (!line) linePositions.push(Math.round(across));
      line += /\s/.test(ch) ? " " : ch; // a white space that takes room shows as a space
      lastTop = across;
      lastBlock = block;
    }
  }
  if (line) lines.push(line);

  // Justification, measured: for each line of the first p, the gap between the right edge of its
  // last character box and the right edge of the p's content box (≈0 on all but the last line).
  const lineGaps = [];
  const firstP = doc.querySelector("p");
  if (firstP) {
    const box = firstP.getBoundingClientRect();
    const right = box.right - Number.parseFloat(win.getComputedStyle(firstP).paddingRight);
    const rows = [];
    const pWalker = doc.createTreeWalker(firstP, NodeFilter.SHOW_TEXT);
    for (let node = pWalker.nextNode(); node; node = pWalker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = Array.from(range.getClientRects()).find((r) => r.width > 0.5);
        if (!rect) continue;
        const row = rows.find((r) => Math.abs(r.top - rect.top) < rect.height / 2);
        if (row) row.right = Math.max(row.right, rect.right);
        else rows.push({ top: rect.top, right: rect.right });
      }
    }
    rows.sort((a, b) => a.top - b.top);
    for (const row of rows) lineGaps.push(Math.round((right - row.right) * 100) / 100);
  }

  // Images the page shows (an <img>, or the <image> of an SVG cover page), where they are on screen.
  const images = Array.from(doc.querySelectorAll("img, image")).map((element) => {
    const rect = element.getBoundingClientRect();
    return {
      tag: element.localName,
      href: element.getAttribute("src") || element.getAttribute("href")
        || element.getAttributeNS("http://www.w3.org/1999/xlink", "href"),
      natural_width: element.naturalWidth ?? null,
      complete: element.complete ?? null,
      rect: { left: frame.left + rect.left, top: frame.top + rect.top, width: rect.width, height: rect.height },
    };
  });

  // Boxes in the top page's coordinates, for layout facts: upright numbers, ruby.
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return { left: frame.left + r.left, top: frame.top + r.top, width: r.width, height: r.height };
  };
  const tcy = Array.from(doc.querySelectorAll(".tcy")).slice(0, 20).map((element) => ({
    text: element.textContent, combine: win.getComputedStyle(element).textCombineUpright,
    font_size_px: px(win.getComputedStyle(element).fontSize), rect: box(element) }));
  const ruby = Array.from(doc.querySelectorAll("ruby")).slice(0, 20).map((element) => {
    const rts = Array.from(element.querySelectorAll("rt"));
    const bases = [];
    for (const node of element.childNodes) {
      if (node.nodeType === Node.TEXT_NODE && node.data.trim()) {
        range.selectNodeContents(node);
        const r = range.getBoundingClientRect();
        bases.push({ text: node.data, rect: { left: frame.left + r.left, top: frame.top + r.top, width: r.width, height: r.height } });
      }
    }
    return { class: element.getAttribute("class"), ruby_position: win.getComputedStyle(element).rubyPosition,
      bases, rts: rts.map((rt) => ({ text: rt.textContent, rect: box(rt) })),
      rp_display: Array.from(element.querySelectorAll("rp")).map((rp) => win.getComputedStyle(rp).display) };
  });

  const location = window.rendition.currentLocation();
  return {
    lang: doc.documentElement.getAttribute("lang"),
    xml_lang: doc.documentElement.getAttributeNS("http://www.w3.org/XML/1998/namespace", "lang"),
    fonts: Array.from(doc.fonts).map((f) => ({ family: f.family.replace(/^"|"$/g, ""), weight: f.weight,
      style: f.style, status: f.status })),
    fonts_check: Object.fromEntries(Object.entries(faces).map(([family, font]) => [family, doc.fonts.check(font, "中")])),
    p: styleOf("p"),
    h1: styleOf("h1"),
    h2: styleOf("h2"),
    p_line_gaps_px: lineGaps,
    images,
    view_rect: { left: visible.left, top: visible.top, width: visible.width, height: visible.height },
    visible_lines: lines,
    line_positions: linePositions,
    writing_mode: win.getComputedStyle(doc.documentElement).writingMode,
    direction: window.book.package.metadata.direction || null,
    tcy,
    ruby,
    visible_text: lines.join("\n"),
    page: location && location.start ? { displayed: location.start.displayed, cfi: location.start.cfi,
      end_cfi: location.end && location.end.cfi } : null,
  };
}

// Chromium's own answer to "which font drew this element's text" (CSS.getPlatformFontsForNode).
async function platformFonts(page, selectors) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument", { depth: -1, pierce: true });
  const findFrameDoc = (node) => {
    if (node.nodeName === "IFRAME" && node.contentDocument) return node.contentDocument;
    for (const child of node.children || []) {
      const found = findFrameDoc(child);
      if (found) return found;
    }
    return null;
  };
  const frameDoc = findFrameDoc(root);
  const result = {};
  for (const selector of selectors) {
    const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: frameDoc.nodeId, selector });
    result[selector] = nodeId
      ? (await cdp.send("CSS.getPlatformFontsForNode", { nodeId })).fonts.map((f) => ({
        family: f.familyName, postscript: f.postScriptName, custom: f.isCustomFont, glyphs: f.glyphCount }))
      : null;
  }
  // Every element with text of its own: the fonts that drew that text. A character no embedded font
  // has would show up here as a system (non-custom) font, or as no font at all: tofu.
  const { nodeIds } = await cdp.send("DOM.querySelectorAll", { nodeId: frameDoc.nodeId, selector: "body, body *" });
  const all = new Map();
  for (const nodeId of nodeIds) {
    const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
    for (const f of fonts) {
      const key = `${f.postScriptName}|${f.isCustomFont}`;
      const seen = all.get(key) || { family: f.familyName, postscript: f.postScriptName, custom: f.isCustomFont, glyphs: 0 };
      seen.glyphs += f.glyphCount;
      all.set(key, seen);
    }
  }
  result["*"] = Array.from(all.values());
  await cdp.detach();
  return result;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const timings = {};
  const server = options.baseUrl ? null : await startServer(options.epub);
  const base = options.baseUrl || `http://127.0.0.1:${server.address().port}/`;
  // launch() gives Chromium a fresh temporary user-data-dir and removes it on close.
  const browser = await chromium.launch({ executablePath: findChromium(options.chromium),
    args: CHROMIUM_ARGS, headless: true, timeout: options.timeout });
  timings.launch_ms = Date.now() - started;
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: options.width, height: options.height },
      deviceScaleFactor: options.scale, locale: "zh-CN" });
    const page = await context.newPage();
    page.setDefaultTimeout(options.timeout);
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on("requestfailed", (request) => problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));
    await page.goto(`${base}reader.html`, { waitUntil: "load" });
    const opened = await page.evaluate(([url, href]) => window.openBook(url, href), [`${base}book.epub`, options.href]);
    for (let turn = 0; turn < options.next; turn++) {
      await page.evaluate(async () => {
        await window.rendition.next();
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      });
    }
    timings.display_ms = Date.now() - started - timings.launch_ms;
    await page.screenshot({ path: options.png });
    const facts = await page.evaluate(readFacts, FACES);
    facts.platform_fonts = await platformFonts(page, ["p", "h1", "h2", ".chapter-entry", "ol ol a"]);
    timings.total_ms = Date.now() - started;
    const output = { epub: options.epub, href: options.href, png: options.png,
      viewport: { width: options.width, height: options.height, scale: options.scale },
      spine: opened.spine, ...facts, problems, timings, browser_version: browser.version() };
    process.stdout.write(JSON.stringify(output, null, 1) + "\n");
  } finally {
    await browser.close();
    if (server) server.close();
  }
}

main().catch((error) => {
  process.stderr.write(`render.mjs: ${error.stack || error}\n`);
  process.exit(1);
});
