// Inputs of the builder's config panel that filter as you type in the browser: a searchable
// combobox, a multi-select, and the reference picker that inserts {{Node.field}} at the caret.
import React, { useEffect, useRef, useState } from "react";
import { ChevronDown, Braces, X, Check } from "lucide-react";

// Inserts text at the caret of an input or textarea and lets React see the change.
export function insertAtCaret(id, text) {
  const el = document.getElementById(id);
  if (!el) return false;
  const start = el.selectionStart ?? el.value.length;
  const end = el.selectionEnd ?? start;
  const value = el.value.slice(0, start) + text + el.value.slice(end);
  const proto = el.tagName === "TEXTAREA" ? window.HTMLTextAreaElement.prototype : window.HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
  el.focus();
  el.setSelectionRange(start + text.length, start + text.length);
  return true;
}

function useOutside(open, setOpen) {
  const ref = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const close = (e) => { if (ref.current && !ref.current.contains(e.target)) setOpen(false); };
    const esc = (e) => { if (e.key === "Escape") setOpen(false); };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", esc);
    return () => { document.removeEventListener("mousedown", close); document.removeEventListener("keydown", esc); };
  }, [open, setOpen]);
  return ref;
}

function matches(option, query) {
  const q = query.trim().toLowerCase();
  return !q || `${option.label} ${option.value}`.toLowerCase().includes(q);
}

export function WayvoCombobox({ options, value, placeholder, searchPlaceholder, onChange, id, allowCustom }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const ref = useOutside(open, setOpen);
  const all = options || [];
  const current = all.find((o) => o.value === value);
  const shown = all.filter((o) => matches(o, query));
  const pick = (v) => { onChange?.(v); setOpen(false); setQuery(""); };
  const custom = allowCustom && query.trim() && !all.some((o) => o.value === query.trim());
  return (
    <div className="wv-combo" ref={ref} id={id}>
      <button type="button" className="wv-combo-trigger" aria-haspopup="listbox" aria-expanded={open}
        onClick={() => { setOpen(!open); setQuery(""); }}>
        <span className={current || value ? "wv-combo-value" : "wv-combo-ph"}>
          {current ? current.label : value || placeholder || "Select…"}
        </span>
        <ChevronDown size={14} />
      </button>
      {open ? (
        <div className="wv-combo-pop" role="listbox">
          <input autoFocus className="wv-combo-search" placeholder={searchPlaceholder || "Search…"} value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") { e.preventDefault(); if (shown[0]) pick(shown[0].value); else if (custom) pick(query.trim()); }
            }} />
          <div className="wv-combo-list">
            {value ? <div className="wv-combo-opt wv-combo-clear" onMouseDown={(e) => { e.preventDefault(); pick(""); }}>Clear</div> : null}
            {shown.map((o) => (
              <div key={o.value} role="option" aria-selected={o.value === value} data-value={o.value}
                className={"wv-combo-opt" + (o.value === value ? " is-selected" : "")}
                onMouseDown={(e) => { e.preventDefault(); pick(o.value); }}>
                <span>{o.label}</span>
                {o.label !== o.value ? <span className="wv-combo-sub">{o.value}</span> : null}
              </div>
            ))}
            {custom ? <div className="wv-combo-opt" onMouseDown={(e) => { e.preventDefault(); pick(query.trim()); }}>Use “{query.trim()}”</div> : null}
            {!shown.length && !custom ? <div className="wv-combo-empty">{all.length ? "No matches" : "No options yet"}</div> : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function WayvoMultiSelect({ options, value, placeholder, searchPlaceholder, onChange, id }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const ref = useOutside(open, setOpen);
  const all = options || [];
  const selected = value || [];
  const label = (v) => (all.find((o) => o.value === v) || { label: v }).label;
  const toggle = (v) => onChange?.(selected.includes(v) ? selected.filter((s) => s !== v) : [...selected, v]);
  return (
    <div className="wv-combo" ref={ref} id={id}>
      <div className="wv-combo-trigger wv-multi" onClick={() => setOpen(!open)} role="button" tabIndex={0}>
        {selected.length ? selected.map((v) => (
          <span key={v} className="wv-chip">{label(v)}
            <X size={11} onMouseDown={(e) => { e.stopPropagation(); e.preventDefault(); toggle(v); }} />
          </span>
        )) : <span className="wv-combo-ph">{placeholder || "Select…"}</span>}
        <ChevronDown size={14} style={{ marginLeft: "auto" }} />
      </div>
      {open ? (
        <div className="wv-combo-pop" role="listbox" aria-multiselectable="true">
          <input autoFocus className="wv-combo-search" placeholder={searchPlaceholder || "Search…"} value={query}
            onChange={(e) => setQuery(e.target.value)} />
          <div className="wv-combo-list">
            {all.filter((o) => matches(o, query)).map((o) => (
              <div key={o.value} role="option" aria-selected={selected.includes(o.value)} data-value={o.value}
                className={"wv-combo-opt" + (selected.includes(o.value) ? " is-selected" : "")}
                onMouseDown={(e) => { e.preventDefault(); toggle(o.value); }}>
                <span className="wv-check">{selected.includes(o.value) ? <Check size={12} /> : null}</span>
                <span>{o.label}</span>
              </div>
            ))}
            {!all.length ? <div className="wv-combo-empty">No options yet</div> : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function WayvoRefPicker({ groups, target, id }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const ref = useOutside(open, setOpen);
  const q = query.trim().toLowerCase();
  const insert = (text) => { insertAtCaret(target, text); setOpen(false); setQuery(""); };
  const shown = (groups || []).map((g) => ({
    ...g, items: (g.items || []).filter((i) => !q || `${g.label} ${i.path} ${i.description}`.toLowerCase().includes(q)),
  })).filter((g) => g.items.length || (!q || g.label.toLowerCase().includes(q)));
  return (
    <div className="wv-ref" ref={ref}>
      <button type="button" className="wv-ref-button" id={id} title="Insert a reference to an earlier step's data"
        onMouseDown={(e) => e.preventDefault()} onClick={() => setOpen(!open)}>
        <Braces size={13} />
      </button>
      {open ? (
        <div className="wv-ref-pop">
          <input autoFocus className="wv-combo-search" placeholder="Search fields of earlier steps…" value={query}
            onChange={(e) => setQuery(e.target.value)} />
          <div className="wv-combo-list">
            {shown.length ? shown.map((g) => (
              <div key={g.nodeId} className="wv-ref-group">
                <div className="wv-ref-head" onMouseDown={(e) => { e.preventDefault(); insert(g.whole); }}
                  title={`Insert ${g.whole}`}>{g.label}</div>
                {g.items.map((i) => (
                  <div key={i.path} className="wv-combo-opt wv-ref-item" data-insert={i.insert}
                    onMouseDown={(e) => { e.preventDefault(); insert(i.insert); }}>
                    <span className="wv-ref-path">{i.path}</span>
                    <span className="wv-combo-sub">{i.sample || i.description}</span>
                  </div>
                ))}
                {!g.items.length ? <div className="wv-combo-empty">No known fields: type a path after {g.whole}</div> : null}
              </div>
            )) : <div className="wv-combo-empty">No earlier steps: connect this node after another one</div>}
          </div>
        </div>
      ) : null}
    </div>
  );
}
