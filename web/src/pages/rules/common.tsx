// What the rules tabs share: the API's shapes, loading a list, a delete confirmation,
// and number fields that may be left empty (null).
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Dialog, ErrorNotice, Notice } from "../../components/ui";

import type { Analyst as ApiAnalyst, Contract, ShiftType, Team, Weekday } from "../../api/types";
export type { Contract, ShiftType, Team, Weekday };

export const WEEKDAYS: [Weekday, string][] = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];
export const WEEKDAY_LABEL = Object.fromEntries(WEEKDAYS) as Record<Weekday, string>;

/** An analyst as the rules tabs read one: with email and contract. */
export interface Analyst extends ApiAnalyst {
  email: string;
  contract: Contract;
}

export interface TabProps {
  team: Team;
  canAdmin: boolean;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: unknown; reload: () => Promise<void> } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(null);
    } catch (caught) {
      setError(caught);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => void reload(), [reload]);
  return { data, error, reload };
}

/** "" → null; anything else as a number (the API says what it makes of it). */
export function numberOrNull(value: string): number | null {
  return value.trim() === "" ? null : Number(value);
}

export function inputOf(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

export function asApiError(error: unknown): ApiError | null {
  return error instanceof ApiError ? error : null;
}

export function shortTime(value: string): string {
  return value.slice(0, 5);
}

export interface PendingDelete {
  title: string;
  body: string;
  run: () => Promise<void>;
}

/** "Delete …?" with the API's refusal, if any, shown in the dialog. */
export function ConfirmDelete({ pending, onDone }: { pending: PendingDelete | null; onDone: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(null), [pending]);
  const confirm = async () => {
    if (pending === null) return;
    setBusy(true);
    try {
      await pending.run();
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={pending?.title ?? ""} open={pending !== null} onClose={onDone}>
      <p>{pending?.body}</p>
      <ErrorNotice error={error} />
      <div class="toolbar">
        <button type="button" class="button button--danger" disabled={busy} onClick={() => void confirm()}>
          Delete
        </button>
        <button type="button" class="button" onClick={onDone}>
          Keep it
        </button>
      </div>
    </Dialog>
  );
}

export function ReadOnlyNote({ what }: { what: string }) {
  return <p class="hint rules-readonly">Only an administrator can change {what}; you can see them here.</p>;
}

/** A refused form: when every message sits by its field, a short pointer to them (the
 * field messages say it all); otherwise the API's problem in full. */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (error instanceof ApiError) {
    const listed = error.problem.errors ?? [];
    if (listed.length > 0 && listed.every((e) => e.pointer !== undefined && fields.includes(e.pointer))) {
      return <Notice kind="error">Not saved: {listed.length === 1 ? "see the message by the field." : `see the ${listed.length} messages by the fields.`}</Notice>;
    }
  }
  return <ErrorNotice error={error} fields={fields} />;
}
