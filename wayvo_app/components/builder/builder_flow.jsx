// The builder's canvas: React Flow 12 with a node type of our own (icon, label, config summary,
// labelled branch handles). Drags, selection and sizes stay in the browser; Python receives only
// what changes the document (moves on drag stop, connections, deletions, drops from the palette).
import React, { useCallback, useEffect, useRef, useState } from "react";
import {
  ReactFlow, ReactFlowProvider, Background, Controls, MiniMap, Handle, Position, applyNodeChanges, applyEdgeChanges,
  useReactFlow, useNodesInitialized,
} from "@xyflow/react";
import * as dagreModule from "@dagrejs/dagre";
import {
  Zap, Globe, GitBranch, Timer, UserCheck, RadioTower, Workflow, SquareFunction, Mail, Database,
  MessageSquare, Box, CircleAlert,
} from "lucide-react";
import { DynamicIcon } from "lucide-react/dynamic";

const dagre = dagreModule.default || dagreModule;
// The built-in nodes' icons are bundled (they draw at once); any other lucide name (a plugin's
// icon) loads by name through DynamicIcon, with the box until it arrives or when it is unknown.
const ICONS = {
  zap: Zap, globe: Globe, "git-branch": GitBranch, timer: Timer, "user-check": UserCheck,
  "radio-tower": RadioTower, workflow: Workflow, "square-function": SquareFunction, mail: Mail,
  database: Database, "message-square": MessageSquare, box: Box,
};
const BoxIcon = () => <Box size={14} />;

function NodeIcon({ name }) {
  const Icon = ICONS[name];
  if (Icon) return <Icon size={14} />;
  const kebab = String(name || "box").trim().replace(/_/g, "-").replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
  return <DynamicIcon name={kebab} size={14} fallback={BoxIcon} />;
}
const PALETTE_MIME = "application/wayvo-node";

// Palette items carry data-palette-type; one listener puts the type on the drag, another adds on Enter.
if (typeof document !== "undefined" && !window.__wayvoPaletteDrag) {
  window.__wayvoPaletteDrag = true;
  document.addEventListener("dragstart", (event) => {
    const item = event.target && event.target.closest ? event.target.closest("[data-palette-type]") : null;
    if (item) {
      event.dataTransfer.setData(PALETTE_MIME, item.getAttribute("data-palette-type"));
      event.dataTransfer.effectAllowed = "copy";
    }
  });
  // Keyboard users: Enter or Space on a focused palette item adds it, as a click does.
  document.addEventListener("keydown", (event) => {
    const item = event.target && event.target.closest ? event.target.closest("[data-palette-type]") : null;
    if (item && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      item.click();
    }
  });
}

function WayvoNode({ data }) {
  const all = data.handles || ["default"];
  const branches = all.filter((h) => h !== "error");
  const labelled = branches.length > 1 || branches[0] !== "default";
  return (
    <div className="wv-bn-body" title={data.description || undefined}>
      {data.kind !== "trigger" && <Handle type="target" position={Position.Top} className="wv-h-in" />}
      <div className="wv-bn-head">
        <span className="wv-bn-icon"><NodeIcon name={data.icon} /></span>
        <span className="wv-bn-label">{data.label}</span>
        {data.problems ? (
          <span className="wv-bn-bad" title={data.problems}><CircleAlert size={14} /></span>
        ) : null}
      </div>
      <div className="wv-bn-summary">{data.summary}</div>
      {data.status ? <div className={"wv-bn-status wv-st-" + data.status}>{data.status}</div> : null}
      {labelled ? <div className="wv-bn-branches">
        {branches.map((h) => <span key={h} className={"wv-bn-branch wv-hl-" + h}>{h}</span>)}
      </div> : null}
      {branches.map((h, i) => (
        <Handle key={h} type="source" position={Position.Bottom} id={h === "default" ? undefined : h}
          className={"wv-h-out wv-hl-" + h} style={{ left: `${((i + 1) * 100) / (branches.length + 1)}%` }}
          title={h === "default" ? "next step" : h} />
      ))}
      {all.includes("error") ? (
        <>
          <span className="wv-bn-error-label">error</span>
          <Handle type="source" position={Position.Right} id="error" className="wv-h-out wv-hl-error"
            title="error: the path taken when this step fails" />
        </>
      ) : null}
    </div>
  );
}

const NODE_TYPES = { wayvo: WayvoNode };

function carry(props, local) {
  // Python owns the document; the browser keeps sizes, selection and an ongoing drag.
  const old = new Map(local.map((n) => [n.id, n]));
  return (props || []).map((n) => {
    const o = old.get(n.id);
    if (!o) return n;
    const out = { ...n, measured: o.measured, selected: o.selected };
    if (o.dragging) { out.position = o.position; out.dragging = true; }
    return out;
  });
}

function carryEdges(props, local) {
  const selected = new Set(local.filter((e) => e.selected).map((e) => e.id));
  return (props || []).map((e) => (selected.has(e.id) ? { ...e, selected: true } : e));
}

function layout(nodes, edges) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 50, ranksep: 80 });
  g.setDefaultEdgeLabel(() => ({}));
  nodes.forEach((n) => g.setNode(n.id, { width: n.measured?.width || 230, height: n.measured?.height || 80 }));
  edges.forEach((e) => g.setEdge(e.source, e.target));
  dagre.layout(g);
  return nodes.map((n) => {
    const p = g.node(n.id);
    return { id: n.id, x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) };
  });
}

function Canvas(props) {
  const rf = useReactFlow();
  const handlers = useRef(props);
  handlers.current = props;
  const [nodes, setNodes] = useState(props.nodes || []);
  const [edges, setEdges] = useState(props.edges || []);
  const lastSelection = useRef("");
  const didFit = useRef(false);
  const wrapper = useRef(null);
  const initialized = useNodesInitialized();

  useEffect(() => { setNodes((local) => carry(props.nodes, local)); }, [props.nodes]);
  useEffect(() => { setEdges((local) => carryEdges(props.edges, local)); }, [props.edges]);
  useEffect(() => {
    if (initialized && !didFit.current) {
      didFit.current = true;
      rf.fitView({ padding: 0.15, maxZoom: 1.1 });
      setTimeout(() => rf.fitView({ padding: 0.15, maxZoom: 1.1 }), 120);
    }
  }, [initialized, rf]);

  const focus = props.focus || {};
  useEffect(() => {
    if (!focus.id) return;
    setNodes((ns) => ns.map((n) => ({ ...n, selected: n.id === focus.id })));
    const timer = setTimeout(() => {
      const n = rf.getNode(focus.id);
      const box = wrapper.current;
      if (!n || !box) return;
      const w = n.measured?.width || 230, h = n.measured?.height || 70;
      const { x, y, zoom } = rf.getViewport();
      const left = n.position.x * zoom + x, top = n.position.y * zoom + y;
      const visible = left >= 0 && top >= 0 && left + w * zoom <= box.clientWidth && top + h * zoom <= box.clientHeight;
      if (!visible || focus.center) {
        rf.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: Math.max(zoom, 0.8), duration: 300 });
      }
    }, 80);
    return () => clearTimeout(timer);
  }, [focus.id, focus.nonce, rf]);

  useEffect(() => {
    if (!props.layoutRequest) return;
    const positions = layout(rf.getNodes(), rf.getEdges());
    const byId = new Map(positions.map((p) => [p.id, p]));
    setNodes((ns) => ns.map((n) => (byId.has(n.id) ? { ...n, position: { x: byId.get(n.id).x, y: byId.get(n.id).y } } : n)));
    handlers.current.onLayout?.(positions);
    setTimeout(() => rf.fitView({ padding: 0.2, maxZoom: 1.1, duration: 300 }), 60);
  }, [props.layoutRequest, rf]);

  useEffect(() => {
    const onKey = (e) => {
      const t = e.target;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = (e.key || "").toLowerCase();
      if (mod && key === "z") { e.preventDefault(); (e.shiftKey ? handlers.current.onRedo : handlers.current.onUndo)?.(); }
      else if (mod && key === "y") { e.preventDefault(); handlers.current.onRedo?.(); }
      else if (mod && key === "d") { e.preventDefault(); handlers.current.onDuplicate?.(); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const onNodesChange = useCallback((changes) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange = useCallback((changes) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onSelectionChange = useCallback(({ nodes: selected }) => {
    const ids = selected.map((n) => n.id);
    const key = ids.join(",");
    if (key !== lastSelection.current) { lastSelection.current = key; handlers.current.onSelect?.(ids); }
  }, []);
  // A click on a step shows its panel even when it was selected already (another side tab was open).
  const onNodeClick = useCallback((_e, node) => { handlers.current.onNodeClick?.(node.id); }, []);
  const onNodeDragStop = useCallback((_e, _node, dragged) => {
    handlers.current.onNodesMoved?.(dragged.map((n) => ({ id: n.id, x: n.position.x, y: n.position.y })));
  }, []);
  const onConnect = useCallback((c) => {
    handlers.current.onConnectNodes?.({ source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? null });
  }, []);
  const onBeforeDelete = useCallback(async ({ nodes: ns, edges: es }) => {
    const kept = ns.filter((n) => n.data?.kind !== "trigger");
    const gone = new Set(kept.map((n) => n.id));
    return { nodes: kept, edges: es.filter((e) => e.selected || gone.has(e.source) || gone.has(e.target)) };
  }, []);
  const onDelete = useCallback(({ nodes: ns, edges: es }) => {
    handlers.current.onDeleteItems?.({ nodes: ns.map((n) => n.id), edges: es.map((e) => e.id) });
  }, []);
  const onDragOver = useCallback((e) => {
    if (Array.from(e.dataTransfer.types || []).includes(PALETTE_MIME)) { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; }
  }, []);
  const onDrop = useCallback((e) => {
    const type = e.dataTransfer.getData(PALETTE_MIME);
    if (!type) return;
    e.preventDefault();
    const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    handlers.current.onDropNode?.({ actionType: type, x: Math.round(p.x - 110), y: Math.round(p.y - 30) });
  }, [rf]);
  const isValidConnection = useCallback((c) => c.source !== c.target, []);

  return (
    <div ref={wrapper} style={{ width: "100%", height: "100%" }}>
    <ReactFlow
      nodes={nodes} edges={edges} nodeTypes={NODE_TYPES} onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange} onSelectionChange={onSelectionChange} onNodeClick={onNodeClick}
      onNodeDragStop={onNodeDragStop}
      onConnect={onConnect} onBeforeDelete={onBeforeDelete} onDelete={onDelete} onDragOver={onDragOver}
      onDrop={onDrop} isValidConnection={isValidConnection} fitView fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
      minZoom={0.1} maxZoom={2} deleteKeyCode={["Backspace", "Delete"]} multiSelectionKeyCode={["Shift", "Meta", "Control"]}
      selectionOnDrag={false} panOnDrag proOptions={{ hideAttribution: true }} onlyRenderVisibleElements={false}
    >
      <Background variant="dots" gap={18} size={1} />
      <Controls showInteractive={false} fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }} />
      <MiniMap pannable zoomable nodeStrokeWidth={3} nodeClassName={(n) => n.className ?? ""} />
    </ReactFlow>
    </div>
  );
}

export function WayvoBuilderFlow(props) {
  return <ReactFlowProvider><Canvas {...props} /></ReactFlowProvider>;
}
