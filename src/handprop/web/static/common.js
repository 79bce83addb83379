/* handprop web explorer: what the three pages share.
 *
 * The pages do no math: every number and every sentence comes from the server's JSON. This file
 * holds the plumbing: JSON requests, the language switch, errors shown next to their fields,
 * the hover box that says how a number was computed, and a small SVG line chart.
 */
"use strict";

const HP = (() => {
  const state = { lang: document.body.dataset.lang || "en", texts: {}, listeners: [] };

  function t(key, params) {
    let text = state.texts[key];
    if (text === undefined) return key;
    if (params) {
      text = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
    }
    return text;
  }

  async function request(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify({ lang: state.lang, ...body });
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      return { ok: false, status: 0, data: { error: String(err), field: null } };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = { error: response.statusText, field: null };
    }
    return { ok: response.ok, status: response.status, data };
  }

  const api = {
    get: (path) => request("GET", path + (path.includes("?") ? "&" : "?") + "lang=" + state.lang),
    post: (path, body) => request("POST", path, body || {}),
  };

  // ------------------------------------------------------------------ language
  function applyTexts() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.body.dataset.lang = state.lang;
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll("[data-t-title]")) el.title = t(el.dataset.tTitle);
    for (const el of document.querySelectorAll("[data-t-placeholder]")) {
      el.placeholder = t(el.dataset.tPlaceholder);
    }
    for (const button of document.querySelectorAll("[data-lang-to]")) {
      button.classList.toggle("active", button.dataset.langTo === state.lang);
      button.setAttribute("aria-pressed", button.dataset.langTo === state.lang ? "true" : "false");
    }
    for (const link of document.querySelectorAll("a[data-nav], a.brand")) {
      const url = new URL(link.href, location.href);
      url.searchParams.set("lang", state.lang);
      link.href = url.pathname + url.search;
      link.classList.toggle("active", link.dataset.nav === document.body.dataset.page);
    }
    const key = "web.title." + document.body.dataset.page;
    if (state.texts[key]) document.title = t(key) + " · handprop";
  }

  async function setLang(lang) {
    const result = await request("GET", "/api/texts?lang=" + encodeURIComponent(lang));
    if (!result.ok) return;
    state.lang = result.data.lang;
    state.texts = result.data.texts;
    const url = new URL(location.href);
    url.searchParams.set("lang", state.lang);
    history.replaceState(null, "", url.pathname + url.search);
    applyTexts();
    for (const listener of state.listeners) listener(state.lang);
  }

  function onLang(listener) {
    state.listeners.push(listener);
  }

  // ------------------------------------------------------------------ errors next to fields
  function clearErrors(root) {
    const scope = root || document;
    for (const el of scope.querySelectorAll("[data-error-for]")) {
      el.hidden = true;
      el.textContent = "";
    }
    for (const el of scope.querySelectorAll(".invalid")) el.classList.remove("invalid");
  }

  function showError(data, fallbackField) {
    const field = (data && data.field) || fallbackField || "general";
    const message = (data && data.error) || "?";
    let box = document.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (!box) box = document.querySelector('[data-error-for="general"]');
    if (!box) box = document.querySelector(`[data-error-for="${CSS.escape(fallbackField || "")}"]`);
    if (box) {
      box.textContent = message;
      box.hidden = false;
    }
    const path = data && data.path;
    let marked = false;
    if (path) {
      for (const input of document.querySelectorAll(`[data-path="${CSS.escape(path)}"]`)) {
        input.classList.add("invalid");
        marked = true;
      }
    }
    if (!marked && field) {
      for (const input of document.querySelectorAll(`[data-field="${CSS.escape(field)}"]`)) {
        input.classList.add("invalid");
      }
    }
    return box;
  }

  // ------------------------------------------------------------------ the hover box
  function setupTooltip() {
    const tip = document.getElementById("tooltip");
    if (!tip) return;
    let current = null;
    function show(el) {
      const text = el.dataset.hover;
      if (!text) return;
      current = el;
      tip.textContent = text;
      tip.hidden = false;
      const box = el.getBoundingClientRect();
      const width = tip.offsetWidth;
      const left = Math.max(8, Math.min(window.innerWidth - width - 8, box.left));
      let top = box.bottom + 6;
      if (top + tip.offsetHeight > window.innerHeight - 8) top = box.top - tip.offsetHeight - 6;
      tip.style.left = left + "px";
      tip.style.top = top + "px";
    }
    function hide(el) {
      if (!el || el === current) {
        tip.hidden = true;
        current = null;
      }
    }
    document.addEventListener("mouseover", (e) => {
      const el = e.target.closest("[data-hover]");
      if (el) show(el);
      else hide();
    });
    document.addEventListener("focusin", (e) => {
      const el = e.target.closest("[data-hover]");
      if (el) show(el);
    });
    document.addEventListener("focusout", (e) => hide(e.target));
    window.addEventListener("scroll", () => hide(), { passive: true });
  }

  // ------------------------------------------------------------------ SVG line chart
  const SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, parent) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    if (parent) parent.appendChild(el);
    return el;
  }

  function tickText(value) {
    if (value === 0) return "0";
    const size = Math.abs(value);
    if (size >= 1000 || size < 0.001) return value.toExponential(1);
    return String(Number(value.toPrecision(3)));
  }

  /* Draw series [{label, points: [[x, y], ...], cls, dots, thin}] into an <svg> with a viewBox.
   * Only places the server's numbers on screen: the axes span their smallest and largest. */
  function lineChart(el, series, options) {
    const opts = options || {};
    const box = el.viewBox.baseVal;
    const W = box.width, H = box.height;
    const pad = { left: 52, right: 14, top: 14, bottom: 38 };
    while (el.firstChild) el.removeChild(el.firstChild);
    const points = series.flatMap((s) => s.points).filter((p) => p[1] !== null && isFinite(p[1]));
    if (!points.length) {
      const text = svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, el);
      text.textContent = opts.empty || "";
      return;
    }
    let x0 = opts.xmin !== undefined ? opts.xmin : Math.min(...points.map((p) => p[0]));
    let x1 = opts.xmax !== undefined ? opts.xmax : Math.max(...points.map((p) => p[0]));
    let y0 = opts.ymin !== undefined ? opts.ymin : Math.min(...points.map((p) => p[1]));
    let y1 = opts.ymax !== undefined ? opts.ymax : Math.max(...points.map((p) => p[1]));
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * (W - pad.left - pad.right);
    const sy = (y) => H - pad.bottom - ((y - y0) / (y1 - y0)) * (H - pad.top - pad.bottom);
    for (let i = 0; i <= 4; i++) {
      const v = y0 + ((y1 - y0) * i) / 4;
      svg("line", { x1: pad.left, x2: W - pad.right, y1: sy(v), y2: sy(v), class: "gridline" }, el);
      const label = svg("text", { x: pad.left - 6, y: sy(v) + 4, "text-anchor": "end" }, el);
      label.textContent = tickText(v);
    }
    svg("line", { x1: pad.left, x2: pad.left, y1: pad.top, y2: H - pad.bottom, class: "axis" }, el);
    svg("line", { x1: pad.left, x2: W - pad.right, y1: H - pad.bottom, y2: H - pad.bottom, class: "axis" }, el);
    const xt = opts.xticks || [x0, x1];
    for (const v of xt) {
      const label = svg("text", { x: sx(v), y: H - pad.bottom + 16, "text-anchor": "middle" }, el);
      label.textContent = tickText(v);
    }
    if (opts.xlabel) {
      const label = svg("text", { x: (pad.left + W - pad.right) / 2, y: H - 4, "text-anchor": "middle" }, el);
      label.textContent = opts.xlabel;
    }
    series.forEach((s, i) => {
      const cls = s.cls || "s" + i;
      const pts = s.points.filter((p) => p[1] !== null && isFinite(p[1]));
      if (!pts.length) return;
      const d = pts.map((p, j) => (j ? "L" : "M") + sx(p[0]).toFixed(1) + " " + sy(p[1]).toFixed(1)).join(" ");
      svg("path", { d, class: "series " + cls + (s.thin ? " thin" : "") }, el);
      if (s.dots) {
        for (const p of pts) {
          const dot = svg("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 4, class: "dot " + cls }, el);
          if (p[2]) {
            const title = svg("title", {}, dot);
            title.textContent = p[2];
          }
        }
      }
    });
    const labelled = series.filter((s) => s.label);
    labelled.forEach((s, i) => {
      const cls = s.cls || "s" + series.indexOf(s);
      const x = pad.left + 10 + i * 120;
      svg("rect", { x, y: 2, width: 12, height: 4, class: cls }, el);
      const text = svg("text", { x: x + 16, y: 8 }, el);
      text.textContent = s.label;
    });
  }

  // ------------------------------------------------------------------ small helpers
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("data-") || k === "title" || k === "id" || k === "type" || k === "name" || k === "for" || k === "tabindex" || k === "inputmode" || k === "aria-label" || k === "value" || k === "placeholder") node.setAttribute(k, v);
      else node[k] = v;
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  async function init() {
    for (const button of document.querySelectorAll("[data-lang-to]")) {
      button.addEventListener("click", () => setLang(button.dataset.langTo));
    }
    const result = await request("GET", "/api/texts?lang=" + state.lang);
    if (result.ok) {
      state.texts = result.data.texts;
      state.lang = result.data.lang;
    }
    applyTexts();
    setupTooltip();
  }

  return { state, t, api, setLang, onLang, clearErrors, showError, lineChart, el, debounce, init };
})();
