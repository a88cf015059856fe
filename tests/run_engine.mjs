// Runs bpwidgets/static/engine.js for tests/test_browser_engine.py:
//     node run_engine.mjs ENGINE.mjs JOBS.json   ->  results as JSON on stdout
// JOBS: {cases: [{plan, points: [{name: value}], upstream}], numbers: [[x, decimals]]}.
// Non-finite numbers travel as the strings "Infinity", "-Infinity", "NaN".

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

// Count the functions the engine makes from expressions: once per op, at plan load.
let made = 0;
globalThis.Function = new Proxy(Function, {
  construct(target, args) { made += 1; return Reflect.construct(target, args); },
  apply(target, self, args) { made += 1; return Reflect.apply(target, self, args); },
});

const [enginePath, jobsPath] = process.argv.slice(2);
const { Engine, formatNumber } = await import(pathToFileURL(enginePath).href);
const jobs = JSON.parse(readFileSync(jobsPath, "utf8"));
const number = (v) => (typeof v === "string" ? Number(v) : v);
const texts = (array) => Array.from(array, (x) => formatNumber(x));

const cases = jobs.cases.map(({ plan, points, upstream }) => {
  const before = made;
  const engine = new Engine(plan);
  const madeAtLoad = made - before;
  const runs = points.map((point) => {
    try {
      const output = engine.forward(Object.fromEntries(
        Object.entries(point).map(([name, value]) => [name, number(value)])));
      const grads = engine.backward(upstream ?? 1);
      return {
        output, grads,
        values: Array.from(engine.values), nodeGrads: Array.from(engine.grads),
        local: Array.from(engine.local), downstream: Array.from(engine.downstream),
        texts: { values: texts(engine.values), nodeGrads: texts(engine.grads),
                 local: texts(engine.local), downstream: texts(engine.downstream) },
        nonFinite: engine.nonFinite(),
        described: engine.nonFinite() >= 0 ? engine.describe(engine.nonFinite()) : null,
      };
    } catch (error) {
      return { error: String(error.message) };
    }
  });
  return { madeAtLoad, madeInRuns: made - before - madeAtLoad, edges: engine.edges, runs };
});
const formatted = (jobs.numbers ?? []).map(([x, decimals]) => formatNumber(number(x), decimals));

const finite = (key, value) => (typeof value === "number" && !Number.isFinite(value) ? String(value) : value);
process.stdout.write(JSON.stringify({ cases, formatted }, finite));
