import type { GraphDef, NodeDef, NodeType } from "@runnable-ts/sdk";
import { subgraphsOf, withTerminals } from "./graph-check";

/** Output formats of {@link renderGraph}. */
export type GraphFormat = "text" | "mermaid" | "dot";

/** The graph formats `runnable graph --format` accepts. */
export const GRAPH_FORMATS: readonly GraphFormat[] = ["text", "mermaid", "dot"];

interface Walked {
  node: NodeDef;
  path: string;
  id: string;
  branches: { key: string; path: string; id: string; graph: GraphDef; children: Walked[] }[];
}

/** Every step of a graph with its internal name and a diagram-safe id, composites nested. */
function walk(graph: GraphDef, prefix: string, ids: { n: number }, nodeTypes: ReadonlyMap<string, NodeType>): Walked[] {
  return Object.values(withTerminals(graph).steps).map((node) => {
    const path = prefix ? `${prefix}.${node.name}` : node.name;
    return {
      node,
      path,
      id: `s${ids.n++}`,
      branches: Object.entries(subgraphsOf(node, nodeTypes)).map(([key, sub]) => {
        const branchPath = `${path}.${key}`;
        return { key, path: branchPath, id: `b${ids.n++}`, graph: sub, children: walk(sub, branchPath, ids, nodeTypes) };
      }),
    };
  });
}

const edgesOf = (node: NodeDef): { to: string; label: string }[] => [
  ...(node.next ? [{ to: node.next, label: "" }] : []),
  ...(node.on_failure ? [{ to: node.on_failure, label: "on failure" }] : []),
];

function text(steps: Walked[], graph: GraphDef, indent: string, lines: string[]): void {
  lines.push(`${indent}start at ${graph.start_at}`);
  for (const s of steps) {
    const edges = edgesOf(s.node).map((e) => (e.label ? `  (${e.label} → ${e.to})` : `  → ${e.to}`));
    lines.push(`${indent}${s.node.name}  [${s.node.type}]${edges.join("")}`);
    for (const b of s.branches) {
      lines.push(`${indent}  branch ${b.key}`);
      text(b.children, b.graph, `${indent}    `, lines);
    }
  }
}

const quote = (value: string): string => value.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));

function mermaid(steps: Walked[], indent: string, lines: string[]): void {
  const byName = new Map(steps.map((s) => [s.node.name, s]));
  for (const s of steps) {
    if (s.branches.length === 0) {
      const shape = s.node.type === "success" || s.node.type === "fail" ? [`(["`, `"])`] : [`["`, `"]`];
      lines.push(`${indent}${s.id}${shape[0]}${quote(s.node.name)}<br/><small>${quote(s.node.type)}</small>${shape[1]}`);
      continue;
    }
    lines.push(`${indent}subgraph ${s.id}["${quote(s.node.name)} (${quote(s.node.type)})"]`);
    for (const b of s.branches) {
      lines.push(`${indent}  subgraph ${b.id}["${quote(b.key)}"]`);
      mermaid(b.children, `${indent}    `, lines);
      lines.push(`${indent}  end`);
    }
    lines.push(`${indent}end`);
  }
  for (const s of steps)
    for (const e of edgesOf(s.node)) {
      const to = byName.get(e.to);
      if (to) lines.push(`${indent}${s.id} ${e.label ? `-. "${e.label}" .->` : "-->"} ${to.id}`);
    }
}

const dotQuote = (value: string): string => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

function dot(steps: Walked[], indent: string, lines: string[]): void {
  const byName = new Map(steps.map((s) => [s.node.name, s]));
  // Edges to a composite point at an invisible anchor inside its cluster.
  for (const s of steps) {
    if (s.branches.length === 0) {
      lines.push(`${indent}${s.id} [label=${dotQuote(`${s.node.name}\n${s.node.type}`)}${s.node.type === "success" || s.node.type === "fail" ? ", shape=oval" : ""}];`);
      continue;
    }
    lines.push(`${indent}subgraph cluster_${s.id} {`, `${indent}  label=${dotQuote(`${s.node.name} (${s.node.type})`)};`, `${indent}  ${s.id} [label=${dotQuote(s.node.name)}, shape=point];`);
    for (const b of s.branches) {
      lines.push(`${indent}  subgraph cluster_${b.id} {`, `${indent}    label=${dotQuote(b.key)};`);
      dot(b.children, `${indent}    `, lines);
      lines.push(`${indent}  }`);
    }
    lines.push(`${indent}}`);
  }
  for (const s of steps)
    for (const e of edgesOf(s.node)) {
      const to = byName.get(e.to);
      if (to) lines.push(`${indent}${s.id} -> ${to.id}${e.label ? ` [style=dashed, label=${dotQuote(e.label)}]` : ""};`);
    }
}

/**
 * Renders a pipeline's graph (composites nested, every step named) as indented text, a Mermaid
 * flowchart or a Graphviz digraph. Pure: nothing runs.
 */
export function renderGraph(graph: GraphDef, format: GraphFormat, nodeTypes: ReadonlyMap<string, NodeType>): string {
  const steps = walk(graph, "", { n: 0 }, nodeTypes);
  const lines: string[] = [];
  if (format === "text") text(steps, graph, "", lines);
  else if (format === "mermaid") {
    lines.push("flowchart TD");
    mermaid(steps, "  ", lines);
  } else {
    lines.push("digraph pipeline {", "  compound=true;", "  node [shape=box, fontname=Helvetica];");
    dot(steps, "  ", lines);
    lines.push("}");
  }
  return lines.join("\n");
}
