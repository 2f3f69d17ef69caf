// One shift in a list (My shifts, and what an approval would strand): its day, name and
// hours, with its screener and locked badges and any the page adds.
import type { ComponentChildren } from "preact";
import type { Assignment, ShiftType } from "../api/types";
import { dayLabel, shiftHours } from "./time-off";

interface ShiftItemProps {
  assignment: Pick<Assignment, "id" | "date" | "shift_type_id" | "is_screener" | "is_locked">;
  shift: ShiftType | undefined;
  children?: ComponentChildren;
}

export function ShiftItem({ assignment, shift, children }: ShiftItemProps) {
  return (
    <li class="shift-item" data-assignment-id={assignment.id}>
      <time class="shift-item__day" dateTime={assignment.date}>
        {dayLabel(assignment.date)}
      </time>
      <span class="shift-item__name">{shift?.name ?? `Shift type ${assignment.shift_type_id}`}</span>
      {shift && <span class="shift-item__hours">{shiftHours(shift)}</span>}
      <span class="shift-item__badges">
        {assignment.is_screener && <span class="badge badge--info">Screener</span>}
        {assignment.is_locked && <span class="badge">Locked</span>}
        {children}
      </span>
    </li>
  );
}
