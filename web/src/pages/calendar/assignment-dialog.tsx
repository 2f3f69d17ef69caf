// The cell dialog: add a shift to a cell, or change, move (to another analyst or day)
// and remove one. It keeps the version it read: a save after someone else's change is
// refused by the API, and the dialog then shows their version instead of overwriting it.
import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { ErrorNotice, Field, Notice } from "../../components/ui";
import type { AssignmentChange, AssignmentInput, WriteResult } from "./calendar-api";
import { type Analyst, type Assignment, type Conflict, dayLabel, hhmm, isDay, type ShiftType } from "./calendar-model";

export interface CellTarget {
  analyst: Analyst;
  date: string;
  /** The cell's shifts as they were read when the dialog opened. */
  assignments: Assignment[];
}

interface Props {
  target: CellTarget;
  shiftTypes: ShiftType[];
  analysts: Analyst[];
  timeZone: string;
  onCreate: (input: AssignmentInput) => Promise<WriteResult>;
  onUpdate: (read: Assignment, change: AssignmentChange) => Promise<WriteResult>;
  onDelete: (read: Assignment) => Promise<WriteResult>;
  onClose: () => void;
}

type Message =
  | { kind: "refused"; conflicts: Conflict[]; reason: string }
  | { kind: "stale"; gone: boolean }
  | { kind: "failed"; error: unknown };

interface Form {
  shiftTypeId: number;
  isScreener: boolean;
  skill: string | null;
  isLocked: boolean;
  note: string;
  analystId: number;
  date: string;
}

function formOf(read: Assignment | null, target: CellTarget, shiftTypes: ShiftType[]): Form {
  return {
    shiftTypeId: read?.shift_type_id ?? shiftTypes.find((s) => s.is_active)?.id ?? 0,
    isScreener: read?.is_screener ?? false,
    skill: read?.skill ?? null,
    isLocked: read?.is_locked ?? false,
    note: read?.note ?? "",
    analystId: read?.analyst_id ?? target.analyst.id,
    date: read?.date ?? target.date,
  };
}

export function dialogTitle(target: CellTarget): string {
  return `${target.analyst.name} · ${dayLabel(target.date, { weekday: "long", day: "numeric", month: "long", year: "numeric" })}`;
}

export function AssignmentForm({ target, shiftTypes, analysts, timeZone, onCreate, onUpdate, onDelete, onClose }: Props) {
  // The shifts of the cell as this dialog knows them (a stale save replaces one).
  const [known, setKnown] = useState<Assignment[]>(target.assignments);
  const [selected, setSelected] = useState<number | "new">(target.assignments[0]?.id ?? "new");
  const read = selected === "new" ? null : (known.find((a) => a.id === selected) ?? null);
  const [form, setForm] = useState<Form>(() => formOf(read, target, shiftTypes));
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [gone, setGone] = useState<Set<number>>(new Set());

  const choose = (value: number | "new") => {
    setSelected(value);
    setForm(formOf(value === "new" ? null : (known.find((a) => a.id === value) ?? null), target, shiftTypes));
    setMessage(null);
    setConfirmDelete(false);
  };
  const set = <K extends keyof Form>(name: K, value: Form[K]) => setForm((f) => ({ ...f, [name]: value }));

  const handle = (result: WriteResult, wrote: Assignment | null) => {
    if (result.kind === "saved") {
      onClose();
      return;
    }
    if (result.kind === "stale" && wrote !== null) {
      if (result.current === null) {
        setGone((g) => new Set(g).add(wrote.id));
      } else {
        const current = result.current;
        setKnown((list) => list.map((a) => (a.id === current.id ? current : a)));
        setForm(formOf(current, target, shiftTypes));
      }
      setMessage({ kind: "stale", gone: result.current === null });
      return;
    }
    setMessage(result.kind === "stale" ? { kind: "failed", error: "The change was not saved." } : result);
  };

  const submit = async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setConfirmDelete(false);
    if (read === null) {
      setBusy(true);
      setMessage(null);
      const result = await onCreate({
        analyst_id: target.analyst.id,
        shift_type_id: form.shiftTypeId,
        date: target.date,
        is_screener: form.isScreener,
        skill: form.skill,
        is_locked: form.isLocked,
        note: form.note,
      });
      setBusy(false);
      handle(result, null);
      return;
    }
    const change: AssignmentChange = {};
    if (form.shiftTypeId !== read.shift_type_id) change.shift_type_id = form.shiftTypeId;
    if (form.isScreener !== read.is_screener) change.is_screener = form.isScreener;
    if (form.skill !== read.skill) change.skill = form.skill;
    if (form.isLocked !== read.is_locked) change.is_locked = form.isLocked;
    if (form.note !== read.note) change.note = form.note;
    if (form.analystId !== read.analyst_id) change.analyst_id = form.analystId;
    if (form.date !== read.date) change.date = form.date;
    if (Object.keys(change).length === 0) {
      onClose();
      return;
    }
    if (change.date !== undefined && !isDay(change.date)) {
      setMessage({ kind: "failed", error: "Choose a valid date to move the shift to." });
      return;
    }
    setBusy(true);
    setMessage(null);
    const result = await onUpdate(read, change);
    setBusy(false);
    handle(result, read);
  };

  const remove = async () => {
    if (read === null) return;
    if (!confirmDelete) {
      setConfirmDelete(true);
      return;
    }
    setBusy(true);
    setMessage(null);
    const result = await onDelete(read);
    setBusy(false);
    setConfirmDelete(false);
    handle(result, read);
  };

  const analyst = analysts.find((a) => a.id === form.analystId) ?? target.analyst;
  const shift = shiftTypes.find((s) => s.id === form.shiftTypeId);
  const usable = shiftTypes.filter((s) => s.is_active || s.id === read?.shift_type_id);
  const isGone = read !== null && gone.has(read.id);
  const shiftName = (id: number) => shiftTypes.find((s) => s.id === id)?.name ?? `Shift ${id}`;
  // The API's refusal of a field (the skill the analyst lacks) shows by that field.
  const refusal = message?.kind === "failed" && message.error instanceof ApiError ? message.error : null;
  // The analyst's skills, and the one the shift covers even when the analyst lacks it now.
  const skills = form.skill !== null && !analyst.skills.includes(form.skill) ? [...analyst.skills, form.skill] : analyst.skills;

  return (
    <form class="cal-form" onSubmit={submit}>
      {known.length > 0 && (
        <fieldset class="cal-form__pick">
          <legend>Shift in this cell</legend>
          {known.map((a) => (
            <label key={a.id} class="cal-form__choice">
              <input type="radio" name="cal-pick" checked={selected === a.id} onChange={() => choose(a.id)} />
              Edit {shiftName(a.shift_type_id)}
            </label>
          ))}
          <label class="cal-form__choice">
            <input type="radio" name="cal-pick" checked={selected === "new"} onChange={() => choose("new")} />
            Add another shift
          </label>
        </fieldset>
      )}

      {message?.kind === "refused" && (
        <div class="notice notice--error" role="alert">
          <strong>Not saved: {message.conflicts.length > 0 ? "this would create a conflict the schedule does not allow." : message.reason}</strong>
          {message.conflicts.length > 0 && (
            <ul>
              {message.conflicts.map((c) => (
                <li key={`${c.type}-${c.message}`}>{c.message}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {message?.kind === "stale" && (
        <Notice kind="warning">
          <strong>{message.gone ? "This shift was removed by someone else." : "This shift was changed by someone else."}</strong>
          <p>
            {message.gone
              ? "Nothing was saved. The calendar no longer shows it."
              : "Nothing of yours was saved. The form now shows their version; make your change again if it is still needed."}
          </p>
        </Notice>
      )}
      {message?.kind === "failed" && <ErrorNotice error={message.error} fields={["#/skill"]} />}

      <Field label="Shift type">
        {(id) => (
          <select id={id} value={form.shiftTypeId} disabled={isGone} onChange={(e) => set("shiftTypeId", Number(e.currentTarget.value))}>
            {usable.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({hhmm(s.start_time)}–{hhmm(s.end_time)}){s.is_active ? "" : " — inactive"}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div class="cal-form__checks">
        <label>
          <input type="checkbox" checked={form.isScreener} disabled={isGone} onChange={(e) => set("isScreener", e.currentTarget.checked)} /> Screener duty
        </label>
        <label>
          <input type="checkbox" checked={form.isLocked} disabled={isGone} onChange={(e) => set("isLocked", e.currentTarget.checked)} /> Locked (generation keeps it)
        </label>
      </div>
      {form.isScreener && !analyst.skills.includes("screener") && (
        <p class="hint cal-form__hint">{analyst.name} has no screener skill: the schedule refuses screener duty for them.</p>
      )}
      <Field label="Skill covered" pointer="#/skill" error={refusal} hint="Counts towards the shift's need of that skill (coverage rules).">
        {(id, describedBy) => (
          <select id={id} aria-describedby={describedBy} value={form.skill ?? ""} disabled={isGone} onChange={(e) => set("skill", e.currentTarget.value || null)}>
            <option value="">No particular skill</option>
            {skills.map((skill) => (
              <option key={skill} value={skill}>
                {skill}
                {analyst.skills.includes(skill) ? "" : ` — not one of ${analyst.name}'s skills`}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Note" hint="Up to 500 characters.">
        {(id, describedBy) => (
          <textarea id={id} aria-describedby={describedBy} maxLength={500} rows={2} value={form.note} disabled={isGone} onInput={(e) => set("note", e.currentTarget.value)} />
        )}
      </Field>

      {read !== null && (
        <fieldset class="cal-form__move">
          <legend>Move to</legend>
          <div class="cal-form__row">
            <Field label="Analyst">
              {(id) => (
                <select id={id} value={form.analystId} disabled={isGone} onChange={(e) => set("analystId", Number(e.currentTarget.value))}>
                  {analysts
                    .filter((a) => a.is_active || a.id === read.analyst_id)
                    .map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name}
                      </option>
                    ))}
                </select>
              )}
            </Field>
            <Field label="Date" hint={`A day in ${timeZone}.`}>
              {(id, describedBy) => (
                <input id={id} type="date" aria-describedby={describedBy} value={form.date} disabled={isGone} required onInput={(e) => set("date", e.currentTarget.value)} />
              )}
            </Field>
          </div>
        </fieldset>
      )}
      {shift && (
        <p class="hint cal-form__hint">
          {shift.name} runs {hhmm(shift.start_time)}–{hhmm(shift.end_time)} in {timeZone}
          {shift.is_night ? " (a night shift, ending the next day)" : ""}.
        </p>
      )}

      <div class="cal-form__actions">
        {!isGone && (
          <button type="submit" class="button button--primary" disabled={busy}>
            {read === null ? "Add shift" : "Save changes"}
          </button>
        )}
        {read !== null && !isGone && (
          <button type="button" class={confirmDelete ? "button button--danger" : "button"} disabled={busy} onClick={() => void remove()}>
            {confirmDelete ? "Yes, remove it" : "Remove shift"}
          </button>
        )}
        <button type="button" class="button button--ghost" onClick={onClose}>
          {isGone ? "Close" : "Cancel"}
        </button>
      </div>
      {confirmDelete && <p class="hint" role="status">Press “Yes, remove it” to remove this shift from the schedule.</p>}
    </form>
  );
}
