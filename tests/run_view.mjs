// Runs the explorer view's pure functions (bpwidgets/static/explorer.js, after engine.js)
// for tests/test_view_js.py:
//     node run_view.mjs VIEW.mjs JOBS.json   ->  results as JSON on stdout
// JOBS: {fills: [{plan, slots, values, view, decimals, palette}],
//        sliders: [{spec, positions: [k], numbers: [x]}]}.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [viewPath, jobsPath] = process.argv.slice(2);
const { Engine, fillSlots, sliderNumber, sliderPosition } =
  await import(pathToFileURL(viewPath).href);
const jobs = JSON.parse(readFileSync(jobsPath, "utf8"));

const fills = jobs.fills.map(({ plan, slots, values, view, decimals, palette }) => {
  const engine = new Engine(plan);
  engine.forward(values);
  engine.backward();
  return fillSlots(engine, slots, view, decimals, palette);
});
const sliders = jobs.sliders.map(({ spec, positions, numbers }) => ({
  numbers: positions.map((k) => sliderNumber(spec, k)),
  positions: numbers.map((x) => sliderPosition(spec, x)),
}));
process.stdout.write(JSON.stringify({ fills, sliders }));
