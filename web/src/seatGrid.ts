/**
 * Keyboard movement on the seat map, which is an ARIA grid: one row per seat row (sections one after another, front
 * to back), one cell per seat. Pure, so the page only maps a key to a seat and moves the focus there.
 *
 * - ←/→: the neighbouring seat in the row; ↑/↓: the seat at the same position in the row in front or behind
 *   (the row's last seat when that row is shorter).
 * - Home/End: the first or last seat of the row; Ctrl+Home/Ctrl+End: the first or last seat of the map.
 * - PageUp/PageDown: `pageRows` rows at a time.
 * At an edge the focus stays where it is, as the WAI-ARIA grid pattern has it (no wrapping).
 */
export type GridPosition = Readonly<{ row: number; column: number }>;

export const pageRows = 5;

const clampColumn = (rowLengths: readonly number[], row: number, column: number): GridPosition => ({
  row,
  column: Math.min(column, rowLengths[row]! - 1),
});

/** Where `key` moves the focus from `from`, or undefined when the key does not move it (another key, or an edge). */
export const moveInGrid = (
  rowLengths: readonly number[],
  from: GridPosition,
  key: string,
  ctrlKey = false,
): GridPosition | undefined => {
  const lastRow = rowLengths.length - 1;
  const rowEnd = (rowLengths[from.row] ?? 0) - 1;
  let to: GridPosition | undefined;
  switch (key) {
    case 'ArrowRight':
      to = from.column < rowEnd ? { row: from.row, column: from.column + 1 } : undefined;
      break;
    case 'ArrowLeft':
      to = from.column > 0 ? { row: from.row, column: from.column - 1 } : undefined;
      break;
    case 'ArrowDown':
      to = from.row < lastRow ? clampColumn(rowLengths, from.row + 1, from.column) : undefined;
      break;
    case 'ArrowUp':
      to = from.row > 0 ? clampColumn(rowLengths, from.row - 1, from.column) : undefined;
      break;
    case 'PageDown':
      to =
        from.row < lastRow ? clampColumn(rowLengths, Math.min(lastRow, from.row + pageRows), from.column) : undefined;
      break;
    case 'PageUp':
      to = from.row > 0 ? clampColumn(rowLengths, Math.max(0, from.row - pageRows), from.column) : undefined;
      break;
    case 'Home':
      to = ctrlKey ? { row: 0, column: 0 } : { row: from.row, column: 0 };
      break;
    case 'End':
      to = ctrlKey ? { row: lastRow, column: rowLengths[lastRow]! - 1 } : { row: from.row, column: rowEnd };
      break;
    default:
      return undefined;
  }
  if (to === undefined || (to.row === from.row && to.column === from.column)) return undefined;
  return to;
};
