import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode, ElkPoint } from 'elkjs/lib/elk-api';
import type { GraphState, GraphTransition, MachineGraph } from '../protocol.js';
import { s } from './dom.js';

const HEADER = 28;
const ROW = 17;
const PAD = 10;
/** Events a state handles without leaving it flow in lines of at most this width. */
const FLOW_WIDTH = 250;
const CHIP_GAP = 12;
const LABEL_FONT = '600 14px system-ui, sans-serif';
const ROW_FONT = '12px ui-monospace, SFMono-Regular, Menlo, monospace';
const EDGE_FONT = '12px ui-monospace, SFMono-Regular, Menlo, monospace';

/** Where each event of a state's list goes when the list flows in lines. */
interface Flow {
  chips: Array<{ t: GraphTransition; x: number; line: number }>;
  lines: number;
  width: number;
}

function flow(rows: GraphTransition[], measure: (text: string, font: string) => number): Flow {
  const chips: Flow['chips'] = [];
  let x = 0;
  let line = 0;
  let width = 0;
  for (const t of rows) {
    const w = measure(transitionLabel(t), ROW_FONT);
    if (x > 0 && x + w > FLOW_WIDTH) {
      line++;
      x = 0;
    }
    chips.push({ t, x, line });
    width = Math.max(width, x + w);
    x += w + CHIP_GAP;
  }
  return { chips, lines: rows.length ? line + 1 : 0, width };
}

/** A drawn statechart: the SVG and a way to light the state and transitions of a step. */
export interface Chart {
  svg: SVGSVGElement;
  show(state: string, taken: readonly string[]): void;
}

/** Label of a transition: its event, and its guard when that says more than "legal". */
export function transitionLabel(t: GraphTransition): string {
  const guard = t.guard && t.guard !== 'legal' ? ` [${t.guard}]` : '';
  return `${t.event}${guard}`;
}

/**
 * Lays the statechart out with elkjs (layered, left to right, nested states inside their
 * parents) and draws it as SVG. Transitions that stay in their state are listed inside it.
 */
export async function drawChart(graph: MachineGraph): Promise<Chart> {
  const measure = measurer();
  const internal = new Map<string, GraphTransition[]>();
  for (const t of graph.transitions) {
    if (t.targets.length > 0) continue;
    const list = internal.get(t.source) ?? [];
    list.push(t);
    internal.set(t.source, list);
  }

  const flows = new Map<string, Flow>();
  const nodes = new Map<string, ElkNode>();
  const root: ElkNode = {
    id: '#root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '44',
      'elk.layered.spacing.edgeNodeBetweenLayers': '18',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeEdge': '12',
      'elk.spacing.edgeLabel': '3',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
    },
    children: [],
    edges: [],
  };
  for (const state of graph.states) {
    const rows = flow(internal.get(state.path) ?? [], measure);
    flows.set(state.path, rows);
    const width = Math.max(measure(state.key, LABEL_FONT) + 24, rows.width) + 2 * PAD;
    const top = HEADER + rows.lines * ROW + (rows.lines ? 6 : 0);
    const node: ElkNode = { id: state.path, children: [] };
    if (state.kind === 'compound') {
      node.layoutOptions = {
        'elk.padding': `[top=${top + 10},left=${PAD},bottom=${PAD},right=${PAD}]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${width},${top + 40})`,
      };
    } else {
      node.width = width;
      node.height = top + 6;
    }
    nodes.set(state.path, node);
    const parent = state.parent === null ? root : nodes.get(state.parent);
    parent?.children?.push(node);
  }
  for (const t of graph.transitions) {
    t.targets.forEach((target, i) => {
      const label = transitionLabel(t);
      const edge: ElkExtendedEdge = {
        id: i === 0 ? t.id : `${t.id}:${i}`,
        sources: [t.source],
        targets: [target],
        labels: [{ text: label, width: measure(label, EDGE_FONT) + 8, height: 16 }],
      };
      root.edges?.push(edge);
    });
  }

  const laid = await new ELK().layout(root);
  return render(graph, laid, flows);
}

function render(graph: MachineGraph, laid: ElkNode, flows: Map<string, Flow>): Chart {
  const width = Math.ceil((laid.width ?? 600) + 8);
  const height = Math.ceil((laid.height ?? 400) + 8);
  const svg = s('svg', {
    viewBox: `-4 -4 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `Statechart of the ${graph.id} machine`,
    class: 'chart',
  });
  const defs = s('defs');
  for (const id of ['arrow', 'arrow-taken']) {
    defs.append(
      s(
        'marker',
        {
          id,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: id }),
      ),
    );
  }
  svg.append(defs);

  const shapes = new Map<string, ElkNode>();
  const collect = (node: ElkNode) => {
    for (const child of node.children ?? []) {
      shapes.set(child.id, child);
      collect(child);
    }
  };
  collect(laid);

  const stateGroups = new Map<string, SVGGElement>();
  const layer = s('g', { class: 'states' });
  for (const state of graph.states) {
    const box = shapes.get(state.path);
    if (!box) continue;
    const group = drawState(state, box, flows.get(state.path) ?? { chips: [], lines: 0, width: 0 });
    stateGroups.set(state.path, group);
    layer.append(group);
  }
  svg.append(layer);

  const edgeGroups = new Map<string, SVGGElement[]>();
  const edges = s('g', { class: 'transitions' });
  for (const edge of laid.edges ?? []) {
    const id = edge.id.split(':')[0] ?? edge.id;
    const t = graph.transitions.find((x) => x.id === id);
    if (!t) continue;
    const group = drawEdge(t, edge);
    edges.append(group);
    edgeGroups.set(id, [...(edgeGroups.get(id) ?? []), group]);
  }
  svg.append(edges);

  return {
    svg,
    show(state, taken) {
      const active = new Set<string>();
      const parts = state.split('.');
      for (let i = 1; i <= parts.length; i++) active.add(parts.slice(0, i).join('.'));
      for (const [path, group] of stateGroups) {
        if (active.has(path)) group.setAttribute('aria-current', 'true');
        else group.removeAttribute('aria-current');
      }
      for (const el of svg.querySelectorAll('.taken')) el.classList.remove('taken');
      for (const id of taken) {
        for (const g of edgeGroups.get(id) ?? []) {
          g.classList.add('taken');
          g.querySelector('path')?.setAttribute('marker-end', 'url(#arrow-taken)');
        }
        svg.querySelector(`[data-transition="${CSS.escape(id)}"]`)?.classList.add('taken');
      }
      for (const g of svg.querySelectorAll('g.edge:not(.taken) path')) {
        g.setAttribute('marker-end', 'url(#arrow)');
      }
    },
  };
}

function drawState(state: GraphState, box: ElkNode, rows: Flow): SVGGElement {
  const x = box.x ?? 0;
  const y = box.y ?? 0;
  const w = box.width ?? 0;
  const hgt = box.height ?? 0;
  const group = s('g', {
    class: `state ${state.kind}`,
    'data-state': state.path,
    'aria-label': `state ${state.path}`,
  });
  group.append(s('rect', { x, y, width: w, height: hgt, rx: 10, ry: 10, class: 'box' }));
  if (state.kind === 'final') {
    group.append(
      s('rect', {
        x: x + 3,
        y: y + 3,
        width: w - 6,
        height: hgt - 6,
        rx: 8,
        ry: 8,
        class: 'inner',
      }),
    );
  }
  if (state.initial) {
    group.append(s('circle', { cx: x + PAD + 4, cy: y + 15, r: 4, class: 'initial' }));
  }
  group.append(
    s('text', { x: x + PAD + (state.initial ? 14 : 0), y: y + 19, class: 'name' }, state.key),
  );
  if (rows.lines) {
    group.append(s('line', { x1: x, x2: x + w, y1: y + HEADER, y2: y + HEADER, class: 'divider' }));
  }
  for (const chip of rows.chips) {
    group.append(
      s(
        'text',
        {
          x: x + PAD + chip.x,
          y: y + HEADER + 15 + chip.line * ROW,
          class: 'event',
          'data-transition': chip.t.id,
          'data-event': chip.t.event,
        },
        transitionLabel(chip.t),
      ),
    );
  }
  return group;
}

function drawEdge(t: GraphTransition, edge: ElkExtendedEdge): SVGGElement {
  const group = s('g', {
    class: `edge${t.event === 'always' ? ' always' : ''}`,
    'data-transition': t.id,
    'data-event': t.event,
  });
  for (const section of edge.sections ?? []) {
    const points: ElkPoint[] = [
      section.startPoint,
      ...(section.bendPoints ?? []),
      section.endPoint,
    ];
    group.append(
      s('path', {
        d: roundedPath(points),
        class: 'line',
        'marker-end': 'url(#arrow)',
      }),
    );
  }
  for (const label of edge.labels ?? []) {
    const lx = label.x ?? 0;
    const ly = label.y ?? 0;
    group.append(
      s('rect', {
        x: lx,
        y: ly,
        width: label.width ?? 0,
        height: label.height ?? 0,
        rx: 4,
        class: 'label-bg',
      }),
      s('text', { x: lx + 4, y: ly + 12, class: 'label' }, label.text ?? ''),
    );
  }
  return group;
}

/** An orthogonal polyline with its corners rounded. */
function roundedPath(points: ElkPoint[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length; i++) {
    const p = rest[i] as ElkPoint;
    const prev = (i === 0 ? first : rest[i - 1]) as ElkPoint;
    const next = rest[i + 1];
    if (!next) {
      d += ` L${p.x},${p.y}`;
      continue;
    }
    const r = Math.min(6, dist(prev, p) / 2, dist(p, next) / 2);
    const a = toward(p, prev, r);
    const b = toward(p, next, r);
    d += ` L${a.x},${a.y} Q${p.x},${p.y} ${b.x},${b.y}`;
  }
  return d;
}

function dist(a: ElkPoint, b: ElkPoint): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function toward(from: ElkPoint, to: ElkPoint, r: number): ElkPoint {
  const d = dist(from, to) || 1;
  return { x: from.x + ((to.x - from.x) * r) / d, y: from.y + ((to.y - from.y) * r) / d };
}

function measurer(): (text: string, font: string) => number {
  const ctx = document.createElement('canvas').getContext('2d');
  return (text, font) => {
    if (!ctx) return text.length * 7.5;
    ctx.font = font;
    return Math.ceil(ctx.measureText(text).width);
  };
}
