// The roster grid: analysts as rows, days as columns, coverage rows under them. One
// focusable cell at a time (roving tabindex, arrow keys); managers open a cell with
// Enter or a click, drag a shift chip to another cell, or pick it up with M and drop it
// with Enter. Rows are memoized and reused while their cells are unchanged.
import type { TargetedDragEvent, TargetedKeyboardEvent, TargetedMouseEvent } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { CoverageLine, type DayInfo, DayHeader, type Refusal, Row, type Shared } from "./calendar-cells";
import type { Assignment, CoverageRow, RowData, View } from "./calendar-model";

export type { DayInfo, Refusal } from "./calendar-cells";
export { LockIcon } from "./calendar-cells";

export interface Lifted {
  assignment: Assignment;
}

/** A cell to move focus to: an analyst's (`analystId`) or a coverage cell (`shiftId`). */
export interface FocusRequest {
  analystId?: number;
  shiftId?: number;
  date: string;
  seq: number;
}

interface GridProps extends Shared {
  view: View;
  caption: string;
  rows: RowData[];
  coverage: CoverageRow[];
  dayInfo: Map<string, DayInfo>;
  lifted: Lifted | null;
  refused: Refusal | null;
  focusRequest: FocusRequest | null;
  onOpen: (analystId: number, date: string) => void;
  onMove: (assignmentId: number, analystId: number, date: string) => void;
  onLift: (assignment: Assignment | null) => void;
}

const DRAG_TYPE = "application/x-shiftplanner-assignment";
const MAX_MEASURES = 100;

export function CalendarGrid(props: GridProps) {
  const { rows, coverage, days } = props;
  const tableRef = useRef<HTMLTableElement>(null);
  const [focus, setFocus] = useState({ r: 0, c: 0 });
  const moveFocus = useRef(false);
  const dragging = useRef<number | null>(null);
  const hovered = useRef<HTMLElement | null>(null);
  const rowCount = rows.length + coverage.length;

  // The render measured from here to the committed, laid-out table (read by the tests
  // and in the browser's performance panel as "calendar-render").
  const measured = useRef<unknown[]>([]);
  const inputs = [rows, coverage, days];
  if (inputs.some((value, i) => value !== measured.current[i])) {
    performance.clearMarks("calendar-render-start");
    performance.mark("calendar-render-start");
  }
  useLayoutEffect(() => {
    measured.current = inputs;
    void tableRef.current?.offsetHeight; // include style and layout, not only the DOM diff
    // Kept bounded: a day of live updates would otherwise pile up entries.
    if (performance.getEntriesByName("calendar-render").length >= MAX_MEASURES) performance.clearMeasures("calendar-render");
    if (performance.getEntriesByName("calendar-render-start").length > 0) performance.measure("calendar-render", "calendar-render-start");
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, inputs);

  const r = Math.min(focus.r, Math.max(rowCount - 1, 0));
  const c = Math.min(focus.c, days.length - 1);

  const cellAt = (row: number, column: number) => tableRef.current?.querySelector<HTMLElement>(`[data-r="${row}"][data-c="${column}"]`) ?? null;
  // Focus follows at once (the next key may come before an effect would run); the
  // layout effect catches a cell that only exists after the render.
  useLayoutEffect(() => {
    if (!moveFocus.current) return;
    moveFocus.current = false;
    cellAt(r, c)?.focus();
  }, [r, c]);

  useEffect(() => {
    const request = props.focusRequest;
    if (request === null) return;
    const column = days.indexOf(request.date);
    const row =
      request.analystId !== undefined
        ? rows.findIndex((x) => x.analyst.id === request.analystId)
        : rows.length + coverage.findIndex((x) => x.shift.id === request.shiftId);
    if (column < 0 || row < 0 || row >= rowCount) return;
    moveFocus.current = true;
    setFocus({ r: row, c: column });
    cellAt(row, column)?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.focusRequest]);

  const cellOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<HTMLElement>("td[data-r]") : null);
  const place = (cell: HTMLElement) => ({ r: Number(cell.dataset.r), c: Number(cell.dataset.c) });

  const onKeyDown = (event: TargetedKeyboardEvent<HTMLTableElement>) => {
    const cell = cellOf(event.target);
    if (cell === null) return;
    const at = place(cell);
    let next: { r: number; c: number } | null = null;
    switch (event.key) {
      case "ArrowRight": next = { r: at.r, c: Math.min(at.c + 1, days.length - 1) }; break;
      case "ArrowLeft": next = { r: at.r, c: Math.max(at.c - 1, 0) }; break;
      case "ArrowDown": next = { r: Math.min(at.r + 1, rowCount - 1), c: at.c }; break;
      case "ArrowUp": next = { r: Math.max(at.r - 1, 0), c: at.c }; break;
      case "Home": next = { r: event.ctrlKey ? 0 : at.r, c: 0 }; break;
      case "End": next = { r: event.ctrlKey ? rowCount - 1 : at.r, c: days.length - 1 }; break;
      case "PageDown": next = { r: Math.min(at.r + 5, rowCount - 1), c: at.c }; break;
      case "PageUp": next = { r: Math.max(at.r - 5, 0), c: at.c }; break;
      default: break;
    }
    if (next !== null) {
      event.preventDefault();
      moveFocus.current = true;
      setFocus(next);
      cellAt(next.r, next.c)?.focus();
      return;
    }
    const analystId = cell.dataset.analyst === undefined ? null : Number(cell.dataset.analyst);
    const date = cell.dataset.date ?? "";
    if (event.key === "Escape" && props.lifted !== null) {
      event.preventDefault();
      props.onLift(null);
    } else if ((event.key === "Enter" || event.key === " ") && analystId !== null && props.canEdit) {
      event.preventDefault();
      if (props.lifted !== null) props.onMove(props.lifted.assignment.id, analystId, date);
      else props.onOpen(analystId, date);
    } else if ((event.key === "m" || event.key === "M") && analystId !== null && props.canEdit && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const here = rows[at.r]?.cells.get(date)?.assignments ?? [];
      if (here.length === 0) return;
      event.preventDefault();
      // Pressed again on the same cell: the next shift of the cell, then none.
      const index = props.lifted === null ? -1 : here.findIndex((a) => a.id === props.lifted?.assignment.id);
      props.onLift(index + 1 < here.length ? here[index + 1] : null);
    }
  };

  const onClick = (event: TargetedMouseEvent<HTMLTableElement>) => {
    const cell = cellOf(event.target);
    if (cell === null) return;
    setFocus(place(cell));
    if (cell.dataset.analyst === undefined || !props.canEdit) return;
    if (props.lifted !== null) props.onMove(props.lifted.assignment.id, Number(cell.dataset.analyst), cell.dataset.date ?? "");
    else props.onOpen(Number(cell.dataset.analyst), cell.dataset.date ?? "");
  };

  const highlight = (cell: HTMLElement | null) => {
    if (hovered.current === cell) return;
    hovered.current?.classList.remove("cal-cell--drop");
    cell?.classList.add("cal-cell--drop");
    hovered.current = cell;
  };
  const onDragStart = (event: TargetedDragEvent<HTMLTableElement>) => {
    const chip = event.target instanceof Element ? event.target.closest<HTMLElement>("[data-assignment]") : null;
    if (chip === null || !props.canEdit || event.dataTransfer === null) return;
    dragging.current = Number(chip.dataset.assignment);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData(DRAG_TYPE, String(dragging.current));
    event.dataTransfer.setData("text/plain", chip.textContent ?? "");
  };
  const onDragOver = (event: TargetedDragEvent<HTMLTableElement>) => {
    const cell = cellOf(event.target);
    if (dragging.current === null || cell?.dataset.analyst === undefined) return highlight(null);
    event.preventDefault();
    if (event.dataTransfer !== null) event.dataTransfer.dropEffect = "move";
    highlight(cell);
  };
  const onDrop = (event: TargetedDragEvent<HTMLTableElement>) => {
    const cell = cellOf(event.target);
    const id = dragging.current ?? Number(event.dataTransfer?.getData(DRAG_TYPE));
    highlight(null);
    dragging.current = null;
    if (cell?.dataset.analyst === undefined || !id) return;
    event.preventDefault();
    setFocus(place(cell));
    props.onMove(id, Number(cell.dataset.analyst), cell.dataset.date ?? "");
  };
  const onDragEnd = () => {
    highlight(null);
    dragging.current = null;
  };

  const shared: Shared = {
    days,
    today: props.today,
    timeZone: props.timeZone,
    shiftById: props.shiftById,
    colours: props.colours,
    canEdit: props.canEdit,
  };
  const lifted = props.lifted?.assignment ?? null;
  return (
    <div class={`cal-scroll cal-scroll--${props.view}`}>
      <table
        ref={tableRef}
        role="grid"
        class={`cal-grid cal-grid--${props.view}`}
        aria-rowcount={rowCount + 1}
        aria-colcount={days.length + 1}
        onKeyDown={onKeyDown}
        onClick={onClick}
        onDragStart={onDragStart}
        onDragOver={onDragOver}
        onDrop={onDrop}
        onDragEnd={onDragEnd}
      >
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="cal-corner">Analyst</th>
            {days.map((day) => (
              <DayHeader key={day} day={day} today={props.today} view={props.view} info={props.dayInfo.get(day)} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <Row
              key={row.analyst.id}
              row={row}
              index={index}
              shared={shared}
              focusCol={index === r ? c : -1}
              liftedId={lifted !== null && lifted.analyst_id === row.analyst.id ? lifted.id : null}
              refused={props.refused !== null && props.refused.analystId === row.analyst.id ? props.refused : null}
            />
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={days.length + 1} class="cal-empty">No analysts to show.</td>
            </tr>
          )}
        </tbody>
        {coverage.length > 0 && (
          <tbody class="cal-coverage">
            <tr class="cal-section">
              <th scope="rowgroup" colSpan={days.length + 1}>
                <span class="cal-section__label">Coverage: assigned / required (S: screeners)</span>
              </th>
            </tr>
            {coverage.map((line, index) => (
              <CoverageLine key={line.shift.id} line={line} index={rows.length + index} shared={shared} focusCol={rows.length + index === r ? c : -1} />
            ))}
          </tbody>
        )}
      </table>
    </div>
  );
}

