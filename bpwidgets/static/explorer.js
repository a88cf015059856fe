// The explorer's view: the graph, its sliders, the backward stepper, the toggles, the
// gradient table and the caption, as one anywidget (bpwidgets/widgets/explorer.py).
//
// The kernel lays the graph out once per display mode and sends the SVG with a
// placeholder in every slot: `~7~` where slot 7's number goes, `#fe0003` where the 4th
// colour goes (`picture.colours[3]` is its slot). The view finds those places once;
// after that, a slider move only writes text and colours into them, so nothing moves but
// the numbers.
//
// Who computes the numbers:
// - a scalar graph of the kit's own gates comes with a plan (bpwidgets/browser.py): the
//   view runs forward and backward itself (engine.js, put before this file) and paints at
//   once; the kernel is told the new values, so the Python graph stays in step, but the
//   picture never waits for it;
// - any other graph (arrays, a learner's own gate) has no plan: the kernel computes and
//   sends every slot's text or colour (`filled`), and the gradient table (`filled_table`).
// The step-through, the toggles and the nudge always ask the kernel: their captions are
// Python's.
//
// `model` is anywidget's (get, set, on, save_changes, send); bpwidgets/page.py gives the
// same five for a page with no kernel.

const SLOT_NUMBER = /^~(\d+)~$/;
// Notebook 7 runs its keyboard shortcuts before a focused element sees the key (ArrowRight
// would jump to the next heading, jupyter/notebook#7716); Lumino skips them for an element
// that carries this attribute, so the arrow keys move our sliders in every front end.
const KEYS_ARE_OURS = {"data-lm-suppress-shortcuts": "true"};
const SLOT_COLOUR = /^#fe([0-9a-f]{4})$/;

// ---- slots: what each place in the picture shows (render/dot.py's slot_content) -----

// Every slot's content, as Python's slot_content gives it for a scalar graph: the number
// as text ('?' for an unknown value, '' for a gradient not reached yet) or a colour.
// `slots`: [kind, ...refs] (see widgets/live.py); `view`: {visited: [node] | null,
// highlight: node | null}.
export function fillSlots(engine, slots, view, decimals, palette) {
  const visited = view.visited === null ? null : new Set(view.visited);
  const seen = (node) => visited === null || visited.has(node);
  const last = engine.values.length - 1;
  const number = (slot) => {
    const [kind, a, b, c] = slot;
    switch (kind.replace(/_colour$/, "")) {
      case "value": return engine.values[b];                 // [kind, edge, source, target]
      case "local": return engine.local[a];
      case "grad": return seen(c) ? engine.downstream[a] : null;
      case "out_value": return engine.values[last];          // [kind, node]
      case "out_grad": return engine.grads[last];
      case "total": return b.every(seen) ? engine.grads[a] : null;   // [kind, node, users]
      default: throw new Error(`unknown slot kind ${kind}`);
    }
  };
  return slots.map((slot) => {
    const kind = slot[0];
    if (kind === "fill") return slot[1] === view.highlight ? palette.highlight_fill : "white";
    if (kind === "stroke") return slot[1] === view.highlight ? palette.highlight_stroke : "black";
    const x = number(slot);
    if (kind.endsWith("_colour")) return gradientColour(x, palette);
    if (x === null) return kind === "value" || kind === "out_value" ? "?" : "";
    return formatNumber(x, decimals);
  });
}

// Gradients are red; positive ones lean orange and zero is grey (dot.gradient_colour).
export function gradientColour(x, palette) {
  if (x === null || x < 0) return palette.negative;
  return x > 0 ? palette.positive : palette.zero;
}

// ---- sliders: a grid through the starting value -------------------------------------

// The number at position k of a slider whose grid passes through `origin` at position
// `k0`: the origin itself there (the lesson's exact number), else origin + (k - k0) step,
// with the floating-point dust of the addition removed (0.1 + 0.04 is 0.14, not
// 0.14000000000000001).
export function sliderNumber(spec, k) {
  if (k === spec.k0) return spec.origin;
  return Number((spec.origin + (k - spec.k0) * spec.step).toPrecision(12));
}

// The position that shows `x` best (a number set from Python may lie between two).
export function sliderPosition(spec, x) {
  const k = Math.round(spec.k0 + (x - spec.origin) / spec.step);
  return Math.min(Math.max(k, 0), spec.positions);
}

// ---- the view ------------------------------------------------------------------------

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// A text in brackets where it has spaces (steps._bracket): "(x + y)", but "x".
function bracket(text) {
  return text.includes(" ") && !text.startsWith("the ") ? `(${text})` : text;
}

function button(text, title, onClick) {
  const node = element("button", {type: "button", title, className: "bpx-button", text});
  node.addEventListener("click", onClick);
  return node;
}

function toggle(model, key, text, title) {
  const node = button(text, title, () => {
    model.set(key, !model.get(key));
    model.save_changes();
  });
  const show = () => node.classList.toggle("bpx-on", Boolean(model.get(key)));
  model.on(`change:${key}`, show);
  show();
  return node;
}

class View {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.engine = null;          // the browser's engine, when the graph has a plan
    this.places = [];            // per slot: the text node or [element, attribute]
    this.build();
    this.onPicture();
    this.onValues();
    for (const key of ["filled", "filled_table"]) {
      model.on(`change:${key}`, () => this.paintFromKernel());
    }
    model.on("change:step_view", () => this.paint());
    model.on("change:picture", () => this.onPicture());
    model.on("change:slider_values", () => this.onValues());
    model.on("change:caption", () => { this.caption.textContent = model.get("caption"); });
    model.on("change:message", () => { this.message.textContent = model.get("message"); });
    model.on("change:nudge_text", () => { this.nudgeText.textContent = model.get("nudge_text"); });
    model.on("change:step_count", () => this.showStepper());
    if (this.pageSteps) model.on("change:step", () => this.pageStep());
  }

  build() {
    const {model} = this;
    const kernel = model.get("kernel");
    this.graph = element("div", {className: "bpx-graph"});
    this.table = element("div", {className: "bpx-table"});
    this.caption = element("div", {className: "bpx-caption", text: model.get("caption")});
    this.message = element("div", {className: "bpx-message", text: model.get("message")});
    this.sliders = element("div", {className: "bpx-sliders"});
    this.inputs = new Map();                 // label -> {spec, input, readout}
    for (const spec of model.get("slider_specs")) this.sliders.append(this.slider(spec));
    for (const name of model.get("resample_names")) {
      this.sliders.append(button(`resample ${name}`,
        `draw new random entries for ${name} (seeded)`, () => model.send({resample: name})));
    }
    const parts = [element("div", {className: "bpx-top"}, [this.graph, this.table]),
      this.caption, this.sliders];
    // a page with no kernel steps through backward itself (pageStep), when Python sent
    // the steps; the toggles and the nudge need Python
    this.pageSteps = !kernel && (model.get("page_steps") ?? []).length > 0;
    if (kernel) parts.push(this.stepper(), this.toggles(), this.nudge());
    else if (this.pageSteps) parts.push(this.stepper());
    parts.push(this.message);
    const root = element("div", {className: "bpx", ...KEYS_ARE_OURS}, parts);
    this.el.append(root);
  }

  slider(spec) {
    const input = element("input", {type: "range", min: "0", max: String(spec.positions),
      step: "1", "aria-label": spec.label, ...KEYS_ARE_OURS});
    const readout = element("span", {className: "bpx-readout"});
    input.addEventListener("input", () => {
      this.setValue(spec.label, sliderNumber(spec, Number(input.value)));
    });
    this.inputs.set(spec.label, {spec, input, readout});
    return element("label", {className: "bpx-slider"},
      [element("span", {className: "bpx-name", text: spec.label}), input, readout]);
  }

  stepper() {
    const {model} = this;
    const go = (position) => {
      const count = model.get("step_count");
      model.set("step", Math.min(Math.max(position, 0), count + 1));
      model.save_changes();
    };
    this.play = button("▶ play", "play the backward pass, one gate a second", () => {
      if (this.timer) { this.stopPlaying(); return; }
      if (model.get("step") > model.get("step_count")) go(0);
      this.play.textContent = "‖ pause";
      this.timer = setInterval(() => {
        if (model.get("step") > model.get("step_count")) this.stopPlaying();
        else go(model.get("step") + 1);
      }, 1200);
    });
    this.stepperRow = element("div", {className: "bpx-row"}, [
      element("b", {text: "backward, gate by gate:"}),
      button("|◀ start", "back to the output: no gate visited", () => go(0)),
      button("◀ back", "one gate back", () => go(model.get("step") - 1)),
      this.play,
      // from the full picture (where every view starts), next begins the walk at gate 1
      button("next ▶", "visit the next gate", () => {
        const step = model.get("step");
        go(step > model.get("step_count") ? 1 : step + 1);
      }),
      button("all ▶|", "show every gradient", () => go(model.get("step_count") + 1)),
    ]);
    this.showStepper();
    return this.stepperRow;
  }

  stopPlaying() {
    clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "▶ play";
  }

  showStepper() {
    if (this.stepperRow) this.stepperRow.style.display = this.model.get("step_count") ? "" : "none";
  }

  toggles() {
    const {model} = this;
    const sigma = toggle(model, "sigma", "σ gate",
      "collapse 1/(1 + exp(-u)) into one sigmoid gate (and expand it back)");
    if (!model.get("has_sigma")) sigma.style.display = "none";
    const nudge = toggle(model, "nudge_on", "nudge",
      "nudge one input by h and compare how far the output moves with gradient × h");
    if (!model.get("nudge_labels").length) nudge.style.display = "none";
    return element("div", {className: "bpx-row"}, [
      element("b", {text: "show:"}),
      toggle(model, "show_local", "local gradients",
        "show each gate's local gradient under every edge"),
      toggle(model, "show_flow", "flow roles",
        "label each gate with its role in backward flow: add distributes, max routes, " +
        "mul swaps, copy adds"),
      sigma, nudge]);
  }

  nudge() {
    const {model} = this;
    const pick = element("select", {"aria-label": "nudge which input", ...KEYS_ARE_OURS},
      model.get("nudge_labels").map((label) => element("option", {value: label, text: label})));
    pick.value = model.get("nudge_label");
    pick.addEventListener("change", () => { model.set("nudge_label", pick.value); model.save_changes(); });
    model.on("change:nudge_label", () => { pick.value = model.get("nudge_label"); });
    const h = element("input", {type: "number", step: "any", "aria-label": "h",
      value: String(model.get("nudge_h")), ...KEYS_ARE_OURS});
    h.addEventListener("change", () => {
      const x = Number(h.value);
      if (h.value !== "" && Number.isFinite(x)) { model.set("nudge_h", x); model.save_changes(); }
    });
    model.on("change:nudge_h", () => {
      if (Number(h.value) !== model.get("nudge_h")) h.value = String(model.get("nudge_h"));
    });
    this.nudgeText = element("span", {className: "bpx-mono", text: model.get("nudge_text")});
    const row = element("div", {className: "bpx-row"},
      [element("span", {text: "nudge"}), pick, element("span", {text: "by h ="}), h, this.nudgeText]);
    const show = () => { row.style.display = model.get("nudge_on") ? "" : "none"; };
    model.on("change:nudge_on", show);
    show();
    return row;
  }

  // A new layout (first draw, a toggle, the σ gate): put the SVG in, find its slots.
  onPicture() {
    const picture = this.model.get("picture");
    this.places = [];
    this.engine = null;
    if (!picture.svg) { this.graph.replaceChildren(); return; }   // the first values failed
    const frame = element("div", {className: "bpx-frame"});
    frame.style.maxWidth = `${picture.width}px`;
    frame.style.minWidth = `${Math.round(picture.min_scale * picture.width)}px`;
    frame.innerHTML = picture.svg;
    this.graph.replaceChildren(frame);
    this.places = new Array(picture.slots.length);
    for (const text of frame.querySelectorAll("text")) {
      const match = SLOT_NUMBER.exec(text.textContent);
      if (match) { this.places[Number(match[1])] = text; text.textContent = ""; }
    }
    for (const attribute of ["fill", "stroke"]) {
      for (const node of frame.querySelectorAll(`[${attribute}^="#fe"]`)) {
        const match = SLOT_COLOUR.exec(node.getAttribute(attribute));
        if (match) this.places[picture.colours[parseInt(match[1], 16)]] = [node, attribute];
      }
    }
    const plan = this.model.get("plan");
    this.engine = plan ? new Engine(plan) : null;
    this.paint();
  }

  // Values changed (a slider here, or Python): move the sliders, then paint.
  onValues() {
    const values = this.model.get("slider_values");
    for (const [label, {spec, input, readout}] of this.inputs) {
      const x = values[label];
      if (typeof x !== "number") continue;     // a label Python left out: keep the slider
      const k = sliderPosition(spec, x);
      if (sliderNumber(spec, Number(input.value)) !== x) input.value = String(k);
      readout.textContent = x.toFixed(spec.places);
    }
    this.paint();
  }

  setValue(label, x) {
    const values = {...this.model.get("slider_values"), [label]: x};
    this.model.set("slider_values", values);   // paints, through change:slider_values
    this.model.save_changes();                 // the kernel follows
  }

  // The numbers now: computed here when there is a plan, else the kernel's. Values
  // where the graph is not finite (log of a negative number) keep the last picture
  // that worked, as Python does; the kernel's message says why, and a page with no
  // kernel says it itself.
  paint() {
    if (!this.engine) { this.paintFromKernel(); return; }
    const {model, engine} = this;
    const values = model.get("slider_values");
    let problem = "";
    let failed = false;                      // the page's engine threw: always say so
    try {
      engine.forward(Object.fromEntries([...engine.inputs.keys()].map((n) => [n, values[n]])));
      engine.backward();
      const bad = engine.nonFinite();
      if (bad >= 0) problem = `${engine.describe(bad)} is not finite at these values`;
    } catch (error) {
      problem = `the page could not compute the graph: ${error.message}`;
      failed = true;
    }
    if (!model.get("kernel") || failed) {
      this.message.textContent = problem ?
        `${problem}; the picture keeps the last values that worked.` : "";
    }
    if (problem) return;
    const picture = model.get("picture");
    const palette = model.get("palette");
    const view = model.get("step_view");
    this.write(fillSlots(engine, picture.slots, view, picture.decimals, palette));
    this.table.replaceChildren(this.gradientTable(view, palette, picture.decimals));
    if (this.pageSteps) this.caption.textContent = this.pageCaption();
  }

  // ---- the step-through of a page with no kernel --------------------------------------
  // Python sends the steps once (widgets/stepper.py, page_steps): per step, the gate's
  // node, its symbol and its input edges. Which gates are visited follows the position,
  // as stepper.at does; the caption's numbers are the engine's, so they follow the sliders.

  pageStep() {
    const {model} = this;
    const steps = model.get("page_steps");
    const position = model.get("step");
    model.set("step_view", position > steps.length ? {visited: null, highlight: null} : {
      visited: steps.slice(0, position).map((step) => step.node),
      highlight: position > 0 ? steps[position - 1].node : null,
    });                                        // paints, caption included
  }

  // Python's caption (steps.backward_steps) with the local gradients as numbers:
  // "Step 2 of 7: exp: local 0.37 × upstream -0.53 = -0.20".
  pageCaption() {
    const {model, engine} = this;
    const steps = model.get("page_steps");
    const words = model.get("page_words");
    const position = model.get("step");
    if (position > steps.length) return words.done;
    if (position === 0) return words.start;
    // the places Python's captions use (steps.caption_places)
    const number = (x) => formatNumber(x, model.get("page_places"));
    const step = steps[position - 1];
    const up = number(engine.grads[step.node]);
    const said = step.edges.map(([e]) =>
      `local ${number(engine.local[e])} × upstream ${up} = ${number(engine.downstream[e])}`);
    let text;
    if (!said.length) text = "no gradient flows to an input (all its inputs are constants)";
    else if (said.length === 1) text = said[0];
    else if (said.every((words) => words === said[0])) {
      const count = said.length === 2 ? "both inputs" : `all ${said.length} inputs`;
      text = `${said[0]} to ${count} (${step.edges.map(([, source]) => source).join(" and ")})`;
    } else {
      text = step.edges.map(([, source], i) => `to ${bracket(source)}: ${said[i]}`).join("; ");
    }
    // where this step's gradients complete a fork, the parts add up: say so
    const order = steps.slice(0, position).map((visited) => visited.node);
    const forks = model.get("page_forks");
    for (const [, source, k] of new Map(step.edges.map((edge) => [edge[2], edge])).values()) {
      const edges = forks[k];
      if (!edges || !edges.every((e) => order.includes(engine.edges[e].target))) continue;
      const parts = [...edges].sort((a, b) => order.indexOf(engine.edges[a].target) -
        order.indexOf(engine.edges[b].target)).map((e) => number(engine.downstream[e]));
      const terms = parts.map((part, i) => (i === 0 ? part :
        part.startsWith("-") ? ` - ${part.slice(1)}` : ` + ${part}`)).join("");
      text += `; ${bracket(source)} gets ${terms} = ${number(engine.grads[k])} in all: ` +
        "gradients add at a fork";
    }
    return `Step ${position} of ${steps.length}: ${step.symbol}: ${text}`;
  }

  paintFromKernel() {
    if (this.engine) return;
    const filled = this.model.get("filled");
    if (filled.length === this.places.length) this.write(filled);
    this.table.innerHTML = this.model.get("filled_table");   // made by Python, escaped there
  }

  write(contents) {
    contents.forEach((content, i) => {
      const place = this.places[i];
      if (place === undefined) return;
      if (Array.isArray(place)) place[0].setAttribute(place[1], content);
      else if (place.textContent !== content) place.textContent = content;
    });
  }

  // The output's value and each input's value and gradient (explorer.py's _table).
  gradientTable(view, palette, decimals) {
    const {engine} = this;
    const visited = view.visited === null ? null : new Set(view.visited);
    const rows = this.model.get("table_inputs").map(([name, k, users]) => {
      const known = visited === null || users.every((u) => visited.has(u));
      const grad = engine.grads[k];
      const gradCell = element("td", {text: known ? formatNumber(grad, decimals) : "?"});
      if (known) gradCell.style.color = gradientColour(grad, palette);
      return element("tr", {}, [element("td", {}, [element("b", {text: name})]),
        element("td", {className: "bpx-value", text: formatNumber(engine.values[k], decimals)}),
        gradCell]);
    });
    const output = engine.values[engine.values.length - 1];
    return element("div", {}, [
      element("div", {}, ["output ", element("b", {text: formatNumber(output, decimals)})]),
      element("table", {}, [element("tr", {}, ["input", "value", "gradient"].map(
        (text) => element("th", {text}))), ...rows])]);
  }
}

export default {
  render({model, el}) {
    const view = new View(model, el);
    return () => view.timer && clearInterval(view.timer);
  },
};
