// The loss curves: train and test loss per step on a log scale, drawn on a canvas, with a
// dashed line where the model changed (prune, refine, symbolic).

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.train = [];
    this.test = [];
    this.marks = [];
  }

  clear() {
    this.train = [];
    this.test = [];
    this.marks = [];
    this.draw();
  }

  push({ trainLoss, testLoss }) {
    this.train.push(trainLoss);
    this.test.push(testLoss);
  }

  /** A labelled boundary before the next step. */
  mark(label) {
    this.marks.push({ at: this.train.length, label });
  }

  draw() {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const style = getComputedStyle(c);
    const ink = style.getPropertyValue("--ink").trim() || "#222";
    const faint = style.getPropertyValue("--faint").trim() || "#999";
    const colors = [
      style.getPropertyValue("--train").trim() || "#1f77b4",
      style.getPropertyValue("--test").trim() || "#ff7f0e",
    ];
    const pad = { l: 44, r: 10, t: 10, b: 22 };
    const values = [...this.train, ...this.test].filter((v) => Number.isFinite(v) && v > 0);
    g.font = "11px system-ui, sans-serif";
    g.fillStyle = faint;
    g.strokeStyle = faint;
    g.lineWidth = 1;
    g.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
    if (values.length === 0) {
      g.fillText("train to see the loss curves", pad.l + 10, pad.t + 20);
      return;
    }
    let lo = Math.floor(Math.log10(Math.min(...values)));
    let hi = Math.ceil(Math.log10(Math.max(...values)));
    if (hi <= lo) hi = lo + 1;
    const n = Math.max(2, this.train.length);
    const x = (i) => pad.l + ((w - pad.l - pad.r) * i) / (n - 1);
    const y = (v) => pad.t + ((h - pad.t - pad.b) * (hi - Math.log10(v))) / (hi - lo);
    g.textAlign = "right";
    g.textBaseline = "middle";
    const every = Math.ceil((hi - lo) / Math.max(1, Math.floor((h - pad.t - pad.b) / 18)));
    for (let e = lo; e <= hi; e++) {
      if ((e - lo) % every !== 0) continue;
      g.fillText(`1e${e}`, pad.l - 4, y(10 ** e));
      g.globalAlpha = 0.3;
      g.beginPath();
      g.moveTo(pad.l, y(10 ** e));
      g.lineTo(w - pad.r, y(10 ** e));
      g.stroke();
      g.globalAlpha = 1;
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    g.fillText(`step ${this.train.length}`, (w + pad.l) / 2, h - pad.b + 6);
    g.setLineDash([4, 3]);
    g.textBaseline = "top";
    this.marks.forEach((m, q) => {
      g.beginPath();
      g.moveTo(x(m.at), pad.t);
      g.lineTo(x(m.at), h - pad.b);
      g.stroke();
      // alternate rows, so that labels of nearby marks do not overlap
      g.fillText(m.label, x(m.at), pad.t + 2 + 13 * (q % 2));
    });
    g.setLineDash([]);
    [this.train, this.test].forEach((series, s) => {
      g.strokeStyle = colors[s];
      g.lineWidth = 1.6;
      g.beginPath();
      let pen = false;
      series.forEach((v, i) => {
        if (!(Number.isFinite(v) && v > 0)) {
          pen = false;
          return;
        }
        if (pen) g.lineTo(x(i), y(v));
        else g.moveTo(x(i), y(v));
        pen = true;
      });
      g.stroke();
    });
    g.fillStyle = ink;
  }
}
