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

// Arrow keys move an active option, Enter picks it, Escape closes: the lists work without a mouse.
function useActive(count) {
  const [active, setActive] = useState(0);
  useEffect(() => { if (active >= count) setActive(Math.max(0, count - 1)); }, [count, active]);
  const onKey = (e, pick, close) => {
    if (e.key === "ArrowDown") { e.preventDefault(); setActive((a) => (count ? (a + 1) % count : 0)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); setActive((a) => (count ? (a - 1 + count) % count : 0)); }
    else if (e.key === "Enter") { e.preventDefault(); pick(active); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
  };
  return [active, setActive, onKey];
}

function scrollActive(listRef, active) {
  const el = listRef.current?.querySelector(`[data-index="${active}"]`);
  if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
}

export function WayvoCombobox({ options, value, placeholder, searchPlaceholder, onChange, id, allowCustom, labelledBy }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const ref = useOutside(open, setOpen);
  const listRef = useRef(null);
  const all = options || [];
  const current = all.find((o) => o.value === value);
  const shown = all.filter((o) => matches(o, query));
  const custom = allowCustom && query.trim() && !all.some((o) => o.value === query.trim());
  const choices = [...shown.map((o) => o.value), ...(custom ? [query.trim()] : [])];
  const [active, setActive, onKey] = useActive(choices.length);
  useEffect(() => scrollActive(listRef, active), [active]);
  const pick = (v) => { onChange?.(v); setOpen(false); setQuery(""); };
  const listId = `${id || "combo"}-list`;
  return (
    <div className="wv-combo" ref={ref} id={id}>
      <button type="button" className="wv-combo-trigger" aria-haspopup="listbox" aria-expanded={open}
        aria-labelledby={labelledBy ? `${labelledBy} ${id}-value` : undefined}
        onClick={() => { setOpen(!open); setQuery(""); setActive(0); }}>
        <span id={`${id}-value`} className={current || value ? "wv-combo-value" : "wv-combo-ph"}>
          {current ? current.label : value || placeholder || "Select…"}
        </span>
        <ChevronDown size={14} aria-hidden="true" />
      </button>
      {open ? (
        <div className="wv-combo-pop">
          <input autoFocus className="wv-combo-search" placeholder={searchPlaceholder || "Search…"} value={query}
            aria-label={searchPlaceholder || "Search"} role="combobox" aria-expanded="true" aria-controls={listId}
            aria-activedescendant={choices.length ? `${listId}-${active}` : undefined}
            onChange={(e) => { setQuery(e.target.value); setActive(0); }}
            onKeyDown={(e) => onKey(e, (i) => { if (choices[i] !== undefined) pick(choices[i]); }, () => setOpen(false))} />
          <div className="wv-combo-list" role="listbox" id={listId} ref={listRef}>
            {value ? <div className="wv-combo-opt wv-combo-clear" onMouseDown={(e) => { e.preventDefault(); pick(""); }}>Clear</div> : null}
            {shown.map((o, i) => (
              <div key={o.value} role="option" aria-selected={i === active} data-value={o.value} data-index={i}
                id={`${listId}-${i}`}
                className={"wv-combo-opt" + (o.value === value ? " is-selected" : "") + (i === active ? " is-active" : "")}
                onMouseEnter={() => setActive(i)}
                onMouseDown={(e) => { e.preventDefault(); pick(o.value); }}>
                <span>{o.label}</span>
                {o.label !== o.value ? <span className="wv-combo-sub">{o.value}</span> : null}
              </div>
            ))}
            {custom ? <div role="option" aria-selected={active === shown.length} id={`${listId}-${shown.length}`}
              data-index={shown.length} className={"wv-combo-opt" + (active === shown.length ? " is-active" : "")}
              onMouseDown={(e) => { e.preventDefault(); pick(query.trim()); }}>Use “{query.trim()}”</div> : null}
            {!shown.length && !custom ? <div className="wv-combo-empty">{all.length ? "No matches" : "No options yet"}</div> : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function WayvoMultiSelect({ options, value, placeholder, searchPlaceholder, onChange, id, labelledBy }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const ref = useOutside(open, setOpen);
  const listRef = useRef(null);
  const all = options || [];
  const selected = value || [];
  const shown = all.filter((o) => matches(o, query));
  const [active, setActive, onKey] = useActive(shown.length);
  useEffect(() => scrollActive(listRef, active), [active]);
  const label = (v) => (all.find((o) => o.value === v) || { label: v }).label;
  const toggle = (v) => onChange?.(selected.includes(v) ? selected.filter((s) => s !== v) : [...selected, v]);
  const listId = `${id || "multi"}-list`;
  return (
    <div className="wv-combo" ref={ref} id={id}>
      <div className="wv-combo-trigger wv-multi" onClick={() => setOpen(!open)} role="button" tabIndex={0}
        aria-haspopup="listbox" aria-expanded={open} aria-labelledby={labelledBy || undefined}
        onKeyDown={(e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); setOpen(!open); } }}>
        {selected.length ? selected.map((v) => (
          <span key={v} className="wv-chip">{label(v)}
            <X size={11} aria-hidden="true" onMouseDown={(e) => { e.stopPropagation(); e.preventDefault(); toggle(v); }} />
          </span>
        )) : <span className="wv-combo-ph">{placeholder || "Select…"}</span>}
        <ChevronDown size={14} style={{ marginLeft: "auto" }} aria-hidden="true" />
      </div>
      {open ? (
        <div className="wv-combo-pop">
          <input autoFocus className="wv-combo-search" placeholder={searchPlaceholder || "Search…"} value={query}
            aria-label={searchPlaceholder || "Search"} role="combobox" aria-expanded="true" aria-controls={listId}
            aria-activedescendant={shown.length ? `${listId}-${active}` : undefined}
            onChange={(e) => { setQuery(e.target.value); setActive(0); }}
            onKeyDown={(e) => onKey(e, (i) => { if (shown[i]) toggle(shown[i].value); }, () => setOpen(false))} />
          <div className="wv-combo-list" role="listbox" aria-multiselectable="true" id={listId} ref={listRef}>
            {shown.map((o, i) => (
              <div key={o.value} role="option" aria-selected={selected.includes(o.value)} data-value={o.value}
                id={`${listId}-${i}`} data-index={i}
                className={"wv-combo-opt" + (selected.includes(o.value) ? " is-selected" : "") + (i === active ? " is-active" : "")}
                onMouseEnter={() => setActive(i)}
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

export function WayvoRefPicker({ groups, target, id, fieldLabel }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const ref = useOutside(open, setOpen);
  const listRef = useRef(null);
  const buttonRef = useRef(null);
  const q = query.trim().toLowerCase();
  const shown = (groups || []).map((g) => ({
    ...g, items: (g.items || []).filter((i) => !q || `${g.label} ${i.path} ${i.description}`.toLowerCase().includes(q)),
  })).filter((g) => g.items.length || (!q || g.label.toLowerCase().includes(q)));
  // One flat list for the keyboard: each group's whole output, then its fields.
  const flat = [];
  shown.forEach((g) => { flat.push(g.whole); g.items.forEach((i) => flat.push(i.insert)); });
  const [active, setActive, onKey] = useActive(flat.length);
  useEffect(() => scrollActive(listRef, active), [active]);
  const insert = (text) => { insertAtCaret(target, text); setOpen(false); setQuery(""); };
  const close = () => { setOpen(false); buttonRef.current?.focus(); };
  const listId = `${id || "ref"}-list`;
  let index = -1;
  const name = fieldLabel ? `Insert a reference into ${fieldLabel}` : "Insert a reference to an earlier step's data";
  return (
    <div className="wv-ref" ref={ref}>
      <button type="button" className="wv-ref-button" id={id} title={name} aria-label={name} ref={buttonRef}
        aria-haspopup="listbox" aria-expanded={open}
        onMouseDown={(e) => e.preventDefault()} onClick={() => { setOpen(!open); setActive(0); }}>
        <Braces size={13} aria-hidden="true" />
      </button>
      {open ? (
        <div className="wv-ref-pop">
          <input autoFocus className="wv-combo-search" placeholder="Search fields of earlier steps…" value={query}
            aria-label="Search fields of earlier steps" role="combobox" aria-expanded="true" aria-controls={listId}
            aria-activedescendant={flat.length ? `${listId}-${active}` : undefined}
            onChange={(e) => { setQuery(e.target.value); setActive(0); }}
            onKeyDown={(e) => onKey(e, (i) => { if (flat[i]) insert(flat[i]); }, close)} />
          <div className="wv-combo-list" role="listbox" id={listId} ref={listRef} aria-label="References">
            {shown.length ? shown.map((g) => {
              index += 1;
              const head = index;
              return (
                <div key={g.nodeId} className="wv-ref-group" role="group" aria-label={g.label}>
                  <div className={"wv-ref-head" + (head === active ? " is-active" : "")} role="option"
                    aria-selected={head === active} id={`${listId}-${head}`} data-index={head}
                    onMouseEnter={() => setActive(head)}
                    onMouseDown={(e) => { e.preventDefault(); insert(g.whole); }}
                    title={`Insert ${g.whole}`}>{g.label}
                    {g.note ? <span className="wv-ref-note"> · {g.note}</span> : null}</div>
                  {g.items.map((i) => {
                    index += 1;
                    const mine = index;
                    return (
                      <div key={i.path} role="option" aria-selected={mine === active} id={`${listId}-${mine}`}
                        data-index={mine} data-insert={i.insert}
                        className={"wv-combo-opt wv-ref-item" + (mine === active ? " is-active" : "")}
                        onMouseEnter={() => setActive(mine)}
                        onMouseDown={(e) => { e.preventDefault(); insert(i.insert); }}>
                        <span className="wv-ref-path">{i.path}</span>
                        <span className={i.sample ? "wv-combo-sub wv-ref-sample" : "wv-combo-sub"}
                          title={i.sample ? `${i.description}: ${i.sample}` : i.description}>{i.sample || i.description}</span>
                      </div>
                    );
                  })}
                  {!g.items.length ? <div className="wv-combo-empty">No known fields: type a path after {g.whole}</div> : null}
                </div>
              );
            }) : <div className="wv-combo-empty">No earlier steps: connect this node after another one</div>}
          </div>
        </div>
      ) : null}
    </div>
  );
}
