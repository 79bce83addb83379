/* The exercise page: a generated problem, an answer sheet to fill in, and the checker's verdict
 * for every quantity and every cell, asked from the server as you type. */
"use strict";

(() => {
  const { el, t, api } = HP;
  const $ = (id) => document.getElementById(id);
  const E = { data: null, seq: 0 };
  const SUB = "₀₁₂₃₄₅₆₇₈₉";
  const sub = (n) => String(n).split("").map((d) => SUB[+d]).join("");

  function gridTable(rows, cols, rowLabels, cls) {
    const table = el("table", { class: cls || "grid" });
    if (cols) {
      const head = el("tr");
      head.append(el("th", {}, ""));
      for (const c of cols) head.append(el("th", {}, c));
      table.append(head);
    }
    rows.forEach((row, i) => {
      const tr = el("tr");
      tr.append(el("th", { class: "row-label" }, rowLabels[i]));
      for (const v of row) tr.append(el("td", {}, v));
      table.append(tr);
    });
    return table;
  }

  function renderProblem(data) {
    const box = $("ex-problem");
    box.replaceChildren();
    const p = data.problem_text;
    const K = data.labels.length, D = p.X.length;
    const features = Array.from({ length: D }, (_, j) => "x" + sub(j + 1));
    box.append(el("h2", { "data-t": "web.ex.given" }, t("web.ex.given")));
    box.append(el("p", { class: "given-line", id: "ex-intro" }, data.texts.intro));
    box.append(el("div", { class: "grid-wrap" }).appendChild(gridTable([p.X], features, ["x"])).parentNode);
    const rows = p.W.map((row, k) => [...row, p.b[k]]);
    const labels = data.labels.map((name, k) => (k === data.problem.y ? name + " ✓" : name));
    box.append(el("div", { class: "grid-wrap" }).appendChild(
      gridTable(rows, [...features.map((f) => "W·" + f.slice(1)), "b"], labels)).parentNode);
    box.append(el("p", { class: "given-line", id: "ex-label" }, data.texts.label));
    box.append(el("p", { class: "given-line", id: "ex-lr" }, data.texts.lr));
    box.append(el("p", { class: "hint" }, t("web.ex.seed_shown", { seed: data.seed })));
  }

  function input(path, field) {
    const box = el("input", { class: "num-input", inputmode: "decimal", autocomplete: "off", "data-path": path, "data-field": field, "aria-label": path });
    box.addEventListener("input", scheduleCheck);
    return box;
  }

  function renderSheet(data) {
    const sheet = $("ex-sheet");
    sheet.replaceChildren();
    const K = data.labels.length, D = data.problem.X.length;
    for (const q of data.quantities) {
      const block = el("div", { class: "quantity", id: "q-" + q.name, "data-name": q.name });
      const head = el("div", { class: "q-head" });
      head.append(el("span", { class: "q-name" }, q.name), el("span", { class: "q-desc" }, q.description));
      head.append(el("span", { class: "q-status", id: "status-" + q.name, hidden: true }));
      block.append(head);
      const table = el("table", { class: "answer-grid" });
      if (q.shape.length === 0) {
        const tr = el("tr");
        tr.append(el("td").appendChild(input(q.name, q.name)).parentNode);
        table.append(tr);
      } else if (q.shape.length === 1) {
        const head = el("tr");
        for (const name of data.labels) head.append(el("th", {}, name));
        const tr = el("tr");
        for (let k = 0; k < K; k++) tr.append(el("td").appendChild(input(`${q.name}[${k}]`, q.name)).parentNode);
        table.append(head, tr);
      } else {
        const head = el("tr");
        head.append(el("th", {}, ""));
        for (let j = 0; j < D; j++) head.append(el("th", {}, "x" + sub(j + 1)));
        table.append(head);
        for (let k = 0; k < K; k++) {
          const tr = el("tr");
          tr.append(el("th", { class: "row-head" }, data.labels[k]));
          for (let j = 0; j < D; j++) tr.append(el("td").appendChild(input(`${q.name}[${k}][${j}]`, q.name)).parentNode);
          table.append(tr);
        }
      }
      block.append(table);
      block.append(el("p", { class: "q-message", id: "message-" + q.name, hidden: true }));
      block.append(el("p", { class: "field-error", "data-error-for": q.name, hidden: true }));
      sheet.append(block);
    }
  }

  function answers() {
    const out = {};
    for (const q of E.data.quantities) {
      const cells = [...document.querySelectorAll(`#q-${q.name} input`)].map((i) => i.value);
      if (q.shape.length === 0) out[q.name] = cells[0];
      else if (q.shape.length === 1) out[q.name] = cells;
      else out[q.name] = Array.from({ length: q.shape[0] }, (_, k) => cells.slice(k * q.shape[1], (k + 1) * q.shape[1]));
    }
    return out;
  }

  function flat(value) {
    return Array.isArray(value) ? value.flatMap(flat) : [value];
  }

  async function check() {
    if (!E.data) return;
    const seq = ++E.seq;
    const result = await api.post("/api/exercise/check", {
      problem: E.data.problem, answers: answers(), decimals: $("ex-decimals").value,
    });
    if (seq !== E.seq) return;
    HP.clearErrors($("ex-sheet"));
    HP.clearErrors($("ex-form"));
    const verdict = $("ex-verdict");
    if (!result.ok) {
      HP.showError(result.data, "general");
      verdict.textContent = "";
      return;
    }
    const data = result.data;
    for (const step of data.steps) {
      const badge = $("status-" + step.name);
      badge.textContent = step.status === "wrong" && step.mistake_label ? `${step.label} · ${step.mistake_label}` : step.label;
      badge.className = "q-status " + step.status;
      badge.hidden = step.status === "missing";
      const message = $("message-" + step.name);
      message.textContent = step.message;
      message.className = "q-message " + step.status;
      message.hidden = !["wrong", "carried", "partial"].includes(step.status);
      const inputs = [...document.querySelectorAll(`#q-${step.name} input`)];
      const cells = flat(step.cells);
      inputs.forEach((box, i) => {
        box.classList.remove("cell-correct", "cell-wrong", "cell-carried");
        const status = cells[i];
        if (status && status !== "blank" && status !== "missing") box.classList.add("cell-" + status);
      });
    }
    verdict.replaceChildren(el("div", {}, data.summary), el("div", { class: "counts" }, data.counts));
    verdict.className = "verdict " + (data.first_wrong || data.steps.some((s) => flat(s.cells).includes("wrong")) ? "bad" : data.all_correct ? "good" : "");
  }

  const scheduleCheck = HP.debounce(check, 200);

  async function newProblem(sameSeed) {
    HP.clearErrors();
    const seed = sameSeed && E.data ? E.data.seed : $("ex-seed").value;
    const result = await api.post("/api/exercise/new", {
      seed, classes: $("ex-classes").value, features: $("ex-features").value,
    });
    if (!result.ok) {
      HP.showError(result.data, "general");
      return;
    }
    const keep = {};
    if (sameSeed) {
      for (const box of document.querySelectorAll("#ex-sheet input")) keep[box.dataset.path] = box.value;
    }
    E.data = result.data;
    renderProblem(E.data);
    renderSheet(E.data);
    $("ex-verdict").replaceChildren();
    if (sameSeed) {
      for (const box of document.querySelectorAll("#ex-sheet input")) box.value = keep[box.dataset.path] || "";
      check();
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    await HP.init();
    $("btn-new").addEventListener("click", () => newProblem(false));
    $("btn-check").addEventListener("click", check);
    $("ex-decimals").addEventListener("change", check);
    HP.onLang(() => newProblem(true));
    await newProblem(false);
  });
})();
