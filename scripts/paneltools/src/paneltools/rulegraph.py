"""Draw `snakemake --rulegraph` (DOT on stdin) as a layered diagram with matplotlib.

Graphviz is not pip-installable, so the README's picture is drawn here instead.
Usage: snakemake --rulegraph | python -m paneltools.rulegraph out.svg out.png
"""

import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NODE = re.compile(r'^\s*(\d+)\s*\[.*?label\s*=\s*"([^"]+)"')
EDGE = re.compile(r"^\s*(\d+)\s*->\s*(\d+)")


def parse_dot(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    nodes, edges = {}, []
    for line in text.splitlines():
        if match := NODE.match(line):
            nodes[match[1]] = match[2]
        elif match := EDGE.match(line):
            edges.append((match[1], match[2]))
    if not nodes:
        raise ValueError("no rules found in the DOT input; pipe `snakemake --rulegraph` into this script")
    return nodes, edges


def layers(nodes: dict, edges: list) -> dict[str, int]:
    """Longest-path depth from the sources, so every edge points downwards."""
    depth = {n: 0 for n in nodes}
    for _ in nodes:
        for src, dst in edges:
            depth[dst] = max(depth[dst], depth[src] + 1)
    return depth


def draw(nodes: dict, edges: list, paths: list[str]) -> None:
    depth = layers(nodes, edges)
    rows: dict[int, list[str]] = {}
    for node in sorted(nodes, key=lambda n: nodes[n]):
        rows.setdefault(depth[node], []).append(node)
    width = max(len(r) for r in rows.values())
    pos = {}
    for level, members in rows.items():
        for i, node in enumerate(members):
            pos[node] = ((i - (len(members) - 1) / 2) * 2.2, -level * 1.0)
    fig, ax = plt.subplots(figsize=(max(6, 2.3 * width), 0.9 * (len(rows) + 1)))
    for src, dst in edges:
        ax.annotate("", xy=pos[dst], xytext=pos[src],
                    arrowprops=dict(arrowstyle="-|>", color="0.45", shrinkA=11, shrinkB=11, lw=1))
    for node, (x, y) in pos.items():
        ax.text(x, y, nodes[node], ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.35", fc="#e8f0fa", ec="#3b6ea5"))
    ax.set_xlim(-1.2 * width - 0.5, 1.2 * width + 0.5)
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.axis("off")
    plt.rcParams["svg.hashsalt"] = "rulegraph"
    for path in paths:
        fig.savefig(path, bbox_inches="tight", metadata={"Date": None} if path.endswith(".svg") else None)
    plt.close(fig)


if __name__ == "__main__":
    draw(*parse_dot(sys.stdin.read()), sys.argv[1:])
