/* The train page: start a run on the server, follow its server-sent events, draw the curves, the
 * K weight images and the confusion matrix from the numbers the events carry. */
"use strict";

(() => {
  const { el, t, api } = HP;
  const $ = (id) => document.getElementById(id);
  const FIELDS = ["dataset", "init", "normalize", "lr", "batch_size", "epochs", "momentum", "seed"];

  const R = {
    run: null, source: null, epochs: 1, classes: [], shape: null,
    batch: [], epochLoss: [], testLoss: [], trainAcc: [], testAcc: [],
    last: null, datasets: [], frame: 0,
  };

  function resetCurves() {
    R.batch = []; R.epochLoss = []; R.testLoss = []; R.trainAcc = []; R.testAcc = [];
    $("confusion-card").hidden = true;
    $("weights").replaceChildren();
  }

  function drawCharts() {
    R.frame = 0;
    const ticks = [];
    const step = Math.max(1, Math.ceil(R.epochs / 10));
    for (let e = 0; e <= R.epochs; e += step) ticks.push(e);
    HP.lineChart($("loss-chart"), [
      { label: t("web.train.legend.batch"), points: R.batch, thin: true, cls: "s0" },
      { label: t("web.train.legend.train"), points: R.epochLoss, dots: true, cls: "s1" },
      { label: t("web.train.legend.test"), points: R.testLoss, dots: true, cls: "s2" },
    ], { xmin: 0, xmax: R.epochs, xticks: ticks, xlabel: t("web.train.axis.epoch"), empty: t("web.train.empty") });
    HP.lineChart($("acc-chart"), [
      { label: t("web.train.legend.train"), points: R.trainAcc, dots: true, cls: "s1" },
      { label: t("web.train.legend.test"), points: R.testAcc, dots: true, cls: "s2" },
    ], { xmin: 0, xmax: R.epochs, xticks: ticks, ymax: 1, xlabel: t("web.train.axis.epoch"), empty: t("web.train.empty") });
  }

  function redraw() {
    if (!R.frame) R.frame = requestAnimationFrame(drawCharts);
  }

  // Weight rows come as integers in -100..100; blue for negative, red for positive.
  function drawWeights(images) {
    if (!images) return;
    const box = $("weights");
    const [h, w] = R.shape || [1, images.rows[0].length];
    if (box.children.length !== images.rows.length) {
      box.replaceChildren();
      images.rows.forEach((_, k) => {
        const canvas = el("canvas", { width: w, height: h, "aria-label": R.classes[k] || String(k) });
        const figure = el("div", { class: "weight" });
        figure.append(canvas, el("div", {}, R.classes[k] || String(k)));
        box.append(figure);
      });
    }
    images.rows.forEach((row, k) => {
      const canvas = box.children[k].querySelector("canvas");
      const ctx = canvas.getContext("2d");
      const img = ctx.createImageData(w, h);
      row.forEach((v, i) => {
        const s = Math.min(100, Math.abs(v)) * 2.2;
        img.data[4 * i] = v < 0 ? 255 - s : 255;
        img.data[4 * i + 1] = 255 - s * 0.8;
        img.data[4 * i + 2] = v > 0 ? 255 - s : 255;
        img.data[4 * i + 3] = 255;
      });
      ctx.putImageData(img, 0, 0);
    });
  }

  function drawConfusion(event) {
    const table = $("confusion");
    table.replaceChildren();
    const head = el("tr");
    head.append(el("th", { class: "axis-label" }, t("web.train.true_pred")));
    for (const name of event.classes) head.append(el("th", {}, name));
    table.append(head);
    event.confusion.forEach((row, i) => {
      const tr = el("tr");
      tr.append(el("th", {}, event.classes[i]));
      row.forEach((count, j) => {
        const share = event.confusion_rates[i][j];
        const td = el("td", { class: i === j ? "diag" : "", title: event.confusion_text[i][j] }, String(count));
        const alpha = Math.min(1, share * 1.2);
        td.style.background = i === j ? `rgba(23,128,74,${alpha})` : `rgba(196,52,45,${Math.min(1, share * 3)})`;
        td.style.color = alpha > 0.55 && i === j ? "#fff" : "";
        tr.append(td);
      });
      table.append(tr);
    });
    $("confusion-card").hidden = false;
  }

  function setRunning(running) {
    $("btn-start").disabled = running;
    $("btn-stop").disabled = !running;
    for (const name of FIELDS) $(name).disabled = running;
  }

  function status(text) {
    const box = $("train-status");
    box.removeAttribute("data-t");
    box.textContent = text;
  }

  function handle(event) {
    if (event.type === "start") {
      R.epochs = event.epochs;
      R.classes = event.classes;
      R.shape = event.image_shape;
      drawWeights(event.images);
      status(t("web.train.status.started", { n: event.n_train, m: event.n_test }));
    } else if (event.type === "batch") {
      R.batch.push([event.x, event.loss]);
      redraw();
    } else if (event.type === "epoch") {
      R.epochLoss.push([event.epoch, event.train_loss]);
      R.testLoss.push([event.epoch, event.test_loss]);
      R.trainAcc.push([event.epoch, event.train_accuracy]);
      R.testAcc.push([event.epoch, event.test_accuracy]);
      drawWeights(event.images);
      redraw();
      status(t("web.train.status.epoch", {
        epoch: event.epoch, epochs: R.epochs, loss: event.train_loss_text, acc: event.test_accuracy_text,
      }));
    } else if (event.type === "done") {
      drawWeights(event.images);
      drawConfusion(event);
      drawCharts();
      status(t(event.interrupted ? "web.train.status.stopped" : "web.train.status.done", {
        epochs: event.epochs_completed, acc: event.test_accuracy_text,
      }));
      finish();
    } else if (event.type === "error") {
      HP.showError({ error: event.error, field: "general" });
      status(t("web.train.status.failed"));
      finish();
    }
  }

  function finish() {
    if (R.source) R.source.close();
    R.source = null;
    setRunning(false);
  }

  function follow(run) {
    if (R.source) R.source.close();
    R.run = run;
    setRunning(true);
    const source = new EventSource(`/api/train/events?run=${run}&lang=${HP.state.lang}`);
    R.source = source;
    source.onmessage = (e) => handle(JSON.parse(e.data));
  }

  async function start() {
    HP.clearErrors();
    const settings = {};
    for (const name of FIELDS) settings[name] = $(name).value;
    const result = await api.post("/api/train/start", { settings });
    if (!result.ok) {
      HP.showError(result.data, "general");
      return;
    }
    resetCurves();
    R.epochs = result.data.settings.epochs;
    drawCharts();
    status(t("web.train.status.loading"));
    follow(result.data.run);
  }

  async function stop() {
    await api.post("/api/train/stop", {});
  }

  function fillSelect(select, values, labels) {
    select.replaceChildren();
    values.forEach((value, i) => select.append(el("option", { value }, labels ? labels[i] : value)));
  }

  function describeDataset() {
    const info = R.datasets.find((d) => d.name === $("dataset").value);
    $("dataset-info").textContent = info ? info.description : "";
    $("dataset-sizes").textContent = info
      ? t("web.train.sizes", { n: info.n_train, m: info.n_test, k: info.n_classes })
      : "";
  }

  async function loadChoices(keepValues) {
    const [state, sets] = await Promise.all([api.get("/api/train/state"), api.get("/api/datasets")]);
    if (!state.ok || !sets.ok) return null;
    const values = keepValues ? Object.fromEntries(FIELDS.map((n) => [n, $(n).value])) : state.data.defaults;
    R.datasets = sets.data.datasets;
    const select = $("dataset");
    select.replaceChildren();
    for (const d of R.datasets) {
      const label = d.available ? d.name : `${d.name} — ${t("web.train.unavailable")}`;
      select.append(el("option", { value: d.name, disabled: !d.available }, label));
    }
    fillSelect($("init"), state.data.choices.init);
    fillSelect($("normalize"), state.data.choices.normalize);
    for (const name of FIELDS) $(name).value = String(values[name]);
    describeDataset();
    return state.data;
  }

  document.addEventListener("DOMContentLoaded", async () => {
    await HP.init();
    $("btn-start").addEventListener("click", start);
    $("btn-stop").addEventListener("click", stop);
    $("dataset").addEventListener("change", describeDataset);
    HP.onLang(async () => { await loadChoices(true); drawCharts(); });
    const state = await loadChoices(false);
    drawCharts();
    if (state && state.running) {
      resetCurves();
      follow(state.run);
    }
  });
})();
