"""Scalar engine vs micrograd: forward + backward of micrograd's MLP(2, [16, 16, 1]).

Run by hand:  pip install micrograd && python benchmarks/bench_scalar_mlp.py

Both build the same network with the same weights; micrograd builds its graph on every
forward (that is how it works), bpwidgets builds once and re-runs it. The script checks
that both give the same output and gradients, then prints times (medians) and their
ratio, measured in the same run. Target: bpwidgets at least 4x faster.

Two bpwidgets engines run the same static graph: ``BatchedGraph`` runs all gates of one
kind at one depth as one numpy call (the fast one, which the target is about), and the
per-node ``Graph`` (the readable reference the lessons draw and step through, which keeps
every edge's numbers and is slower than micrograd here).
"""

import random

import bpwidgets as bp
from timing import median_time

SIZES = [2, 16, 16, 1]


def micrograd_mlp(seed):
    from micrograd.nn import MLP
    random.seed(seed)
    return MLP(SIZES[0], SIZES[1:])


def bpwidgets_graph(model):
    """The same network as a bpwidgets scalar graph, one input node per weight."""
    x = bp.inputs([f"x{i}" for i in range(SIZES[0])])
    values = {}
    activations = list(x)
    for k, layer in enumerate(model.layers):
        outs = []
        for j, neuron in enumerate(layer.neurons):
            ws = bp.inputs([f"w{k}_{j}_{i}" for i in range(len(neuron.w))])
            b = bp.inputs(f"b{k}_{j}")
            for w_node, w in zip(ws, neuron.w):
                values[w_node.name] = w.data
            values[b.name] = neuron.b.data
            act = b
            for w_node, a in zip(ws, activations):
                act = act + w_node * a
            outs.append(bp.relu(act) if neuron.nonlin else act)
        activations = outs
    return activations[0], values


def main():
    model = micrograd_mlp(seed=0)
    output, params = bpwidgets_graph(model)
    point = [0.5, -1.5]
    inputs = dict(params, x0=point[0], x1=point[1])
    batched = bp.BatchedGraph(output)
    per_node = bp.Graph(output)

    def micrograd_step():
        model.zero_grad()
        out = model(point)
        out.backward()
        return out

    def step(graph):
        return lambda _: (graph.forward(**inputs), graph.backward())

    ref = micrograd_step()
    ref_grads = {f"w{k}_{j}_{i}": w.grad for k, layer in enumerate(model.layers)
                 for j, n in enumerate(layer.neurons) for i, w in enumerate(n.w)}
    for graph in (batched, per_node):
        out, grads = step(graph)(0)
        assert abs(out - ref.data) < 1e-9, (out, ref.data)
        worst = max(abs(grads[name] - g) for name, g in ref_grads.items())
        assert worst < 1e-9, worst

    t_micro = median_time(lambda _: micrograd_step())
    t_batched = median_time(step(batched))
    t_node = median_time(step(per_node))
    print(f"MLP(2, [16, 16, 1]): {len(batched.nodes)} nodes, {len(model.parameters())} parameters")
    print(f"micrograd                   forward+backward: {t_micro * 1e3:7.3f} ms")
    print(f"bpwidgets BatchedGraph      forward+backward: {t_batched * 1e3:7.3f} ms"
          f"   {t_micro / t_batched:5.1f}x micrograd (target: at least 4x)")
    print(f"bpwidgets Graph (per node)  forward+backward: {t_node * 1e3:7.3f} ms"
          f"   {t_micro / t_node:5.1f}x micrograd (the readable reference engine)")


if __name__ == "__main__":
    main()
