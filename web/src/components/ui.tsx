// Small shared pieces: a labelled field with its API error, buttons, notices, dialogs.
import type { ComponentChildren, TargetedEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/client";

let fieldIds = 0;
export function useFieldId(prefix = "field"): string {
  const id = useRef<string | null>(null);
  id.current ??= `${prefix}-${++fieldIds}`;
  return id.current;
}

interface FieldProps {
  label: string;
  /** The JSON pointer of this field in the request body, for the API's message. */
  pointer?: string;
  error?: ApiError | null;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}

/** A label, the control, a hint and the API's validation message for this field. */
export function Field({ label, pointer, error, hint, children }: FieldProps) {
  const id = useFieldId();
  const message = pointer !== undefined ? error?.fieldError(pointer) : undefined;
  const describedBy = [hint ? `${id}-hint` : "", message ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={`field${message ? " field--invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children(id, describedBy)}
      {hint && <small id={`${id}-hint`} class="hint">{hint}</small>}
      {message && <small id={`${id}-error`} class="field-error" role="alert">{message}</small>}
    </div>
  );
}

/** The API's refusal as a notice: title, detail and any messages not tied to a field. */
export function ErrorNotice({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (error === null || error === undefined) return null;
  if (!(error instanceof ApiError)) return <div class="notice notice--error" role="alert">{String(error)}</div>;
  const loose = (error.problem.errors ?? []).filter((e) => e.pointer === undefined || !fields.includes(e.pointer));
  return (
    <div class="notice notice--error" role="alert">
      <strong>{error.problem.title}</strong>
      {error.problem.detail && error.problem.detail !== error.problem.title && <p>{error.problem.detail}</p>}
      {loose.length > 0 && (
        <ul>
          {loose.map((e) => (
            <li key={`${e.pointer}-${e.detail}`}>{e.pointer ? <code>{e.pointer}</code> : null} {e.detail}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ kind = "info", children }: { kind?: "info" | "success" | "warning" | "error"; children: ComponentChildren }) {
  return (
    <div class={`notice notice--${kind}`} role={kind === "error" || kind === "warning" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return <p class="spinner" role="status">{label}</p>;
}

interface DialogProps {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
}

/** A modal <dialog>: focus moves into it, Escape closes it, focus returns after. */
export function Dialog({ title, open, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useFieldId("dialog");
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const onCancel = (event: TargetedEvent<HTMLDialogElement, Event>) => {
    event.preventDefault();
    onClose();
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={onCancel} class="dialog">
      <header class="dialog__header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="button button--ghost" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {open && children}
    </dialog>
  );
}

export function formatDate(value: string | Date, timeZone?: string, options: Intl.DateTimeFormatOptions = { dateStyle: "medium" }): string {
  // A bare day ("2026-12-04") names the same day everywhere: format it in UTC at noon.
  const isDay = typeof value === "string" && value.length === 10;
  const date = typeof value === "string" ? new Date(isDay ? `${value}T12:00:00Z` : value) : value;
  return new Intl.DateTimeFormat(undefined, { ...options, timeZone: isDay ? "UTC" : timeZone }).format(date);
}

export function formatDateTime(value: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(value));
}

/** A table's horizontal scroller. When its table is wider than the screen it takes the
    keyboard focus (so arrow keys scroll it) and is a region named after its table. */
export function TableScroll({ children, label }: { children: ComponentChildren; label?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  const [name, setName] = useState(label);
  useEffect(() => {
    const box = ref.current;
    if (box === null) return;
    const table = box.querySelector("table");
    if (label === undefined) {
      const caption = table?.querySelector("caption")?.textContent ?? table?.getAttribute("aria-label");
      setName(caption?.trim() || "Table");
    }
    const measure = () => setOverflows(box.scrollWidth > box.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    if (table) observer.observe(table);
    return () => observer.disconnect();
  }, [label]);
  return (
    <div
      ref={ref}
      class="table-scroll"
      tabIndex={overflows ? 0 : undefined}
      role={overflows ? "region" : undefined}
      aria-label={overflows ? name : undefined}
    >
      {children}
    </div>
  );
}
