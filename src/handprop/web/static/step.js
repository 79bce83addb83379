/* The step page: edit x, W, b, the true class and the learning rate; the server traces one SGD
 * step and sends back every number, formula and reason, which this script only lays out. */
"use strict";

(() => {
  const { el, t, api } = HP;
  const MIN_K = 2, MAX_K = 10, MIN_D = 2, MAX_D = 10;

  // Each editable number is {v: what is sent, t: what the input shows}; typed text is both.
  const S = {
    X: [], W: [], b: [], classes: [], y: 0, lr: { v: 0.1, t: "0.1" },
    decimals: 3,
    history: [],          // losses of the states visited by "one more step" (server numbers)
    last: null,           // the last good answer of /api/step
    origin: null,         // the problem before the first "one more step"
    seq: 0,
  };

  const $ = (id) => document.getElementById(id);
  const K = () => S.W.length;
  const D = () => S.X.length;
  const pair = (value, text) => ({ v: value, t: text === undefined ? String(value) : text });

  // ------------------------------------------------------------------ the problem
  function setProblem(problem, text) {
    S.X = problem.X.map((v, j) => pair(v, text ? text.X[j] : undefined));
    S.W = problem.W.map((row, k) => row.map((v, j) => pair(v, text ? text.W[k][j] : undefined)));
    S.b = problem.b.map((v, k) => pair(v, text ? text.b[k] : undefined));
    S.y = problem.y;
    S.lr = pair(problem.lr, text ? text.lr : undefined);
    S.classes = problem.classes ? problem.classes.slice() : S.W.map(() => "");
    buildEditor();
  }

  function payload() {
    return {
      X: S.X.map((c) => c.v),
      W: S.W.map((row) => row.map((c) => c.v)),
      b: S.b.map((c) => c.v),
      y: S.y,
      lr: S.lr.v,
      classes: S.classes.slice(),
    };
  }

  function numberInput(cell, path, field, label) {
    const input = el("input", {
      class: "num-input", inputmode: "decimal", autocomplete: "off",
      "data-path": path, "data-field": field, "aria-label": label, value: cell.t,
    });
    input.value = cell.t;
    if (typeof cell.v === "number" && String(cell.v) !== cell.t) input.title = String(cell.v);
    input.addEventListener("input", () => {
      input.removeAttribute("title");
      cell.v = input.value;
      cell.t = input.value;
      schedule("edit");
    });
    return input;
  }

  const SUB = "₀₁₂₃₄₅₆₇₈₉";
  const sub = (n) => String(n).split("").map((d) => SUB[+d]).join("");

  function buildEditor() {
    const table = $("matrix-editor");
    table.replaceChildren();
    const head = el("tr");
    head.append(el("th", { class: "row-head" }, ""));
    for (let j = 0; j < D(); j++) head.append(el("th", {}, "x" + sub(j + 1)));
    head.append(el("th", { class: "sep" }), el("th", {}, ""), el("th", {}, ""));
    table.append(head);
    const xrow = el("tr", { class: "x-row" });
    xrow.append(el("th", { class: "row-head" }, "x"));
    S.X.forEach((c, j) => xrow.append(el("td", {}).appendChild(numberInput(c, `X[${j}]`, "X", "x" + (j + 1))).parentNode));
    xrow.append(el("td", { class: "sep" }), el("td"), el("td"));
    table.append(xrow);
    const whead = el("tr");
    whead.append(el("th", { class: "row-head", "data-t": "web.step.class_col" }, t("web.step.class_col")));
    for (let j = 0; j < D(); j++) whead.append(el("th", {}, "W·" + sub(j + 1)));
    whead.append(el("th", { class: "sep" }), el("th", {}, "b"), el("th", { "data-t": "web.step.true_col" }, t("web.step.true_col")));
    table.append(whead);
    for (let k = 0; k < K(); k++) {
      const tr = el("tr", { class: k === S.y ? "is-true" : "" });
      const name = el("input", {
        class: "name-input", "data-path": `classes[${k}]`, "data-field": "classes",
        placeholder: t("web.step.class_n", { n: k + 1 }), "aria-label": t("web.step.class_n", { n: k + 1 }),
      });
      name.value = S.classes[k] || "";
      name.addEventListener("input", () => { S.classes[k] = name.value; schedule("refresh"); });
      tr.append(el("td").appendChild(name).parentNode);
      S.W[k].forEach((c, j) => tr.append(el("td").appendChild(numberInput(c, `W[${k}][${j}]`, "W", `w${k + 1},${j + 1}`)).parentNode));
      tr.append(el("td", { class: "sep" }));
      tr.append(el("td").appendChild(numberInput(S.b[k], `b[${k}]`, "b", "b" + (k + 1))).parentNode);
      const radio = el("input", { type: "radio", name: "true-class", value: String(k), "data-field": "y", "aria-label": t("web.step.true_col") });
      radio.checked = k === S.y;
      radio.addEventListener("change", () => {
        S.y = k;
        for (const row of table.querySelectorAll("tr.is-true")) row.classList.remove("is-true");
        tr.classList.add("is-true");
        schedule("edit");
      });
      tr.append(el("td").appendChild(radio).parentNode);
      table.append(tr);
    }
    const lr = $("lr");
    lr.value = S.lr.t;
    $("k-value").textContent = K();
    $("d-value").textContent = D();
    $("k-minus").disabled = K() <= MIN_K;
    $("k-plus").disabled = K() >= MAX_K;
    $("d-minus").disabled = D() <= MIN_D;
    $("d-plus").disabled = D() >= MAX_D;
  }

  function resize(dk, dd) {
    if (dk > 0 && K() < MAX_K) {
      S.W.push(S.X.map(() => pair("0")));
      S.b.push(pair("0"));
      const named = S.classes.some((c) => c.trim());
      S.classes.push(named ? t("web.step.class_n", { n: K() }) : "");
    } else if (dk < 0 && K() > MIN_K) {
      S.W.pop(); S.b.pop(); S.classes.pop();
      if (S.y >= K()) S.y = K() - 1;
    }
    if (dd > 0 && D() < MAX_D) {
      S.X.push(pair("0"));
      for (const row of S.W) row.push(pair("0"));
    } else if (dd < 0 && D() > MIN_D) {
      S.X.pop();
      for (const row of S.W) row.pop();
    }
    buildEditor();
    schedule("edit");
  }

  // ------------------------------------------------------------------ asking the server
  let timer = null;
  let pendingMode = "refresh";
  function schedule(mode) {
    if (mode === "edit" || pendingMode !== "edit") pendingMode = mode;
    clearTimeout(timer);
    timer = setTimeout(() => { const m = pendingMode; pendingMode = "refresh"; compute(m); }, 120);
  }

  async function compute(mode) {
    const seq = ++S.seq;
    const result = await api.post("/api/step", { problem: payload(), decimals: S.decimals });
    if (seq !== S.seq) return;  // a newer request is on its way
    HP.clearErrors($("matrix-editor").closest("section"));
    if (!result.ok) {
      HP.showError(result.data, "W");
      $("stale").hidden = !S.last;
      $("btn-step").disabled = true;
      return;
    }
    const data = result.data;
    $("stale").hidden = true;
    $("btn-step").disabled = false;
    const point = { loss: data.summary.loss, text: data.summary.loss_text };
    if (mode === "step") S.history.push(point);
    else if (mode === "edit" || !S.history.length) S.history = [point];
    else S.history[S.history.length - 1] = point;
    if (mode === "edit" || !S.origin) S.origin = { problem: data.problem, text: snapshotText() };
    S.last = data;
    render(data);
  }

  // ------------------------------------------------------------------ drawing the answer
  function renderGrid(grid) {
    const wrap = el("div", { class: "grid-wrap" });
    const table = el("table", { class: "grid", id: "grid-" + grid.id });
    if (grid.cols.length) {
      const head = el("tr");
      head.append(el("th", {}, ""));
      for (const col of grid.cols) head.append(el("th", { class: col.c || "" }, col.t));
      table.append(head);
    }
    grid.rows.forEach((row, i) => {
      const tr = el("tr");
      tr.append(el("th", { class: "row-label " + (row.c || "") }, row.label));
      row.cells.forEach((cell, j) => {
        const classes = [cell.c || "", grid.cols.length ? "" : "scalar"].join(" ").trim();
        tr.append(el("td", {
          class: classes, tabindex: "0", id: `${grid.id}-${i}-${j}`,
          "data-hover": cell.h || "", "data-value": cell.v === null ? "" : String(cell.v),
        }, cell.t));
      });
      table.append(tr);
    });
    wrap.append(table);
    return wrap;
  }

  function math(html, cls) {
    const box = el("div", { class: cls });
    box.innerHTML = html;  // MathML made by the server from its own LaTeX
    return box;
  }

  function render(data) {
    const root = $("phases");
    root.replaceChildren();
    for (const section of data.sections) {
      const card = el("section", { class: "card phase " + section.id, id: "phase-" + section.id });
      card.append(el("h2", {}, section.title));
      const blocks = el("div", { class: "blocks" });
      for (const block of section.blocks) {
        const box = el("div", { class: "block", id: "block-" + block.id });
        box.append(el("h3", {}, block.title));
        if (block.formula) box.append(math(block.formula, "formula"));
        if (block.worked) box.append(math(block.worked, "worked"));
        for (const grid of block.grids) box.append(renderGrid(grid));
        for (const note of block.notes) box.append(el("p", { class: "note " + (note.c || "") }, note.t));
        if (block.why) box.append(el("p", { class: "why" }, block.why));
        blocks.append(box);
      }
      card.append(blocks);
      root.append(card);
    }
    drawHistory();
  }

  function drawHistory() {
    const points = S.history.map((p, i) => [i + 1, p.loss, `${t("web.step.step_n", { n: i + 1 })}: L = ${p.text}`]);
    HP.lineChart($("loss-chart"), [{ points, dots: true }], {
      xticks: points.map((p) => p[0]).filter((x, i, all) => all.length <= 12 || i % Math.ceil(all.length / 12) === 0),
      xmin: 1, xmax: Math.max(2, points.length),
      xlabel: t("web.step.chart_x"),
    });
    const last = S.history[S.history.length - 1];
    const summary = S.last && S.last.summary;
    $("step-status").textContent = last && summary
      ? t("web.step.status", { n: S.history.length, loss: last.text, after: summary.loss_after_text })
      : "";
  }

  function snapshotText() {
    return {
      X: S.X.map((c) => c.t), W: S.W.map((row) => row.map((c) => c.t)),
      b: S.b.map((c) => c.t), lr: S.lr.t,
    };
  }

  function restart() {
    if (!S.origin) return;
    setProblem(S.origin.problem, S.origin.text);
    compute("edit");
  }

  // ------------------------------------------------------------------ buttons
  function oneMoreStep() {
    if (!S.last) return;
    const next = S.last.next, text = S.last.next_text;
    S.W.forEach((row, k) => row.forEach((c, j) => { c.v = next.W[k][j]; c.t = text.W[k][j]; }));
    S.b.forEach((c, k) => { c.v = next.b[k]; c.t = text.b[k]; });
    for (const input of document.querySelectorAll("#matrix-editor input.num-input")) {
      const m = input.dataset.path.match(/^(W|b)\[(\d+)\](?:\[(\d+)\])?$/);
      if (!m) continue;
      const cell = m[1] === "W" ? S.W[+m[2]][+m[3]] : S.b[+m[2]];
      input.value = cell.t;
      input.title = String(cell.v);
    }
    clearTimeout(timer);
    compute("step");
  }

  async function loadExample() {
    const result = await api.get("/api/example");
    if (result.ok) { setProblem(result.data.problem, result.data.problem_text); compute("edit"); }
  }

  async function randomProblem() {
    const clamp = (n) => Math.max(2, Math.min(5, n));
    const result = await api.post("/api/random", { classes: clamp(K()), features: clamp(D()) });
    HP.clearErrors();
    if (!result.ok) { HP.showError({ ...result.data, field: "file" }); return; }
    setProblem(result.data.problem, result.data.problem_text);
    compute("edit");
  }

  function loadFile(file) {
    const reader = new FileReader();
    reader.onload = async () => {
      const result = await api.post("/api/problem/parse", { filename: file.name, text: String(reader.result) });
      HP.clearErrors();
      if (!result.ok) { HP.showError({ ...result.data, field: "file" }); return; }
      setProblem(result.data.problem, result.data.problem_text);
      compute("edit");
    };
    reader.readAsText(file);
  }

  async function saveFile() {
    const result = await api.post("/api/problem/toml", { problem: payload() });
    HP.clearErrors();
    if (!result.ok) { HP.showError(result.data, "file"); return; }
    const blob = new Blob([result.data.toml], { type: "application/toml" });
    const link = el("a", { download: result.data.filename, href: URL.createObjectURL(blob) });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  // ------------------------------------------------------------------ start
  document.addEventListener("DOMContentLoaded", async () => {
    await HP.init();
    const decimals = $("decimals");
    for (let d = 1; d <= 8; d++) decimals.append(el("option", { value: String(d), selected: d === 3 }, String(d)));
    decimals.value = "3";
    decimals.addEventListener("change", () => { S.decimals = Number(decimals.value); compute("refresh"); });
    $("lr").addEventListener("input", () => { S.lr = pair($("lr").value); schedule("edit"); });
    $("k-plus").addEventListener("click", () => resize(1, 0));
    $("k-minus").addEventListener("click", () => resize(-1, 0));
    $("d-plus").addEventListener("click", () => resize(0, 1));
    $("d-minus").addEventListener("click", () => resize(0, -1));
    $("btn-example").addEventListener("click", loadExample);
    $("btn-random").addEventListener("click", randomProblem);
    $("btn-save").addEventListener("click", saveFile);
    $("btn-step").addEventListener("click", oneMoreStep);
    $("btn-restart").addEventListener("click", restart);
    $("file-input").addEventListener("change", (e) => {
      const file = e.target.files && e.target.files[0];
      if (file) loadFile(file);
      e.target.value = "";
    });
    HP.onLang(() => { buildEditor(); compute("refresh"); });
    await loadExample();
  });
})();
