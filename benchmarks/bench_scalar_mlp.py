"""Scalar engine vs micrograd: forward + backward of micrograd's MLP(2, [16, 16, 1]).

Run by hand:  pip install micrograd && python benchmarks/bench_scalar_mlp.py

Both build the same network with the same weights; micrograd builds its graph on every
forward (that is how it works), bpwidgets builds once and re-runs it. The script checks
that both give the same output and gradients, then prints times (best of alternating
rounds; medians in brackets) and their ratio, measured in the same run.
Target: ``bp.Graph`` at least 4x faster than micrograd.

``bp.Graph`` is the graph the lessons draw and step through: this one (979 nodes) compiles
into a LevelPlan (all gates of one kind at one depth as one numpy call) and still leaves
every node's value and gradient on it. ``BatchedGraph`` runs the same plan and keeps its
numbers in arrays only. "node by node" is the same Graph with its plan switched off: the
loop that small graphs (the lessons' ones) run.
"""

import random

import bpwidgets as bp
from timing import interleaved

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
    graph = bp.Graph(output)
    assert graph.plan is not None, "the MLP graph should compile level by level"
    batched = bp.BatchedGraph(output)
    node_by_node = bp.Graph(output)
    node_by_node.plan = None

    def micrograd_step():
        model.zero_grad()
        out = model(point)
        out.backward()
        return out

    def step(g):
        return lambda: (g.forward(**inputs), g.backward())

    ref = micrograd_step()
    ref_grads = {f"w{k}_{j}_{i}": w.grad for k, layer in enumerate(model.layers)
                 for j, n in enumerate(layer.neurons) for i, w in enumerate(n.w)}
    for g in (graph, batched, node_by_node):
        out, grads = step(g)()
        assert abs(out - ref.data) < 1e-9, (out, ref.data)
        worst = max(abs(grads[name] - grad) for name, grad in ref_grads.items())
        assert worst < 1e-9, worst

    (t_micro, m_micro), (t_graph, m_graph), (t_batched, m_batched), (t_node, m_node) = \
        interleaved([micrograd_step, step(graph), step(batched), step(node_by_node)])
    print(f"MLP(2, [16, 16, 1]): {len(graph.nodes)} nodes, {len(model.parameters())} "
          "parameters; forward + backward, best of 15 alternating rounds (median)")
    for label, best, median in (("micrograd", t_micro, m_micro),
                                ("bp.Graph (compiled)", t_graph, m_graph),
                                ("bp.BatchedGraph (arrays only)", t_batched, m_batched),
                                ("bp.Graph node by node", t_node, m_node)):
        print(f"  {label:30} {best * 1e3:7.3f} ms ({median * 1e3:6.3f})   "
              f"{t_micro / best:5.1f}x micrograd")
    print(f"  target: bp.Graph at least 4x micrograd: "
          f"{'met' if t_micro / t_graph >= 4 else 'missed'} ({t_micro / t_graph:.1f}x)")
    return {"Graph vs micrograd (x faster)": t_micro / t_graph}


if __name__ == "__main__":
    main()
