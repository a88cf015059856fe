// The lecture's Graph.forward() / Graph.backward(), in the browser.
//
// The kernel sends a plan once (bpwidgets/browser.py, plan_for): the nodes in topological
// order, the output last, and for each op its two rules from the op table as JavaScript
// expressions. Each op's expressions become functions here once, when the plan is loaded;
// after that, every slider move is plain arithmetic:
//
//     const engine = new Engine(plan);
//     engine.forward({x: -2, y: 5, z: -4});   // -12: every node's value
//     engine.backward();                       // {x: -4, y: -4, z: 3}: every node's gradient,
//                                              // every edge's local and downstream gradient
//
// Only the op table's expressions become code. Input names and numbers stay data: a name
// is looked up in a Map, never written into a function.
//
// An ES module with no dependencies and no build step: a widget imports it, a page inlines it.

const PLAN_VERSION = 1;
const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export class Engine {
  // `rules` holds the functions made from each op's expressions, by op name; a collapsed
  // gate's own engine shares them.
  constructor(plan, rules = new Map()) {
    if (plan.version !== PLAN_VERSION) {
      throw new Error(`engine.js reads plans of version ${PLAN_VERSION}, got ${plan.version}`);
    }
    const size = plan.nodes.length;
    this.nodes = plan.nodes;
    this.values = new Float64Array(size);    // per node, after forward
    this.grads = new Float64Array(size);     // per node, after backward: d output / d node
    this.inputs = new Map();                 // input name -> node index, in the plan's order
    this.edges = [];                         // {source, target, index}: as Graph.edges
    this.gates = [];                         // the gate nodes, in topological order
    plan.nodes.forEach((node, k) => {
      if (Object.hasOwn(node, "input")) this.inputs.set(node.input, k);
      else if (Object.hasOwn(node, "constant")) this.values[k] = node.constant;
      else this.gates.push(this.gate(node, k, plan.ops, rules));
    });
    this.local = new Float64Array(this.edges.length);       // per edge: d target / d source
    this.downstream = new Float64Array(this.edges.length);  // per edge: local x upstream
    this.reached = new Uint8Array(size);     // backward: has the node a gradient yet?
    this.backwardDone = false;
  }

  // One gate node: its inputs, its constants, and the functions that run it.
  gate(node, k, ops, rules) {
    const firstEdge = this.edges.length;
    node.inputs.forEach((source, index) => this.edges.push({source, target: k, index}));
    const gate = {k, inputs: node.inputs, firstEdge, inner: null};
    if (node.inner) {                        // a collapsed gate: its own graph's engine
      gate.inner = new Engine(node.inner, rules);
      return gate;
    }
    const rule = rules.get(node.op) ?? compile(node.op, ops[node.op]);
    rules.set(node.op, rule);
    gate.forward = rule.forward;
    gate.local = rule.local;
    // the arguments every call gets: the inputs' values, the constants, the output
    gate.args = [...node.inputs.map(() => 0), ...node.params, 0];
    return gate;
  }

  // Set the inputs, run every gate in topological order, return the output's value.
  // `given`: {name: number}, or an array in the plan's input order.
  forward(given) {
    let position = 0;
    for (const [name, k] of this.inputs) {
      const value = Array.isArray(given) ? given[position] :
        Object.hasOwn(given, name) ? given[name] : undefined;
      if (typeof value !== "number") {
        throw new Error(`forward() is missing a number for input '${name}'`);
      }
      if (!Number.isFinite(value)) {         // as Python's forward refuses them
        throw new Error(`input '${name}' is ${Number.isNaN(value) ? "NaN" : "infinite"}`);
      }
      this.values[k] = value;
      position += 1;
    }
    const values = this.values;
    for (const gate of this.gates) {
      const args = this.argumentsOf(gate);
      values[gate.k] = gate.inner ? gate.inner.forward(args) : gate.forward(...args);
    }
    this.backwardDone = false;
    return values[values.length - 1];
  }

  // Run the gates in reverse order: each turns its upstream gradient (the sum over the
  // edges leaving it, so fan-out gradients add) into local x upstream per input edge.
  // Returns {input name: d output / d input}.
  backward(upstream = 1) {
    const {values, grads, reached, local, downstream} = this;
    const last = values.length - 1;
    reached.fill(0);
    grads.fill(0);
    grads[last] = upstream;
    reached[last] = 1;
    for (let g = this.gates.length - 1; g >= 0; g -= 1) {
      const gate = this.gates[g];
      if (!reached[gate.k]) continue;
      const up = grads[gate.k];
      const edge = gate.firstEdge;
      if (gate.inner) {                      // the collapsed gate's own backward, as in Python
        gate.inner.backward(1);
        gate.inner.inputGrads().forEach((d, i) => { local[edge + i] = d; });
        gate.inner.backward(up);
        gate.inner.inputGrads().forEach((d, i) => { downstream[edge + i] = d; });
      } else {
        const args = this.argumentsOf(gate);
        args[args.length - 1] = values[gate.k];          // out
        gate.local.forEach((rule, i) => {
          local[edge + i] = rule(...args);
          downstream[edge + i] = local[edge + i] * up;
        });
      }
      gate.inputs.forEach((source, i) => {   // += into each input, in Python's order
        grads[source] = reached[source] ? grads[source] + downstream[edge + i]
          : downstream[edge + i];
        reached[source] = 1;
      });
    }
    this.backwardDone = true;
    return Object.fromEntries([...this.inputs].map(([name, k]) => [name, grads[k]]));
  }

  // The gate's inputs' values, written into its argument list.
  argumentsOf(gate) {
    if (gate.inner) return gate.inputs.map((source) => this.values[source]);
    gate.inputs.forEach((source, i) => { gate.args[i] = this.values[source]; });
    return gate.args;
  }

  // The inputs' gradients, in the plan's input order.
  inputGrads() {
    return [...this.inputs.values()].map((k) => this.grads[k]);
  }

  // The first node whose value is not finite (an inf inside can hide behind a finite
  // output: 1 / exp(1000) = 0), else, after backward, the first whose gradient is not; or
  // -1. Then the view asks the kernel, whose error names the node and its inputs in full.
  nonFinite() {
    const bad = (numbers) => numbers.findIndex((x) => !Number.isFinite(x));
    const k = bad(this.values);
    return k >= 0 || !this.backwardDone ? k : bad(this.grads);
  }

  // "node n3 (mul)": how Graph.describe names a node.
  describe(k) {
    const node = this.nodes[k];
    const what = Object.hasOwn(node, "input") ? `input '${node.input}'` :
      Object.hasOwn(node, "constant") ? "constant" : node.op;
    return `node n${k} (${what})`;
  }
}

// An op's expressions -> functions, once per op: the arguments are its inputs' names
// (a, b), its constants' names (alpha) and out, all from the op table.
function compile(op, rule) {
  if (!rule) throw new Error(`the plan has no rules for the op '${op}'`);
  const names = [...rule.inputs, ...rule.params, "out"];
  const bad = names.find((name) => !NAME.test(name));
  if (bad !== undefined) throw new Error(`the op '${op}' has a bad argument name '${bad}'`);
  const make = (expression) => new Function(...names, `"use strict"; return (${expression});`);
  return {forward: make(rule.forward), local: rule.local.map(make)};
}

// ---- numbers as the kit writes them (labels.format_number) ---------------------------

const MAX_CHARS = 8;

// The most characters a number takes with `decimals` places (labels.number_chars): room
// for a sign, four digits and the point besides them, as MAX_CHARS has at two places.
function numberChars(decimals) {
  return Math.max(MAX_CHARS, decimals + 6);
}

// A number in at most 8 characters: '0.73', '-0.53', '1.2e+05', '3.1e-04'. Fixed-point
// with `decimals` places when that fits and shows a digit, else short scientific notation.
// Rounds as Python does: the exact binary value, ties to even (0.125 -> '0.12').
export function formatNumber(x, decimals = 2) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return decimals > 0 ? `0.${"0".repeat(decimals)}` : "0";
  if (Math.abs(x) >= Number(`1e-${decimals}`) && Math.abs(x) < 1e9) {
    const fixed = fixedPoint(x, decimals);
    if (fixed.length <= numberChars(decimals)) return fixed;
  }
  const short = scientific(x, 1);
  return short.length <= MAX_CHARS ? short : scientific(x, 0);
}

// Python's f"{x:.{decimals}f}".
function fixedPoint(x, decimals) {
  const digits = roundScaled(Math.abs(x), decimals).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const sign = x < 0 ? "-" : "";
  return decimals > 0 ? `${sign}${whole}.${digits.slice(digits.length - decimals)}`
    : `${sign}${whole}`;
}

// Python's f"{x:.{places}e}": the exponent is the one the rounded digits need.
function scientific(x, places) {
  let exponent = Math.floor(Math.log10(Math.abs(x)));
  let digits = roundScaled(Math.abs(x), places - exponent);
  const low = 10n ** BigInt(places);
  while (digits >= 10n * low) { exponent += 1; digits = roundScaled(Math.abs(x), places - exponent); }
  while (digits < low) { exponent -= 1; digits = roundScaled(Math.abs(x), places - exponent); }
  const text = digits.toString();
  const mantissa = places > 0 ? `${text[0]}.${text.slice(1)}` : text;
  const power = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  return `${x < 0 ? "-" : ""}${mantissa}e${power}`;
}

// x * 10^scale rounded to an integer, ties to even, from x's exact value (x > 0).
function roundScaled(x, scale) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let power = -1074;                         // x = mantissa * 2^power
  if (biased !== 0) { mantissa |= 1n << 52n; power = biased - 1075; }
  let top = mantissa;
  let bottom = 1n;
  if (power >= 0) top <<= BigInt(power); else bottom <<= BigInt(-power);
  if (scale >= 0) top *= 10n ** BigInt(scale); else bottom *= 10n ** BigInt(-scale);
  const quotient = top / bottom;
  const twice = 2n * (top - quotient * bottom);
  return twice > bottom || (twice === bottom && quotient % 2n === 1n) ? quotient + 1n : quotient;
}
